#!/usr/bin/env node
/**
 * `npm test`: the type check (no emit) runs beside the jest suite instead of before it. jest's
 * workers wait on sockets and child processes part of the time, and tsc fills those gaps: ~2-3 s
 * of a 2-core machine's wall time. tsc's output is held back and printed after jest's report.
 *
 * The type check is `tsc -b tsconfig.typecheck.json`: TypeScript's build mode keeps its build info in
 * node_modules/.cache/ghes-email and skips the check when no source file changed since the last
 * clean check (0.5 s of CPU instead of 4-9 s); a check with errors is never taken as up to date. Build
 * mode looks at the project's own files only, so the build info is dropped whenever package-lock.json
 * or the TypeScript version changes (`npm ci` removes it anyway with node_modules).
 *
 * Arguments go to jest (`npm test -- -u`, `npm test -- __tests__/boot-run.test.ts`).
 * The closing line stays the one CI reads, "N passed, N failed": a failed type check counts as one
 * failure there (the summary reporter leaves its counts in GHES_EMAIL_SUMMARY_FILE for this).
 */
const { spawn } = require('node:child_process');
const { createHash } = require('node:crypto');
const { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');

const root = join(__dirname, '..');
const tmp = mkdtempSync(join(tmpdir(), 'ghes-email-test-'));
const summaryFile = join(tmp, 'summary.json');

/** Drops tsc's build info when the installed packages may have changed. */
function typecheckCache() {
  const dir = join(root, 'node_modules', '.cache', 'ghes-email');
  const key = createHash('sha256')
    .update(readFileSync(join(root, 'package-lock.json')))
    .update(require('typescript/package.json').version)
    .digest('hex');
  const keyFile = join(dir, 'typecheck.key');
  let previous = '';
  try {
    previous = readFileSync(keyFile, 'utf8');
  } catch {
    previous = '';
  }
  if (previous !== key) {
    rmSync(join(dir, 'typecheck.tsbuildinfo'), { force: true });
    mkdirSync(dir, { recursive: true });
    writeFileSync(keyFile, key);
  }
}

function run(args, options) {
  const child = spawn(process.execPath, args, { cwd: root, ...options });
  let output = '';
  for (const stream of [child.stdout, child.stderr]) stream?.on('data', (d) => (output += d));
  return new Promise((resolve) => {
    child.on('error', (err) => resolve({ code: 1, output: `${output}${err.message}\n` }));
    child.on('close', (code, signal) => resolve({ code: code ?? (signal ? 1 : 0), output }));
  });
}

async function main() {
  typecheckCache();
  const typecheck = run([require.resolve('typescript/bin/tsc'), '-b', 'tsconfig.typecheck.json'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const jest = run([require.resolve('jest/bin/jest'), ...process.argv.slice(2)], {
    stdio: 'inherit',
    env: { ...process.env, GHES_EMAIL_SUMMARY_FILE: summaryFile },
  });
  const [tsc, tests] = await Promise.all([typecheck, jest]);
  if (tsc.code !== 0) {
    let counts;
    try {
      counts = JSON.parse(readFileSync(summaryFile, 'utf8'));
    } catch {
      counts = undefined;
    }
    process.stderr.write(
      `\nType check failed (tsc -b tsconfig.typecheck.json, exit ${tsc.code}):\n${tsc.output.trimEnd()}\n`,
    );
    if (counts)
      process.stderr.write(
        `\n${counts.passed} passed, ${counts.failed + 1} failed${counts.skipped ? `, ${counts.skipped} skipped` : ''}\n`,
      );
  }
  rmSync(tmp, { recursive: true, force: true });
  process.exitCode = tests.code !== 0 ? tests.code : tsc.code;
}

main();
