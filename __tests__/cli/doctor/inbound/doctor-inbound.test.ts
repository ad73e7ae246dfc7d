/**
 * `doctor inbound` against a real DNS server on 127.0.0.1 (dns2) and real
 * port-25 stand-ins (smtp-server on a random loopback port, reached with
 * --connect-to 127.0.0.1:<port>). Every record points at 127.0.0.1 or at names
 * with no address, so nothing else is ever contacted.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CORRECT, HOSTNAME, LOOP, REPLY, writeConfig } from '../../../support/doctor/config';
import { RunningDns, ZoneRecords, startDns } from '../../../support/doctor/dns-server';
import { CliResult, json, runCli } from '../../../support/doctor/run-cli';
import { RunningServer, TestCerts, closedPort, makeCerts, startSmtp } from '../../../support/doctor/smtp-servers';

let dir: string;
let certs: TestCerts;
const running: { close(): Promise<void> }[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'doctor-inbound-'));
  certs = await makeCerts(REPLY);
});
afterAll(async () => {
  await Promise.all(running.map((s) => s.close()));
  rmSync(dir, { recursive: true, force: true });
});

async function dns(zone: Record<string, ZoneRecords>): Promise<RunningDns> {
  const d = await startDns(zone);
  running.push(d);
  return d;
}

/** Port-25 stand-in; `enforce` refuses MAIL FROM before STARTTLS as postfix does with TLS enforced. */
async function port25(options: { enforce: boolean; starttls?: boolean }): Promise<RunningServer & { rcpts: string[] }> {
  const rcpts: string[] = [];
  const s = await startSmtp({
    key: certs.key,
    cert: certs.cert,
    banner: 'GitHub Enterprise Server ESMTP Postfix',
    hideSTARTTLS: options.starttls === false,
    authOptional: true,
    onMailFrom(_address, session, cb) {
      if (options.enforce && !session.secure)
        return cb(Object.assign(new Error('5.7.0 Must issue a STARTTLS command first'), { responseCode: 530 }));
      cb();
    },
    onRcptTo(address, _session, cb) {
      rcpts.push(address.address);
      cb();
    },
  });
  running.push(s);
  return Object.assign(s, { rcpts });
}

function doctor(d: RunningDns, port: number, config: string, ...extra: string[]): Promise<CliResult> {
  return runCli([
    'doctor',
    'inbound',
    '--config',
    config,
    '--dns-server',
    d.address,
    '--connect-to',
    `127.0.0.1:${port}`,
    '--timeout',
    '2000',
    '--dns-timeout',
    '1000',
    '--json',
    ...extra,
  ]);
}

const statuses = (r: CliResult) => Object.fromEntries(json(r).checks.map((c) => [c.id, c.status]));
const check = (r: CliResult, id: string) => json(r).checks.find((c) => c.id === id);

test('correct records, port 25 enforcing STARTTLS: every check passes, exit 0, nothing queued', async () => {
  const d = await dns(CORRECT);
  const mx = await port25({ enforce: true });
  const r = await doctor(d, mx.port, writeConfig(dir, 'enforcing'));
  expect(r.code).toBe(0);
  expect(statuses(r)).toEqual({
    'dns.reply-address': 'pass',
    'dns.reply-mx': 'pass',
    'dns.noreply-mx': 'pass',
    [`port25.${REPLY}[${LOOP}]`]: 'pass',
    [`port25.${REPLY}[${LOOP}].starttls`]: 'pass',
    [`port25.${REPLY}[${LOOP}].enforce-tls`]: 'pass',
    [`port25.${HOSTNAME}[${LOOP}]`]: 'pass',
    [`port25.${HOSTNAME}[${LOOP}].starttls`]: 'pass',
    [`port25.${HOSTNAME}[${LOOP}].enforce-tls`]: 'pass',
  });
  expect(check(r, 'dns.reply-mx')!.message).toBe(`MX ${REPLY} → 10 ${REPLY}`);
  expect(check(r, `port25.${REPLY}[${LOOP}]`)!.message).toMatch(
    /greeted: 220 .*GitHub Enterprise Server ESMTP Postfix/,
  );
  expect(check(r, `port25.${REPLY}[${LOOP}].enforce-tls`)!.message).toMatch(
    /refuses mail before STARTTLS: 530 5\.7\.0 Must issue a STARTTLS command first/,
  );
  expect(mx.rcpts).toEqual([]); // the probe stops at MAIL FROM
  expect(mx.messages).toEqual([]);
  expect(d.queries).toEqual(expect.arrayContaining([`${REPLY} A`, `${REPLY} MX`, `noreply.${HOSTNAME} MX`]));
  expect(r.stderr).toMatch(
    new RegExp(`looking up ${REPLY.replace(/\./g, '\\.')} and the MX records via 127\\.0\\.0\\.1:\\d+`),
  );
});

