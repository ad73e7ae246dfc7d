/**
 * Checks that run one of this repository's commands under a given Node (tools/node-runtime.js) and say whether it
 * works, or fails exactly as documented. Used by tools/test-node24.js (the cdktf flavor) and tools/test-flavor.js
 * (the cdktn flavor on Node 24). A documented failure is an "expected failure": its exit code and the text that
 * names its cause are both checked, so the day it starts working the check fails and says to update the docs.
 */
'use strict';
const { spawnSync } = require('node:child_process');
const { existsSync, readFileSync } = require('node:fs');
const { join } = require('node:path');

const DOCS = 'docs/flavors.md#node-versions';

/** Control characters escaped, so a child's output printed in a message cannot drive the terminal. */
const printable = (text) =>
  text.replace(
    /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g,
    (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`,
  );

/** The last lines of a child's output, for a failure message. */
const tail = (text, lines = 15) => printable(text.trimEnd().split('\n').slice(-lines).join('\n'));

/**
 * Runs a command to completion (10 minutes unless told) and returns its exit code and output. Never throws for a
 * non-zero exit: the caller decides what is expected. `code` is null when a signal or the timeout ended it.
 */
function exec(cmd, args, { cwd, env, timeoutMs = 10 * 60_000, inherit = false }) {
  const r = spawnSync(cmd, args, {
    cwd,
    env,
    encoding: 'utf8',
    timeout: timeoutMs,
    maxBuffer: 64 * 1024 * 1024,
    // inherit: the child's output goes straight to ours (a long run such as jest shows its progress).
    stdio: inherit ? ['ignore', 'inherit', 'inherit'] : ['ignore', 'pipe', 'pipe'],
  });
  if (r.error && r.error.code !== 'ETIMEDOUT') throw new Error(`${cmd}: cannot run it in ${cwd}: ${r.error.message}`);
  return {
    code: r.status,
    signal: r.signal,
    stdout: r.stdout ?? '',
    stderr: r.stderr ?? '',
    line: [cmd, ...args].join(' '),
  };
}

/** The environment of a synth or deploy probe: no AWS credentials from the environment or the usual files. */
function withoutAws(env) {
  const out = { ...env, AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null' };
  for (const k of Object.keys(out))
    if (/^AWS_(PROFILE|ACCESS_KEY_ID|SECRET_ACCESS_KEY|SESSION_TOKEN)$/.test(k)) delete out[k];
  return out;
}

/** Collects outcomes and prints one line per check; `done()` prints the summary and throws on a surprise. */
function reporter(title) {
  const rows = [];
  const say = (line) => process.stderr.write(`${line}\n`);
  return {
    /** `fn` returns a one-line note; it throws when the command does not work. */
    works(name, fn) {
      const note = fn();
      rows.push(['works', name, note]);
      say(`${title}: works: ${name}${note ? ` (${note})` : ''}`);
    },
    /** `fn` returns the run; `cause` names the documented failure, `matches(run)` checks it precisely. */
    fails(name, cause, fn, matches) {
      const run = fn();
      const output = `${run.stdout}\n${run.stderr}`;
      if (run.code === 0) {
        throw new Error(
          `${title}: ${name} (\`${run.line}\`) now works: ${cause} is no longer true. Update ${DOCS} and this check.`,
        );
      }
      if (!matches(output)) {
        throw new Error(
          `${title}: ${name} (\`${run.line}\`) failed (exit ${run.code ?? run.signal}), but not as documented (${cause}):\n${tail(output)}`,
        );
      }
      rows.push(['fails as documented', name, cause]);
      say(`${title}: expected failure: ${name}: exit ${run.code}, ${cause}`);
    },
    done() {
      say(`\n${title}: ${rows.length} checks as documented in ${DOCS}:`);
      for (const [outcome, name] of rows) say(`  ${outcome.padEnd(20)} ${name}`);
    },
  };
}

/** Throws with the command's output unless it exited 0. */
function mustWork(run) {
  if (run.code !== 0)
    throw new Error(`\`${run.line}\` exited ${run.code ?? run.signal}:\n${tail(`${run.stdout}\n${run.stderr}`)}`);
  return run;
}

/** The stack file a synth wrote under `outdir`, read as text. */
function stackFile(outdir, stack = 'ghes-email') {
  const file = join(outdir, 'stacks', stack, 'cdk.tf.json');
  if (!existsSync(file)) throw new Error(`${file}: not written; expected the synthesized stack ${stack}`);
  return readFileSync(file, 'utf8');
}

/** The app command cdktf.json runs (tools/run-app.js), writing to `outdir`; returns the stack's JSON text. */
function appCommand(dir, node, env, outdir) {
  mustWork(
    exec(node, [join(dir, 'tools', 'run-app.js')], { cwd: dir, env: { ...withoutAws(env), CDKTF_OUTDIR: outdir } }),
  );
  return stackFile(outdir);
}

/** `npx <cli> <args…>` in `dir` with the given environment (its PATH decides the Node). */
function npx(dir, env, cli, args) {
  return exec('npx', ['--no-install', cli, ...args], { cwd: dir, env: withoutAws(env) });
}

/**
 * `<cli> deploy no-such-stack`: the deploy command loads, synthesizes and looks for the stack, then stops at
 * "Could not find stack" before Terraform or AWS is involved. It shows the deploy command works without deploying.
 */
function deployProbe(dir, env, cli, outdir) {
  const run = npx(dir, env, cli, ['deploy', 'no-such-stack', '--auto-approve', '--output', outdir]);
  const output = `${run.stdout}\n${run.stderr}`;
  if (run.code === 0 || !output.includes("Could not find stack for pattern 'no-such-stack'")) {
    throw new Error(
      `\`${run.line}\`: expected exit 1 with "Could not find stack for pattern 'no-such-stack'" (the deploy command ran up to choosing the stack); got exit ${run.code ?? run.signal}:\n${tail(output)}`,
    );
  }
  return 'reached "Could not find stack for pattern \'no-such-stack\'", nothing deployed';
}

/** The ghes-email CLI from dist/ prints the package's version. */
function ghesEmailVersion(dir, node, env) {
  const { version } = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  const run = mustWork(exec(node, [join(dir, 'dist', 'lib', 'cli', 'main.js'), '--version'], { cwd: dir, env }));
  if (run.stdout !== `${version}\n`)
    throw new Error(`\`${run.line}\`: printed ${JSON.stringify(printable(run.stdout))}; expected "${version}\\n"`);
  return `prints ${version}`;
}

module.exports = {
  appCommand,
  deployProbe,
  exec,
  ghesEmailVersion,
  mustWork,
  npx,
  printable,
  reporter,
  stackFile,
  tail,
  withoutAws,
};
