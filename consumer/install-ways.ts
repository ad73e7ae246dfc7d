/**
 * The ways a user installs ghes-email today, as the README writes them: the install line's package specs (checked
 * against what the scratch app installs), a git dependency (a snapshot of this working tree committed to a temporary
 * repository), and what `npm publish --dry-run` would publish.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { timed } from './scratch-app';

/** One package of an install line: its name and the version range written after the `@`. */
export interface Spec {
  readonly name: string;
  readonly range: string;
}

/**
 * The specs after the tarball in each `npm install <path>.tgz …` line of a Markdown text (shell quotes removed):
 * `'constructs@>=10.6 <10.8'` is one spec. Lines are returned whole for the failure message.
 */
export function tarballInstallLines(markdown: string): { line: string; tarball: string; specs: Spec[] }[] {
  const out: { line: string; tarball: string; specs: Spec[] }[] = [];
  for (const line of markdown.split('\n')) {
    const m = /^npm install (\S+\.tgz)((?: (?:'[^']*'|\S+))+)\s*$/.exec(line);
    if (!m) continue;
    const words = [...m[2].matchAll(/'([^']*)'|(\S+)/g)].map((w) => w[1] ?? w[2]);
    const specs = words.map((w) => {
      const at = w.lastIndexOf('@');
      if (at <= 0) throw new Error(`install line ${JSON.stringify(line)}: ${JSON.stringify(w)} has no version range`);
      return { name: w.slice(0, at), range: w.slice(at + 1) };
    });
    out.push({ line, tarball: m[1], specs });
  }
  return out;
}

const parts = (v: string) => v.split('.').map(Number);
function compare(a: string, b: string): number {
  const [x, y] = [parts(a), parts(b)];
  for (let i = 0; i < 3; i++) if ((x[i] ?? 0) !== (y[i] ?? 0)) return (x[i] ?? 0) - (y[i] ?? 0);
  return 0;
}

/**
 * Whether `version` is in `range`, for the forms our docs write: `10` (any 10.x), `0.21` (any 0.21.x) and
 * `>=10.6 <10.8`. Another form throws, so a doc cannot slip past this check with a range it does not understand.
 */
export function satisfies(version: string, range: string): boolean {
  if (/^\d+(\.\d+)?$/.test(range)) return version.startsWith(`${range}.`);
  const m = /^>=(\d+(?:\.\d+){0,2}) <(\d+(?:\.\d+){0,2})$/.exec(range);
  if (m) return compare(version, m[1]) >= 0 && compare(version, m[2]) < 0;
  throw new Error(`version range ${JSON.stringify(range)}: expected N, N.M or ">=N.M <N.M" (consumer/install-ways.ts)`);
}

/**
 * A git repository holding this working tree as one commit: the files git would see (tracked and untracked, less
 * what .gitignore leaves out, so no dist/ and no node_modules/). Returns its directory.
 */
export function gitSnapshot(repo: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'ghes-email-git-'));
  const listed = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
    cwd: repo,
    encoding: 'utf8',
  });
  for (const file of listed.split('\0').filter(Boolean)) {
    const from = join(repo, file);
    // A file deleted in the working tree (not yet in the index) is listed but absent: leave it out.
    if (!statSync(from, { throwIfNoEntry: false })?.isFile()) continue;
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    copyFileSync(from, join(dir, file));
  }
  const git = (...args: string[]) =>
    timed('git', ['-c', 'user.name=consumer check', '-c', 'user.email=consumer@example.invalid', ...args], dir);
  git('init', '-q');
  git('add', '-A');
  git('commit', '-q', '--no-gpg-sign', '-m', 'working tree snapshot for the consumer check');
  return dir;
}

/** Every file of the installed package at `dir`, relative to it, sorted; its own node_modules/ is left out. */
export function filesBelow(dir: string): string[] {
  const walk = (d: string): string[] =>
    readdirSync(d, { withFileTypes: true }).flatMap((e) => {
      if (e.isDirectory()) return d === dir && e.name === 'node_modules' ? [] : walk(join(d, e.name));
      return [relative(dir, join(d, e.name))];
    });
  return walk(dir).sort();
}

/** `npm publish --dry-run --json` in `repo`: the files it would publish, and npm's warnings (`npm warn` lines). */
export function publishDryRun(
  repo: string,
  name: string,
): { files: string[]; warnings: string[]; notReady: string[]; ms: number } {
  const start = performance.now();
  // spawnSync, not timed(): npm's warnings are on stderr, which a successful execFileSync does not return.
  const r = spawnSync('npm', ['publish', '--dry-run', '--json'], {
    cwd: repo,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 10 * 60_000,
  });
  if (r.status !== 0) {
    throw new Error(
      `npm publish --dry-run --json in ${repo} failed (exit ${r.status ?? r.signal}):\n${r.stdout}${r.stderr}`,
    );
  }
  return {
    ...parsePublish(r.stdout, name),
    warnings: r.stderr.split('\n').filter((l) => l.startsWith('npm warn')),
    // What tools/publish-check.js (prepublishOnly) says a real publish would stop on: its indented lines.
    notReady: r.stderr
      .split('\n')
      .filter((l) => /^ {2}\w+: /.test(l))
      .map((l) => l.trim()),
    ms: Math.round(performance.now() - start),
  };
}

/** The JSON npm prints last (after the prepack/prepare scripts' output), keyed by the package name. */
function parsePublish(stdout: string, name: string): { files: string[] } {
  const at = stdout.search(/^\{$/m);
  if (at === -1) throw new Error(`npm publish --dry-run --json printed no JSON:\n${stdout}`);
  const info = (JSON.parse(stdout.slice(at)) as Record<string, { files: { path: string }[] }>)[name];
  if (!info) throw new Error(`npm publish --dry-run --json: no entry for ${name} in ${stdout.slice(at, at + 200)}`);
  return { files: info.files.map((f) => f.path).sort() };
}
