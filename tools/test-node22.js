#!/usr/bin/env node
/**
 * `npm run test:node22`: the cdktf flavor under Node 22, the documented baseline, from the npm registry
 * (tools/node-runtime.js; no machine-wide install): the README's `npx cdktf synth` (the example stack, no AWS
 * credentials), then the whole jest suite with --ci. The machine's Node runs the same two in `.ci/run`; the type
 * check, Prettier and ESLint do not depend on the Node version and run there only. Extra arguments go to jest.
 */
'use strict';
const { rmSync } = require('node:fs');
const { join } = require('node:path');
const { nodeRuntime } = require('./node-runtime');
const { exec, mustWork, stackFile, withoutAws } = require('./node-checks');

const ROOT = join(__dirname, '..');
const step = (what) => process.stderr.write(`\n== test:node22: ${what}\n`);

const rt = nodeRuntime(22);
step(`npx cdktf synth under Node ${rt.version}`);
// The README's command as written, into cdktf.out; the stack file is removed first so an old one cannot pass.
const outdir = join(ROOT, 'cdktf.out');
rmSync(join(outdir, 'stacks', 'ghes-email', 'cdk.tf.json'), { force: true });
mustWork(exec('npx', ['--no-install', 'cdktf', 'synth'], { cwd: ROOT, env: withoutAws(rt.env), inherit: true }));
stackFile(outdir);

step(`the jest suite under Node ${rt.version}`);
const jest = exec(rt.node, [join(ROOT, 'node_modules', 'jest', 'bin', 'jest.js'), '--ci', ...process.argv.slice(2)], {
  cwd: ROOT,
  env: rt.env,
  timeoutMs: 20 * 60_000,
  inherit: true,
});
if (jest.code !== 0) {
  process.stderr.write(
    `test:node22: the jest suite failed under Node ${rt.version} (exit ${jest.code ?? jest.signal})\n`,
  );
  process.exit(1);
}
