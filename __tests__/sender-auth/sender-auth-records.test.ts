/**
 * SenderAuthRecords (DMARC and SPF TXT for the no-reply address's domain):
 * the facts that matter in the synthesized stack, the config rules with their
 * dotted paths, and a whole-stack snapshot that pins the construct ids.
 */
import '../support/cdktf-matchers';
import { Testing, TerraformStack, TerraformVariable } from 'cdktf';
import { testApp } from '../support/test-app';
import { Route53Record } from '@cdktf/provider-aws/lib/route53-record';
import { SenderAuthRecords, ValidationError } from '../../lib';
import { route53TxtValue } from '../../lib/sender-auth/sender-auth-records-props';
import { parseConfig } from '../../lib/config/config';
import { Json, dataSources, exampleConfig, forSnapshot, resources, synthConfig } from '../support/stack';
import { problemsOf as configProblems } from '../support/problems';

const FULL = {
  dmarc: { policy: 'reject', pct: 25, rua: ['dmarc@example.com', 'mailto:agg@reports.example.org'] },
  spf: { include: ['spf.protection.outlook.com'], ip4: ['203.0.113.0/24'], ip6: ['2001:db8::/32'], all: '-all' },
};

function withSenderAuth(senderAuth: Json, edit: (c: Json) => void = () => undefined): Json {
  const c = exampleConfig();
  c.senderAuth = senderAuth;
  edit(c);
  return c;
}

const txt = (synth: string) => resources(synth, 'aws_route53_record').filter((r) => r.type === 'TXT');

describe('records', () => {
  test('without senderAuth: no TXT record at all', () => {
    expect(txt(synthConfig(exampleConfig()))).toEqual([]);
  });

  test("an empty dmarc block publishes the monitoring policy p=none, in the reply records' zone, never overwriting", () => {
    const synth = synthConfig(withSenderAuth({ dmarc: {} }));
    expect(synth).toHaveResourceWithProperties(Route53Record, {
      name: '_dmarc.github.example.com',
      type: 'TXT',
      records: ['v=DMARC1; p=none'],
      ttl: 300,
      allow_overwrite: false,
    });
    expect(txt(synth)).toHaveLength(1);
    const mx = resources(synth, 'aws_route53_record').find((r) => r.type === 'MX')!;
    expect(txt(synth)[0].zone_id).toBe(mx.zone_id);
    expect(dataSources(synth, 'aws_route53_zone')).toHaveLength(1);
  });

  test('policy, pct and reports; SPF with addresses before includes and the chosen "all"; dns.ttl applies', () => {
    const synth = synthConfig(withSenderAuth(FULL, (c) => (c.dns.ttl = 60)));
    const byName = Object.fromEntries(txt(synth).map((r) => [r.name, r]));
    expect(byName['_dmarc.github.example.com'].records).toEqual([
      'v=DMARC1; p=reject; pct=25; rua=mailto:dmarc@example.com,mailto:agg@reports.example.org',
    ]);
    expect(byName['github.example.com'].records).toEqual([
      'v=spf1 ip4:203.0.113.0/24 ip6:2001:db8::/32 include:spf.protection.outlook.com -all',
    ]);
    expect(txt(synth).map((r) => [r.ttl, r.allow_overwrite])).toEqual([
      [60, false],
      [60, false],
    ]);
  });

  test("the domain is the no-reply address's, lower-cased, not the GHES hostname", () => {
    const synth = synthConfig(
      withSenderAuth({ dmarc: {} }, (c) => (c.smtp.noreplyAddress = 'noreply@Mail.Example.com')),
    );
    expect(txt(synth).map((r) => r.name)).toEqual(['_dmarc.mail.example.com']);
  });

  test('senderAuth.hostedZone: the records go to that zone, looked up on its own', () => {
    const synth = synthConfig(
      withSenderAuth(
        { hostedZone: { name: 'example.org' }, dmarc: {} },
        (c) => (c.smtp.noreplyAddress = 'noreply@example.org'),
      ),
    );
    expect(
      dataSources(synth, 'aws_route53_zone')
        .map((z) => z.name)
        .sort(),
    ).toEqual(['example.com', 'example.org']);
    expect(txt(synth)[0].zone_id).toMatch(/^\$\{data\.aws_route53_zone\.sender-auth_zone_\w+\.zone_id\}$/);
  });

  test('other TXT values share the SPF record set; a value over 255 characters becomes quoted strings of 255', () => {
    const long = `google-site-verification=${'x'.repeat(575)}`;
    const synth = synthConfig(withSenderAuth({ spf: { ip4: ['203.0.113.5'], otherTxtValues: ['ms=ms12345', long] } }));
    const [spf] = txt(synth);
    expect(spf.records).toHaveLength(3);
    const parts = (spf.records[2] as string).split('""');
    expect(parts.map((x) => x.length)).toEqual([255, 255, 90]);
    expect(parts.join('')).toBe(long);
  });
});

describe('route53TxtValue', () => {
  test('255 characters stay one string; 256 become two', () => {
    expect(route53TxtValue('a'.repeat(255))).toBe('a'.repeat(255));
    expect(route53TxtValue('a'.repeat(256))).toBe(`${'a'.repeat(255)}""a`);
  });

  test('quotes and backslashes are escaped after splitting, so an escape is never cut and the limit counts real characters', () => {
    expect(route53TxtValue('say "hi" \\ ok')).toBe('say \\"hi\\" \\\\ ok');
    expect(route53TxtValue(`${'a'.repeat(254)}"b`)).toBe(`${'a'.repeat(254)}\\"""b`);
  });
});

