#!/usr/bin/env node
/**
 * `npm test`: the type check (tsc --noEmit) runs beside the jest suite instead of before it. jest's
 * workers wait on sockets and child processes part of the time, and tsc fills those gaps: ~2-3 s
 * of a 2-core machine's wall time. tsc's output is held back and printed after jest's report.
 *
 * Arguments go to jest (`npm test -- -u`, `npm test -- __tests__/boot-run.test.ts`).
 * The closing line stays the one CI reads, "N passed, N failed": a failed type check counts as one
 * failure there (the summary reporter leaves its counts in GHES_EMAIL_SUMMARY_FILE for this).
 */
const { spawn } = require('node:child_process');
const { mkdtempSync, readFileSync, rmSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');

const root = join(__dirname, '..');
const tmp = mkdtempSync(join(tmpdir(), 'ghes-email-test-'));
const summaryFile = join(tmp, 'summary.json');

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
  const typecheck = run([require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.json', '--noEmit'], { stdio: ['ignore', 'pipe', 'pipe'] });
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
    process.stderr.write(`\nType check failed (tsc -p tsconfig.json --noEmit, exit ${tsc.code}):\n${tsc.output.trimEnd()}\n`);
    if (counts) process.stderr.write(`\n${counts.passed} passed, ${counts.failed + 1} failed${counts.skipped ? `, ${counts.skipped} skipped` : ''}\n`);
  }
  rmSync(tmp, { recursive: true, force: true });
  process.exitCode = tests.code !== 0 ? tests.code : tsc.code;
}

main();
