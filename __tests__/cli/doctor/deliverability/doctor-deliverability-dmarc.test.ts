/**
 * `doctor deliverability`: the DMARC lines, hostile DNS answers and a DNS
 * server that is not there, against a real DNS server on 127.0.0.1.
 */
import { createSocket } from 'node:dgram';
import { AuthRecords } from '../../../support/doctor/auth-dns-server';
import { HOSTNAME, RELAY_NAME, writeConfig } from '../../../support/doctor/config';
import {
  DeliverabilityRig,
  findCheck as find,
  runDeliverability,
  statuses,
} from '../../../support/doctor/run-deliverability';

const FROM = HOSTNAME;
const RELAY_IP = '192.0.2.10';
type Zone = Record<string, AuthRecords>;

const rig = new DeliverabilityRig();
afterAll(() => rig.close());

/** SPF covers the relay; `dmarc` is what _dmarc names hold. */
function zoneWith(dmarc: Zone): Zone {
  return { [RELAY_NAME]: { A: [RELAY_IP] }, [FROM]: { TXT: [`v=spf1 ip4:${RELAY_IP} -all`] }, ...dmarc };
}

describe('DMARC', () => {
  test('a policy inherited from the organizational domain: sp= applies, and reports to another domain need its consent record', async () => {
    const inherited = {
      '_dmarc.example.test': { TXT: ['v=DMARC1; p=reject; sp=quarantine; rua=mailto:reports@elsewhere.test'] },
    };
    const r = await rig.run(zoneWith(inherited));
    expect(find(r, 'dmarc.record')).toMatchObject({
      status: 'pass',
      message: expect.stringContaining(`inherited from _dmarc.example.test: ${FROM} has none of its own`),
    });
    expect(find(r, 'dmarc.policy')).toMatchObject({
      status: 'pass',
      message: expect.stringContaining('sp=quarantine'),
    });
    expect(find(r, 'dmarc.rua')).toMatchObject({
      status: 'warn',
      fix: expect.stringContaining('example.test._report._dmarc.elsewhere.test TXT "v=DMARC1"'),
    });
    // SPF aligns: the envelope is the From domain for a relay that is not SES.
    expect(find(r, 'dmarc.alignment')).toMatchObject({
      status: 'pass',
      message: expect.stringContaining(`SPF aligns (MAIL FROM ${FROM})`),
    });

    const consented = await rig.run(
      zoneWith({ ...inherited, 'example.test._report._dmarc.elsewhere.test': { TXT: ['v=DMARC1'] } }),
    );
    expect(find(consented, 'dmarc.rua').status).toBe('pass');
  });

  test('syntax errors: an unknown policy and pct out of range, without rua, make the record unusable', async () => {
    const r = await rig.run(zoneWith({ [`_dmarc.${FROM}`]: { TXT: ['v=DMARC1; p=block; pct=150'] } }));
    const record = find(r, 'dmarc.record');
    expect(record.status).toBe('fail');
    expect(record.message).toContain('p=block is not one of none, quarantine, reject');
    expect(record.message).toContain('pct=150 is not a whole number from 0 to 100');
  });

  test('two DMARC records: receivers apply neither', async () => {
    const r = await rig.run(zoneWith({ [`_dmarc.${FROM}`]: { TXT: ['v=DMARC1; p=none', 'v=DMARC1; p=reject'] } }));
    expect(statuses(r)['dmarc.record']).toBe('fail');
    expect(find(r, 'dmarc.record').message).toContain('2 records');
  });

  test('no rua: a warning whose fix is the same record with a report address', async () => {
    const r = await rig.run(zoneWith({ [`_dmarc.${FROM}`]: { TXT: ['v=DMARC1; p=none;'] } }));
    expect(find(r, 'dmarc.rua')).toMatchObject({
      status: 'warn',
      fix: expect.stringContaining(
        `add a report address: publish _dmarc.${FROM} TXT "v=DMARC1; p=none; rua=mailto:dmarc-reports@${FROM}"`,
      ),
    });
    expect(find(r, 'dmarc.policy')).toMatchObject({ status: 'info', fix: expect.stringContaining('p=quarantine') });
  });

  test('strict SPF alignment (aspf=s) with a MAIL FROM subdomain: SPF cannot align', async () => {
    const zone = zoneWith({
      [`_dmarc.${FROM}`]: { TXT: ['v=DMARC1; p=reject; aspf=s; rua=mailto:d@example.test'] },
      [`bounce.${FROM}`]: { TXT: [`v=spf1 ip4:${RELAY_IP} -all`] },
    });
    const r = await rig.run(zone, ['--mail-from-domain', `bounce.${FROM}`, '--dkim-selector', 'none1']);
    expect(find(r, 'spf.relay').status).toBe('pass');
    expect(find(r, 'dmarc.alignment')).toMatchObject({
      status: 'fail',
      message: expect.stringContaining(`bounce.${FROM} is not exactly ${FROM} (aspf=s)`),
    });
  });
});

