/**
 * One vocabulary: GhesEmail takes `hostedZone`, `dns`, `senderAuth` and `monitoring` as the config file
 * does, so a construct user gets in one call what a config user gets; old prop names are refused with
 * their new names (CHANGELOG.md) instead of being ignored.
 */
import { Testing, TerraformStack } from 'cdktf';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import {
  GhesEmail,
  GhesEmailProps,
  InboundMailFirewall,
  ReplyDnsRecords,
  SecretRef,
  SenderAuthRecords,
  SesRelay,
  SmtpSettings,
} from '../../lib';
import { Json, existingInstanceConfig, resources, synthConfig } from '../support/stack';
import { problems } from '../support/problems';
import { testApp } from '../support/test-app';

const ZONE = { id: 'Z0123456789ABCDEFGHIJ' };
const stack = () => {
  const s = new TerraformStack(testApp(), 's');
  new AwsProvider(s, 'aws', { region: 'us-east-1' });
  return s;
};
const smtp = () =>
  new SmtpSettings({
    address: 'smtp.example.com',
    domain: 'example.com',
    username: 'ghes@example.com',
    password: SecretRef.fromSsmParameter('/ghes/smtp'),
    noreplyAddress: 'noreply@github.example.com',
    support: { type: 'email', address: 'help@example.com' },
  });
const base = (): GhesEmailProps => ({
  hostname: 'github.example.com',
  hostedZone: ZONE,
  existingInstance: { ipv4Address: '203.0.113.10', securityGroupIds: ['sg-0123456789abcdef0'] },
  smtp: smtp(),
});
/** Props as plain JavaScript, or an `as` cast, would pass them: TypeScript does not see the old names. */
const untyped = (props: Record<string, unknown>) => props as unknown as GhesEmailProps;

describe('old prop names are refused with their new names', () => {
  test('GhesEmail: zone, ttl, mxPriority, hostRecord, port25Monitor', () => {
    const { hostedZone: _zone, ...rest } = base();
    const old = { ...rest, zone: ZONE, ttl: 60, mxPriority: 5, hostRecord: true, port25Monitor: {} };
    const found = problems(() => new GhesEmail(stack(), 'mail', untyped(old)));
    expect(found).toEqual(
      expect.arrayContaining([
        { path: 's/mail.zone', message: 'renamed to hostedZone' },
        { path: 's/mail.ttl', message: 'renamed to dns.ttl' },
        { path: 's/mail.mxPriority', message: 'renamed to dns.mxPriority' },
        { path: 's/mail.hostRecord', message: 'renamed to dns.hostRecord' },
        { path: 's/mail.port25Monitor', message: 'renamed to monitoring.port25' },
      ]),
    );
  });

  test('InboundMailFirewall: existingSecurityGroupIds', () => {
    const old = { existingSecurityGroupIds: ['sg-0123456789abcdef0'] } as never;
    expect(problems(() => new InboundMailFirewall(stack(), 'fw', old))).toEqual(
      expect.arrayContaining([{ path: 's/fw.existingSecurityGroupIds', message: 'renamed to securityGroupIds' }]),
    );
  });

  test.each([
    [
      'ReplyDnsRecords',
      (zone: object) =>
        new ReplyDnsRecords(stack(), 'r', {
          hostname: 'github.example.com',
          ipv4Address: '203.0.113.10',
          ...zone,
        } as never),
    ],
    [
      'SenderAuthRecords',
      (zone: object) => new SenderAuthRecords(stack(), 'r', { domain: 'example.com', dmarc: {}, ...zone } as never),
    ],
    [
      'SesRelay',
      (zone: object) =>
        new SesRelay(stack(), 'r', {
          hostname: 'github.example.com',
          noreplyAddress: 'noreply@github.example.com',
          region: 'us-east-1',
          ...zone,
        } as never),
    ],
  ])('%s: zone', (_name, make) => {
    expect(problems(() => make({ zone: ZONE }))).toEqual(
      expect.arrayContaining([{ path: 's/r.zone', message: 'renamed to hostedZone' }]),
    );
  });
});

describe('GhesEmail takes the config blocks as the config file does', () => {
  const records = (synth: string) =>
    resources(synth, 'aws_route53_record')
      .map((r: Json) => `${r.name} ${r.type} ${r.ttl} ${JSON.stringify(r.records)}`)
      .sort();

  test('dns and senderAuth give the records the config file gives', () => {
    const config = existingInstanceConfig();
    config.dns = { ttl: 120, mxPriority: 20, hostRecord: true };
    config.hostedZone = ZONE;
    config.senderAuth = {
      dmarc: { policy: 'reject', rua: ['mailto:dmarc@example.com'] },
      spf: { include: ['spf.example.net'] },
    };
    const fromConfig = synthConfig(config);

    const s = stack();
    const email = new GhesEmail(s, 'email', {
      ...base(),
      existingInstance: config.existingInstance,
      dns: config.dns,
      senderAuth: {
        dmarc: { policy: 'reject', rua: ['mailto:dmarc@example.com'] },
        spf: { include: ['spf.example.net'] },
      },
    });
    const fromConstructs = Testing.synth(s);

    expect(email.senderAuth).toBeInstanceOf(SenderAuthRecords);
    expect(records(fromConstructs)).toEqual(records(fromConfig));
    // The SPF and DMARC records are there, not merely equal: 5 reply/host records + SPF + DMARC.
    expect(records(fromConstructs).filter((r) => /v=spf1|v=DMARC1/.test(r))).toHaveLength(2);
    expect(records(fromConstructs).some((r) => r.startsWith('_dmarc.github.example.com TXT 120'))).toBe(true);
  });

  test('monitoring.port25: true watches port 25 with every default', () => {
    const email = new GhesEmail(stack(), 'email', { ...base(), monitoring: { port25: true } });
    expect(email.port25Monitor).toBeDefined();
    const off = new GhesEmail(stack(), 'email', { ...base(), monitoring: { port25: false } });
    expect(off.port25Monitor).toBeUndefined();
  });

  test('monitoring.port25 and dns problems carry their prop paths', () => {
    const props = { ...base(), dns: { mxPriority: 70000 }, monitoring: { port25: { failureThreshold: 0 } } };
    expect(problems(() => new GhesEmail(stack(), 'email', props))).toEqual([
      { path: 's/email.monitoring.port25.failureThreshold', message: expect.stringContaining('0') },
      { path: 's/email.dns.mxPriority', message: expect.stringContaining('70000') },
    ]);
  });

  test('senderAuth needs smtp (its domain is the no-reply address’s) and a zone that holds that domain', () => {
    const { smtp: _smtp, ...noSmtp } = base();
    expect(problems(() => new GhesEmail(stack(), 'email', { ...noSmtp, senderAuth: { dmarc: {} } }))).toEqual([
      { path: 's/email.senderAuth', message: expect.stringContaining('needs smtp') },
    ]);
    const elsewhere = { ...base(), hostedZone: { name: 'other.example.org' }, senderAuth: { dmarc: {} } };
    expect(problems(() => new GhesEmail(stack(), 'email', elsewhere))).toEqual(
      expect.arrayContaining([
        { path: 's/email.senderAuth.hostedZone', message: expect.stringContaining('required here') },
      ]),
    );
  });
});
