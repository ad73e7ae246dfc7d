/**
 * Builds a throwaway cdktf app that installs ghes-email the way a user does: from the packed
 * tarball, with cdktf, cdktf-cli, constructs and the AWS provider as the app's own dependencies.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const REPO = join(__dirname, '..');
const FIXTURE = join(__dirname, 'fixture');

/** The version our own `npm ci` installed, so the scratch install is served from the warm npm cache. */
export function installedVersion(name: string): string {
  return (JSON.parse(readFileSync(join(REPO, 'node_modules', name, 'package.json'), 'utf8')) as { version: string })
    .version;
}

/** Runs a command, returning stdout and how long it took; on failure the error carries stdout and stderr. */
export function timed(
  cmd: string,
  args: string[],
  cwd: string,
  timeoutMs = 10 * 60_000,
): { stdout: string; ms: number } {
  const start = performance.now();
  try {
    // CHECKPOINT_DISABLE: cdktf's version check would be the only network call.
    const stdout = execFileSync(cmd, args, {
      cwd,
      encoding: 'utf8',
      timeout: timeoutMs,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, CHECKPOINT_DISABLE: '1' },
    });
    return { stdout, ms: Math.round(performance.now() - start) };
  } catch (err) {
    // execFileSync's message has only stderr; tsc writes its errors to stdout.
    const e = err as { status?: number | null; stdout?: string; stderr?: string };
    throw new Error(
      `\`${[cmd, ...args].join(' ')}\` in ${cwd} failed (exit ${e.status ?? 'signal'}):\n${e.stdout ?? ''}${e.stderr ?? ''}`,
      { cause: err },
    );
  }
}

export interface Packed {
  readonly tarball: string;
  readonly files: string[];
  readonly ms: number;
}

/** `npm pack` of this repository; prepack rebuilds dist from scratch first. */
export function pack(dest: string): Packed {
  const { stdout, ms } = timed('npm', ['pack', '--json', '--pack-destination', dest], REPO);
  // npm prints the build's output before the JSON when scripts run; the JSON is the last thing written.
  const [info] = JSON.parse(stdout.slice(stdout.lastIndexOf('\n[\n') + 1)) as {
    filename: string;
    files: { path: string }[];
  }[];
  return { tarball: join(dest, info.filename), files: info.files.map((f) => f.path).sort(), ms };
}

/** This package (ghes-email, or ghes-email-cdktn in that flavor) and its peers: the app installs the same. */
export const OURS = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as {
  name: string;
  version: string;
  peerDependencies: Record<string, string>;
  ghesEmail?: { cli?: string };
};
export const PEERS = Object.keys(OURS.peerDependencies);
/** The engine's command (cdktf, or cdktn in that flavor) and its package: the README installs it beside the peers. */
export const CLI = OURS.ghesEmail?.cli ?? 'cdktf';
export const CLI_PACKAGE = `${CLI}-cli`;

/** A scratch app in a new temp dir: package.json, and the fixture's files copied in. */
export function createApp(tarball: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'ghes-email-consumer-'));
  const deps = Object.fromEntries([...PEERS, CLI_PACKAGE, 'typescript'].map((n) => [n, installedVersion(n)]));
  const pkg = {
    name: 'ghes-email-consumer',
    private: true,
    version: '0.0.0',
    dependencies: { ...deps, [OURS.name]: `file:${tarball}` },
  };
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`);
  for (const file of readdirSync(FIXTURE)) copyFileSync(join(FIXTURE, file), join(dir, file));
  return dir;
}
