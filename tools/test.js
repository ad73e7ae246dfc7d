#!/usr/bin/env node
/**
 * `npm test`: the type check (no emit), Prettier's check and ESLint run beside the jest suite instead
 * of before it. jest's workers wait on sockets and child processes part of the time, and the checks
 * fill those gaps on a 2-core machine. Their output is held back and printed after jest's report.
 *
 * The type check is `tsc -b tsconfig.typecheck.json`: TypeScript's build mode keeps its build info in
 * node_modules/.cache/ghes-email and skips the check when no source file changed since the last
 * clean check (0.5 s of CPU instead of 4-9 s); a check with errors is never taken as up to date. Build
 * mode looks at the project's own files only, so the build info is dropped whenever package-lock.json
 * or the TypeScript version changes (`npm ci` removes it anyway with node_modules).
 *
 * Arguments go to jest (`npm test -- -u`, `npm test -- __tests__/boot/boot-run.test.ts`).
 * The closing line stays the one CI reads, "N passed, N failed": each failed check counts as one
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

/**
 * The checks beside jest, each a failure of its own in the closing line. ESLint and Prettier keep
 * content-keyed caches in node_modules/.cache (a fresh clone, as in CI, checks every file).
 */
function checks() {
  const cache = join(root, 'node_modules', '.cache', 'ghes-email');
  const quiet = { stdio: ['ignore', 'pipe', 'pipe'] };
  return [
    {
      name: 'Type check (tsc -b tsconfig.typecheck.json)',
      args: [require.resolve('typescript/bin/tsc'), '-b', 'tsconfig.typecheck.json'],
    },
    {
      name: 'Formatting (prettier --check .; `npx prettier --write .` fixes it)',
      args: [
        require.resolve('prettier/bin/prettier.cjs'),
        '--check',
        '--cache',
        '--cache-strategy',
        'content',
        '--cache-location',
        join(cache, 'prettier.json'),
        '--log-level',
        'warn',
        '.',
      ],
    },
    {
      name: 'Lint (eslint .)',
      args: [
        join(root, 'node_modules', 'eslint', 'bin', 'eslint.js'),
        '--cache',
        '--cache-strategy',
        'content',
        '--cache-location',
        join(cache, 'eslint.json'),
        '--max-warnings',
        '0',
        '.',
      ],
    },
  ].map((c) => ({ ...c, result: run(c.args, quiet) }));
}

async function main() {
  typecheckCache();
  const running = checks();
  const jest = run([require.resolve('jest/bin/jest'), ...process.argv.slice(2)], {
    stdio: 'inherit',
    env: { ...process.env, GHES_EMAIL_SUMMARY_FILE: summaryFile },
  });
  const tests = await jest;
  const failed = [];
  for (const c of running) {
    const { code, output } = await c.result;
    if (code !== 0) failed.push({ ...c, code, output });
  }
  for (const c of failed) process.stderr.write(`\n${c.name} failed (exit ${c.code}):\n${c.output.trimEnd()}\n`);
  if (failed.length > 0) {
    let counts;
    try {
      counts = JSON.parse(readFileSync(summaryFile, 'utf8'));
    } catch {
      counts = undefined;
    }
    if (counts) {
      const skipped = counts.skipped ? `, ${counts.skipped} skipped` : '';
      process.stderr.write(`\n${counts.passed} passed, ${counts.failed + failed.length} failed${skipped}\n`);
    }
  }
  rmSync(tmp, { recursive: true, force: true });
  process.exitCode = tests.code !== 0 ? tests.code : failed.length > 0 ? 1 : 0;
}

main();
