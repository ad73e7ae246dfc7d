/**
 * `doctor deliverability` against a real authoritative DNS server on 127.0.0.1
 * (dns2, support/doctor/auth-dns-server.ts). Every name, the relay's included,
 * lives in that server: nothing else is ever asked.
 */
import { generateKeyPairSync } from 'node:crypto';
import { AuthRecords } from '../../../support/doctor/auth-dns-server';
import { HOSTNAME, RELAY_NAME } from '../../../support/doctor/config';
import { DeliverabilityRig, findCheck, statuses } from '../../../support/doctor/run-deliverability';
import { Json } from '../../../support/stack';

const FROM = HOSTNAME; // noreply@github.example.test
const RELAY_IP = '192.0.2.10';
const KEY = generateKeyPairSync('rsa', { modulusLength: 2048 })
  .publicKey.export({ type: 'spki', format: 'der' })
  .toString('base64');
type Zone = Record<string, AuthRecords>;

/** A domain with everything right: the relay authorized through an include, a DKIM key, a DMARC policy with reports. */
function healthy(): Zone {
  return {
    [RELAY_NAME]: { A: [RELAY_IP] },
    [FROM]: { TXT: ['v=spf1 include:_spf.example.test ~all', 'site-verification=abc'] },
    '_spf.example.test': { TXT: ['v=spf1 ip4:192.0.2.0/24 -all'] },
    [`selector1._domainkey.${FROM}`]: { TXT: [`v=DKIM1; k=rsa; p=${KEY}`] },
    [`_dmarc.${FROM}`]: { TXT: ['v=DMARC1; p=quarantine; rua=mailto:dmarc@example.test'] },
  };
}

const rig = new DeliverabilityRig();
afterAll(() => rig.close());
const doctor = rig.run.bind(rig);
const find = findCheck;

test('a healthy domain: every line passes, the relay is found through an include, the key size is read', async () => {
  const r = await doctor(healthy(), ['--dkim-selector', 'selector1']);
  expect(statuses(r)).toEqual({
    'spf.record': 'pass',
    'spf.lookups': 'pass',
    'spf.relay': 'pass',
    'dkim.selector1': 'pass',
    'dmarc.record': 'pass',
    'dmarc.policy': 'pass',
    'dmarc.alignment': 'pass',
    'dmarc.rua': 'pass',
  });
  expect(r.code).toBe(0);
  expect(find(r, 'spf.lookups').data).toMatchObject({ lookups: 1, breakdown: ['include:_spf.example.test 1'] });
  expect(find(r, 'spf.relay').message).toContain(
    `${RELAY_IP} → pass (${FROM}: include:_spf.example.test → _spf.example.test: ip4:192.0.2.0/24)`,
  );
  expect(find(r, 'dkim.selector1').message).toContain('2048-bit RSA key');
});

test('the human report: one line per check and the summary', async () => {
  const r = await doctor(healthy(), ['--dkim-selector', 'selector1'], undefined, 'text');
  const lines = r.stdout.trimEnd().split('\n');
  expect(lines.filter((l) => l.startsWith('PASS  '))).toHaveLength(8);
  expect(lines[lines.length - 1]).toBe('OK: doctor deliverability: 8 passed, 0 failed, 0 warnings');
});

test('without --dkim-selector, common selectors are probed and a key found is reported as such', async () => {
  const r = await doctor(healthy());
  expect(find(r, 'dkim.selector1')).toMatchObject({ status: 'pass', message: expect.stringContaining('probed') });
});

test("nothing published: the exact SPF (the relay's address) and DMARC records to add", async () => {
  const r = await doctor({ [RELAY_NAME]: { A: [RELAY_IP] } });
  expect(r.code).toBe(1);
  expect(statuses(r)).toEqual({ 'spf.record': 'fail', dkim: 'warn', 'dmarc.record': 'fail' });
  expect(find(r, 'spf.record').fix).toBe(`publish ${FROM} TXT "v=spf1 ip4:${RELAY_IP} ~all"`);
  expect(find(r, 'dmarc.record').fix).toContain(
    `_dmarc.${FROM} TXT "v=DMARC1; p=none; rua=mailto:dmarc-reports@${FROM}"`,
  );
  expect(find(r, 'dmarc.record').message).toContain(`_dmarc.${FROM} or _dmarc.example.test`);
});

