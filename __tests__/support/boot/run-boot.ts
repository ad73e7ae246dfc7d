/**
 * Runs rendered user data with bash, the way EC2 would (as a file). A recorded
 * run puts a wrapper for every external command the script uses first on PATH,
 * so that each process's argv and exported environment are recorded; that costs
 * one extra bash per process, so only runs whose argv or environment a test
 * reads are recorded.
 */
import { spawn, execFileSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../temp-dir';

/** Every external command the boot script may start. */
export const WRAPPED = ['curl', 'openssl', 'sleep', 'mktemp', 'rm', 'mkdir', 'chmod', 'dirname', 'tail', 'cat'];
/** Every command a run may need: bash itself, what the packed user data's stub starts, and the script's. */
const COMMANDS = ['bash', 'base64', 'gzip', ...WRAPPED];

export const NOT_RECORDED = 'this run was not recorded: pass { record: true } to runBoot';

export interface BootRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  /** The boot log file's content ('' if it was never written). */
  readonly log: string;
  readonly logLines: string[];
  readonly lastLine: string;
  /** The log file's permission bits, e.g. 0o600. */
  readonly logMode: number;
  /** Whether argv and childEnv were recorded. */
  readonly recorded: boolean;
  /** argv of every wrapped process, command name first. Throws unless the run was recorded. */
  readonly argv: string[][];
  /** `export -p` of every wrapped process, concatenated. Throws unless the run was recorded. */
  readonly childEnv: string;
  /** Files left in the TMPDIR the script used. */
  readonly leftovers: string[];
  readonly dir: string;
}

export interface RunOptions {
  /** Record every process's argv and environment (run.argv, run.childEnv, everything(run)). @default false */
  readonly record?: boolean;
  /**
   * Commands the appliance lacks: PATH is then one directory holding links to the others (bash, base64, gzip and the
   * script's commands), so that `command -v gzip` fails as it would on a machine without gzip. @default none
   */
  readonly without?: readonly string[];
}

export interface Workspace {
  readonly dir: string;
  /** The wrapper directory, if runs in this workspace are recorded. */
  readonly bin: string | undefined;
  /** The only directory on PATH (after the wrappers) when the workspace was made with `without`. */
  readonly path: string | undefined;
  readonly log: string;
  readonly state: string;
  readonly tmp: string;
}

let resolved: Record<string, string> | undefined;
/** Where each wrapped command really is: looked up once per test file (one bash, not one per command per workspace). */
function realCommands(): Record<string, string> {
  resolved ??= Object.fromEntries(
    execFileSync('bash', ['-c', COMMANDS.map((cmd) => `command -v ${cmd}`).join('; ')], { encoding: 'utf8' })
      .trim()
      .split('\n')
      .map((path, i) => [COMMANDS[i], path]),
  );
  return resolved;
}

/**
 * A fresh directory (removed after the test file) with a log path and a state dir (and wrappers if recorded). Reuse it
 * to run the script twice.
 */
export function workspace(opts: RunOptions = {}): Workspace {
  const dir = tempDir('ghes-email-boot-');
  const tmp = join(dir, 'tmp');
  mkdirSync(tmp);
  const without = new Set(opts.without ?? []);
  const path = without.size > 0 ? join(dir, 'path') : undefined;
  if (path !== undefined) {
    mkdirSync(path);
    for (const cmd of COMMANDS) if (!without.has(cmd)) symlinkSync(realCommands()[cmd], join(path, cmd));
  }
  const bin = opts.record ? join(dir, 'bin') : undefined;
  if (bin !== undefined) {
    mkdirSync(bin);
    const reals = realCommands();
    for (const cmd of WRAPPED.filter((c) => !without.has(c))) {
      // Builtins only in the wrapper, so it starts no process of its own.
      writeFileSync(
        join(bin, cmd),
        `#!/bin/bash\nprintf '%s\\0' ${cmd} "$@" >>"$GHES_TEST_DIR/argv"\nprintf '\\n\\1\\n' >>"$GHES_TEST_DIR/argv"\nexport -p >>"$GHES_TEST_DIR/env"\nexec ${reals[cmd]} "$@"\n`,
      );
      chmodSync(join(bin, cmd), 0o755);
    }
  }
  return { dir, bin, path, tmp, log: join(dir, 'log', 'ghes-email-boot.log'), state: join(dir, 'state') };
}

