/**
 * Every fix `doctor deliverability` prints must work once published (issue 16): each test reads the records the
 * report tells the operator to publish, puts them into the zone (support/doctor/deliverability-publish.ts, which
 * refuses a zone an authoritative server would not load), runs the doctor again, and expects the lines that failed to
 * pass: SPF within 10 lookups and authorizing the relay, DMARC that parses, DKIM with a key.
 */
import { generateKeyPairSync } from 'node:crypto';
import { AuthRecords } from '../../../support/doctor/auth-dns-server';
import { HOSTNAME, RELAY_NAME } from '../../../support/doctor/config';
import { fixesOf, publish, suggestedRecords } from '../../../support/doctor/deliverability-publish';
import { DeliverabilityRig, findCheck as find, statuses } from '../../../support/doctor/run-deliverability';
import { json } from '../../../support/doctor/run-cli';

const D = HOSTNAME;
const RELAY_IP = '192.0.2.10';
const KEY = generateKeyPairSync('rsa', { modulusLength: 1024 })
  .publicKey.export({ type: 'spki', format: 'der' })
  .toString('base64');
type Zone = Record<string, AuthRecords>;

const rig = new DeliverabilityRig();
afterAll(() => rig.close());

/** Runs the doctor, publishes every suggested record, runs it again: both reports. */
async function fixAndRecheck(zone: Zone, args: string[] = []) {
  const before = await rig.run(zone, args);
  const records = fixesOf(json(before).checks);
  const after = await rig.run(
    publish(zone, records, (v) => v.replace('<public key from the relay>', KEY)),
    args,
  );
  return { before, after, records };
}

/** The SPF record suggested for D (one, whatever check names it). */
function spfSuggested(records: ReturnType<typeof fixesOf>): string {
  const values = [...new Set(records.filter((r) => r.name === D && r.value.startsWith('v=spf1')).map((r) => r.value))];
  expect(values).toHaveLength(1);
  return values[0];
}

const passesSpf = (r: Awaited<ReturnType<typeof rig.run>>) => {
  const s = statuses(r);
  expect({
    record: s['spf.record'],
    lookups: s['spf.lookups'],
    includes: s['spf.includes'],
    relay: s['spf.relay'],
  }).toEqual({ record: 'pass', lookups: 'pass', includes: undefined, relay: 'pass' });
};

describe('case 3: a permerror is fixed by a record that, published, passes', () => {
  const base: Zone = { [RELAY_NAME]: { A: [RELAY_IP] } };

  test('more than 10 lookups: the relay is not appended twice, and includes are flattened until 10 or fewer', async () => {
    const zone: Zone = {
      ...base,
      [D]: { TXT: [`v=spf1 include:_l1.${D} include:_l2.${D} ip4:${RELAY_IP} -all`] },
      [`_l1.${D}`]: { TXT: [`v=spf1 a:h1.${D} a:h2.${D} a:h3.${D} a:h4.${D} a:h5.${D} -all`] },
      [`_l2.${D}`]: { TXT: [`v=spf1 a:h6.${D} a:h7.${D} a:h8.${D} mx:${D} -all`] },
      [`mx.${D}`]: { A: ['203.0.113.9'] },
    };
    for (let i = 1; i <= 8; i++) zone[`h${i}.${D}`] = { A: [`203.0.113.${i}`] };
    (zone[D] as { MX?: [number, string][] }).MX = [[10, `mx.${D}`]];
    const { before, after, records } = await fixAndRecheck(zone);
    expect(find(before, 'spf.lookups')).toMatchObject({ status: 'fail', data: { lookups: 11 } });
    const record = spfSuggested(records);
    expect(record.split(' ').filter((t) => t === `ip4:${RELAY_IP}`)).toHaveLength(1);
    passesSpf(after);
  });

  test('an include loop: the looping include is dropped, the relay authorized', async () => {
    const zone: Zone = {
      ...base,
      [D]: { TXT: [`v=spf1 include:a.${D} -all`] },
      [`a.${D}`]: { TXT: [`v=spf1 include:b.${D} -all`] },
      [`b.${D}`]: { TXT: [`v=spf1 include:a.${D} -all`] },
    };
    const { before, after, records } = await fixAndRecheck(zone);
    expect(find(before, 'spf.relay').message).toContain('permerror');
    expect(spfSuggested(records)).not.toContain(`include:a.${D}`);
    passesSpf(after);
  });

  test('more than 2 void lookups: the terms that find nothing are dropped', async () => {
    const zone: Zone = { ...base, [D]: { TXT: [`v=spf1 a:gone1.${D} a:gone2.${D} mx:gone3.${D} -all`] } };
    const { before, after } = await fixAndRecheck(zone);
    expect(find(before, 'spf.relay').message).toContain('permerror');
    passesSpf(after);
  });

  test('an include of a name without SPF', async () => {
    const zone: Zone = {
      ...base,
      [D]: { TXT: [`v=spf1 include:nospf.${D} -all`] },
      [`nospf.${D}`]: { TXT: ['hello'] },
    };
    const { before, after } = await fixAndRecheck(zone);
    expect(find(before, 'spf.includes').message).toContain('has no SPF record');
    passesSpf(after);
  });

  test('"mx" with more than 10 hosts: flattened to their addresses', async () => {
    const zone: Zone = { ...base, [D]: { TXT: ['v=spf1 mx -all'], MX: [] } };
    for (let i = 1; i <= 11; i++) {
      (zone[D].MX as [number, string][]).push([i, `m${i}.${D}`]);
      zone[`m${i}.${D}`] = { A: [`198.51.100.${i}`] };
    }
    const { before, after, records } = await fixAndRecheck(zone);
    expect(find(before, 'spf.relay').message).toContain('permerror');
    expect(spfSuggested(records)).toContain('ip4:198.51.100.11');
    passesSpf(after);
  });
});

