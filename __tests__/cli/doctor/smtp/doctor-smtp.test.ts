/**
 * `doctor smtp` against real SMTP servers on 127.0.0.1: a healthy relay
 * (STARTTLS + AUTH LOGIN/PLAIN, certificate from a test CA), one answering
 * 535 5.7.1, one without STARTTLS, one with a self-signed certificate, one that
 * never greets, a closed port, and an implicit-TLS port. The password goes in
 * through --password-stdin as a canary that must never be printed.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfigFile } from '../../../../lib/config/config';
import { AwsDouble, RoleCredentials, canary as awsCanary, useAwsDoubleForSdk } from '../../../support/boot/aws-doubles';
import { SMTP_ARN } from '../../../support/boot/rig';
import { RELAY_NAME, SMTP_USER, writeConfig } from '../../../support/doctor/config';
import { CliResult, json, runCli } from '../../../support/doctor/run-cli';
import {
  RunningServer,
  TestCerts,
  closedPort,
  makeCerts,
  startSilent,
  startSmtp,
} from '../../../support/doctor/smtp-servers';

const CANARY = `Canary-${Math.random().toString(36).slice(2)}-pw`;
const canaryForms = [
  CANARY,
  Buffer.from(CANARY).toString('base64'),
  Buffer.from(`\0${SMTP_USER}\0${CANARY}`).toString('base64'),
];

let dir: string;
let certs: TestCerts;
let caFile: string;
const servers: RunningServer[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'doctor-smtp-'));
  certs = await makeCerts(RELAY_NAME);
  caFile = join(dir, 'ca.pem');
  writeFileSync(caFile, certs.caCert);
});
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
  rmSync(dir, { recursive: true, force: true });
});

async function server(start: Promise<RunningServer>): Promise<RunningServer> {
  const s = await start;
  servers.push(s);
  return s;
}

const healthy = () => server(startSmtp({ key: certs.key, cert: certs.cert, user: SMTP_USER, password: CANARY }));

/** Runs doctor smtp against 127.0.0.1:port with the canary on stdin. */
function doctor(port: number, config: string, ...extra: string[]): Promise<CliResult> {
  return runCli(
    [
      'doctor',
      'smtp',
      '--config',
      config,
      '--connect-to',
      `127.0.0.1:${port}`,
      '--ca-file',
      caFile,
      '--password-stdin',
      '--timeout',
      '2000',
      ...extra,
    ],
    { stdin: `${CANARY}\n` },
  );
}

function expectNoCanary(r: CliResult): void {
  for (const form of canaryForms) {
    expect(r.stdout).not.toContain(form);
    expect(r.stderr).not.toContain(form);
  }
}

const check = (r: CliResult, id: string) => json(r).checks.find((c) => c.id === id);

