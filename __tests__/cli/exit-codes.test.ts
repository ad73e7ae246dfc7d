/**
 * The shared rows of docs/exit-codes.md, command by command through the real program: bad usage and unreadable
 * input are 2, with a message and nothing done. The 0, 1, 3 and 128+N cases live in each command's own suites,
 * where the servers and doubles they need are.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../support/doctor/run-cli';

const COMMANDS: Record<string, string[]> = {
  'doctor smtp': ['doctor', 'smtp'],
  'doctor inbound': ['doctor', 'inbound'],
  'doctor deliverability': ['doctor', 'deliverability'],
  apply: ['apply', '--manage-url', 'https://127.0.0.1:1'],
  'relay-credentials': ['relay-credentials'],
};

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ghes-email-exit-'));
  writeFileSync(join(dir, 'broken.json'), '{ "hostname": ');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.each(Object.entries(COMMANDS))('%s', (_name, args) => {
  test('an unknown option is 2', async () => {
    const r = await runCli([...args, '--config', join(dir, 'broken.json'), '--no-such-option']);
    expect([r.code, r.stderr]).toEqual([2, expect.stringContaining('--no-such-option')]);
  });

  test('a config file that cannot be read is 2, named', async () => {
    const missing = join(dir, 'missing.json');
    const r = await runCli([...args, '--config', missing]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('missing.json');
    expect(r.stdout).toBe('');
  });

  test('a config file that is not valid JSON is 2', async () => {
    const r = await runCli([...args, '--config', join(dir, 'broken.json')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('broken.json');
  });
});

test('doctor logs: an input that cannot be read is 2, named', async () => {
  const r = await runCli(['doctor', 'logs', join(dir, 'no-such-bundle.tgz')]);
  expect(r.code).toBe(2);
  expect(r.stderr).toContain('no-such-bundle.tgz');
});
