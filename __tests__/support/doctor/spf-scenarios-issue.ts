/**
 * The zones of issue 16 for the differential test (spf-scenarios.ts): the cases the doctor got wrong, and one
 * suggested record as published.
 */
import { hosts, reverse, terms } from './spf-scenarios-cases';
import type { ScenarioSpec } from './spf-scenarios';

export const ISSUE_SCENARIOS: ScenarioSpec[] = [
  {
    name: 'issue 16 case 1: exists:%{i}._ip.<d>',
    ip: '192.0.2.10',
    zone: (d, ip) => ({ [d]: { TXT: [`v=spf1 exists:%{i}._ip.${d} -all`] }, [`${ip}._ip.${d}`]: { A: ['127.0.0.2'] } }),
    expected: 'pass',
  },
  {
    name: 'issue 16 case 2: ptr:ptr.<d>, the PTR name validated',
    zone: (d, ip) => ({
      [d]: { TXT: [`v=spf1 ptr:ptr.${d} -all`] },
      [reverse(ip)]: { PTR: [`relay.ptr.${d}`] },
      [`relay.ptr.${d}`]: { A: [ip] },
    }),
    expected: 'pass',
  },
  {
    name: 'issue 16 case 3: 11 lookups through two includes, the relay after them: permerror',
    zone: (d, ip) => ({
      [d]: { TXT: [`v=spf1 include:_l1.${d} include:_l2.${d} ip4:${ip} -all`] },
      [`_l1.${d}`]: { TXT: [`v=spf1 ${terms(d, 5)} -all`] },
      [`_l2.${d}`]: { TXT: [`v=spf1 ${terms(d, 4, 'a', 'm')} -all`] },
      ...hosts(d, 5),
      ...hosts(d, 4, 'm'),
    }),
    expected: 'permerror',
  },
  {
    name: 'issue 16 case 3, the fix published: the costly include flattened, the relay once',
    zone: (d, ip) => ({
      [d]: {
        TXT: [
          `v=spf1 ip4:192.0.2.200 ip4:192.0.2.201 ip4:192.0.2.202 ip4:192.0.2.203 ip4:192.0.2.204 include:_l2.${d} ip4:${ip} -all`,
        ],
      },
      [`_l2.${d}`]: { TXT: [`v=spf1 ${terms(d, 4, 'a', 'm')} -all`] },
      ...hosts(d, 4, 'm'),
    }),
    expected: 'pass',
  },
  {
    name: 'issue 16 case 3: an include loop',
    zone: (d, ip) => ({
      [d]: { TXT: [`v=spf1 include:a.${d} ip4:${ip} -all`] },
      [`a.${d}`]: { TXT: [`v=spf1 include:b.${d} -all`] },
      [`b.${d}`]: { TXT: [`v=spf1 include:a.${d} -all`] },
    }),
    expected: 'permerror',
  },
  {
    name: 'issue 16 case 3: "mx" with 11 hosts',
    zone: (d) => ({
      [d]: { TXT: ['v=spf1 mx -all'], MX: Array.from({ length: 11 }, (_, i) => [i, `n${i}.${d}`] as [number, string]) },
      ...hosts(d, 11),
    }),
    expected: 'permerror',
  },
  {
    name: 'issue 16 case 4: include of a name that answers SERVFAIL: temperror',
    zone: (d, ip) => ({
      [d]: { TXT: [`v=spf1 include:broken.${d} ip4:${ip} -all`] },
      [`broken.${d}`]: { rcode: 'SERVFAIL' },
    }),
    expected: 'temperror',
    mailauthDiffers: {
      verdict: 'pass',
      rfc: 'RFC 7208 §4.4 and §5.2: a lookup that fails (SERVFAIL) makes check_host() of the include a temperror, and the include returns it; mailauth skips an include whose lookup fails with SERVFAIL',
    },
  },
];
