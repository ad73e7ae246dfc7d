/** `ghes-email --version` prints exactly package.json's version and exits 0 (it once said "unknown option"). */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildProgram } from '../../lib/cli/main';
import { runCli } from '../support/doctor/run-cli';

const { version } = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as {
  version: string;
};

test.each([['--version'], ['-V']])('%s prints the package version and exits 0', async (flag) => {
  const result = await runCli([flag]);
  expect(result).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' });
});

test('the program reports the version to commander, so help lists the flag', () => {
  const program = buildProgram();
  expect(program.version()).toBe(version);
  expect(program.helpInformation()).toMatch(/-V, --version\s+print the ghes-email version/);
});
