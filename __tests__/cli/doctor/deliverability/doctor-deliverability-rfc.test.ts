/**
 * `doctor deliverability` by RFC 7208 and RFC 7489 (issue 16): macros and "ptr" evaluated, a lookup that failed
 * never taken for a refusal or an absence, the organizational domain from the Public Suffix List, and what a
 * deployed stack's outputs already know. Against the loopback authoritative server (support/doctor/auth-dns-server.ts).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AuthRecords } from '../../../support/doctor/auth-dns-server';
import { HOSTNAME, RELAY_NAME } from '../../../support/doctor/config';
import {
  DeliverabilityRig,
  findCheck as find,
  runDeliverability,
  statuses,
} from '../../../support/doctor/run-deliverability';
import { startAuthDns } from '../../../support/doctor/auth-dns-server';

const D = HOSTNAME;
const RELAY_IP = '192.0.2.10';
type Zone = Record<string, AuthRecords>;

const rig = new DeliverabilityRig();
afterAll(() => rig.close());

test('case 1: macros are expanded (RFC 7208 §7): exists:%{i}._ip.D passes for the relay', async () => {
  const r = await rig.run({
    [RELAY_NAME]: { A: [RELAY_IP] },
    [D]: { TXT: [`v=spf1 exists:%{i}._ip.${D} -all`] },
    [`${RELAY_IP}._ip.${D}`]: { A: ['127.0.0.2'] },
  });
  const relay = find(r, 'spf.relay');
  expect(relay.status).toBe('pass');
  expect(relay.message).toContain(`${RELAY_IP} → pass`);
  expect(relay.message).toContain(`${RELAY_IP}._ip.${D}`);
  expect(r.stdout).not.toContain('not evaluated');
});

test('case 2: "ptr" is evaluated (RFC 7208 §5.5) and warned about', async () => {
  const r = await rig.run({
    [RELAY_NAME]: { A: [RELAY_IP] },
    [D]: { TXT: ['v=spf1 ptr:ptr.test -all'] },
    '10.2.0.192.in-addr.arpa': { PTR: ['relay.ptr.test'] },
    'relay.ptr.test': { A: [RELAY_IP] },
  });
  expect(find(r, 'spf.relay')).toMatchObject({
    status: 'pass',
    message: expect.stringContaining(`${RELAY_IP} → pass (${D}: ptr:ptr.test`),
  });
  expect(find(r, 'spf.ptr')).toMatchObject({ status: 'warn', message: expect.stringContaining('§5.5') });
  expect(r.stdout).not.toContain('not evaluated');
});

test('case 4: an include that answers SERVFAIL is a temperror, not a permerror (RFC 7208 §4.4, §5.2)', async () => {
  const r = await rig.run({
    [RELAY_NAME]: { A: [RELAY_IP] },
    [D]: { TXT: [`v=spf1 include:broken.${D} ip4:${RELAY_IP} -all`] },
    [`broken.${D}`]: { rcode: 'SERVFAIL' },
  });
  const includes = find(r, 'spf.includes');
  expect(includes.status).toBe('warn');
  expect(includes.message).toContain('could not be looked up');
  expect(includes.message).toContain('temperror');
  expect(`${includes.message} ${includes.fix}`).not.toContain('permerror');
  expect(find(r, 'spf.relay').message).toContain('temperror');
});

test('case 5: a report authorization record that cannot be looked up is not a refusal', async () => {
  const r = await rig.run({
    [RELAY_NAME]: { A: [RELAY_IP] },
    [D]: { TXT: [`v=spf1 ip4:${RELAY_IP} -all`] },
    [`_dmarc.${D}`]: { TXT: ['v=DMARC1; p=none; rua=mailto:d@ext.test'] },
    [`${D}._report._dmarc.ext.test`]: { rcode: 'SERVFAIL' },
  });
  const rua = find(r, 'dmarc.rua');
  expect(rua.message).toContain('could not be looked up');
  expect(rua.message).not.toContain('has not agreed');
});

describe('case 9: the organizational domain comes from the Public Suffix List (RFC 7489 §3.2)', () => {
  const ukFrom = (c: Record<string, any>) => (c.smtp.noreplyAddress = 'noreply@mail.example.co.uk');
  const zone: Zone = {
    [RELAY_NAME]: { A: [RELAY_IP] },
    'mail.example.co.uk': { TXT: [`v=spf1 ip4:${RELAY_IP} -all`] },
    'bounce.other.co.uk': { TXT: [`v=spf1 ip4:${RELAY_IP} -all`] },
    '_dmarc.example.co.uk': { TXT: ['v=DMARC1; p=quarantine; rua=mailto:d@example.co.uk'] },
    '_dmarc.co.uk': { TXT: ['v=DMARC1; p=reject'] },
  };

  test('the policy is looked up at _dmarc.example.co.uk, never at _dmarc.co.uk', async () => {
    const r = await rig.run(zone, [], ukFrom);
    expect(find(r, 'dmarc.record').message).toContain('inherited from _dmarc.example.co.uk');
    expect(r.dns.queries).not.toContain('_dmarc.co.uk TXT');
  });

  test('another *.co.uk domain does not align', async () => {
    const r = await rig.run(zone, ['--mail-from-domain', 'bounce.other.co.uk', '--dkim-selector', 'none'], ukFrom);
    expect(find(r, 'spf.relay').status).toBe('pass');
    expect(find(r, 'dmarc.alignment')).toMatchObject({
      status: 'fail',
      message: expect.stringContaining('SPF cannot align'),
    });
  });
});

test('case 10: common DKIM selectors that time out were not looked up, not "no key"', async () => {
  const zone: Zone = { [RELAY_NAME]: { A: [RELAY_IP] }, [D]: { TXT: [`v=spf1 ip4:${RELAY_IP} -all`] } };
  for (const s of ['selector1', 'selector2', 'google', 'k1', 's1', 's2', 'default', 'dkim', 'mail'])
    zone[`${s}._domainkey.${D}`] = { silent: true };
  const r = await rig.run(zone, ['--dns-timeout', '300']);
  const dkim = find(r, 'dkim');
  expect(dkim.message).toContain('could not be looked up');
  expect(dkim.message).not.toContain('no key at the common selectors');
});

test("case 12: a deployed stack's outputs give the MAIL FROM domain and the DKIM tokens", async () => {
  const zone: Zone = {
    [`tok1._domainkey.${D}`]: { CNAME: 'tok1.dkim.amazonses.com' },
    [`tok2._domainkey.${D}`]: { CNAME: 'tok2.dkim.amazonses.com' },
    [`tok3._domainkey.${D}`]: { CNAME: 'tok3.dkim.amazonses.com' },
    [`_dmarc.${D}`]: { TXT: ['v=DMARC1; p=none; rua=mailto:dmarc@example.test'] },
    [`mail.${D}`]: { TXT: ['v=spf1 include:amazonses.com ~all'] },
    'amazonses.com': { TXT: ['v=spf1 ip4:199.255.192.0/22 -all'] },
  };
  const smtp = {
    address: 'email-smtp.eu-west-1.amazonaws.com',
    port: 587,
    authentication: 'login',
    domain: D,
    noreplyAddress: `noreply@${D}`,
    support: { type: 'email', address: 'help@example.test' },
    credentials: { secretsManagerArn: 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:ses-AbCdEf' },
  };
  const outputs = {
    ghes: {
      'email_cli-settings_1': { kind: 'ghes-email/cli-settings', region: 'eu-west-1', hostname: D, smtp },
      'email_ses-relay_2': {
        kind: 'ghes-email/ses-relay',
        noreplyAddress: `noreply@${D}`,
        mailFromDomain: `mail.${D}`,
        dkimTokens: ['tok1', 'tok2', 'tok3'],
      },
    },
  };
  const file = join(rig.dir, 'outputs.json');
  writeFileSync(file, JSON.stringify(outputs));
  const dns = await startAuthDns(zone);
  try {
    const r = await runDeliverability(['--config', file, '--dns-server', dns.address, '--json']);
    expect(statuses(r)).toMatchObject({
      'spf.record': 'pass',
      'spf.relay': 'pass',
      'dkim.tok1': 'pass',
      'dkim.tok2': 'pass',
      'dkim.tok3': 'pass',
      'dmarc.alignment': 'pass',
    });
    expect(find(r, 'spf.record').message).toContain(`SPF mail.${D}`);
    expect(r.stdout).not.toContain('aws sesv2');
  } finally {
    await dns.close();
  }
});