test('enforceTls on but port 25 accepts MAIL FROM in clear text: enforce-tls fails, exit 1, still no RCPT sent', async () => {
  const d = await dns(CORRECT);
  const mx = await port25({ enforce: false });
  const r = await doctor(d, mx.port, writeConfig(dir, 'lax'));
  expect(r.code).toBe(1);
  expect(check(r, `port25.${REPLY}[${LOOP}].enforce-tls`)).toMatchObject({
    status: 'fail',
    message: expect.stringMatching(/accepted MAIL FROM before STARTTLS \(250 .*\), but smtp\.enforceTls is on/),
  });
  expect(check(r, `port25.${REPLY}[${LOOP}].enforce-tls`)!.fix).toMatch(/Enforce TLS auth/);
  expect(mx.rcpts).toEqual([]);
});

test('a refusal that is not about TLS (530 authentication required) does not count as enforcement', async () => {
  const d = await dns(CORRECT);
  const s = await startSmtp({ key: certs.key, cert: certs.cert, user: 'u', password: 'p' }); // AUTH required, TLS not
  running.push(s);
  const r = await doctor(d, s.port, writeConfig(dir, 'authreq'));
  expect(r.code).toBe(1);
  expect(check(r, `port25.${REPLY}[${LOOP}].enforce-tls`)).toMatchObject({
    status: 'fail',
    message: expect.stringMatching(
      /refused MAIL FROM before STARTTLS, but not for TLS: 530 .*[Aa]uthentication [Rr]equired/,
    ),
  });
});

test('enforceTls off and no enforcement: passes without the MAIL FROM probe', async () => {
  const d = await dns(CORRECT);
  const mx = await port25({ enforce: false });
  const r = await doctor(
    d,
    mx.port,
    writeConfig(dir, 'noenforce', (c) => (c.smtp.enforceTls = false)),
  );
  expect(r.code).toBe(0);
  expect(Object.keys(statuses(r)).filter((id) => id.endsWith('.enforce-tls'))).toEqual([]);
});

test('port 25 without STARTTLS: fails with enforceTls on', async () => {
  const d = await dns(CORRECT);
  const mx = await port25({ enforce: false, starttls: false });
  const r = await doctor(d, mx.port, writeConfig(dir, 'nostarttls'));
  expect(r.code).toBe(1);
  expect(check(r, `port25.${REPLY}[${LOOP}].starttls`)).toMatchObject({
    status: 'fail',
    message: expect.stringMatching(
      /does not offer STARTTLS: senders deliver replies in clear text, and smtp\.enforceTls expects TLS/,
    ),
  });
});

test('wrong noreply MX target: names the record, expected and seen; the unresolvable target is reported, not contacted', async () => {
  const d = await dns({ ...CORRECT, [`noreply.${HOSTNAME}`]: { MX: [[10, 'mail.elsewhere.test']] } });
  const mx = await port25({ enforce: true });
  const r = await doctor(d, mx.port, writeConfig(dir, 'wrongmx'));
  expect(r.code).toBe(1);
  expect(check(r, 'dns.noreply-mx')).toMatchObject({
    status: 'fail',
    message: `MX noreply.${HOSTNAME}: expected ${HOSTNAME}; saw 10 mail.elsewhere.test`,
  });
  expect(check(r, 'port25.mail.elsewhere.test')).toMatchObject({
    status: 'fail',
    message: expect.stringMatching(
      /^MX target mail\.elsewhere\.test \(from the MX of noreply\.github\.example\.test\) has no A or AAAA record/,
    ),
  });
  expect(check(r, 'dns.reply-mx')!.status).toBe('pass');
});

