/**
 * The hand-written part of the differential test's scenarios (spf-scenarios.ts): limits, errors, modifiers, "ptr",
 * macros (RFC 7208 §7.4's examples among them). The zones of issue 16 are in spf-scenarios-issue.ts.
 */
import type { ScenarioSpec } from './spf-scenarios';

/** The reverse (PTR) name of an address, IPv4 or IPv6. */
export function reverse(ip: string): string {
  if (!ip.includes(':')) return `${ip.split('.').reverse().join('.')}.in-addr.arpa`;
  return `${nibbles(ip).split('.').reverse().join('.')}.ip6.arpa`;
}

function nibbles(ip: string): string {
  const [head, tail = ''] = ip.split('::');
  const groups = (s: string) => (s === '' ? [] : s.split(':'));
  const h = groups(head);
  const t = groups(tail);
  const all = [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
  return all
    .map((g) => g.padStart(4, '0'))
    .join('')
    .split('')
    .join('.');
}

const rev4 = (ip: string) => ip.split('.').reverse().join('.');

/** `n` names under d, each with an address that is not the client's. */
export function hosts(d: string, n: number, prefix = 'n') {
  return Object.fromEntries(Array.from({ length: n }, (_, i) => [`${prefix}${i}.${d}`, { A: [`192.0.2.${200 + i}`] }]));
}
export const terms = (d: string, n: number, mech = 'a', prefix = 'n') =>
  Array.from({ length: n }, (_, i) => `${mech}:${prefix}${i}.${d}`).join(' ');

export const LIMIT_SCENARIOS: ScenarioSpec[] = [
  {
    name: '10 lookups, the 10th matches: pass (§4.6.4)',
    zone: (d, ip) => ({
      [d]: { TXT: [`v=spf1 ${terms(d, 9)} include:i.${d} -all`] },
      ...hosts(d, 9),
      [`i.${d}`]: { TXT: [`v=spf1 ip4:${ip} -all`] },
    }),
    expected: 'pass',
  },
  {
    name: '11 lookups: permerror (§4.6.4)',
    zone: (d, ip) => ({
      [d]: { TXT: [`v=spf1 ${terms(d, 10)} include:i.${d} -all`] },
      ...hosts(d, 10),
      [`i.${d}`]: { TXT: [`v=spf1 ip4:${ip} -all`] },
    }),
    expected: 'permerror',
  },
  {
    name: '2 void lookups, then a match: pass',
    zone: (d, ip) => ({ [d]: { TXT: [`v=spf1 a:v1.${d} a:v2.${d} ip4:${ip} -all`] } }),
    expected: 'pass',
  },
  {
    name: '3 void lookups: permerror (§4.6.4)',
    zone: (d, ip) => ({ [d]: { TXT: [`v=spf1 a:v1.${d} exists:v2.${d} mx:v3.${d} ip4:${ip} -all`] } }),
    expected: 'permerror',
  },
  {
    name: 'two SPF records: permerror (§4.5)',
    zone: (d) => ({ [d]: { TXT: ['v=spf1 +all', 'v=spf1 -all'] } }),
    expected: 'permerror',
  },
  { name: 'TXT without SPF: none (§4.5)', zone: (d) => ({ [d]: { TXT: ['hello'] } }), expected: 'none' },
  { name: 'no such domain: none (§4.3)', zone: () => ({}), expected: 'none' },
  {
    name: 'an unknown mechanism: permerror',
    zone: (d) => ({ [d]: { TXT: ['v=spf1 foo:bar +all'] } }),
    expected: 'permerror',
  },
  {
    name: 'include of a name without SPF: permerror (§5.2)',
    zone: (d) => ({ [d]: { TXT: [`v=spf1 include:x.${d} +all`] }, [`x.${d}`]: { TXT: ['no spf'] } }),
    expected: 'permerror',
  },
  {
    name: 'include of a record with a syntax error: permerror (§5.2)',
    zone: (d) => ({ [d]: { TXT: [`v=spf1 include:x.${d} +all`] }, [`x.${d}`]: { TXT: ['v=spf1 bogus -all'] } }),
    expected: 'permerror',
  },
  {
    name: 'redirect= to a record that passes: pass (§6.1)',
    zone: (d, ip) => ({ [d]: { TXT: [`v=spf1 redirect=r.${d}`] }, [`r.${d}`]: { TXT: [`v=spf1 ip4:${ip} -all`] } }),
    expected: 'pass',
  },
  {
    name: 'redirect= beside "all" is ignored (§6.1)',
    zone: (d, ip) => ({
      [d]: { TXT: [`v=spf1 -all redirect=r.${d}`] },
      [`r.${d}`]: { TXT: [`v=spf1 ip4:${ip} -all`] },
    }),
    expected: 'fail',
  },
  {
    name: 'redirect= to a name without SPF: permerror (§6.1)',
    zone: (d) => ({ [d]: { TXT: [`v=spf1 redirect=r.${d}`] } }),
    expected: 'permerror',
  },
  {
    name: 'exp= and an unknown modifier do not change the verdict',
    zone: (d) => ({
      [d]: { TXT: [`v=spf1 -all exp=e.${d} x-note=hello`] },
      [`e.${d}`]: { TXT: ["%{i} is not one of %{d}'s"] },
    }),
    expected: 'fail',
  },
  {
    name: 'the record lookup answers SERVFAIL: temperror (§4.4)',
    zone: (d) => ({ [d]: { rcode: 'SERVFAIL' } }),
    expected: 'temperror',
  },
  {
    name: 'an "a" lookup answers SERVFAIL: temperror (§5)',
    zone: (d, ip) => ({ [d]: { TXT: [`v=spf1 a:f.${d} ip4:${ip} -all`] }, [`f.${d}`]: { rcode: 'SERVFAIL' } }),
    expected: 'temperror',
  },
  {
    name: 'a syntax error after the matching term: permerror (§4.6: any syntax error)',
    zone: (d, ip) => ({ [d]: { TXT: [`v=spf1 ip4:${ip} ip4:300.1.1.1 -all`] } }),
    expected: 'permerror',
    mailauthDiffers: {
      verdict: 'pass',
      rfc: 'RFC 7208 §4.6: "If there are any syntax errors anywhere in the record, check_host() returns immediately with the result permerror"; mailauth checks ip4 values only when it reaches them',
    },
  },
  {
    name: 'ptr: the validated PTR name is under the target: pass (§5.5)',
    zone: (d, ip) => ({
      [d]: { TXT: [`v=spf1 ptr:p.${d} -all`] },
      [reverse(ip)]: { PTR: [`h.p.${d}`] },
      [`h.p.${d}`]: { A: [ip] },
    }),
    expected: 'pass',
  },
  {
    name: 'ptr: a PTR name whose address is not the client is not validated: fail',
    zone: (d, ip) => ({
      [d]: { TXT: [`v=spf1 ptr -all`] },
      [reverse(ip)]: { PTR: [`h.${d}`] },
      [`h.${d}`]: { A: ['192.0.2.1'] },
    }),
    expected: 'fail',
  },
  {
    name: 'ptr without a domain: the current domain, IPv6 client (§5.5)',
    v6: true,
    zone: (d, ip) => ({
      [d]: { TXT: [`v=spf1 ptr -all`] },
      [reverse(ip)]: { PTR: [`h.${d}`] },
      [`h.${d}`]: { AAAA: [ip] },
    }),
    expected: 'pass',
  },
  {
    name: 'ptr: the PTR lookup answers SERVFAIL: no match, the next term decides (§5.5)',
    zone: (d, ip) => ({ [d]: { TXT: [`v=spf1 ptr -all`] }, [reverse(ip)]: { rcode: 'SERVFAIL' } }),
    expected: 'fail',
    mailauthDiffers: {
      verdict: 'temperror',
      rfc: 'RFC 7208 §5.5: "If a DNS error occurs while doing the PTR RR lookup, then this mechanism fails to match"',
    },
  },
];

export const MACRO_SCENARIOS: ScenarioSpec[] = [
  ...(
    [
      ['%{i}', (ip: string) => ip],
      ['%{ir}.%{v}', (ip: string) => `${rev4(ip)}.in-addr`],
      ['%{i2}', (ip: string) => ip.split('.').slice(-2).join('.')],
      ['%{I}', (ip: string) => ip],
      ['%{c}', null],
    ] as const
  ).map(([macro, name]) => ({
    name: `exists:${macro}._m.<d>${name ? '' : ': "c" is for exp= only, a syntax error (§7.1)'}`,
    zone: (d: string, ip: string) => ({
      [d]: { TXT: [`v=spf1 exists:${macro}._m.${d} -all`] },
      ...(name ? { [`${name(ip)}._m.${d}`]: { A: ['127.0.0.2'] } } : {}),
    }),
    expected: name ? ('pass' as const) : ('permerror' as const),
    ...(name
      ? {}
      : {
          mailauthDiffers: {
            verdict: 'fail' as const,
            rfc: 'RFC 7208 §7.1: the macro letters c, r and t are allowed only in exp= text, so a domain-spec with one is a syntax error',
          },
        }),
  })),
  ...(
    [
      ['%{i}', (ip: string) => nibbles(ip)],
      ['%{ir}.%{v}', (ip: string) => `${nibbles(ip).split('.').reverse().join('.')}.ip6`],
    ] as const
  ).map(([macro, name]) => ({
    name: `IPv6: exists:${macro}._m.<d> (nibbles, §7.3)`,
    v6: true,
    zone: (d: string, ip: string) => ({
      [d]: { TXT: [`v=spf1 exists:${macro}._m.${d} -all`] },
      [`${name(ip)}._m.${d}`]: { A: ['127.0.0.2'] },
    }),
    expected: 'pass' as const,
  })),
  // RFC 7208 §7.4: sender strong-bad@<d>.
  ...(
    [
      ['%{l}', 'strong-bad'],
      ['%{l-}', 'strong.bad'],
      ['%{lr-}', 'bad.strong'],
      ['%{l1r-}', 'strong'],
      ['%{o}', '<d>'],
      ['%{d1}', 'test'],
      ['%{dr}', 'test.spf.<n>'],
      ['%{d2r}', 'spf.<n>'],
      ['%{h}', 'mta.sender.test'],
      ['%{lr-}.lp.%{ir}.%{v}', 'bad.strong.lp.<rev>.in-addr'],
    ] as const
  ).map(([macro, expansion]) => ({
    name: `exists:${macro}._x.<d> (RFC 7208 §7.4)`,
    local: 'strong-bad',
    zone: (d: string, ip: string) => {
      const name = expansion.replace('<d>', d).replace('<n>', d.split('.')[0]).replace('<rev>', rev4(ip));
      return { [d]: { TXT: [`v=spf1 exists:${macro}._x.${d} -all`] }, [`${name}._x.${d}`]: { A: ['127.0.0.2'] } };
    },
    expected: 'pass' as const,
  })),
  {
    name: 'include:%{ir}._i.<d>: a macro in an include',
    zone: (d, ip) => ({
      [d]: { TXT: [`v=spf1 include:%{ir}._i.${d} -all`] },
      [`${rev4(ip)}._i.${d}`]: { TXT: [`v=spf1 ip4:${ip} -all`] },
    }),
    expected: 'pass',
  },
  {
    name: 'redirect=_r.%{d}: a macro in redirect=',
    zone: (d, ip) => ({ [d]: { TXT: ['v=spf1 redirect=_r.%{d}'] }, [`_r.${d}`]: { TXT: [`v=spf1 ip4:${ip} -all`] } }),
    expected: 'pass',
  },
  {
    name: 'a:%{i}._a.<d>: a macro in "a"',
    zone: (d, ip) => ({ [d]: { TXT: [`v=spf1 a:%{i}._a.${d} -all`] }, [`${ip}._a.${d}`]: { A: [ip] } }),
    expected: 'pass',
  },
  {
    name: '%{p}: the validated name of the address (§7.3)',
    zone: (d, ip) => ({
      [d]: { TXT: [`v=spf1 exists:%{p}._p.${d} -all`] },
      [reverse(ip)]: { PTR: [`host.${d}`] },
      [`host.${d}`]: { A: [ip] },
      [`host.${d}._p.${d}`]: { A: ['127.0.0.2'] },
    }),
    expected: 'pass',
    mailauthDiffers: {
      verdict: 'fail',
      rfc: 'RFC 7208 §7.3: %{p} is the validated domain name of <ip> (found as in §5.5), here host.<d>; mailauth expands it to the sender domain',
    },
  },
];
