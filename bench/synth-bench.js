#!/usr/bin/env node
/**
 * `npm run bench`: what a user waits for on `npx cdktf synth`, from one run.
 * Every variant is a fresh process; variants are interleaved (one round runs each
 * once), RUNS rounds, medians reported with min–max. "After an edit" appends a
 * comment to lib/ghes-email/ghes-email.ts before each such run (restored at the end), so the
 * app command has to rebuild what it caches. Prints figures, ratios and their
 * targets; asserts nothing (speed is not a test).
 */
const { spawnSync } = require('node:child_process');
const { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');

const RUNS = Math.max(5, Number(process.env.BENCH_RUNS ?? 5));
const root = join(__dirname, '..');
const main = join(root, 'dist', 'main.js');
if (!existsSync(main)) {
  console.error('dist/main.js is missing: run `npm run build` first (npm run bench does).');
  process.exit(2);
}
const EDITED = join(root, 'lib', 'ghes-email', 'ghes-email.ts');
const original = readFileSync(EDITED, 'utf8');
const restore = () => writeFileSync(EDITED, original);
process.on('exit', restore);
// Stopped by Ctrl-C, kill or a closed terminal: the edited file is restored all the same (exit runs restore).
const STOPS = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 };
for (const [signal, code] of Object.entries(STOPS)) process.on(signal, () => process.exit(code));
let edits = 0;
const edit = () => appendFileSync(EDITED, `\n// bench edit ${++edits}\n`);

const node = (args) => [process.execPath, ['-r', join(__dirname, 'rss-probe.js'), ...args]];
// The engine's CLI: cdktf here, cdktn in that flavor (tools/flavor.js sets ghesEmail.cli).
const CLI = require('../package.json').ghesEmail?.cli ?? 'cdktf';
const npx = ['npx', [CLI, 'synth']];
const variants = [
  { key: 'app', name: 'app command (cdktf.json), no edit', cmd: node([join(root, 'tools', 'run-app.js')]) },
  {
    key: 'appEdit',
    name: 'app command (cdktf.json), after an edit',
    cmd: node([join(root, 'tools', 'run-app.js')]),
    before: edit,
  },
  { key: 'compiled', name: 'precompiled app: node dist/main.js', cmd: node([main]) },
  {
    key: 'barrel',
    name: 'same, root-barrel provider import',
    cmd: node(['-r', join(__dirname, 'preload-barrel.js'), main]),
  },
  {
    key: 'floor',
    name: "floor: require('cdktf'), require('constructs')",
    cmd: node(['-e', "require('cdktf'); require('constructs')"]),
  },
  { key: 'cli', name: `npx ${CLI} synth, no edit`, cmd: npx },
  { key: 'cliEdit', name: `npx ${CLI} synth, after an edit`, cmd: npx, before: edit },
  {
    key: 'cliCompiled',
    name: `npx ${CLI} synth --app "node dist/main.js"`,
    cmd: ['npx', [CLI, 'synth', '--app', `node ${main}`]],
  },
  // The ghes-email CLI's start: its config checks load no construct code (lib/*-props.ts).
  {
    key: 'ghesCli',
    name: 'ghes-email --version (the CLI starting)',
    cmd: node([join(root, 'dist', 'lib', 'cli', 'main.js'), '--version']),
  },
];

// The cdktn flavor (tools/flavor.js) under Node 22: generated, installed and Node fetched first (~1 min).
// BENCH_SKIP_CDKTN=1 leaves it out; inside the generated flavor itself there is no second one.
const withCdktn = CLI === 'cdktf' && !process.env.BENCH_SKIP_CDKTN;
if (withCdktn) {
  const flavor = require('../tools/test-flavor').prepare();
  const cdktnApp = join(flavor.dir, 'tools', 'run-app.js');
  const inFlavor = (key, name, args, extra = {}) => ({
    key,
    name,
    cmd: [flavor.node, args],
    cwd: flavor.dir,
    env: flavor.env,
    ...extra,
  });
  const flavorEdited = join(flavor.dir, 'lib', 'ghes-email', 'ghes-email.ts');
  variants.push(
    inFlavor('cdktnApp', 'cdktn flavor, Node 22: app command, no edit', [
      '-r',
      join(__dirname, 'rss-probe.js'),
      cdktnApp,
    ]),
    inFlavor(
      'cdktnAppEdit',
      'cdktn flavor, Node 22: app command, after an edit',
      ['-r', join(__dirname, 'rss-probe.js'), cdktnApp],
      {
        before: () => appendFileSync(flavorEdited, `\n// bench edit ${++edits}\n`),
      },
    ),
    inFlavor('cdktnFloor', "cdktn flavor, Node 22: require('cdktn'), constructs", [
      '-r',
      join(__dirname, 'rss-probe.js'),
      '-e',
      "require('cdktn'); require('constructs')",
    ]),
    {
      key: 'cdktnCli',
      name: 'cdktn flavor, Node 22: npx cdktn synth',
      cmd: ['npx', ['cdktn', 'synth']],
      cwd: flavor.dir,
      env: flavor.env,
    },
  );
}