/** Short timing knobs for tests. */
export const FAST = {
  GHES_EMAIL_BACKOFF_INITIAL: '0.02',
  GHES_EMAIL_BACKOFF_MAX: '0.05',
  GHES_EMAIL_APPLY_POLL: '0.02',
  GHES_EMAIL_REQUEST_TIMEOUT: '5',
  // Upper bounds so that a broken run ends; no test asserts on elapsed time.
  GHES_EMAIL_AWS_TIMEOUT: '3',
  GHES_EMAIL_MANAGE_TIMEOUT: '3',
  GHES_EMAIL_INIT_TIMEOUT: '3',
  GHES_EMAIL_APPLY_TIMEOUT: '3',
};

/**
 * Runs the user data in `where`: a workspace (recorded if it was made with { record: true }),
 * or options for a fresh one.
 */
export async function runBoot(
  userData: string,
  env: Record<string, string>,
  where: Workspace | RunOptions = {},
): Promise<BootRun> {
  const ws = 'dir' in where ? where : workspace(where);
  const script = join(ws.dir, 'user-data.sh');
  writeFileSync(script, userData);
  if (ws.bin !== undefined) for (const f of ['argv', 'env']) writeFileSync(join(ws.dir, f), '');
  const path = ws.path ?? process.env.PATH ?? '';
  const child = spawn('bash', [script], {
    env: {
      PATH: ws.bin === undefined ? path : `${ws.bin}:${path}`,
      HOME: ws.dir,
      TMPDIR: ws.tmp,
      ...(ws.bin === undefined ? {} : { GHES_TEST_DIR: ws.dir }),
      GHES_EMAIL_LOG: ws.log,
      GHES_EMAIL_STATE_DIR: ws.state,
      ...FAST,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const code = await new Promise<number>((resolve) => child.on('close', (c) => resolve(c ?? -1)));
  const log = existsSync(ws.log) ? readFileSync(ws.log, 'utf8') : '';
  const logLines = log.split('\n').filter((l) => l !== '');
  // Read now: a later run in the same workspace overwrites the files.
  const recording =
    ws.bin === undefined
      ? undefined
      : {
          argv: readFileSync(join(ws.dir, 'argv'), 'utf8')
            .split('\n\x01\n')
            .filter((r) => r !== '')
            .map((r) => r.split('\0').slice(0, -1)),
          childEnv: readFileSync(join(ws.dir, 'env'), 'utf8'),
        };
  const recorded = (): NonNullable<typeof recording> => {
    if (recording === undefined) throw new Error(NOT_RECORDED);
    return recording;
  };
  return {
    code,
    stdout,
    stderr,
    log,
    logLines,
    lastLine: logLines[logLines.length - 1] ?? '',
    logMode: existsSync(ws.log) ? statSync(ws.log).mode & 0o777 : -1,
    recorded: recording !== undefined,
    get argv() {
      return recorded().argv;
    },
    get childEnv() {
      return recorded().childEnv;
    },
    leftovers: readdirSync(ws.tmp),
    dir: ws.dir,
  };
}

/** Every place a secret must never show up in a run, for canary checks. Throws unless the run was recorded. */
export function everything(run: BootRun): { where: string; text: string }[] {
  if (!run.recorded) throw new Error(NOT_RECORDED);
  return [
    { where: 'boot log', text: run.log },
    { where: 'stdout', text: run.stdout },
    { where: 'stderr (console)', text: run.stderr },
    { where: 'argv of a process', text: run.argv.map((a) => a.join(' ')).join('\n') },
    { where: 'environment of a process', text: run.childEnv },
  ];
}
