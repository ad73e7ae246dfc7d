/**
 * Generated SPF zones for the differential test (spf-differential.test.ts): each scenario is a domain with its
 * records, a client address, and the verdict RFC 7208 gives. Every scenario lives under its own domain
 * (`s<n>.spf.test`) and has its own client address, so all of them are served by one DNS server at once.
 *
 * `mailauthDiffers` names a verdict the reference implementation (mailauth) gives instead, and the RFC section that
 * decides for the doctor's: a deliberate difference, never an unexplained one.
 */
import { AuthRecords } from './auth-dns-server';
import { LIMIT_SCENARIOS, MACRO_SCENARIOS } from './spf-scenarios-cases';
import { ISSUE_SCENARIOS } from './spf-scenarios-issue';

export type Verdict = 'pass' | 'fail' | 'softfail' | 'neutral' | 'none' | 'permerror' | 'temperror';
type Zone = Record<string, AuthRecords>;

export interface ScenarioSpec {
  readonly name: string;
  /** The records, given the scenario's domain and the client address. */
  readonly zone: (d: string, ip: string) => Zone;
  /** The client address. @default - a fresh IPv4 address of 198.51.100.0/24 or 203.0.113.0/24 */
  readonly ip?: string;
  /** IPv6 client: a fresh address of 2001:db8::/32. @default false */
  readonly v6?: boolean;
  /** The local part of the envelope sender. @default 'user' */
  readonly local?: string;
  readonly expected: Verdict;
  readonly mailauthDiffers?: { readonly verdict: Verdict; readonly rfc: string };
}

export interface Scenario extends Omit<ScenarioSpec, 'zone'> {
  readonly domain: string;
  readonly ip: string;
  readonly sender: string;
  readonly zone: Zone;
}

export const HELO = 'mta.sender.test';

const QUALIFIERS = [
  ['+', 'pass'],
  ['-', 'fail'],
  ['~', 'softfail'],
  ['?', 'neutral'],
] as const;

/** Each mechanism that matches the client, under each qualifier: the qualifier's result. */
const MATCHING: {
  name: string;
  v6?: boolean;
  term: (d: string, ip: string) => string;
  zone?: (d: string, ip: string) => Zone;
}[] = [
  { name: 'ip4', term: (_d, ip) => `ip4:${ip}` },
  { name: 'ip4 cidr', term: (_d, ip) => `ip4:${ip.split('.').slice(0, 3).join('.')}.0/24` },
  { name: 'ip6', v6: true, term: (_d, ip) => `ip6:${ip}` },
  { name: 'a:', term: (d) => `a:h.${d}`, zone: (d, ip) => ({ [`h.${d}`]: { A: [ip] } }) },
  { name: 'a/24', term: () => 'a/24', zone: (d, ip) => ({ [d]: { A: [ip.replace(/\.\d+$/, '.250')] } }) },
  { name: 'a: AAAA', v6: true, term: (d) => `a:h.${d}`, zone: (d, ip) => ({ [`h.${d}`]: { AAAA: [ip] } }) },
  {
    name: 'mx',
    term: () => 'mx',
    zone: (d, ip) => ({ [d]: { MX: [[10, `m.${d}`]] }, [`m.${d}`]: { A: [ip] } }),
  },
  {
    name: 'mx:/24',
    term: (d) => `mx:o.${d}/24`,
    zone: (d, ip) => ({ [`o.${d}`]: { MX: [[5, `m.${d}`]] }, [`m.${d}`]: { A: [ip.replace(/\.\d+$/, '.1')] } }),
  },
  { name: 'exists:', term: (d) => `exists:e.${d}`, zone: (d) => ({ [`e.${d}`]: { A: ['127.0.0.2'] } }) },
  {
    name: 'include: (pass)',
    term: (d) => `include:i.${d}`,
    zone: (d, ip) => ({ [`i.${d}`]: { TXT: [`v=spf1 ip4:${ip} -all`] } }),
  },
];

/** Records with a TXT at `d` merged into what the mechanism needs there (a name can hold TXT and A, MX). */
function withTxt(d: string, txt: string, extra: Zone = {}): Zone {
  return { ...extra, [d]: { ...(extra[d] ?? {}), TXT: [txt] } };
}

const GENERATED: ScenarioSpec[] = [
  ...MATCHING.flatMap((m) =>
    QUALIFIERS.map(([q, verdict]) => ({
      name: `${q}${m.name} matches: ${verdict}`,
      v6: m.v6,
      zone: (d: string, ip: string) => withTxt(d, `v=spf1 ${q}${m.term(d, ip)} -all`, m.zone?.(d, ip)),
      expected: verdict,
    })),
  ),
  ...(['-all', '~all', '?all', '+all', ''] as const).map((all) => ({
    name: `nothing matches, then "${all || 'no all'}"`,
    zone: (d: string) => withTxt(d, `v=spf1 ip4:192.0.2.99 a:nx.${d} ${all}`.trim()),
    expected: ({ '-all': 'fail', '~all': 'softfail', '?all': 'neutral', '+all': 'pass', '': 'neutral' } as const)[all],
  })),
  ...(
    [
      ['-all', 'not a match: the next term decides'],
      ['~all', 'not a match'],
      ['?all', 'not a match'],
    ] as const
  ).map(([inner, why]) => ({
    name: `include: of a record that ends ${inner} (${why})`,
    zone: (d: string, ip: string) => ({
      [d]: { TXT: [`v=spf1 include:i.${d} ip4:${ip} -all`] },
      [`i.${d}`]: { TXT: [`v=spf1 ip4:192.0.2.99 ${inner}`] },
    }),
    expected: 'pass' as const,
  })),
];

/** The scenarios with their domains, addresses and senders fixed. */
export function scenarios(): Scenario[] {
  let v4 = 0;
  let v6 = 0;
  return [...GENERATED, ...LIMIT_SCENARIOS, ...MACRO_SCENARIOS, ...ISSUE_SCENARIOS].map((spec, i) => {
    const domain = `s${i}.spf.test`;
    const ip =
      spec.ip ??
      (spec.v6 ? `2001:db8::${(++v6).toString(16)}` : `${v4 < 250 ? '198.51.100' : '203.0.113'}.${(v4++ % 250) + 1}`);
    return {
      ...spec,
      domain,
      ip,
      sender: `${spec.local ?? 'user'}@${domain}`,
      zone: spec.zone(domain, ip),
    };
  });
}
