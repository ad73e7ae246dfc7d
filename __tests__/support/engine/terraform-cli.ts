/** Finds the Terraform CLI and runs it without a shell, in a controlled environment. */
import { execFile } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

export const TERRAFORM_PREREQUISITE =
  'Terraform >= 1.5 must be on PATH to run the engine tests (the README lists it as a prerequisite of npm test and of cdktf deploy)';

const MIN_VERSION = [1, 5] as const;

export interface CommandResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * The environment Terraform runs in: the caller's, minus every TF_* variable (TF_CLI_ARGS,
 * TF_WORKSPACE, TF_VAR_* would change what is checked), plus no version check over the
 * network and a CLI config file that exists (a missing one is warned about on every run).
 * GOGC=400 (unless the caller sets GOGC): Go collects garbage a quarter as often, which takes a
 * plan of the example stack from ~0.37 s to ~0.20 s of CPU for ~30 MB more memory; the engine
 * runs dozens of Terraform processes per npm test. It changes nothing Terraform decides.
 */
export function terraformEnv(base: NodeJS.ProcessEnv, cliConfigFile: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(base)) if (!k.startsWith('TF_') && k !== 'CHECKPOINT_DISABLE') env[k] = v;
  return { GOGC: '400', ...env, CHECKPOINT_DISABLE: '1', TF_IN_AUTOMATION: '1', TF_CLI_CONFIG_FILE: cliConfigFile };
}

/**
 * At most this many Terraform processes at once per test process. Suites start several stack checks
 * together; each plan keeps a core busy, and more of them than cores only slows every other test
 * running beside them (timeouts included) without finishing sooner.
 */
const MAX_RUNNING = 2;
let running = 0;
const waiting: (() => void)[] = [];

async function slot<T>(work: () => Promise<T>): Promise<T> {
  if (running < MAX_RUNNING) running++;
  else await new Promise<void>((resolve) => waiting.push(resolve)); // a finishing run hands its slot over
  try {
    return await work();
  } finally {
    const next = waiting.shift();
    if (next) next();
    else running--;
  }
}

/** Runs a command; resolves with its exit code and output, rejects only when it cannot start. */
export function run(
  file: string,
  args: readonly string[],
  cwd: string,
  env: NodeJS.ProcessEnv,
): Promise<CommandResult> {
  return slot(() => runNow(file, args, cwd, env));
}

function runNow(file: string, args: readonly string[], cwd: string, env: NodeJS.ProcessEnv): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { cwd, env, maxBuffer: 256 * 1024 * 1024, encoding: 'utf8' }, (error, stdout, stderr) => {
      if (error && typeof error.code !== 'number') {
        reject(new Error(`${file} ${args.join(' ')} could not run: ${error.message}\n${stderr}`));
      } else {
        resolve({ code: error ? (error.code as number) : 0, stdout, stderr });
      }
    });
  });
}

const found = new Map<string, Promise<string>>();

/**
 * The path of a `terraform` >= 1.5 found on `env.PATH`; rejects with the prerequisite
 * message otherwise. Remembered per PATH: the version check costs a process.
 */
export function requireTerraform(env: NodeJS.ProcessEnv): Promise<string> {
  const path = env.PATH ?? '';
  let result = found.get(path);
  if (result === undefined) {
    result = locate(path, env);
    found.set(path, result);
    result.catch(() => found.delete(path)); // a later call, after installing, may succeed
  }
  return result;
}

async function locate(path: string, env: NodeJS.ProcessEnv): Promise<string> {
  const dirs = path.split(delimiter).filter((d) => d !== '');
  const file = dirs.map((d) => join(d, 'terraform')).find(isExecutable);
  if (file === undefined) throw new Error(`${TERRAFORM_PREREQUISITE}: no executable "terraform" in PATH=${path}`);
  const { code, stdout, stderr } = await run(file, ['version', '-json'], tmpdir(), env);
  let version: string | undefined;
  try {
    version = (JSON.parse(stdout) as { terraform_version?: string }).terraform_version;
  } catch {
    version = undefined;
  }
  const parts = (version ?? '').split('.').map(Number);
  const ok = code === 0 && (parts[0] > MIN_VERSION[0] || (parts[0] === MIN_VERSION[0] && parts[1] >= MIN_VERSION[1]));
  if (!ok) {
    const got =
      version === undefined
        ? `"terraform version -json" printed no version (exit ${code}): ${(stdout + stderr).trim().slice(0, 300)}`
        : `found ${version}`;
    throw new Error(`${TERRAFORM_PREREQUISITE}: ${file}: ${got}`);
  }
  return file;
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return statSync(file).isFile();
  } catch {
    return false;
  }
}
