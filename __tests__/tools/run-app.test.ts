/**
 * tools/run-app.js, the app command cdktf.json runs: bundles main.ts with esbuild, runs it with a V8
 * code cache, rebuilds after an edit, and writes what the in-process synth writes. It runs in a copy
 * of the sources (node_modules linked), so editing a file here cannot disturb other test files.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exampleConfig, synthConfig } from '../support/stack';

const REPO = join(__dirname, '..', '..');
let copy: string;

beforeAll(() => {
  copy = mkdtempSync(join(tmpdir(), 'ghes-email-app-'));
  for (const part of ['main.ts', 'lib', 'tools', 'examples', 'package.json', 'package-lock.json'])
    cpSync(join(REPO, part), join(copy, part), { recursive: true });
  symlinkSync(join(REPO, 'node_modules'), join(copy, 'node_modules'), 'dir');
});
afterAll(() => rmSync(copy, { recursive: true, force: true }));

/** Runs the app command; returns the synthesized stack without cdktf's "//" metadata. */
function runApp(env: Record<string, string> = {}): { json: Record<string, unknown>; stderr: string } {
  const out = join(copy, 'cdktf.out');
  rmSync(out, { recursive: true, force: true });
  const r = spawnSync(process.execPath, ['tools/run-app.js'], {
    cwd: copy,
    env: { ...process.env, CDKTF_OUTDIR: out, GHES_EMAIL_APP_VERBOSE: '1', ...env },
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`run-app exited ${r.status}: ${r.stderr}`);
  const stderr = r.stderr;
  const json = JSON.parse(readFileSync(join(out, 'stacks', 'ghes-email', 'cdk.tf.json'), 'utf8'));
  return { json: stripMetadata(json) as Record<string, unknown>, stderr };
}

function stripMetadata(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(stripMetadata);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([k]) => k !== '//')
      .map(([k, v]) => [k, stripMetadata(v)]),
  );
}

test('writes the same stack as the in-process synth, and reuses its bundles and code caches on the next run', () => {
  const first = runApp();
  // A full app synth adds cdktf's default local backend, which Testing.synth leaves out.
  const { backend, ...terraform } = first.json.terraform as Record<string, unknown>;
  expect(backend).toEqual({ local: { path: join(copy, 'terraform.ghes-email.tfstate') } });
  expect({ ...first.json, terraform }).toEqual(stripMetadata(JSON.parse(synthConfig(exampleConfig()))));
  for (const f of ['app.js', 'vendor.js']) expect(statSync(join(copy, 'dist', 'app', f)).size).toBeGreaterThan(0);
  expect(
    readdirSync(join(copy, 'dist', 'app'))
      .filter((f) => f.endsWith('.v8cache'))
      .map((f) => f.replace(/\.[0-9a-f]{8}\./, '.*.')),
  ).toEqual(['app.js.*.v8cache', 'vendor.js.*.v8cache']);
  const vendorBuilt = statSync(join(copy, 'dist', 'app', 'vendor.js')).mtimeMs;
  const second = runApp();
  expect(second.stderr).not.toMatch(/rebuilt/);
  expect(second.json).toEqual(first.json);
  expect(statSync(join(copy, 'dist', 'app', 'vendor.js')).mtimeMs).toBe(vendorBuilt);
});

test('an edit to a source is in the next synth; only our bundle is rebuilt', () => {
  runApp();
  const vendorBuilt = statSync(join(copy, 'dist', 'app', 'vendor.js')).mtimeMs;
  const file = join(copy, 'lib', 'appliance', 'ghes-appliance.ts');
  writeFileSync(file, readFileSync(file, 'utf8').replace("'EC2 instance id'", "'EC2 instance id (edited)'"));
  const edited = runApp();
  expect(edited.stderr).toMatch(/run-app: rebuilt/);
  expect(JSON.stringify(edited.json.output)).toContain('EC2 instance id (edited)');
  expect(statSync(join(copy, 'dist', 'app', 'vendor.js')).mtimeMs).toBe(vendorBuilt);
});

test('a bad config: exit 1, the problem on stderr, nothing written', () => {
  const bad = exampleConfig();
  bad.smtp.port = 0;
  const file = join(copy, 'bad.json');
  writeFileSync(file, JSON.stringify(bad));
  const out = join(copy, 'bad-out');
  const r = spawnSync(process.execPath, ['tools/run-app.js'], {
    cwd: copy,
    env: { ...process.env, GHES_EMAIL_CONFIG: file, CDKTF_OUTDIR: out },
    encoding: 'utf8',
  });
  expect(r.status).toBe(1);
  expect(r.stderr).toMatch(/smtp\.port: got 0; expected a TCP port from 1 to 65535/);
  expect(() => statSync(out)).toThrow();
});

test('HCL output (cdktf synth --hcl sets SYNTH_HCL_OUTPUT): exit 1, what to do on stderr without a stack trace, no stack written', () => {
  const out = join(copy, 'hcl-out');
  const r = spawnSync(process.execPath, ['tools/run-app.js'], {
    cwd: copy,
    env: { ...process.env, SYNTH_HCL_OUTPUT: 'true', CDKTF_OUTDIR: out },
    encoding: 'utf8',
  });
  expect(r.status).toBe(1);
  expect(r.stderr).toContain("cdktf's HCL output writes it unescaped");
  expect(r.stderr).toContain('Synthesize JSON, the default: drop --hcl');
  expect(r.stderr).not.toMatch(/^\s+at /m);
  expect(() => statSync(join(out, 'stacks', 'ghes-email', 'cdk.tf'))).toThrow();
});
