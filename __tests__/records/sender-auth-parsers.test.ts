/**
 * The SPF, DMARC and DKIM-key parsers the doctor runs on DNS answers (untrusted
 * text): RFC syntax, lookup counting, and inputs built to make a backtracking
 * parser take super-linear time (a test that would hang rather than pass).
 */
import { generateKeyPairSync } from 'node:crypto';
import { Problems } from '../../lib/core/problems';
import { isDmarcRecord, parseDmarc, renderDmarc } from '../../lib/records/dmarc-record';
import { checkRenderedSpf, isSpfRecord, parseSpf, queriesDns, renderSpf } from '../../lib/records/spf-record';
import { parseDkimKey } from '../../lib/cli/doctor/deliverability/dkim';
import { mergeSpf } from '../../lib/cli/doctor/deliverability/spf';

describe('SPF', () => {
  test('"v=spf1" must be followed by a space or the end (RFC 7208 §4.5)', () => {
    expect([
      isSpfRecord('v=spf1'),
      isSpfRecord('V=SPF1 -all'),
      isSpfRecord('v=spf10 -all'),
      isSpfRecord('spf1 -all'),
    ]).toEqual([true, true, false, false]);
  });

  test('terms: qualifiers, domains, dual CIDR lengths, modifiers; the lookup terms are include, a, mx, ptr, exists, redirect', () => {
    const p = parseSpf(
      'v=spf1 +a -mx:mail.example.com/24//64 ~ip4:192.0.2.0/24 ?ip6:2001:db8::/32 include:_spf.example.com exists:%{i}.x.example.com ptr redirect=other.example.com exp=why.example.com x-custom=1 -all',
    );
    expect(p.problems).toEqual([]);
    expect(p.terms.map((t) => `${t.qualifier}${t.name}`)).toEqual([
      '+a',
      '-mx',
      '~ip4',
      '?ip6',
      '+include',
      '+exists',
      '+ptr',
      '+redirect',
      '+exp',
      '+x-custom',
      '-all',
    ]);
    expect(p.terms[1]).toMatchObject({ value: 'mail.example.com', cidr4: 24, cidr6: 64 });
    expect(p.terms.filter(queriesDns).map((t) => t.name)).toEqual(['a', 'mx', 'include', 'exists', 'ptr', 'redirect']);
  });

  test.each([
    ['v=spf1 foo -all', 'not an SPF mechanism'],
    ['v=spf1 include -all', 'needs ":domain"'],
    ['v=spf1 ip4:300.1.1.1', 'not an IPv4 address'],
    ['v=spf1 ip4:192.0.2.0/33', 'bad prefix length'],
    ['v=spf1 a:example.com/40', 'bad IPv4 CIDR length'],
    ['v=spf1 redirect=a.example.com redirect=b.example.com', 'appears twice'],
    ['v=spf1 include:exa mple', 'is not an SPF mechanism'],
    ['v=spf1 all:x', 'takes no argument'],
    ['v=spf1 include:%{i', 'unclosed macro'],
  ])('%s → permerror (%s)', (record, problem) => {
    expect(parseSpf(record).problems.join('; ')).toContain(problem);
  });

  test('a "/" inside a macro is a delimiter, not the CIDR length', () => {
    expect(parseSpf('v=spf1 a:%{d/}.example.com/24')).toMatchObject({
      problems: [],
      terms: [{ value: '%{d/}.example.com', cidr4: 24 }],
    });
  });

  test('what the construct renders goes through the same parser at synth: syntax and its own lookups', () => {
    const check = (record: string) => {
      const p = new Problems('spf');
      checkRenderedSpf(p, record);
      return p.all.map((x) => x.message);
    };
    expect(
      check(
        renderSpf({
          include: ['spf.protection.outlook.com'],
          ip4: ['203.0.113.0/24'],
          ip6: ['2001:db8::/32'],
          all: '-all',
        }),
      ),
    ).toEqual([]);
    expect(check('v=spf1 include:a..example.com ~all')).toEqual([expect.stringContaining('is not a domain name')]);
    const eleven = Array.from({ length: 11 }, (_, i) => `i${i}.example.com`);
    expect(check(renderSpf({ include: eleven }))).toEqual([
      expect.stringContaining('11 DNS lookups; receivers allow 10'),
    ]);
  });

  test('renders addresses, then includes, then all; mergeSpf inserts before "all" or "redirect="', () => {
    expect(renderSpf({ include: ['A.example.com'], ip4: ['192.0.2.1'] })).toBe(
      'v=spf1 ip4:192.0.2.1 include:a.example.com ~all',
    );
    expect(mergeSpf('v=spf1 mx -all', ['ip4:192.0.2.1'])).toBe('v=spf1 mx ip4:192.0.2.1 -all');
    expect(mergeSpf('v=spf1 mx redirect=x.example.com', ['ip4:192.0.2.1'])).toBe(
      'v=spf1 mx ip4:192.0.2.1 redirect=x.example.com',
    );
    expect(mergeSpf('v=spf1 mx', ['ip4:192.0.2.1'])).toBe('v=spf1 mx ip4:192.0.2.1');
  });
});

