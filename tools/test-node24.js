#!/usr/bin/env node
/**
 * `npm run test:node24`: what works on Node 24 (the current LTS) in the cdktf flavor, run here under Node 24 from
 * the npm registry (tools/node-runtime.js), with node_modules as `npm ci` installed them under the machine's Node.
 * Every row of the table in docs/flavors.md#node-versions is one check below; a documented failure is checked
 * precisely (exit code and cause), so the day it goes away this script fails and asks for the docs to change.
 *
 * cdktf-cli 0.21 loads the native @cdktf/node-pty-prebuilt-multiarch for every command that does something; it ships
 * binaries up to Node 22 (ABI 127), none for Node 24 (ABI 137). Three states of that package are checked, the last
 * being the way round: as `npm ci` under Node 20/22 leaves it; compiled against another Node's headers (what
 * `npm ci` under Node 24 gives where npm's `nodedir` points at an older Node: the ERR_DLOPEN_FAILED of issue 18);
 * compiled against Node 24's headers (`npm rebuild`, which needs python3, make and a C++ compiler). The package's
 * build/ directory is restored afterwards. The cdktn flavor's Node 24 checks run in `npm run test:cdktn`.
 * Extra arguments go to jest.
 */
'use strict';
const { existsSync, mkdtempSync, readFileSync, renameSync, rmSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { nodeRuntime } = require('./node-runtime');
const checks = require('./node-checks');

const ROOT = join(__dirname, '..');
const PTY = join(ROOT, 'node_modules', '@cdktf', 'node-pty-prebuilt-multiarch');
const PTY_BUILD = join(PTY, 'build');

/** No prebuilt binary for this Node's ABI: the cause of the failures below, checked directly. */
function noPrebuilt(node, env) {
  const abi = checks.mustWork(checks.exec(node, ['-p', 'process.versions.modules'], { cwd: ROOT, env })).stdout.trim();
  const prebuilt = join(PTY, 'prebuilds', `${process.platform}-${process.arch}`, `node.abi${abi}.node`);
  if (existsSync(prebuilt)) {
    throw new Error(
      `${prebuilt} exists: @cdktf/node-pty-prebuilt-multiarch now ships a binary for Node 24 (ABI ${abi}); cdktf synth may work out of the box. Update docs/flavors.md#node-versions and this check.`,
    );
  }
  return abi;
}

/** `npm rebuild` of node-pty under Node 24 against the headers under `nodedir` (a Node install prefix). */
function rebuildPty(env, nodedir) {
  checks.mustWork(
    checks.exec('npm', ['rebuild', '@cdktf/node-pty-prebuilt-multiarch', `--nodedir=${nodedir}`], { cwd: ROOT, env }),
  );
}

/** The rebuild command docs/flavors.md gives Node 24 users, as written there (run by bash, Node 24 first on PATH). */
function documentedRebuild() {
  const doc = readFileSync(join(ROOT, 'docs', 'flavors.md'), 'utf8');
  const line = /^ *(npm rebuild @cdktf\/node-pty-prebuilt-multiarch\b.*)$/m.exec(doc)?.[1];
  if (!line)
    throw new Error(
      'docs/flavors.md: no `npm rebuild @cdktf/node-pty-prebuilt-multiarch` line; expected the Node 24 way round',
    );
  return line.replace(/\s+#.*$/, '').trim();
}

function main() {
  const rt = nodeRuntime(24);
  const node22 = nodeRuntime(22);
  const tmp = mkdtempSync(join(tmpdir(), 'ghes-email-node24-'));
  const saved = `${PTY_BUILD}.saved-by-test-node24`;
  const r = checks.reporter(`node ${rt.version}`);
  try {
    // The app command is all `cdktf synth` runs: same JSON as under the machine's Node.
    const reference = checks.appCommand(ROOT, process.execPath, process.env, join(tmp, 'reference'));
    let app = '';
    r.works('the app command (node tools/run-app.js)', () => {
      app = checks.appCommand(ROOT, rt.node, rt.env, join(tmp, 'app'));
      if (app !== reference)
        throw new Error(`the app command wrote another cdk.tf.json under Node 24 than under ${process.version}`);
      return `the same cdk.tf.json as under ${process.version}`;
    });
    r.works('the ghes-email CLI (dist/lib/cli/main.js, built by tsc under Node 24)', () => {
      checks.mustWork(
        checks.exec(rt.node, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'], {
          cwd: ROOT,
          env: rt.env,
        }),
      );
      return checks.ghesEmailVersion(ROOT, rt.node, rt.env);
    });
    r.works('cdktf-cli starts: npx cdktf --version, npx cdktf deploy --help', () => {
      // stdout may carry cdktf's own log lines (e.g. a missing ~/.terraformrc) besides the version.
      const version = /^\d+\.\d+\.\d+$/m.exec(
        checks.mustWork(checks.npx(ROOT, rt.env, 'cdktf', ['--version'])).stdout,
      )?.[0];
      if (!version) throw new Error('npx cdktf --version: printed no version');
      const help = checks.mustWork(checks.npx(ROOT, rt.env, 'cdktf', ['deploy', '--help']));
      if (!help.stdout.includes('cdktf deploy [stacks'))
        throw new Error(`\`${help.line}\`: no usage printed:\n${checks.tail(help.stdout)}`);
      return `cdktf-cli ${version}`;
    });

    // node-pty as npm ci under Node 20/22 left it (no build/ directory: the prebuilt binaries serve those).
    if (existsSync(PTY_BUILD)) renameSync(PTY_BUILD, saved);
    const abi = noPrebuilt(rt.node, rt.env);
    const missing = (out) =>
      out.includes('node-pty-prebuilt-multiarch') && out.includes("Cannot find module '../build/Release/pty.node'");
    const cause = `cdktf-cli's node-pty has no binary for ABI ${abi} (Cannot find module '../build/Release/pty.node')`;
    for (const [name, args] of [
      ['npx cdktf synth', ['synth', '--output', join(tmp, 'synth')]],
      ['npx cdktf deploy', ['deploy', 'no-such-stack', '--auto-approve', '--output', join(tmp, 'synth')]],
    ]) {
      r.fails(name, cause, () => checks.npx(ROOT, rt.env, 'cdktf', args), missing);
    }

    // Compiled against Node 22's headers: the module exists but is for ABI 127.
    rebuildPty(rt.env, join(node22.bin, '..'));
    r.fails(
      'npx cdktf synth with node-pty compiled for another Node',
      'ERR_DLOPEN_FAILED (NODE_MODULE_VERSION 127; Node 24 requires 137)',
      () => checks.npx(ROOT, rt.env, 'cdktf', ['synth', '--output', join(tmp, 'synth')]),
      (out) =>
        out.includes('ERR_DLOPEN_FAILED') &&
        out.includes('NODE_MODULE_VERSION 127') &&
        out.includes(`NODE_MODULE_VERSION ${abi}`),
    );

    // The way round, as docs/flavors.md writes it: compiled against Node 24's own headers.
    const rebuild = documentedRebuild();
    checks.mustWork(checks.exec('bash', ['-c', rebuild], { cwd: ROOT, env: rt.env }));
    r.works(`npx cdktf synth after \`${rebuild}\``, () => {
      checks.mustWork(checks.npx(ROOT, rt.env, 'cdktf', ['synth', '--output', join(tmp, 'rebuilt')]));
      if (checks.stackFile(join(tmp, 'rebuilt')) !== app)
        throw new Error('cdktf synth wrote another cdk.tf.json than the app command');
      return 'the same cdk.tf.json as the app command';
    });
    r.works('npx cdktf deploy after that rebuild', () =>
      checks.deployProbe(ROOT, rt.env, 'cdktf', join(tmp, 'rebuilt')),
    );
  } finally {
    rmSync(PTY_BUILD, { recursive: true, force: true });
    if (existsSync(saved)) renameSync(saved, PTY_BUILD);
    rmSync(tmp, { recursive: true, force: true });
  }

  // The constructs, the config checks, the CLI and the boot script: the whole jest suite.
  process.stderr.write(`\n== test:node24: the jest suite under Node ${rt.version}\n`);
  r.works('the jest suite (constructs, engine test, CLI, boot script)', () => {
    const jest = checks.exec(
      rt.node,
      [join(ROOT, 'node_modules', 'jest', 'bin', 'jest.js'), '--ci', ...process.argv.slice(2)],
      {
        cwd: ROOT,
        env: rt.env,
        timeoutMs: 20 * 60_000,
        inherit: true,
      },
    );
    if (jest.code !== 0)
      throw new Error(
        `the jest suite failed under Node ${rt.version} (exit ${jest.code ?? jest.signal}); its report is above`,
      );
    return 'passed';
  });
  r.done();
}

main();
