/**
 * What `doctor inbound` and `doctor smtp` say when things are odd, checked
 * against the cases an outside review found misleading (verdicts were right):
 * which record answered next to a wildcard, REFUSED from authoritative-only
 * servers, a DNS server that is not there or does not answer, the config's MX
 * priority in fix lines, the transcript's first line with --connect-to, and
 * the documented --connect-to of `doctor inbound`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CORRECT, HOSTNAME, LOOP, REPLY, writeConfig } from '../../support/doctor/config';
import { RunningDns, ZoneRecords, closedUdpPort, startDns, startSilentDns } from '../../support/doctor/dns-server';
import { CliResult, json, runCli } from '../../support/doctor/run-cli';
import { RunningServer, makeCerts, startSmtp } from '../../support/doctor/smtp-servers';

let dir: string;
let mx: RunningServer;
const running: { close(): Promise<void> }[] = [];
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'doctor-messages-'));
  const certs = await makeCerts(REPLY);
  mx = await startSmtp({
    key: certs.key,
    cert: certs.cert,
    banner: 'GitHub Enterprise Server ESMTP Postfix',
    authOptional: true,
  });
  running.push(mx);
});
afterAll(async () => {
  await Promise.all(running.map((s) => s.close()));
  rmSync(dir, { recursive: true, force: true });
});

async function dns(zone: Record<string, ZoneRecords>, options?: { authoritativeFor?: string }): Promise<RunningDns> {
  const d = await startDns(zone, options);
  running.push(d);
  return d;
}

function inbound(server: string, config: string, ...extra: string[]): Promise<CliResult> {
  return runCli([
    'doctor',
    'inbound',
    '--config',
    config,
    '--dns-server',
    server,
    '--connect-to',
    `${LOOP}:${mx.port}`,
    '--timeout',
    '2000',
    '--dns-timeout',
    '500',
    '--json',
    ...extra,
  ]);
}
const check = (r: CliResult, id: string) => json(r).checks.find((c) => c.id === id);
const noEnforce = (c: Record<string, any>) => (c.smtp.enforceTls = false);

describe('which record answered', () => {
  test('explicit A at reply.<host> next to a wildcard: says the explicit record answered, not the wildcard', async () => {
    const d = await dns({ ...CORRECT, [`*.${HOSTNAME}`]: { A: [LOOP], MX: [[10, REPLY]] } });
    const r = await inbound(
      d.address,
      writeConfig(dir, 'explicit-and-wildcard', (c) => ((c.replyRecord = 'wildcard'), noEnforce(c))),
    );
    expect(check(r, 'dns.reply-address')).toMatchObject({
      status: 'pass',
      message: `${REPLY} → ${LOOP} (answered by the A record at ${REPLY} itself; a wildcard *.${HOSTNAME} exists but cannot answer a name that has records of its own, RFC 4592)`,
    });
  });

  test('wildcard only: says the wildcard answered', async () => {
    const d = await dns({
      [HOSTNAME]: { A: [LOOP] },
      [`*.${HOSTNAME}`]: { A: [LOOP], MX: [[10, REPLY]] },
      [`noreply.${HOSTNAME}`]: { MX: [[10, HOSTNAME]] },
    });
    const r = await inbound(
      d.address,
      writeConfig(dir, 'wildcard-only', (c) => ((c.replyRecord = 'wildcard'), noEnforce(c))),
    );
    expect(check(r, 'dns.reply-address')!.message).toBe(
      `${REPLY} → ${LOOP} (answered by the wildcard *.${HOSTNAME}; ${REPLY} has no records of its own)`,
    );
  });
});

describe('MX target outside the zone', () => {
  const wrong = { ...CORRECT, [`noreply.${HOSTNAME}`]: { MX: [[20, 'mail.elsewhere.test']] as [number, string][] } };

  test('an authoritative-only server answers REFUSED for it: explained, no raw code, no "create an A record" advice', async () => {
    const d = await dns(wrong, { authoritativeFor: 'example.test' });
    const r = await inbound(d.address, writeConfig(dir, 'refused', noEnforce));
    const c = check(r, 'port25.mail.elsewhere.test')!;
    expect(c.status).toBe('fail');
    expect(c.message).toBe(
      `MX target mail.elsewhere.test (from the MX of noreply.${HOSTNAME}) could not be looked up: ${d.address} refused to answer for it (REFUSED). Authoritative-only servers, such as Route53's, refuse names outside their zones, so this says nothing about its address records`,
    );
    expect(c.message).not.toMatch(/EREFUSED/);
    expect(c.fix).toBe(
      `the MX record is what is wrong: point noreply.${HOSTNAME} at ${HOSTNAME} (see dns.noreply-mx). To look mail.elsewhere.test up anyway, run without --dns-server (the system resolvers recurse)`,
    );
  });

  test('a target with no address (NXDOMAIN) that is not the appliance: the fix is the MX record, not an A record for it', async () => {
    const d = await dns(wrong);
    const r = await inbound(d.address, writeConfig(dir, 'nxdomain-target', noEnforce));
    expect(check(r, 'port25.mail.elsewhere.test')).toMatchObject({
      message: `MX target mail.elsewhere.test (from the MX of noreply.${HOSTNAME}) has no A or AAAA record (no such name, NXDOMAIN): senders cannot deliver to it`,
      fix: `the MX record is what is wrong: point noreply.${HOSTNAME} at ${HOSTNAME} (see dns.noreply-mx)`,
    });
  });

  test("fix lines use the config's dns.mxPriority", async () => {
    const d = await dns(wrong);
    const r = await inbound(
      d.address,
      writeConfig(dir, 'priority', (c) => ((c.dns = { ...(c.dns ?? {}), mxPriority: 20 }), noEnforce(c))),
    );
    expect(check(r, 'dns.noreply-mx')!.fix).toBe(
      `publish exactly one MX record for noreply.${HOSTNAME} with the value "20 ${HOSTNAME}" and remove the others`,
    );
  });
});

describe('the DNS server itself fails', () => {
  test('nothing listens at --dns-server: says so, and does not advise creating records', async () => {
    const port = await closedUdpPort();
    const r = await inbound(`${LOOP}:${port}`, writeConfig(dir, 'nodns', noEnforce));
    expect(r.code).toBe(1);
    for (const id of ['dns.reply-address', 'dns.reply-mx', 'dns.noreply-mx']) {
      const c = check(r, id)!;
      expect(c.message).toMatch(
        new RegExp(
          `could not be looked up: nothing answered at ${LOOP}:${port} \\(connection refused: no DNS server listens there\\)`,
        ),
      );
      expect(c.message).not.toMatch(/refused the query/);
      expect(c.fix).toBe(
        `check --dns-server ${LOOP}:${port} (address and port), or leave it out to use the system resolvers; the records themselves were not checked`,
      );
    }
  });

  test('a DNS server that never answers: "did not answer within" the --dns-timeout', async () => {
    const silent = await startSilentDns();
    running.push(silent);
    const r = await inbound(silent.address, writeConfig(dir, 'silentdns', noEnforce), '--dns-timeout', '100');
    expect(check(r, 'dns.reply-mx')!.message).toMatch(
      new RegExp(`could not be looked up: ${silent.address} did not answer within 100 ms`),
    );
    expect(check(r, 'dns.reply-mx')!.fix).toMatch(/^check --dns-server/);
  });
});

describe('doctor inbound --connect-to', () => {
  test('is documented in --help (the hidden --inbound-port is gone)', async () => {
    const help = await runCli(['doctor', 'inbound', '--help']);
    expect(help.stdout).toMatch(/--connect-to <host\[:port\]\|:port>/);
    expect(help.stdout).not.toMatch(/inbound-port/);
  });

  test('host:port probes that endpoint for each MX target; the transcript names the target and the real endpoint', async () => {
    const d = await dns(CORRECT);
    const r = await inbound(d.address, writeConfig(dir, 'connect-to', noEnforce));
    expect(r.code).toBe(0);
    expect(check(r, `port25.${REPLY}[${LOOP}]`)!.message).toMatch(
      new RegExp(`^${REPLY.replace(/\./g, '\\.')} \\(${LOOP}:${mx.port}\\) greeted: 220`),
    );
    expect(json(r).transcript[0]).toBe(`Connection opened: ${REPLY}:25 (via ${LOOP}:${mx.port})`);
  });

  test(':port keeps the addresses from DNS and changes only the port', async () => {
    const d = await dns(CORRECT);
    const r = await runCli([
      'doctor',
      'inbound',
      '--config',
      writeConfig(dir, 'port-only', noEnforce),
      '--dns-server',
      d.address,
      '--connect-to',
      `:${mx.port}`,
      '--json',
    ]);
    expect(r.code).toBe(0);
    expect(check(r, `port25.${HOSTNAME}[${LOOP}]`)!.status).toBe('pass');
    expect(
      (await runCli(['doctor', 'inbound', '--config', writeConfig(dir, 'bad-port'), '--connect-to', ':0'])).stderr,
    ).toMatch(/--connect-to: got ":0"; expected a port from 1 to 65535/);
  });
});
