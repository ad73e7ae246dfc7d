/** Every boot script is shellcheck-clean (CI installs shellcheck: .ci/run). */
import { execFileSync, spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

const dir = join(__dirname, '..', 'lib', 'boot');
const scripts = readdirSync(dir).filter((f) => f.endsWith('.sh'));

test('there is at least one boot script', () => {
  expect(scripts).toContain('ghes-email-boot.sh');
});

test.each(scripts)('shellcheck %s', (file) => {
  const probe = spawnSync('shellcheck', ['--version'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    throw new Error('shellcheck is not installed: install it (apt-get install -y shellcheck; .ci/run does this) and run the tests again');
  }
  let output = '';
  try {
    execFileSync('shellcheck', ['--shell=bash', '--severity=style', join(dir, file)], { encoding: 'utf8' });
  } catch (err) {
    output = String((err as { stdout?: string }).stdout ?? err);
  }
  expect(output).toBe('');
});
