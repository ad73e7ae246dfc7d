/**
 * tools/publish-check.js, npm's prepublishOnly: a real publish without the fields a published package needs stops
 * with each field and what to write; a dry run says the same and goes on (issue 18 item 4: `repository` is unknown
 * here, so it is asked for at publish time rather than made up).
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../support/temp-dir';

const ROOT = join(__dirname, '..', '..');
const SCRIPT = join(ROOT, 'tools', 'publish-check.js');
const READY = {
  name: 'ghes-email',
  keywords: ['ghes'],
  exports: { '.': './dist/lib/index.js' },
  license: 'MIT',
  repository: { type: 'git', url: 'git+https://github.com/example/ghes-email.git' },
};

function check(pkg: object, dryRun: boolean): { code: number | null; stderr: string } {
  const dir = tempDir('ghes-email-publish-check-');
  writeFileSync(join(dir, 'package.json'), JSON.stringify(pkg));
  const env = { ...process.env, npm_config_dry_run: dryRun ? 'true' : '' };
  const r = spawnSync(process.execPath, [SCRIPT], { cwd: dir, env, encoding: 'utf8' });
  return { code: r.status, stderr: r.stderr };
}

test('a package with every field publishes, silently', () => {
  expect(check(READY, false)).toEqual({ code: 0, stderr: '' });
  expect(check({ ...READY, repository: 'github:example/ghes-email' }, false)).toEqual({ code: 0, stderr: '' });
});

test('without repository a real publish stops (exit 1), saying what to write', () => {
  const { repository: _r, ...pkg } = READY;
  const r = check(pkg, false);
  expect(r.code).toBe(1);
  expect(r.stderr.split('\n')).toEqual([
    'publish-check: ghes-email is not ready to publish:',
    expect.stringMatching(/^ {2}repository: not set; add "repository": \{"type": "git", "url": "git\+https:\/\/github/),
    '',
  ]);
});

test('a dry run prints the same lines under "would stop here" and goes on (exit 0)', () => {
  const { repository: _r, ...pkg } = READY;
  const r = check(pkg, true);
  expect(r.code).toBe(0);
  expect(r.stderr).toMatch(
    /^publish-check: a real npm publish of ghes-email would stop here:\n {2}repository: not set/,
  );
});

test('every missing field at once', () => {
  const r = check({ name: 'x' }, false);
  expect(r.code).toBe(1);
  expect(r.stderr.split('\n').map((l) => l.trim().split(':')[0])).toEqual([
    'publish-check',
    'repository',
    'keywords',
    'exports',
    'license',
    '',
  ]);
});

test('it is the prepublishOnly of this package, and of the flavors generated from it', () => {
  const pkg = require(join(ROOT, 'package.json'));
  expect(pkg.scripts.prepublishOnly).toBe('node tools/publish-check.js');
});