describe('DMARC: one corrected record per name, merged from the operator’s own', () => {
  const zoneWith = (dmarc: string): Zone => ({
    [RELAY_NAME]: { A: [RELAY_IP] },
    [D]: { TXT: [`v=spf1 ip4:${RELAY_IP} -all`] },
    [`_dmarc.${D}`]: { TXT: [dmarc] },
  });

  test('case 6: a malformed record is not "no record": it is quoted, why receivers ignore it, and its correction', async () => {
    const { before, after, records } = await fixAndRecheck(zoneWith('v=DMARC1 p=reject'));
    const record = find(before, 'dmarc.record');
    expect(record.status).toBe('fail');
    expect(record.message).toContain('"v=DMARC1 p=reject"');
    expect(record.message).toContain('receivers ignore it');
    expect(record.message).not.toContain('no record');
    // Corrected and otherwise kept; the report address is added so that one record answers every DMARC line.
    expect(records.filter((r) => r.name === `_dmarc.${D}`).map((r) => r.value)).toEqual([
      `v=DMARC1; p=reject; rua=mailto:dmarc-reports@${D}`,
    ]);
    expect(find(after, 'dmarc.record').status).toBe('pass');
    expect(find(after, 'dmarc.policy').message).toContain('p=reject');
  });

  test('case 7: no fix repeats a value called invalid, the operator’s rua is kept, every name gets one record', async () => {
    const { before, after, records } = await fixAndRecheck(zoneWith(`v=DMARC1; p=block; pct=abc; rua=dmarc@${D}`));
    const values = records.filter((r) => r.name === `_dmarc.${D}`).map((r) => r.value);
    expect(new Set(values).size).toBe(1);
    expect(values[0]).not.toMatch(/p=block|pct=abc/);
    expect(values[0]).toContain(`rua=mailto:dmarc@${D}`);
    const record = find(before, 'dmarc.record');
    expect(record.fix).toContain(`dmarc@${D}`);
    expect(find(after, 'dmarc.record').status).toBe('pass');
    expect(find(after, 'dmarc.rua').status).toBe('pass');
  });
});

test('case 8: a DKIM selector whose CNAME leads nowhere: fix the target or replace the CNAME, never a TXT beside it', async () => {
  const zone: Zone = {
    [RELAY_NAME]: { A: [RELAY_IP] },
    [D]: { TXT: [`v=spf1 ip4:${RELAY_IP} -all`] },
    [`sel1._domainkey.${D}`]: { CNAME: 'sel1.dkim.keys.test.' },
    [`_dmarc.${D}`]: { TXT: [`v=DMARC1; p=none; rua=mailto:d@${D}`] },
  };
  const { before, after } = await fixAndRecheck(zone, ['--dkim-selector', 'sel1']);
  const dkim = find(before, 'dkim.sel1');
  expect(dkim.status).toBe('fail');
  expect(dkim.fix).toContain('sel1.dkim.keys.test');
  expect(find(after, 'dkim.sel1').status).toBe('pass');
});

describe('the other fixes, published', () => {
  test('nothing published: SPF and DMARC records to add; after them, both pass', async () => {
    const { after } = await fixAndRecheck({ [RELAY_NAME]: { A: [RELAY_IP] } }, ['--dkim-selector', 's1']);
    passesSpf(after);
    expect(statuses(after)).toMatchObject({ 'dmarc.record': 'pass', 'dkim.s1': 'pass' });
  });

  test('a relay the record does not cover, an invalid term, a report domain without consent', async () => {
    const zone: Zone = {
      [RELAY_NAME]: { A: [RELAY_IP] },
      [D]: { TXT: ['v=spf1 ip4:198.51.100.0/24 ip4:300.1.1.1 -all'] },
      [`_dmarc.${D}`]: { TXT: ['v=DMARC1; p=reject; rua=mailto:dmarc@reports.example'] },
    };
    const { before, after, records } = await fixAndRecheck(zone);
    expect(find(before, 'spf.record').status).toBe('fail');
    expect(spfSuggested(records)).toBe(`v=spf1 ip4:198.51.100.0/24 ip4:${RELAY_IP} -all`);
    passesSpf(after);
    expect(find(after, 'dmarc.rua').status).toBe('pass');
  });

  test('two SPF records: one merged record', async () => {
    const zone: Zone = {
      [RELAY_NAME]: { A: [RELAY_IP] },
      [D]: { TXT: ['v=spf1 ip4:198.51.100.0/24 -all', `v=spf1 ip4:${RELAY_IP} ~all`] },
    };
    const { after } = await fixAndRecheck(zone);
    passesSpf(after);
  });

  test('fix lines name records as zone files write them', () => {
    expect(suggestedRecords(`publish ${D} TXT "v=spf1 -all"`)).toEqual([
      { name: D, type: 'TXT', value: 'v=spf1 -all', replacesCname: false },
    ]);
  });
});