test('healthy relay, AUTH LOGIN, --send: exit 0, the transcript in unicorn.log format, credentials masked, message delivered', async () => {
  const relay = await healthy();
  const r = await doctor(relay.port, writeConfig(dir, 'login'), '--send', '--to', 'admin@example.test', '--json');
  expectNoCanary(r);
  expect(r.code).toBe(0);
  const report = json(r);
  expect(report.summary).toMatchObject({ ok: true, failed: 0 });
  expect(report.checks.map((c) => [c.id, c.status])).toEqual([
    ['smtp.connect', 'pass'],
    ['smtp.ehlo', 'pass'],
    ['smtp.tls', 'pass'],
    ['smtp.auth', 'pass'],
    ['smtp.send', 'pass'],
  ]);
  const t = report.transcript;
  // The configured relay (name and port, as unicorn.log shows it), then where --connect-to really connected.
  expect(t[0]).toBe(`Connection opened: ${RELAY_NAME}:587 (via 127.0.0.1:${relay.port})`);
  expect(t[1]).toMatch(/^-> "220 smtp\.relay\.test ESMTP test relay\\r\\n"$/);
  expect(t[2]).toBe('<- "EHLO example.test\\r\\n"');
  expect(t).toContain('-> "250 STARTTLS\\r\\n"');
  const tls = t.indexOf('TLS connection started');
  expect(t[tls - 2]).toBe('<- "STARTTLS\\r\\n"');
  expect(t[tls - 1]).toMatch(/^-> "220 /);
  expect(t[tls + 1]).toBe('<- "EHLO example.test\\r\\n"');
  const auth = t.indexOf('<- "AUTH LOGIN\\r\\n"');
  expect(auth).toBeGreaterThan(tls);
  expect(t.slice(auth, auth + 5)).toEqual([
    '<- "AUTH LOGIN\\r\\n"',
    '-> "334 VXNlcm5hbWU6\\r\\n"',
    '<- "******** (masked)\\r\\n"',
    '-> "334 UGFzc3dvcmQ6\\r\\n"',
    '<- "******** (masked)\\r\\n"',
  ]);
  expect(t[auth + 5]).toMatch(/^-> "235 /);
  expect(t).toContain('<- "MAIL FROM:<noreply@github.example.test>\\r\\n"');
  expect(t).toContain('<- "RCPT TO:<admin@example.test>\\r\\n"');
  expect(t[t.length - 2]).toBe('<- "QUIT\\r\\n"');
  // The relay really got the canary (so masking, not omission, kept it out of the output) and the message.
  expect(relay.logins).toEqual([{ method: 'LOGIN', username: SMTP_USER, password: CANARY }]);
  expect(relay.messages).toEqual([
    expect.objectContaining({
      from: 'noreply@github.example.test',
      to: ['admin@example.test'],
      raw: expect.stringContaining('Subject: ghes-email doctor test message'),
    }),
  ]);
  // Progress went to stderr, so stdout is pure JSON.
  expect(r.stderr).toMatch(/connecting to 127\.0\.0\.1:\d+, waiting up to 2000 ms/);
});

test('healthy relay, AUTH PLAIN, human report: transcript, one line per check, summary', async () => {
  const relay = await healthy();
  const r = await doctor(
    relay.port,
    writeConfig(dir, 'plain', (c) => (c.smtp.authentication = 'plain')),
  );
  expectNoCanary(r);
  expect(r.code).toBe(0);
  expect(r.stdout).toContain('<- "AUTH PLAIN ******** (masked)\\r\\n"');
  expect(r.stdout).toMatch(/^PASS {2}smtp\.auth {5}AUTH PLAIN as ghes@example\.test accepted$/m);
  expect(r.stdout.trim().split('\n').pop()).toBe('OK: doctor smtp: 4 passed, 0 failed, 0 warnings');
  expect(relay.logins).toEqual([{ method: 'PLAIN', username: SMTP_USER, password: CANARY }]);
});

test('535 5.7.1: credentials rejected, exit 1', async () => {
  const relay = await server(
    startSmtp({ key: certs.key, cert: certs.cert, rejectAuth: '5.7.1 Username and Password not accepted' }),
  );
  const r = await doctor(relay.port, writeConfig(dir, 'rejected'), '--json');
  expectNoCanary(r);
  expect(r.code).toBe(1);
  expect(check(r, 'smtp.auth')).toMatchObject({
    status: 'fail',
    message:
      'AUTH LOGIN as ghes@example.test failed: 535 5.7.1 Username and Password not accepted (credentials rejected)',
  });
  expect(check(r, 'smtp.auth')!.fix).toMatch(/password secret/);
  expect(json(r).transcript).toContain('-> "535 5.7.1 Username and Password not accepted\\r\\n"');
});

test('no STARTTLS offered: fails before AUTH and never sends the password', async () => {
  const relay = await server(
    startSmtp({ hideSTARTTLS: true, allowInsecureAuth: true, user: SMTP_USER, password: CANARY }),
  );
  const r = await doctor(relay.port, writeConfig(dir, 'nostarttls'), '--json');
  expectNoCanary(r);
  expect(r.code).toBe(1);
  expect(check(r, 'smtp.tls')).toMatchObject({
    status: 'fail',
    message: expect.stringMatching(/does not offer STARTTLS; the password would cross the network in clear text/),
  });
  expect(check(r, 'smtp.auth')).toBeUndefined();
  expect(relay.logins).toEqual([]);
});

test('self-signed certificate: the TLS check names the problem and --ca-file; EHLO (before STARTTLS) is reported', async () => {
  const relay = await server(
    startSmtp({ key: certs.selfSignedKey, cert: certs.selfSignedCert, user: SMTP_USER, password: CANARY }),
  );
  const r = await doctor(relay.port, writeConfig(dir, 'selfsigned'), '--json');
  expectNoCanary(r);
  expect(r.code).toBe(1);
  expect(json(r).checks.map((c) => [c.id, c.status])).toEqual([
    ['smtp.connect', 'pass'],
    ['smtp.ehlo', 'pass'],
    ['smtp.tls', 'fail'],
  ]);
  expect(check(r, 'smtp.ehlo')!.message).toMatch(/^EHLO example\.test accepted; the relay offers .*STARTTLS/);
  expect(check(r, 'smtp.tls')).toMatchObject({
    status: 'fail',
    message: expect.stringMatching(/^TLS handshake failed: the certificate is self-signed/),
  });
  expect(check(r, 'smtp.tls')!.fix).toMatch(/--ca-file <pem>/);
  expect(relay.logins).toEqual([]);
});

test('certificate for another name: "does not name this host"', async () => {
  const relay = await healthy();
  const r = await doctor(
    relay.port,
    writeConfig(dir, 'othername', (c) => (c.smtp.address = 'mail.other.test')),
    '--json',
  );
  expect(r.code).toBe(1);
  expect(check(r, 'smtp.tls')).toMatchObject({
    status: 'fail',
    message: expect.stringMatching(/the certificate does not name this host/),
  });
});

test('accepts TCP and never greets: bounded by --timeout, exit 1', async () => {
  const silent = await server(startSilent());
  const r = await runCli(
    [
      'doctor',
      'smtp',
      '--config',
      writeConfig(dir, 'silent'),
      '--connect-to',
      `127.0.0.1:${silent.port}`,
      '--password-stdin',
      '--timeout',
      '300',
      '--json',
    ],
    { stdin: CANARY },
  );
  expect(r.code).toBe(1);
  expect(check(r, 'smtp.connect')).toMatchObject({
    status: 'fail',
    message: `127.0.0.1:${silent.port} accepted the TCP connection but sent no SMTP greeting within 300 ms`,
  });
});

test('closed port: connection refused, with the port advice', async () => {
  const port = await closedPort();
  const r = await doctor(port, writeConfig(dir, 'closed'), '--json');
  expect(r.code).toBe(1);
  const c = check(r, 'smtp.connect')!;
  expect(c).toMatchObject({
    status: 'fail',
    message: `connection refused by 127.0.0.1:${port}: nothing listens on that port`,
  });
  expect(c.fix).toMatch(/587/);
  expect(c.fix).toMatch(/AWS throttles outbound port 25 from EC2/);
});

test('implicit-TLS port where STARTTLS is expected: says the port speaks SMTPS', async () => {
  const relay = await server(
    startSmtp({ secure: true, key: certs.key, cert: certs.cert, user: SMTP_USER, password: CANARY }),
  );
  const r = await doctor(relay.port, writeConfig(dir, 'smtps'), '--timeout', '300', '--json');
  expect(r.code).toBe(1);
  expect(check(r, 'smtp.connect')).toMatchObject({
    status: 'fail',
    message: expect.stringMatching(/speaks implicit TLS \(SMTPS\)/),
  });
});

test('port 465 configured but the relay speaks plain SMTP there: says so', async () => {
  const relay = await healthy();
  const r = await doctor(
    relay.port,
    writeConfig(dir, 'port465', (c) => (c.smtp.port = 465)),
    '--json',
  );
  expect(r.code).toBe(1);
  expect(check(r, 'smtp.tls')).toMatchObject({
    status: 'fail',
    message: expect.stringMatching(/speaks plain SMTP, but port 465 means implicit TLS/),
  });
});

test('sender refused (554 on MAIL FROM) with --send: "sender refused", exit 1', async () => {
  const relay = await server(
    startSmtp({
      key: certs.key,
      cert: certs.cert,
      user: SMTP_USER,
      password: CANARY,
      rejectSender: '5.7.1 Sender address rejected: not owned by user',
    }),
  );
  const r = await doctor(relay.port, writeConfig(dir, 'sender'), '--send', '--to', 'admin@example.test', '--json');
  expectNoCanary(r);
  expect(r.code).toBe(1);
  expect(check(r, 'smtp.auth')).toMatchObject({ status: 'pass' });
  expect(check(r, 'smtp.send')).toMatchObject({
    status: 'fail',
    message: expect.stringMatching(/554 5\.7\.1 Sender address rejected: not owned by user \(sender refused\)/),
  });
  expect(relay.messages).toEqual([]);
});

test("bad config: exit 2 and the loader's message as is", async () => {
  const bad = writeConfig(dir, 'bad', (c) => (c.smtp.port = 70000));
  let expected = '';
  try {
    loadConfigFile(bad);
  } catch (err) {
    expected = (err as Error).message;
  }
  expect(expected).toMatch(/smtp\.port/);
  const r = await runCli(['doctor', 'smtp', '--config', bad, '--password-stdin'], { stdin: CANARY });
  expect(r.code).toBe(2);
  expect(r.stderr).toBe(`${expected}\n`);
  expect(r.stdout).toBe('');
});

test('bad usage: --send without --to, a malformed --connect-to, and a missing --config all exit 2', async () => {
  const config = writeConfig(dir, 'usage');
  expect((await runCli(['doctor', 'smtp', '--config', config, '--send'])).code).toBe(2);
  expect((await runCli(['doctor', 'smtp', '--config', config, '--connect-to', '127.0.0.1:99999'])).stderr).toMatch(
    /--connect-to: got "127\.0\.0\.1:99999"/,
  );
  expect((await runCli(['doctor', 'smtp'])).code).toBe(2);
});

describe('password from its secret reference (real AWS SDK against the loopback Secrets Manager double)', () => {
  let restoreEnv: () => void = () => undefined;
  const creds: RoleCredentials = {
    accessKeyId: 'AKIDOPERATOR',
    secretAccessKey: awsCanary('doctor-key'),
    sessionToken: awsCanary('doctor-token'),
  };
  const secretCanary = `${awsCanary('doctor-smtp')} "q" \\ é`;
  let aws: AwsDouble;

  beforeAll(async () => {
    aws = await new AwsDouble(undefined, creds).start();
    aws.secrets.set(SMTP_ARN, { string: JSON.stringify({ password: secretCanary }) });
    restoreEnv = useAwsDoubleForSdk(aws, creds);
  });
  afterAll(async () => {
    restoreEnv();
    await aws.stop();
  });

  test('resolves the secret, logs in with it, and never prints it', async () => {
    const relay = await server(
      startSmtp({ key: certs.key, cert: certs.cert, user: SMTP_USER, password: secretCanary }),
    );
    const config = writeConfig(
      dir,
      'secretref',
      (c) => (c.smtp.password = { secretsManagerArn: SMTP_ARN, jsonKey: 'password' }),
    );
    const r = await runCli([
      'doctor',
      'smtp',
      '--config',
      config,
      '--connect-to',
      `127.0.0.1:${relay.port}`,
      '--ca-file',
      caFile,
      '--json',
    ]);
    expect(r.code).toBe(0);
    expect(relay.logins).toEqual([{ method: 'LOGIN', username: SMTP_USER, password: secretCanary }]);
    expect(r.stderr).toContain(`reading the password from Secrets Manager secret ${SMTP_ARN}`);
    for (const form of [
      secretCanary,
      Buffer.from(secretCanary).toString('base64'),
      creds.secretAccessKey,
      creds.sessionToken,
    ]) {
      expect(r.stdout).not.toContain(form);
      expect(r.stderr).not.toContain(form);
    }
  });

  test('an unreadable secret is a config-level error: exit 2, the reference named, no value', async () => {
    const config = writeConfig(
      dir,
      'secretmissing',
      (c) => (c.smtp.password = { secretsManagerArn: SMTP_ARN.replace('ghes-smtp', 'nope') }),
    );
    const r = await runCli(['doctor', 'smtp', '--config', config, '--connect-to', '127.0.0.1:1', '--json']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/cannot read Secrets Manager secret arn:aws:secretsmanager:.*nope/);
    expect(r.stdout).toBe('');
  });
});
