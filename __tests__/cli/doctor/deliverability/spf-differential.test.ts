/**
 * The doctor's check_host() against an SPF implementation this project did not write (mailauth's spf(), a
 * devDependency), on the same generated zones served by the loopback authoritative DNS server: the verdicts agree,
 * or the scenario names the RFC 7208 section behind a deliberate difference (support/doctor/spf-scenarios*.ts).
 * Every verdict of the doctor is also checked against the one the RFC gives.
 */
import { Resolver } from 'node:dns/promises';
import { spf } from 'mailauth/lib/spf';
import { DeliverabilityDns } from '../../../../lib/cli/doctor/deliverability/dns';
import { checkHost } from '../../../../lib/cli/doctor/deliverability/spf-eval';
import { AuthDns, AuthRecords, startAuthDns } from '../../../support/doctor/auth-dns-server';
import { HELO, Scenario, scenarios } from '../../../support/doctor/spf-scenarios';

const all = scenarios();
let dns: AuthDns;
let resolver: Resolver;

beforeAll(async () => {
  const zone: Record<string, AuthRecords> = {};
  for (const s of all)
    for (const [name, records] of Object.entries(s.zone)) {
      if (zone[name]) throw new Error(`${s.name}: ${name} is used by another scenario`);
      zone[name] = records;
    }
  dns = await startAuthDns(zone);
  resolver = new Resolver({ timeout: 2000, tries: 1 });
  resolver.setServers([dns.address]);
});
afterAll(() => dns.close());

async function doctorVerdict(s: Scenario): Promise<string> {
  const view = new DeliverabilityDns({ resolver, timeoutMs: 2000, explicitServers: true });
  return (await checkHost(view, s.ip, s.domain, { sender: s.sender, helo: HELO })).result;
}

async function mailauthVerdict(s: Scenario): Promise<string> {
  const r = await spf({
    sender: s.sender,
    ip: s.ip,
    helo: HELO,
    mta: 'mx.receiver.test',
    resolver: (name: string, type: string) => resolver.resolve(name, type as 'TXT'),
  });
  return r.status.result;
}

const justified = all.filter((s) => s.mailauthDiffers);

test(`at least 60 scenarios, the issue's cases among them (${all.length} scenarios, ${all.length - justified.length} to agree, ${justified.length} justified differences)`, () => {
  expect(all.length).toBeGreaterThanOrEqual(60);
  expect(all.filter((s) => s.name.startsWith('issue 16 case')).length).toBeGreaterThanOrEqual(6);
  for (const s of justified) expect(s.mailauthDiffers!.rfc).toMatch(/RFC 7208 §\d/);
});

test.each(all.map((s) => [s.name, s] as const))('%s', async (_name, s) => {
  const [ours, theirs] = await Promise.all([doctorVerdict(s), mailauthVerdict(s)]);
  expect({ doctor: ours }).toEqual({ doctor: s.expected });
  if (s.mailauthDiffers) expect({ mailauth: theirs }).toEqual({ mailauth: s.mailauthDiffers.verdict });
  else expect({ mailauth: theirs }).toEqual({ mailauth: s.expected });
});

test('the agreement count', async () => {
  let agreeing = 0;
  for (const s of all) if ((await doctorVerdict(s)) === (await mailauthVerdict(s))) agreeing++;
  const line = `SPF differential: ${all.length} scenarios, ${agreeing} agreeing, ${justified.length} justified differences`;
  process.stderr.write(`${line}\n`);
  expect(agreeing + justified.length).toBe(all.length);
});