describe('with senderAuth in the config', () => {
  const senderAuth = (c: Json) => {
    c.senderAuth = {
      dmarc: { rua: ['dmarc@example.test'] },
      spf: { ip4: [RELAY_IP], all: '-all', otherTxtValues: ['site-verification=abc'] },
    };
  };

  test('before deploy: the fixes name the records senderAuth publishes', async () => {
    const r = await doctor({ [RELAY_NAME]: { A: [RELAY_IP] } }, [], senderAuth);
    expect(find(r, 'spf.record').fix).toBe(`publish ${FROM} TXT "v=spf1 ip4:${RELAY_IP} -all"`);
    expect(find(r, 'spf.managed').status).toBe('info');
    expect(find(r, 'dmarc.record').fix).toContain(
      '"v=DMARC1; p=none; rua=mailto:dmarc@example.test" (senderAuth.dmarc creates it on deploy)',
    );
  });

  test("someone else's TXT at the domain: deploy would fail, and the line says how to merge", async () => {
    const r = await doctor(healthy(), [], senderAuth);
    const managed = find(r, 'spf.managed');
    expect(managed.status).toBe('warn');
    expect(managed.message).toContain('v=spf1 include:_spf.example.test ~all');
    expect(managed.message).toContain('cdktf deploy fails');
    expect(managed.fix).toContain('senderAuth.spf.otherTxtValues');
  });

  test('after deploy: the TXT set is exactly ours', async () => {
    const zone = { ...healthy(), [FROM]: { TXT: [`v=spf1 ip4:${RELAY_IP} -all`, 'site-verification=abc'] } };
    const r = await doctor(zone, [], senderAuth);
    expect(find(r, 'spf.managed').status).toBe('pass');
    expect(find(r, 'spf.relay').status).toBe('pass');
  });
});

describe('the 10-lookup limit, counted through nested includes', () => {
  const tree = (n2: string): Zone => ({
    [RELAY_NAME]: { A: [RELAY_IP] },
    [FROM]: { TXT: [`v=spf1 include:n1.example.test include:n2.example.test ip4:${RELAY_IP} -all`] },
    'n1.example.test': {
      A: ['203.0.113.1'],
      MX: [[10, 'mx.example.test']],
      TXT: ['v=spf1 a mx include:n3.example.test ~all'],
    },
    'mx.example.test': { A: ['203.0.113.2'] },
    'n3.example.test': { TXT: ['v=spf1 a:x.example.test a:y.example.test mx:n1.example.test ptr ?all'] },
    'x.example.test': { A: ['203.0.113.3'] },
    'y.example.test': { A: ['203.0.113.4'] },
    'n2.example.test': { TXT: [n2] },
    'q.example.test': { A: ['203.0.113.5'] },
    'r.example.test': { A: ['203.0.113.6'] },
  });

  test('11 lookups: fail, with the count per top-level include; the relay then gets permerror', async () => {
    const r = await doctor(tree('v=spf1 a:q.example.test a:r.example.test -all'));
    expect(find(r, 'spf.lookups')).toMatchObject({
      status: 'fail',
      data: { lookups: 11, breakdown: ['include:n1.example.test 8', 'include:n2.example.test 3'] },
    });
    expect(find(r, 'spf.relay')).toMatchObject({
      status: 'fail',
      message: expect.stringContaining(
        `${RELAY_IP} → permerror (${FROM}: include:n2.example.test → n2.example.test: a:r.example.test is DNS lookup 11, over the limit of 10`,
      ),
    });
  });

  test('exactly 10: pass, and the relay is authorized by the term after the includes; "ptr" warned about', async () => {
    const r = await doctor(tree('v=spf1 a:q.example.test -all'));
    expect(find(r, 'spf.lookups')).toMatchObject({ status: 'pass', data: { lookups: 10 } });
    const relay = find(r, 'spf.relay');
    expect(relay).toMatchObject({
      status: 'pass',
      message: expect.stringContaining(`${RELAY_IP} → pass (${FROM}: ip4:${RELAY_IP})`),
    });
    expect(find(r, 'spf.ptr')).toMatchObject({ status: 'warn', message: expect.stringContaining('RFC 7208 §5.5') });
  });
});

test('a relay the record does not cover, and a selector with no key: the merged record, the key record, DMARC alignment fails', async () => {
  const zone: Zone = {
    [RELAY_NAME]: { A: [RELAY_IP] },
    [FROM]: { TXT: ['v=spf1 ip4:198.51.100.0/24 -all'] },
    [`_dmarc.${FROM}`]: { TXT: ['v=DMARC1; p=reject; rua=mailto:dmarc@example.test'] },
  };
  const r = await doctor(zone, ['--dkim-selector', 's1']);
  expect(r.code).toBe(1);
  expect(find(r, 'spf.relay')).toMatchObject({
    status: 'fail',
    fix: expect.stringContaining(`${FROM} TXT "v=spf1 ip4:198.51.100.0/24 ip4:${RELAY_IP} -all"`),
  });
  expect(find(r, 'dkim.s1')).toMatchObject({
    status: 'fail',
    fix: expect.stringContaining(`s1._domainkey.${FROM} TXT "v=DKIM1; k=rsa; p=<public key from the relay>"`),
  });
  expect(find(r, 'dmarc.alignment')).toMatchObject({
    status: 'fail',
    message: expect.stringContaining('receivers refuse it'),
  });

  const given = await doctor(zone, ['--relay-address', '198.51.100.7']);
  expect(find(given, 'spf.relay')).toMatchObject({
    status: 'pass',
    message: expect.stringContaining('198.51.100.7 → pass'),
  });
});

