#!/usr/bin/env node
/**
 * `npm run bench`: synth time and peak RSS of the example stack, each a fresh
 * process, median of RUNS runs; against the same stack through the provider's
 * root barrel, and a bare `require('cdktf')` floor. Prints figures and ratios
 * from this one run; it asserts nothing (speed is not a test).
 */
const { spawnSync } = require('node:child_process');
const { mkdtempSync, readFileSync, rmSync, existsSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');

const RUNS = Number(process.env.BENCH_RUNS ?? 7);
const root = join(__dirname, '..');
const main = join(root, 'dist', 'main.js');
if (!existsSync(main)) {
  console.error('dist/main.js is missing: run `npm run build` first (npm run bench does).');
  process.exit(2);
}

const variants = [
  { name: 'example stack (deep imports)', args: [main] },
  { name: 'same stack, root-barrel provider import', args: ['-r', join(__dirname, 'preload-barrel.js'), main] },
  { name: "floor: require('cdktf')", args: ['-e', "require('cdktf')"] },
];

function once(args) {
  const dir = mkdtempSync(join(tmpdir(), 'ghes-email-bench-'));
  const rssFile = join(dir, 'rss');
  const start = process.hrtime.bigint();
  const r = spawnSync(process.execPath, ['-r', join(__dirname, 'rss-probe.js'), ...args], {
    cwd: root,
    env: { ...process.env, CDKTF_OUTDIR: join(dir, 'out'), BENCH_RSS_FILE: rssFile },
    encoding: 'utf8',
  });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (r.status !== 0) throw new Error(`${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  const rssMiB = Number(readFileSync(rssFile, 'utf8')) / 1024;
  rmSync(dir, { recursive: true, force: true });
  return { ms, rssMiB };
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

console.error(`Benchmarking ${variants.length} variants × ${RUNS} fresh processes (node ${process.version})…`);
const results = variants.map((v) => {
  const runs = [];
  for (let i = 0; i < RUNS; i++) {
    runs.push(once(v.args));
    process.stderr.write('.');
  }
  process.stderr.write('\n');
  return { name: v.name, ms: median(runs.map((r) => r.ms)), rssMiB: median(runs.map((r) => r.rssMiB)), min: Math.min(...runs.map((r) => r.ms)), max: Math.max(...runs.map((r) => r.ms)) };
});

const [deep, barrel, floor] = results;
const pad = (s, n) => String(s).padEnd(n);
console.log(`${pad('variant', 42)}${pad('median ms', 12)}${pad('min–max ms', 16)}peak RSS MiB`);
for (const r of results) console.log(`${pad(r.name, 42)}${pad(r.ms.toFixed(0), 12)}${pad(`${r.min.toFixed(0)}–${r.max.toFixed(0)}`, 16)}${r.rssMiB.toFixed(1)}`);
console.log('');
console.log(`root barrel / deep imports: ${(barrel.ms / deep.ms).toFixed(1)}× time, ${(barrel.rssMiB / deep.rssMiB).toFixed(1)}× RSS   (target ≥ 10× time)`);
console.log(`deep imports / floor:       ${(deep.ms / floor.ms).toFixed(2)}× time                 (target ≤ 1.3×)`);
console.log(`example stack peak RSS:     ${deep.rssMiB.toFixed(1)} MiB                (target ≤ 120 MiB)`);
if (process.argv.includes('--json')) console.log(JSON.stringify({ runs: RUNS, node: process.version, results }));
