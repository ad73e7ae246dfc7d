/**
 * SPF macro expansion (RFC 7208 §7): the examples of §7.4 verbatim, the IPv6 nibble form, URL escaping of
 * upper-case letters, the 253-character truncation, and the syntax the record parser refuses.
 */
import * as ipaddr from 'ipaddr.js';
import { expandDomain, expandMacros, MacroValues } from '../../../../lib/cli/doctor/deliverability/spf-expand';
import { parseSpf } from '../../../../lib/records/spf-record';

const values = (ip: string, over: Partial<MacroValues> = {}): MacroValues => ({
  sender: 'strong-bad@email.example.com',
  domain: 'email.example.com',
  helo: 'mx.example.org',
  ip: ipaddr.parse(ip),
  validated: () => Promise.resolve('mx.example.org'),
  ...over,
});

test.each([
  ['%{s}', 'strong-bad@email.example.com'],
  ['%{o}', 'email.example.com'],
  ['%{d}', 'email.example.com'],
  ['%{d4}', 'email.example.com'],
  ['%{d3}', 'email.example.com'],
  ['%{d2}', 'example.com'],
  ['%{d1}', 'com'],
  ['%{dr}', 'com.example.email'],
  ['%{d2r}', 'example.email'],
  ['%{l}', 'strong-bad'],
  ['%{l-}', 'strong.bad'],
  ['%{lr}', 'strong-bad'],
  ['%{lr-}', 'bad.strong'],
  ['%{l1r-}', 'strong'],
  ['%{ir}.%{v}._spf.%{d2}', '3.2.0.192.in-addr._spf.example.com'],
  ['%{lr-}.lp._spf.%{d2}', 'bad.strong.lp._spf.example.com'],
  ['%{lr-}.lp.%{ir}.%{v}._spf.%{d2}', 'bad.strong.lp.3.2.0.192.in-addr._spf.example.com'],
  ['%{ir}.%{v}.%{l1r-}.lp._spf.%{d2}', '3.2.0.192.in-addr.strong.lp._spf.example.com'],
  ['%{d2}.trusted-domains.example.net', 'example.com.trusted-domains.example.net'],
  ['%{p}.%{h}', 'mx.example.org.mx.example.org'],
])('RFC 7208 §7.4, IPv4 192.0.2.3: %s → %s', async (macro, expanded) => {
  expect(await expandMacros(macro, values('192.0.2.3'))).toBe(expanded);
});

test('RFC 7208 §7.4, IPv6 2001:db8::cb01: the nibble form', async () => {
  expect(await expandMacros('%{ir}.%{v}._spf.%{d2}', values('2001:db8::cb01'))).toBe(
    '1.0.b.c.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6._spf.example.com',
  );
  expect(await expandMacros('%{c}', values('2001:db8::cb01'), true)).toBe('2001:db8::cb01');
});

test('upper-case letters are URL-escaped; %%, %_ and %- are literals; the time is seconds', async () => {
  const v = values('192.0.2.3', { sender: 'a b/c@example.com' });
  expect(await expandMacros('%{L}|%{l}', v, true)).toBe('a%20b%2Fc|a b/c');
  expect(await expandMacros('100%% %_x%-', v, true)).toBe('100%  x%20');
  expect(Number(await expandMacros('%{t}', v, true))).toBeGreaterThan(1_700_000_000);
});

test('a name longer than 253 characters loses labels from the left (§7.3)', async () => {
  const long = `${'a'.repeat(60)}-${'b'.repeat(60)}-${'c'.repeat(60)}-${'d'.repeat(60)}`;
  const name = await expandDomain('%{l-}.example.com', values('192.0.2.3', { sender: `${long}@x.test` }));
  expect(name.length).toBeLessThanOrEqual(253);
  expect(name.endsWith('.example.com')).toBe(true);
  expect(name.startsWith('b')).toBe(true);
});

test.each([
  ['v=spf1 exists:%{c}.example.com -all', '"c" is not a macro letter here'],
  ['v=spf1 exists:%{x}.example.com -all', '"x" is not a macro letter here'],
  ['v=spf1 exists:%{d0}.example.com -all', 'must not be 0'],
  ['v=spf1 exists:%{d2:}.example.com -all', 'is not a delimiter'],
  ['v=spf1 exists:%{i}.example -all', ''],
  ['v=spf1 exists:%{i}.123 -all', 'does not end in "." and a top-level label'],
  ['v=spf1 exists:50%.example.com -all', 'a "%" that is not a macro'],
  ['v=spf1 x-note=%{z} -all', '"z" is not a macro letter here'],
])('macro syntax (§7.1): %s', (record, problem) => {
  const problems = parseSpf(record).problems.join('; ');
  if (problem === '') expect(problems).toBe('');
  else expect(problems).toContain(problem);
});