test('a provider relay (Microsoft 365) is covered by its published include, found even nested', async () => {
  const m365 = (c: Json) => (c.smtp.address = 'smtp.office365.com');
  const outlook = { 'spf.protection.outlook.com': { TXT: ['v=spf1 ip4:40.92.0.0/15 -all'] } };
  const missing = await doctor({ ...outlook, [FROM]: { TXT: ['v=spf1 mx -all'] } }, [], m365);
  expect(find(missing, 'spf.relay')).toMatchObject({
    status: 'fail',
    fix: expect.stringContaining(`${FROM} TXT "v=spf1 mx include:spf.protection.outlook.com -all"`),
  });
  const nested = await doctor(
    {
      ...outlook,
      [FROM]: { TXT: ['v=spf1 include:_spf.example.test -all'] },
      '_spf.example.test': { TXT: ['v=spf1 include:spf.protection.outlook.com -all'] },
    },
    [],
    m365,
  );
  expect(find(nested, 'spf.relay').status).toBe('pass');
});

test('a relay name that does not resolve: the coverage is not guessed', async () => {
  const r = await doctor({ [FROM]: { TXT: ['v=spf1 ip4:198.51.100.0/24 -all'] } });
  expect(find(r, 'spf.relay')).toMatchObject({
    status: 'warn',
    message: expect.stringContaining(`${RELAY_NAME} did not resolve`),
    fix: expect.stringContaining('--relay-address'),
  });
});

describe('Amazon SES as the relay', () => {
  const ses = (c: Json) => {
    c.smtp.address = 'email-smtp.eu-west-1.amazonaws.com';
  };
  const zone: Zone = {
    [`tok1._domainkey.${FROM}`]: { CNAME: 'tok1.dkim.amazonses.com' },
    [`tok2._domainkey.${FROM}`]: { CNAME: 'elsewhere.example.test' },
    [`_dmarc.${FROM}`]: { TXT: ['v=DMARC1; p=none; rua=mailto:dmarc@example.test'] },
    [`bounce.${FROM}`]: { TXT: ['v=spf1 include:amazonses.com ~all'] },
    'amazonses.com': { TXT: ['v=spf1 ip4:199.255.192.0/22 -all'] },
  };

  test('no tokens given: the command that lists them; SPF cannot align with the default MAIL FROM', async () => {
    const r = await doctor(zone, [], ses);
    expect(find(r, 'dkim')).toMatchObject({
      status: 'warn',
      fix: expect.stringContaining(`aws sesv2 get-email-identity --email-identity ${FROM} --region eu-west-1`),
    });
    expect(find(r, 'spf.record')).toMatchObject({
      status: 'warn',
      fix: `publish ${FROM} TXT "v=spf1 include:amazonses.com ~all"`,
    });
    expect(find(r, 'dmarc.alignment')).toMatchObject({
      status: 'warn',
      message: expect.stringContaining('envelope domain amazonses.com'),
    });
    expect(find(r, 'dmarc.policy').status).toBe('info');
  });

  test('tokens and the custom MAIL FROM given: each CNAME checked, SPF aligned through include:amazonses.com', async () => {
    const r = await doctor(
      zone,
      [
        '--dkim-selector',
        'tok1',
        '--dkim-selector',
        'tok2',
        '--dkim-selector',
        'tok3',
        '--mail-from-domain',
        `bounce.${FROM}`,
      ],
      ses,
    );
    expect(find(r, 'dkim.tok1')).toMatchObject({
      status: 'pass',
      message: expect.stringContaining('tok1.dkim.amazonses.com (SES Easy DKIM)'),
    });
    expect(find(r, 'dkim.tok2')).toMatchObject({
      status: 'fail',
      message: expect.stringContaining('expected tok2.dkim.amazonses.com'),
    });
    expect(find(r, 'dkim.tok3')).toMatchObject({
      status: 'fail',
      fix: expect.stringContaining(`tok3._domainkey.${FROM} CNAME tok3.dkim.amazonses.com`),
    });
    expect(find(r, 'spf.record')).toMatchObject({
      status: 'pass',
      message: expect.stringContaining(`SPF bounce.${FROM}`),
    });
    expect(find(r, 'spf.relay')).toMatchObject({
      status: 'pass',
      message: expect.stringContaining(
        'authorizes Amazon SES (email-smtp.eu-west-1.amazonaws.com) through include:amazonses.com',
      ),
    });
    expect(find(r, 'dmarc.alignment')).toMatchObject({
      status: 'pass',
      message: expect.stringContaining(`SPF aligns (MAIL FROM bounce.${FROM})`),
    });
  });

  test("the stack's own SES relay (smtp.relay.ses): its MAIL FROM domain is checked without being named", async () => {
    const relay = (c: Json) => {
      for (const key of ['address', 'port', 'authentication', 'username', 'password', 'enableStarttlsAuto'])
        delete c.smtp[key];
      c.region = 'eu-west-1';
      c.smtp.relay = { ses: {} };
    };
    const r = await doctor(zone, [], relay);
    expect(find(r, 'spf.record')).toMatchObject({
      status: 'pass',
      message: expect.stringContaining(`SPF bounce.${FROM}: v=spf1 include:amazonses.com ~all`),
    });
    expect(find(r, 'spf.relay').message).toContain('email-smtp.eu-west-1.amazonaws.com');
  });
});