test('missing reply A record: fails naming reply.<hostname>; its MX target cannot be reached either', async () => {
  const d = await dns({ ...CORRECT, [REPLY]: { MX: [[10, REPLY]] } });
  const mx = await port25({ enforce: true });
  const r = await doctor(d, mx.port, writeConfig(dir, 'noreplya'));
  expect(r.code).toBe(1);
  expect(check(r, 'dns.reply-address')).toMatchObject({
    status: 'fail',
    message: `${REPLY}: expected an address (A ${REPLY}); saw none: the name exists but has no record of this type`,
  });
  expect(check(r, `port25.${REPLY}`)!.status).toBe('fail');
});

test('wildcard-only setup (*.<hostname> A and MX): reply.<hostname> resolves through the wildcard, exit 0', async () => {
  const d = await dns({
    [HOSTNAME]: { A: [LOOP] },
    [`*.${HOSTNAME}`]: { A: [LOOP], MX: [[10, REPLY]] },
    [`noreply.${HOSTNAME}`]: { MX: [[10, HOSTNAME]] },
  });
  const mx = await port25({ enforce: true });
  const r = await doctor(
    d,
    mx.port,
    writeConfig(dir, 'wildcard', (c) => (c.replyRecord = 'wildcard')),
  );
  expect(r.code).toBe(0);
  expect(check(r, 'dns.reply-address')).toMatchObject({
    status: 'pass',
    message: `${REPLY} → ${LOOP} (answered by the wildcard *.${HOSTNAME}; ${REPLY} has no records of its own)`,
  });
});

test('wildcard A next to an explicit MX at reply.<hostname>: the wildcard does not cover it (RFC 4592), explained', async () => {
  const d = await dns({ ...CORRECT, [REPLY]: { MX: [[10, REPLY]] }, [`*.${HOSTNAME}`]: { A: [LOOP] } });
  const mx = await port25({ enforce: true });
  const r = await doctor(
    d,
    mx.port,
    writeConfig(dir, 'wildcard-mx', (c) => (c.replyRecord = 'wildcard')),
  );
  expect(r.code).toBe(1);
  expect(check(r, 'dns.reply-address')).toMatchObject({
    status: 'fail',
    message: expect.stringMatching(
      /A wildcard \*\.github\.example\.test exists, but a wildcard only answers names that do not exist at all \(RFC 4592\)/,
    ),
  });
});

test('existing instance address differs from DNS: expected versus seen', async () => {
  const d = await dns(CORRECT);
  const mx = await port25({ enforce: true });
  const r = await doctor(
    d,
    mx.port,
    writeConfig(dir, 'existing', (c) => {
      delete c.appliance;
      delete c.managementConsole;
      c.existingInstance = { ipv4Address: '203.0.113.10', securityGroupIds: ['sg-0123456789abcdef0'] };
    }),
  );
  expect(r.code).toBe(1);
  expect(check(r, 'dns.reply-address')).toMatchObject({
    status: 'fail',
    message: `${REPLY}: expected 203.0.113.10; saw ${LOOP}`,
  });
});

test('port 25 closed: the probe fails with the firewall advice', async () => {
  const d = await dns(CORRECT);
  const port = await closedPort();
  const r = await doctor(d, port, writeConfig(dir, 'closed25'));
  expect(r.code).toBe(1);
  const c = check(r, `port25.${REPLY}[${LOOP}]`)!;
  expect(c).toMatchObject({ status: 'fail', message: expect.stringMatching(/connection refused/) });
  expect(c.fix).toMatch(/open TCP 25/);
});

test('human report through the program: one line per check and the summary; bad --dns-server is exit 2', async () => {
  const d = await dns(CORRECT);
  const mx = await port25({ enforce: true });
  const r = await runCli([
    'doctor',
    'inbound',
    '--config',
    writeConfig(dir, 'human'),
    '--dns-server',
    d.address,
    '--connect-to',
    `127.0.0.1:${mx.port}`,
  ]);
  expect(r.code).toBe(0);
  expect(r.stdout).toMatch(/^PASS {2}dns\.noreply-mx +MX noreply\.github\.example\.test → 10 github\.example\.test$/m);
  expect(r.stdout.trim().split('\n').pop()).toBe('OK: doctor inbound: 9 passed, 0 failed, 0 warnings');
  const bad = await runCli([
    'doctor',
    'inbound',
    '--config',
    writeConfig(dir, 'human2'),
    '--dns-server',
    'dns.example.test',
  ]);
  expect(bad.code).toBe(2);
  expect(bad.stderr).toMatch(/--dns-server: got "dns\.example\.test"; expected an IP address/);
});
