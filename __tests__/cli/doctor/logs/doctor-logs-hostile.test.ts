/**
 * `doctor logs` on real-sized and hostile inputs, generated here: a mail.log
 * from a port 25 open to the internet (130,000 NOQUEUE rejects, ~24 MB), a
 * support bundle whose mail.log.1.gz is a decompression bomb, random bytes
 * named .tgz, and the 600-byte bundle with one line of 40,000 `postfix/`.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { create } from 'tar';
import { json, runCli } from '../../../support/doctor/run-cli';
import { rejectLine } from '../../../support/doctor/mail-log-generator';

let work: string;
beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'doctor-hostile-'));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** A .tgz holding `files` (path → content) under one top directory, as ghe-support-bundle lays it out. */
async function bundle(name: string, files: Record<string, Buffer | string>): Promise<string> {
  const root = join(work, `${name}-root`);
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(join(root, 'bundle', path, '..'), { recursive: true });
    writeFileSync(join(root, 'bundle', path), content);
  }
  const file = join(work, `${name}.tgz`);
  await create({ gzip: true, file, cwd: root }, ['bundle']);
  rmSync(root, { recursive: true });
  return file;
}

test('130,000 NOQUEUE rejects (~24 MB mail.log): no crash, one aggregated check per reason, exact counts', async () => {
  const lines: string[] = [];
  for (let i = 0; i < 130000; i++)
    lines.push(rejectLine(i, i % 10 === 0 ? 'Client host rejected: cannot find your hostname' : undefined));
  const file = join(work, 'mail.log');
  writeFileSync(file, lines.join('\n') + '\n');
  const r = await runCli(['doctor', 'logs', file, '--json']);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(1);
  const report = json(r);
  const never = report.checks.filter((c) => c.data?.outcome === 'never-arrived');
  expect(never.map((c) => [c.data!.count, c.data!.reply])).toEqual([
    [117000, '554 5.7.1 <…>: Relay access denied'],
    [13000, '450 4.7.1 Client host rejected: cannot find your hostname, […]'],
  ]);
  expect(never[0].message).toMatch(
    /^never arrived: postfix refused 117,000 messages with "554 5\.7\.1 <…>: Relay access denied" \(lines 2–130000; e\.g\. unknown\[198\.51\.\d+\.\d+\] for <user\d+@github\.example\.com>\)$/,
  );
  expect(report.checks.length).toBeLessThan(10);
});

describe('decompression caps', () => {
  // 100 reject lines (~20 KB, inside deflate's 32 KB window) repeated to 34 MB compress ~1000:1, to ~35 KB.
  // Compressed once (~0.2 s of CPU), used by two tests.
  let compressed: Buffer | undefined;
  const bomb = () =>
    (compressed ??= gzipSync(
      Buffer.from(
        Array.from({ length: 100 }, (_, i) => rejectLine(i))
          .join('\n')
          .concat('\n')
          .repeat(1700),
      ),
    ));

  test('a mail.log.1.gz that expands to 34 MB, --max-file-bytes 1m: reads 1 MiB of it, says what it skipped, still reports', async () => {
    const file = await bundle('bomb', {
      'system-logs/mail.log.1.gz': bomb(),
      'system-logs/mail-replies/metroplex.log': 'nothing\n',
    });
    const r = await runCli(['doctor', 'logs', file, '--max-file-bytes', '1m', '--json']);
    expect(r.stderr).toBe('');
    const report = json(r);
    const skipped = report.checks.find((c) => c.id === 'limit.file')!;
    expect(skipped).toMatchObject({
      status: 'warn',
      message: expect.stringMatching(
        /bomb\.tgz:bundle\/system-logs\/mail\.log\.1\.gz: read the first 1 MiB, skipped the rest \(--max-file-bytes 1m\)/,
      ),
    });
    expect(skipped.data!.bytesRead).toBeLessThanOrEqual(2 ** 20);
    expect(report.checks.find((c) => c.data?.outcome === 'never-arrived')!.data!.count).toBeGreaterThan(4000);
    expect(r.code).toBe(1);
  });

  test('--max-bundle-bytes stops reading the bundle and names what was not read', async () => {
    const file = await bundle('bomb2', {
      'a/mail.log.1.gz': bomb(),
      'b/unicorn.log': 'Connection opened: smtp.example.com:587\n',
    });
    const r = await runCli(['doctor', 'logs', file, '--max-bundle-bytes', '2m', '--json']);
    const report = json(r);
    expect(report.checks.find((c) => c.id === 'limit.bundle')).toMatchObject({
      status: 'warn',
      message: expect.stringMatching(
        /bomb2\.tgz: stopped after 2 MiB \(--max-bundle-bytes 2m\); bundle\/a\/mail\.log\.1\.gz was read in part, and the entries after it were not read$/,
      ),
    });
    expect(report.checks.find((c) => c.data?.outcome === 'never-arrived')!.data!.count).toBeLessThan(11000);
    expect(report.checks.find((c) => c.id === 'found.unicorn')).toMatchObject({ status: 'warn' });
  });

  test('sizes are checked as usage: a bad --max-file-bytes is exit 2', async () => {
    const r = await runCli(['doctor', 'logs', work, '--max-file-bytes', 'lots']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--max-file-bytes: got "lots"; expected a size in bytes, or with k, m or g/);
  });
});