describe('hostile and broken DNS answers', () => {
  test('an include loop: reported, and the evaluation ends at the lookup limit', async () => {
    const r = await rig.run({
      [RELAY_NAME]: { A: [RELAY_IP] },
      [FROM]: { TXT: [`v=spf1 include:a.example.test ip4:${RELAY_IP} -all`] },
      'a.example.test': { TXT: ['v=spf1 include:b.example.test -all'] },
      'b.example.test': { TXT: ['v=spf1 include:a.example.test -all'] },
    });
    expect(find(r, 'spf.includes')).toMatchObject({
      status: 'fail',
      message: expect.stringContaining(`${FROM} → a.example.test → b.example.test → a.example.test: a loop`),
    });
    expect(find(r, 'spf.relay')).toMatchObject({ status: 'fail', message: expect.stringContaining('→ permerror') });
  });

  test('an endless chain of fresh includes: the count stops past twice the limit, and so do the queries', async () => {
    const zone: Zone = { [RELAY_NAME]: { A: [RELAY_IP] }, [FROM]: { TXT: ['v=spf1 include:i0.example.test -all'] } };
    for (let i = 0; i < 60; i++) zone[`i${i}.example.test`] = { TXT: [`v=spf1 include:i${i + 1}.example.test -all`] };
    const r = await rig.run(zone, ['--dkim-selector', 's']);
    expect(find(r, 'spf.lookups')).toMatchObject({
      status: 'fail',
      message: expect.stringContaining('at least 21 DNS lookups'),
      data: { truncated: true },
    });
    expect(r.dns.queries.filter((q) => q.endsWith(' TXT') && q.startsWith('i')).length).toBeLessThanOrEqual(21);
  });

  test('a record of 150 lookup terms: counted up to the point the verdict is sure', async () => {
    const r = await rig.run({ [RELAY_NAME]: { A: [RELAY_IP] }, [FROM]: { TXT: [`v=spf1 ${'mx '.repeat(150)}-all`] } });
    expect(find(r, 'spf.lookups')).toMatchObject({ status: 'fail', data: { lookups: 21, truncated: true } });
  });

  test('character-strings are joined without a separator before parsing (RFC 7208 §3.3)', async () => {
    const r = await rig.run({ [RELAY_NAME]: { A: [RELAY_IP] }, [FROM]: { TXT: [['v=spf1 ip4:192.0', '.2.10 -all']] } });
    expect(find(r, 'spf.relay')).toMatchObject({
      status: 'pass',
      message: expect.stringContaining(`${RELAY_IP} → pass (${FROM}: ip4:192.0.2.10)`),
    });
  });

  test('terminal control sequences in answers are a syntax error and reach the human report escaped', async () => {
    const r = await rig.run(
      {
        [RELAY_NAME]: { A: [RELAY_IP] },
        [FROM]: { TXT: ['v=spf1 include:\x1b]0;pwned\x07.example.test -all'] },
        [`_dmarc.${FROM}`]: { TXT: ['v=DMARC1; p=none; rua=mailto:a@example.test\r\nPASS  forged line'] },
      },
      [],
      undefined,
      'text',
    );
    expect(r.stdout).toMatch(/^FAIL {2}spf\.record +SPF github\.example\.test: .*not visible ASCII/m);
    expect(r.stdout).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f]/);
    expect(r.stdout).not.toMatch(/^PASS {2}forged/m);
    expect(r.stdout).toContain('\\x1b]0;pwned\\x07');
  });

  test('no DNS server at the address given: the records were not checked, and the fix names --dns-server', async () => {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    const { port } = socket.address();
    await new Promise<void>((resolve) => socket.close(() => resolve()));
    const config = writeConfig(rig.dir, 'down');
    const r = await runDeliverability([
      '--config',
      config,
      '--dns-server',
      `127.0.0.1:${port}`,
      '--dns-timeout',
      '500',
      '--json',
    ]);
    expect(r.code).toBe(1);
    expect(find(r, 'spf.record')).toMatchObject({
      status: 'fail',
      message: expect.stringContaining('could not be looked up'),
      fix: expect.stringContaining('--dns-server'),
    });
  });
});

test('bad options exit 2 with the option named', async () => {
  const config = writeConfig(rig.dir, 'usage');
  for (const [flag, value] of [
    ['--dkim-selector', 'bad selector!'],
    ['--relay-address', 'relay.example.test'],
    ['--mail-from-domain', 'not a domain'],
  ]) {
    const r = await runDeliverability(['--config', config, flag, value]);
    expect({ flag, code: r.code, named: r.stderr.includes(flag) }).toEqual({ flag, code: 2, named: true });
  }
});