type Case = [string, Json, string, RegExp];
const cases: Case[] = [
  ['nothing to publish', {}, 'senderAuth', /give "dmarc", "spf" or both/],
  [
    'unknown policy',
    { dmarc: { policy: 'monitor' } },
    'senderAuth.dmarc.policy',
    /"monitor".*"none", "quarantine", "reject"/,
  ],
  ['pct over 100', { dmarc: { pct: 101 } }, 'senderAuth.dmarc.pct', /101.*from 0 to 100/],
  ['rua not an address', { dmarc: { rua: ['reports'] } }, 'senderAuth.dmarc.rua[0]', /"reports"/],
  ['rua with a list separator', { dmarc: { rua: ['a,b@example.com'] } }, 'senderAuth.dmarc.rua[0]', /without ",", "!"/],
  ['spf authorizing nobody', { spf: { all: '-all' } }, 'senderAuth.spf', /at least one/],
  ['include not a domain', { spf: { include: ['spf_example'] } }, 'senderAuth.spf.include[0]', /"spf_example"/],
  [
    'include with a bad label',
    { spf: { include: ['-spf.example.com'] } },
    'senderAuth.spf.include[0]',
    /"-spf\.example\.com"/,
  ],
  [
    '11 includes',
    { spf: { include: Array.from({ length: 11 }, (_, i) => `i${i}.example.com`) } },
    'senderAuth.spf.include',
    /11 includes; expected at most 10/,
  ],
  ['ip4 with host bits', { spf: { ip4: ['10.1.2.3/8'] } }, 'senderAuth.spf.ip4[0]', /"10\.0\.0\.0\/8"/],
  ['IPv6 in ip4', { spf: { ip4: ['2001:db8::1'] } }, 'senderAuth.spf.ip4[0]', /IPv4 address or CIDR/],
  ['ip6 with host bits', { spf: { ip6: ['2001:db8::1/32'] } }, 'senderAuth.spf.ip6[0]', /"2001:db8::\/32"/],
  ['+all', { spf: { ip4: ['203.0.113.5'], all: '+all' } }, 'senderAuth.spf.all', /authorize every server/],
  [
    'the same include twice',
    { spf: { include: ['a.example.com', 'A.example.com'] } },
    'senderAuth.spf.include[1]',
    /twice/,
  ],
  [
    'a second SPF record among the other TXT values',
    { spf: { ip4: ['203.0.113.5'], otherTxtValues: ['v=spf1 -all'] } },
    'senderAuth.spf.otherTxtValues[0]',
    /two SPF records/,
  ],
  [
    'non-ASCII TXT value',
    { spf: { ip4: ['203.0.113.5'], otherTxtValues: ['grüße'] } },
    'senderAuth.spf.otherTxtValues[0]',
    /printable ASCII/,
  ],
  ['a typo in a key', { spf: { includes: ['x.example.com'] } }, 'senderAuth.spf.includes', /unknown key/],
];

test.each(cases)('%s', (_name, senderAuth, path, message) => {
  const problems = configProblems(withSenderAuth(senderAuth));
  expect(problems).toContainEqual({ path, message: expect.stringMatching(message) });
});

test('a no-reply domain outside hostedZone needs senderAuth.hostedZone, which must hold it', () => {
  const elsewhere = (c: Json) => (c.smtp.noreplyAddress = 'noreply@corp.example.org');
  expect(configProblems(withSenderAuth({ dmarc: {} }, elsewhere))).toEqual([
    {
      path: 'senderAuth.hostedZone',
      message: expect.stringContaining('"corp.example.org", which is not in hostedZone "example.com"'),
    },
  ]);
  expect(configProblems(withSenderAuth({ hostedZone: { name: 'other.org' }, dmarc: {} }, elsewhere))).toEqual([
    { path: 'senderAuth.hostedZone.name', message: expect.stringContaining('does not contain') },
  ]);
  expect(() =>
    parseConfig(withSenderAuth({ hostedZone: { name: 'example.org' }, dmarc: {} }, elsewhere)),
  ).not.toThrow();
});

describe('from code', () => {
  const stack = () => new TerraformStack(testApp(), 's');

  test('problems are named after the construct path', () => {
    let error: unknown;
    try {
      new SenderAuthRecords(stack(), 'auth', { domain: 'example.com', hostedZone: { id: 'Z0123456789ABCDEFGHIJ' } });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).problems).toEqual([
      { path: 's/auth', message: expect.stringContaining('nothing to publish') },
    ]);
  });

  test('Terraform references are not judged and a record holding one is not split (its length is unknown)', () => {
    const s = stack();
    const include = new TerraformVariable(s, 'relay_spf', { type: 'string' }).stringValue;
    const other = new TerraformVariable(s, 'verification', { type: 'string' }).stringValue;
    new SenderAuthRecords(s, 'auth', {
      domain: 'example.com',
      hostedZone: { id: 'Z0123456789ABCDEFGHIJ' },
      spf: { include: [include], otherTxtValues: [other] },
    });
    const [record] = resources(Testing.synth(s), 'aws_route53_record');
    expect(record.records).toEqual(['v=spf1 include:${var.relay_spf} ~all', '${var.verification}']);
  });
});

test('whole stack with DMARC and SPF: construct ids and every property', () => {
  expect(forSnapshot(synthConfig(withSenderAuth(FULL)))).toMatchSnapshot();
});

test('an include target may be a DNS name with underscores, as SPF providers publish them (_spf.google.com)', () => {
  const synth = synthConfig(withSenderAuth({ spf: { include: ['_spf.google.com', '_spf.salesforce.com'] } }));
  const spf = txt(synth).find((r) => (r.records as string[]).some((v) => v.startsWith('v=spf1')));
  expect(spf?.records).toEqual(['v=spf1 include:_spf.google.com include:_spf.salesforce.com ~all']);
});