describe('unreadable bundles are bad input: exit 2 with a clear message', () => {
  test.each([
    ['random bytes named .tgz', 'random.tgz', () => randomBytes(4096)],
    ['random bytes named .tar', 'random.tar', () => randomBytes(4096)],
    [
      'a gzipped text file named .tar.gz',
      'text.tar.gz',
      () => gzipSync('May  2 10:02:11 host postfix/smtpd[1]: connect from a[1.2.3.4]\n'),
    ],
    ['an empty .tgz', 'empty.tgz', () => Buffer.alloc(0)],
  ])('%s', async (_what, name, content) => {
    const file = join(work, name);
    writeFileSync(file, content());
    const r = await runCli(['doctor', 'logs', file]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(
      new RegExp(
        `^${file.replace(/[.\\/]/g, '\\$&')} is not a readable support bundle \\(\\.tgz, \\.tar\\.gz or \\.tar\\): .+\\n$`,
      ),
    );
  });

  test('a bundle cut off in the middle: what was read is reported, with a warning that it is truncated', async () => {
    const file = await bundle('cut', {
      'a/unicorn.log': 'Connection opened: smtp.example.com:587\n',
      'b/mail.log': Array.from({ length: 3000 }, (_, i) => rejectLine(i)).join('\n'),
    });
    const whole = require('node:fs').readFileSync(file) as Buffer;
    writeFileSync(file, whole.subarray(0, Math.floor(whole.length / 2)));
    const report = json(await runCli(['doctor', 'logs', file, '--json']));
    expect(report.checks.find((c) => c.id === 'bundle.truncated')).toMatchObject({
      status: 'warn',
      message: expect.stringMatching(/cut\.tgz: the bundle ends early/),
    });
    expect(report.checks.find((c) => c.id === 'found.unicorn')).toMatchObject({ status: 'info' });
  });
});

test('the issue\'s bundle: one line of 40,000 "postfix/" is read like any other line', async () => {
  const file = await bundle('redos', {
    'system-logs/mail.log': `May  2 10:02:11 host ${'postfix/'.repeat(40000)}\nMay  2 10:02:12 host postfix/smtpd[3101]: connect from a[1.2.3.4]\n`,
  });
  const r = await runCli(['doctor', 'logs', file, '--json']);
  expect(r.code).toBe(0);
  expect(json(r).checks.find((c) => c.id === 'mail')).toMatchObject({
    status: 'warn',
    message: 'never arrived: no inbound message in mail.log',
  });
});

test('an over-long line (no newline for 1 MiB) is cut, counted and the rest of the file still read', async () => {
  const file = join(work, 'long-mail.log');
  writeFileSync(file, `${'x'.repeat(2 ** 20)}\n${rejectLine(1)}\n`);
  const report = json(await runCli(['doctor', 'logs', file, '--json']));
  expect(report.checks.find((c) => c.id === 'limit.line')).toMatchObject({
    status: 'warn',
    message: expect.stringMatching(/long-mail\.log: 1 line longer than 64 KiB was cut at 64 KiB/),
  });
  expect(report.checks.find((c) => c.data?.outcome === 'never-arrived')).toMatchObject({ id: 'mail:2' });
});