describe('DMARC', () => {
  test('the record must start with v=DMARC1; later tags in any order, names case-insensitive', () => {
    expect([
      isDmarcRecord('v=DMARC1; p=none'),
      isDmarcRecord(' v = DMARC1 ;p=none'),
      isDmarcRecord('p=none; v=DMARC1'),
      isDmarcRecord('v=DMARC2; p=none'),
    ]).toEqual([true, true, false, false]);
    const d = parseDmarc(
      'v=DMARC1; P=Reject; SP=none; pct=50; adkim=s; rua=mailto:a@example.com!10m, mailto:b@example.org',
    );
    expect(d).toMatchObject({
      policy: 'reject',
      subdomainPolicy: 'none',
      pct: 50,
      adkim: 's',
      aspf: 'r',
      rua: ['mailto:a@example.com', 'mailto:b@example.org'],
      problems: [],
    });
  });

  test('problems: missing p, bad alignment, a non-mailto rua, a tag twice', () => {
    expect(parseDmarc('v=DMARC1; adkim=x; rua=https://example.com; rua=mailto:a@b.c').problems).toEqual([
      'tag "rua" appears twice',
      'the required "p" tag is missing',
      'rua entry "https://example.com" is not a mailto: address',
      'adkim=x is not "r" (relaxed) or "s" (strict)',
    ]);
  });

  test('renders p=none by default, pct only when given, rua with mailto: once', () => {
    expect(renderDmarc({})).toBe('v=DMARC1; p=none');
    expect(renderDmarc({ policy: 'quarantine', pct: 0, rua: ['mailto:a@example.com', 'b@example.com'] })).toBe(
      'v=DMARC1; p=quarantine; pct=0; rua=mailto:a@example.com,mailto:b@example.com',
    );
  });
});

describe('DKIM keys', () => {
  const key = (bits: number) => generateKeyPairSync('rsa', { modulusLength: bits }).publicKey;

  test('the RSA key size is read from SubjectPublicKeyInfo and from a bare RSAPublicKey', () => {
    const k = key(2048);
    const spki = parseDkimKey(`v=DKIM1; k=rsa; p=${k.export({ type: 'spki', format: 'der' }).toString('base64')}`);
    const pkcs1 = parseDkimKey(`p=${k.export({ type: 'pkcs1', format: 'der' }).toString('base64')}`);
    expect([spki.bits, spki.problem, pkcs1.bits, pkcs1.problem]).toEqual([2048, undefined, 2048, undefined]);
  });

  test('keys receivers ignore: under 1024 bits, revoked, not base64, v= not first', () => {
    expect(parseDkimKey(`p=${key(512).export({ type: 'spki', format: 'der' }).toString('base64')}`).problem).toContain(
      '512-bit',
    );
    expect(parseDkimKey('v=DKIM1; p=').problem).toContain('revoked');
    expect(parseDkimKey('v=DKIM1; p=not*base64').problem).toContain('not base64');
    expect(parseDkimKey('k=rsa; v=DKIM1; p=AAAA').problem).toContain('come first');
  });
});

describe('linear on hostile input (1 MB each: a backtracking parser would not finish)', () => {
  const MB = 1 << 20;
  const spf = (text: string) => parseSpf(text).problems.join('; ');
  const dmarc = (text: string) => parseDmarc(text).problems.join('; ');
  const dkim = (text: string) => parseDkimKey(text).problem ?? '';
  test.each([
    ['SPF: one term of name characters without "="', () => spf(`v=spf1 ${'a'.repeat(MB)}`), 'not an SPF mechanism'],
    ['SPF: a domain of dots', () => spf(`v=spf1 include:${'.'.repeat(MB)}`), 'is not a domain name'],
    ['SPF: macros that never close', () => spf(`v=spf1 exists:${'%{'.repeat(MB / 2)}`), 'unclosed macro'],
    ['SPF: a run of spaces', () => spf(`v=spf1${' '.repeat(MB)}-all`), ''],
    ['DMARC: separators', () => dmarc(`v=DMARC1;${'; '.repeat(MB / 2)}p=none`), ''],
    ['DMARC: a rua list of commas', () => dmarc(`v=DMARC1; p=none; rua=${','.repeat(MB)}`), ''],
    [
      'DKIM: whitespace folded into the key',
      () => dkim(`v=DKIM1; p=${' \t'.repeat(MB / 2)}x`),
      'does not decode to an RSA public key',
    ],
  ])('%s', (_name, parse, problem) => {
    if (problem === '') expect(parse()).toBe('');
    else expect(parse()).toContain(problem);
  });
});