function once(v) {
  const dir = mkdtempSync(join(tmpdir(), 'ghes-email-bench-'));
  const rssFile = join(dir, 'rss');
  v.before?.();
  const start = process.hrtime.bigint();
  const r = spawnSync(v.cmd[0], v.cmd[1], {
    cwd: v.cwd ?? root,
    env: {
      ...(v.env ?? process.env),
      CDKTF_OUTDIR: join(dir, 'out'),
      BENCH_RSS_FILE: rssFile,
      CHECKPOINT_DISABLE: '1',
    },
    encoding: 'utf8',
  });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (r.status !== 0) throw new Error(`${v.name} failed (${r.status}): ${r.stderr}`);
  const rssMiB = existsSync(rssFile) ? Number(readFileSync(rssFile, 'utf8')) / 1024 : NaN;
  rmSync(dir, { recursive: true, force: true });
  return { ms, rssMiB };
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** Lets a signal's handler run (and restore the edited file) between two runs: spawnSync blocks the event loop. */
const yieldToSignals = () => new Promise((resolve) => setImmediate(resolve));

async function measure() {
  console.error(`Benchmarking ${variants.length} variants × ${RUNS} interleaved rounds (node ${process.version})…`);
  // Warm-up round, not counted: caches that a user's second synth has (V8 code cache, bundles, npm's).
  for (const v of variants) {
    once(v);
    await yieldToSignals();
  }
  const runs = Object.fromEntries(variants.map((v) => [v.key, []]));
  for (let i = 0; i < RUNS; i++) {
    for (const v of variants) {
      runs[v.key].push(once(v));
      await yieldToSignals();
    }
    process.stderr.write('.');
  }
  process.stderr.write('\n');
  restore();
  return runs;
}

function report(runs) {
  const r = Object.fromEntries(
    variants.map((v) => {
      const ms = runs[v.key].map((x) => x.ms);
      return [
        v.key,
        {
          name: v.name,
          ms: median(ms),
          min: Math.min(...ms),
          max: Math.max(...ms),
          rssMiB: median(runs[v.key].map((x) => x.rssMiB)),
        },
      ];
    }),
  );
  // At least one space after each column, however long its value.
  const pad = (s, n) => `${s} `.padEnd(n);
  console.log(`${pad('variant', 54)}${pad('median ms', 11)}${pad('min–max ms', 14)}peak RSS MiB`);
  for (const v of variants) {
    const x = r[v.key];
    console.log(
      `${pad(x.name, 54)}${pad(x.ms.toFixed(0), 11)}${pad(`${x.min.toFixed(0)}–${x.max.toFixed(0)}`, 14)}${Number.isNaN(x.rssMiB) ? '-' : x.rssMiB.toFixed(1)}`,
    );
  }
  const ratio = (a, b) => r[a].ms / r[b].ms;
  const line = (label, value, target, ok) =>
    console.log(`${pad(label, 54)}${pad(value, 10)}target ${target}  ${ok ? 'met' : 'NOT MET'}`);
  console.log('');
  line(
    'npx cdktf synth / same CLI, precompiled app',
    `${ratio('cli', 'cliCompiled').toFixed(2)}×`,
    '≤ 1.25×',
    ratio('cli', 'cliCompiled') <= 1.25,
  );
  line(
    'npx cdktf synth after an edit / precompiled app',
    `${ratio('cliEdit', 'cliCompiled').toFixed(2)}×`,
    '≤ 1.25×',
    ratio('cliEdit', 'cliCompiled') <= 1.25,
  );
  line('app command, no edit / floor', `${ratio('app', 'floor').toFixed(2)}×`, '≤ 1.2×', ratio('app', 'floor') <= 1.2);
  line(
    'app command after an edit / floor',
    `${ratio('appEdit', 'floor').toFixed(2)}×`,
    '≤ 1.5×',
    ratio('appEdit', 'floor') <= 1.5,
  );
  const rss = Math.max(r.app.rssMiB, r.appEdit.rssMiB);
  line('app command peak RSS (worse of the two)', `${rss.toFixed(1)} MiB`, '≤ 120 MB', rss * 1.048576 <= 120);
  line(
    'root barrel / precompiled deep imports',
    `${ratio('barrel', 'compiled').toFixed(1)}×`,
    '≥ 10×',
    ratio('barrel', 'compiled') >= 10,
  );
  line(
    'root barrel / app command (what synth runs)',
    `${ratio('barrel', 'app').toFixed(1)}×`,
    '≥ 10×',
    ratio('barrel', 'app') >= 10,
  );
  if (withCdktn) {
    line(
      'cdktn flavor: app command, no edit / its floor',
      `${ratio('cdktnApp', 'cdktnFloor').toFixed(2)}×`,
      '≤ 1.2×',
      ratio('cdktnApp', 'cdktnFloor') <= 1.2,
    );
    line(
      'cdktn flavor: app command after an edit / its floor',
      `${ratio('cdktnAppEdit', 'cdktnFloor').toFixed(2)}×`,
      '≤ 1.5×',
      ratio('cdktnAppEdit', 'cdktnFloor') <= 1.5,
    );
    console.log(
      `${pad('npx cdktn synth (Node 22) / npx cdktf synth (Node 20)', 54)}${ratio('cdktnCli', 'cli').toFixed(2)}×`,
    );
  }
  const sizes = require('./user-data-sizes').userDataSizes();
  console.log(`\n${pad('user data as EC2 counts it (limit 16384 bytes)', 54)}plain    sent           headroom (plain)`);
  for (const z of sizes) {
    const sent = `${z.rendered}${z.packed ? ' packed' : ''}`;
    console.log(`${pad(z.name, 54)}${pad(String(z.plain), 9)}${pad(sent, 15)}${z.headroom} bytes`);
  }
  const ses = sizes[1];
  line('SES example: plain headroom', `${ses.headroom} bytes`, '≥ 2048 bytes', ses.headroom >= 2048);
  if (process.argv.includes('--json'))
    console.log(JSON.stringify({ runs: RUNS, node: process.version, results: r, userData: sizes }));
}

measure().then(report, (e) => {
  console.error(e);
  process.exitCode = 1;
});
