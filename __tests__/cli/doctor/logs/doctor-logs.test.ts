/**
 * `doctor logs`: parsers on the fixture logs, correlation of mail.log with
 * metroplex.log by Message-ID, and the CLI over a directory, single files and
 * a support-bundle tarball built here.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { create } from 'tar';
import { parseMailLog } from '../../../../lib/cli/doctor/logs/mail-log';
import { parseMetroplexLog } from '../../../../lib/cli/doctor/logs/metroplex-log';
import { parseUnicornLog } from '../../../../lib/cli/doctor/logs/unicorn-log';
import { json, runCli } from '../../../support/doctor/run-cli';

const FIXTURES = join(__dirname, 'fixtures');
const fixture = (name: string) => readFileSync(join(FIXTURES, name), 'utf8');
const CANARY = 'Unicorn-Canary-7f3a9c';
const CANARY_FORMS = [
  CANARY,
  Buffer.from(CANARY).toString('base64'),
  Buffer.from(`\0ghes@example.com\0${CANARY}`).toString('base64'),
];

let work: string;
beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'doctor-logs-'));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('unicorn.log parser', () => {
  const conversations = parseUnicornLog(fixture('unicorn.log'));

  test('splits the log into its three conversations', () => {
    expect(conversations.map((c) => [c.line, c.endpoint])).toEqual([
      [2, 'smtp.example.com:587'],
      [28, 'smtp.example.com:587'],
      [52, 'smtp.example.com:587'],
    ]);
  });

  test('failed AUTH: got through TLS, used AUTH LOGIN, ended in 535 5.7.1 (credentials rejected)', () => {
    const c = conversations[0];
    expect(c).toMatchObject({ stage: 'tls', tls: true, auth: 'LOGIN', failed: true, finalCommand: 'AUTH LOGIN' });
    expect(c.finalReply).toMatchObject({ code: 535, enhanced: '5.7.1' });
    expect(c.diagnosis?.meaning).toBe('credentials rejected');
  });

  test('successful test mail: reached "sent" with AUTH PLAIN and 250', () => {
    expect(conversations[1]).toMatchObject({ stage: 'sent', auth: 'PLAIN', failed: false });
    expect(conversations[1].finalReply?.code).toBe(250);
  });

  test('530 before STARTTLS is read as "STARTTLS required"', () => {
    expect(conversations[2]).toMatchObject({ stage: 'greeted', tls: false, failed: true, finalCommand: 'MAIL FROM' });
    expect(conversations[2].diagnosis?.meaning).toMatch(/requires STARTTLS/);
  });

  test('credentials in the log are masked in the parsed entries', () => {
    const text = JSON.stringify(conversations);
    for (const form of CANARY_FORMS) expect(text).not.toContain(form);
    expect(text).not.toContain('Z2hlc0BleGFtcGxlLmNvbQ=='); // base64 user name after AUTH LOGIN
    expect(text).toContain('AUTH PLAIN ******** (masked)');
  });
});

describe('mail.log and metroplex.log parsers', () => {
  const mail = parseMailLog(fixture('mail.log'));
  const metroplex = parseMetroplexLog(fixture('metroplex.log'));

  test('follows each queue id from client= to removed', () => {
    const ok = mail.messages.find((m) => m.queueId === '6A1B2C3D4E')!;
    expect(ok).toMatchObject({
      client: 'mail-wr1-f54.google.com[209.85.221.54]',
      messageId: 'CAF1reply-ok@mail.gmail.com',
      from: 'alice@example.org',
      removed: true,
    });
    expect(ok.deliveries).toEqual([
      expect.objectContaining({
        to: 'reply+AAAQ2VXK5@reply.github.example.com',
        relay: 'virtual',
        dsn: '2.0.0',
        status: 'sent',
        detail: 'delivered to maildir',
      }),
    ]);
    expect(mail.messages.find((m) => m.queueId === '8C3D4E5F6A')!).toMatchObject({ removed: false });
  });

  test('NOQUEUE rejects are kept with their reply and recipient', () => {
    expect(mail.rejects).toEqual([
      expect.objectContaining({
        client: 'unknown[203.0.113.99]',
        reply: '554 5.7.1 <someone@github.example.com>: Relay access denied',
        to: 'someone@github.example.com',
      }),
    ]);
  });

  test('metroplex blocks: matched file, destination, outcome, errors', () => {
    expect(metroplex).toEqual([
      expect.objectContaining({
        id: 'CAF1reply-ok@mail.gmail.com',
        outcome: 'success',
        movedTo: '/data/user/incoming-mail/success',
        matched: expect.stringMatching(/^\/data\/user\/mail\/reply\/new\//),
      }),
      expect.objectContaining({
        id: '20240502101351.failed@example.net',
        outcome: 'failure',
        errors: ['metroplex: error: no user found for sender mallory@example.net'],
      }),
    ]);
  });
});

describe('ghes-email doctor logs (CLI)', () => {
  const outcomes = (checks: { id: string; data?: Record<string, any> }[]) =>
    Object.fromEntries(checks.filter((c) => c.data?.outcome).map((c) => [c.id, c.data!.outcome]));

  const EXPECTED = {
    'mail:30': 'never-arrived',
    'mail:6A1B2C3D4E': 'success',
    'mail:7B2C3D4E5F': 'not-processed',
    'mail:8C3D4E5F6A': 'not-delivered',
    'mail:9D4E5F6A7B': 'not-delivered',
    'mail:AF6A7B8C9D': 'moved-to-failure',
  };

  test('a directory: every message gets where it stopped; exit 1 because some failed', async () => {
    const r = await runCli(['doctor', 'logs', FIXTURES, '--json']);
    expect(r.code).toBe(1);
    const report = json(r);
    expect(outcomes(report.checks)).toEqual(EXPECTED);
    expect(report.checks.find((c) => c.id === 'mail:8C3D4E5F6A')!.message).toMatch(
      /deferred .*No space left on device/,
    );
    expect(report.checks.find((c) => c.id === 'mail:9D4E5F6A7B')!.message).toMatch(/bounced .*unknown user/);
    expect(report.checks.find((c) => c.id === 'unicorn:2')).toMatchObject({
      status: 'fail',
      message: expect.stringMatching(/AUTH LOGIN; last reply 535 5\.7\.1 .*credentials rejected/),
    });
    for (const form of CANARY_FORMS) expect(r.stdout + r.stderr).not.toContain(form);
  });

  test('human report: one line per check, fixes, and a summary line', async () => {
    const r = await runCli(['doctor', 'logs', FIXTURES]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^PASS {2}mail:6A1B2C3D4E {2}.*success: postfix delivered/m);
    expect(r.stdout).toMatch(/^FAIL {2}mail:7B2C3D4E5F {2}.*not processed: .*no "processing" line/m);
    expect(r.stdout).toMatch(/^ +fix: check smtp\.username/m);
    expect(r.stdout.trim().split('\n').pop()).toBe('FAILED: doctor logs: 2 passed, 7 failed, 0 warnings');
    for (const form of CANARY_FORMS) expect(r.stdout).not.toContain(form);
  });

  test('a support-bundle tarball built here: logs found at their bundle paths, same verdicts', async () => {
    const root = join(work, 'bundle');
    mkdirSync(join(root, 'github-support-bundle', 'enterprise-manage-logs'), { recursive: true });
    mkdirSync(join(root, 'github-support-bundle', 'system-logs', 'mail-replies'), { recursive: true });
    copyFileSync(
      join(FIXTURES, 'unicorn.log'),
      join(root, 'github-support-bundle', 'enterprise-manage-logs', 'unicorn.log'),
    );
    copyFileSync(join(FIXTURES, 'mail.log'), join(root, 'github-support-bundle', 'system-logs', 'mail.log'));
    copyFileSync(
      join(FIXTURES, 'metroplex.log'),
      join(root, 'github-support-bundle', 'system-logs', 'mail-replies', 'metroplex.log'),
    );
    writeFileSync(join(root, 'github-support-bundle', 'system-logs', 'syslog'), 'unrelated\n');
    const bundle = join(work, 'github-support-bundle.tgz');
    await create({ gzip: true, file: bundle, cwd: root }, ['github-support-bundle']);
    rmSync(root, { recursive: true });

    const r = await runCli(['doctor', 'logs', bundle, '--json']);
    expect(r.code).toBe(1);
    const report = json(r);
    expect(report.checks.find((c) => c.id === 'found.unicorn')!.message).toBe(
      `unicorn.log: ${bundle}:github-support-bundle/enterprise-manage-logs/unicorn.log`,
    );
    expect(report.checks.find((c) => c.id === 'found.metroplex')!.message).toContain(
      'github-support-bundle/system-logs/mail-replies/metroplex.log',
    );
    expect(outcomes(report.checks)).toEqual(EXPECTED);
  });

  test('only healthy traffic: exit 0 (single files, one of them with an unusual name)', async () => {
    const dir = join(work, 'healthy');
    mkdirSync(dir);
    writeFileSync(join(dir, 'mail.log'), fixture('mail.log').split('\n').slice(0, 7).join('\n'));
    writeFileSync(join(dir, 'replies-processor.txt'), fixture('metroplex.log').split('\n').slice(0, 3).join('\n'));
    writeFileSync(join(dir, 'unicorn.log'), fixture('unicorn.log').split('\n').slice(26, 50).join('\n'));
    const r = await runCli([
      'doctor',
      'logs',
      join(dir, 'mail.log'),
      join(dir, 'replies-processor.txt'),
      join(dir, 'unicorn.log'),
    ]);
    expect(r.stdout).toMatch(/^OK: doctor logs: 2 passed, 0 failed, 0 warnings$/m);
    expect(r.code).toBe(0);
  });

  test('postfix delivered but metroplex.log absent: warned, and the message is "not processed"', async () => {
    const dir = join(work, 'no-metroplex');
    mkdirSync(dir);
    copyFileSync(join(FIXTURES, 'mail.log'), join(dir, 'mail.log'));
    const report = json(await runCli(['doctor', 'logs', dir, '--json']));
    expect(report.checks.find((c) => c.id === 'found.metroplex')).toMatchObject({ status: 'warn' });
    expect(report.checks.find((c) => c.id === 'mail:6A1B2C3D4E')!.data!.outcome).toBe('not-processed');
  });

  test('a path that does not exist is bad input: exit 2, message on stderr, nothing on stdout', async () => {
    const r = await runCli(['doctor', 'logs', join(work, 'nope.tgz')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/cannot read .*nope\.tgz/);
    expect(r.stdout).toBe('');
  });

  test('no input at all is a usage error: exit 2', async () => {
    const r = await runCli(['doctor', 'logs']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/missing required argument/);
  });
});

test("a 421 in unicorn.log names EC2's port-25 throttling only when the relay's port is 25", () => {
  const log = (port: number) =>
    [
      `Connection opened: smtp.example.com:${port}`,
      '-> "220 smtp.example.com ESMTP\\r\\n"',
      '<- "EHLO example.com\\r\\n"',
      '-> "421 4.7.0 Try again later, closing connection\\r\\n"',
    ].join('\n');
  const fix = (port: number) => parseUnicornLog(log(port))[0].diagnosis?.fix ?? '';
  expect(fix(25)).toContain('AWS throttles outbound port 25 from EC2');
  expect(fix(587)).toMatch(/retry later/);
  expect(fix(587)).not.toContain('port 25');
});
