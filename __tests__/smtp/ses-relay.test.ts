/**
 * The SES relay in the synthesized stack: the facts that make mail arrive
 * (identity, DKIM, MAIL FROM, least-privilege sending), that no credential
 * reaches Terraform by default, a whole-stack snapshot, and the construct API.
 */
import { TerraformStack } from 'cdktf';
import { testApp } from '../support/test-app';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { BootScript } from '../../lib/boot/boot-script';
import { GhesEmail } from '../../lib/ghes-email/ghes-email';
import { ValidationError } from '../../lib/core/problems';
import { SecretRef } from '../../lib/core/secret-ref';
import { SesRelay, sesSmtpUserName } from '../../lib/smtp/ses-relay';
import { SmtpSettings } from '../../lib/smtp/smtp-settings';
import { Json, forSnapshot, resources, synthConfig } from '../support/stack';
import { sesConfig } from '../support/relay/ses-config';

const synth = synthConfig(sesConfig());
const json: Json = JSON.parse(synth);
const ref = (type: string) => new RegExp(`\\$\\{${type}\\.[\\w-]+\\.`);
const identityArn = /^\$\{aws_sesv2_email_identity\.[\w-]+\.arn\}$/;
const secretArn = /^\$\{aws_secretsmanager_secret\.[\w-]+\.arn\}$/;

test('SESv2 domain identity for the no-reply address domain, with Easy DKIM (the default: no own key)', () => {
  expect(resources(synth, 'aws_sesv2_email_identity')).toEqual([
    expect.objectContaining({ email_identity: 'github.example.com' }),
  ]);
  expect(resources(synth, 'aws_sesv2_email_identity')[0].dkim_signing_attributes).toBeUndefined();
});

test('three DKIM CNAMEs from the identity tokens (element 0, 1, 2) to <token>.dkim.amazonses.com', () => {
  const cnames = resources(synth, 'aws_route53_record').filter((r) => r.type === 'CNAME');
  expect(cnames.map((r) => [r.name, r.records])).toEqual(
    [0, 1, 2].map((i) => {
      const token = `\${element(aws_sesv2_email_identity.${Object.keys(json.resource.aws_sesv2_email_identity)[0]}.dkim_signing_attributes[0].tokens, ${i})}`;
      return [`${token}._domainkey.github.example.com`, [`${token}.dkim.amazonses.com`]];
    }),
  );
});

test('MAIL FROM bounce.<domain>: MX to the region feedback endpoint and SPF for SES, falling back to SES default on MX failure', () => {
  expect(resources(synth, 'aws_sesv2_email_identity_mail_from_attributes')).toEqual([
    expect.objectContaining({
      mail_from_domain: 'bounce.github.example.com',
      behavior_on_mx_failure: 'USE_DEFAULT_VALUE',
      email_identity: expect.stringMatching(ref('aws_sesv2_email_identity')),
    }),
  ]);
  const at = resources(synth, 'aws_route53_record').filter((r) => r.name === 'bounce.github.example.com');
  expect(at.map((r) => [r.type, r.records])).toEqual([
    ['MX', ['10 feedback-smtp.eu-west-1.amazonses.com']],
    ['TXT', ['v=spf1 include:amazonses.com ~all']],
  ]);
});

test('IAM user may only ses:SendRawEmail on the identity, and only as the no-reply address', () => {
  const [policy] = resources(synth, 'aws_iam_user_policy');
  expect(JSON.parse(policy.policy)).toEqual({
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'SendAsNoReplyOnly',
        Effect: 'Allow',
        Action: 'ses:SendRawEmail',
        Resource: expect.stringMatching(identityArn),
        Condition: { StringEquals: { 'ses:FromAddress': 'noreply@github.example.com' } },
      },
    ],
  });
  expect(resources(synth, 'aws_iam_user')).toEqual([
    { name: 'ghes-email-ses-eu-west-1-github.example.com', path: '/ghes-email/', force_destroy: true },
  ]);
  expect(resources(synth, 'aws_iam_user_policy_attachment')).toEqual([]);
});

test('by default no credential is in Terraform: an empty secret, no access key, no secret version', () => {
  expect(resources(synth, 'aws_secretsmanager_secret')).toEqual([
    expect.objectContaining({ name_prefix: 'ghes-email-ses-smtp-' }),
  ]);
  expect(resources(synth, 'aws_iam_access_key')).toEqual([]);
  expect(resources(synth, 'aws_secretsmanager_secret_version')).toEqual([]);
  expect(synth).not.toMatch(/ses_smtp_password|secret_string/);
});

test('smtpPasswordInState: the provider makes the key and its SES password, and the secret gets {username, password}', () => {
  const c = sesConfig();
  c.smtp.relay.ses.smtpPasswordInState = true;
  const s = synthConfig(c);
  const [key] = Object.keys(JSON.parse(s).resource.aws_iam_access_key);
  expect(resources(s, 'aws_secretsmanager_secret_version')).toEqual([
    expect.objectContaining({
      secret_id: expect.stringMatching(ref('aws_secretsmanager_secret')),
      secret_string: `\${jsonencode({"username" = aws_iam_access_key.${key}.id, "password" = aws_iam_access_key.${key}.ses_smtp_password_v4})}`,
    }),
  ]);
  expect(
    Object.values<Json>(JSON.parse(s).output).find((o) => o.value.kind === 'ghes-email/ses-relay')!.value.credentials,
  ).toBe('terraform');
});

test('GHES gets the SES relay: email-smtp.<region>:587, STARTTLS, login, username and password from the secret', () => {
  const userData: string = resources(synth, 'aws_instance')[0].user_data;
  const smtpJson = JSON.parse(/^SMTP_JSON='(.*)'$/m.exec(userData)![1]);
  expect(smtpJson).toMatchObject({
    address: 'email-smtp.eu-west-1.amazonaws.com',
    port: '587',
    authentication: 'login',
    enable_starttls_auto: true,
  });
  expect(smtpJson).not.toHaveProperty('username');
  expect(userData).toMatch(
    /^SMTP_PW_REF=\(secretsmanager '\$\{aws_secretsmanager_secret\.[\w-]+\.arn\}' 'password' 'username'\)$/m,
  );
  // The instance role may read that secret.
  const [rolePolicy] = resources(synth, 'aws_iam_role_policy');
  expect(JSON.parse(rolePolicy.policy).Statement[0]).toMatchObject({
    Action: 'secretsmanager:GetSecretValue',
    Resource: expect.arrayContaining([expect.stringMatching(secretArn)]),
  });
});

test('outputs: cli-settings holds the credentials reference; ses-relay names the user and secret for relay-credentials', () => {
  const outputs = Object.values<Json>(json.output).map((o) => o.value);
  const cli = outputs.find((v) => v.kind === 'ghes-email/cli-settings');
  expect(cli.smtp).toMatchObject({
    address: 'email-smtp.eu-west-1.amazonaws.com',
    port: 587,
    authentication: 'login',
    credentials: { secretsManagerArn: expect.stringMatching(secretArn) },
  });
  expect(cli.smtp).not.toHaveProperty('username');
  expect(cli.smtp).not.toHaveProperty('password');
  expect(outputs.find((v) => v.kind === 'ghes-email/ses-relay')).toEqual({
    kind: 'ghes-email/ses-relay',
    region: 'eu-west-1',
    domain: 'github.example.com',
    noreplyAddress: 'noreply@github.example.com',
    mailFromDomain: 'bounce.github.example.com',
    smtpEndpoint: 'email-smtp.eu-west-1.amazonaws.com',
    iamUserName: expect.stringMatching(ref('aws_iam_user')),
    secretArn: expect.stringMatching(secretArn),
    credentials: 'relay-credentials',
    dkimTokens: expect.stringMatching(/^\$\{aws_sesv2_email_identity\.[\w-]+\.dkim_signing_attributes\[0\]\.tokens\}$/),
  });
  // Who writes the secret's value, for relay-credentials given only the secret's ARN.
  expect(resources(synth, 'aws_secretsmanager_secret')[0].tags).toEqual({
    'ghes-email:credentials': 'relay-credentials',
  });
});

test('whole stack (user data masked: boot-ses.test.ts runs it)', () => {
  expect(forSnapshot(synth)).toMatchSnapshot();
});

describe('construct API', () => {
  const stack = () => {
    const s = new TerraformStack(testApp(), 'ses');
    new AwsProvider(s, 'aws', { region: 'us-east-1' });
    return s;
  };
  const base = {
    domain: 'github.example.com',
    noreplyAddress: 'noreply@github.example.com',
    support: { type: 'email' as const, address: 'help@example.com' },
  };
  const props = {
    hostname: 'github.example.com',
    hostedZone: { id: 'Z0123456789ABCDEFGHIJ' },
    noreplyAddress: 'noreply@github.example.com',
    region: 'us-east-1',
  };

  test('GhesEmail completes relay settings: its smtp has the SES address and the secret as credentials', () => {
    const email = new GhesEmail(stack(), 'email', {
      ...props,
      existingInstance: { ipv4Address: '203.0.113.10', securityGroupIds: ['sg-0123456789abcdef0'] },
      smtp: new SmtpSettings({ ...base, relay: { ses: { region: 'us-east-1' } } }),
    });
    expect(email.sesRelay).toBeInstanceOf(SesRelay);
    expect(email.smtp).toMatchObject({
      address: 'email-smtp.us-east-1.amazonaws.com',
      port: 587,
      authentication: 'login',
      relay: undefined,
    });
    // The relay's secret, read for two keys.
    expect(email.smtp!.credentials).toBe(email.sesRelay!.credentials);
    const arn = (email.sesRelay!.credentials.source as { arn: string }).arn;
    expect([email.smtp!.usernameSecret!.source, email.smtp!.password!.source]).toEqual([
      { kind: 'secretsmanager', arn, jsonKey: 'username', kmsKeyArn: undefined },
      { kind: 'secretsmanager', arn, jsonKey: 'password', kmsKeyArn: undefined },
    ]);
  });

  test('settings still waiting for their relay cannot become a boot script', () => {
    const unbound = new SmtpSettings({ ...base, relay: { ses: { region: 'us-east-1' } } });
    expect(
      () =>
        new BootScript({ smtp: unbound, managementConsole: { password: SecretRef.fromSsmParameter('/ghes/root') } }),
    ).toThrow(/BootScript\.smtp\.relay: these settings still wait for their relay/);
  });

  test('SesRelay.smtpSettings refuses another From address: the IAM user may send as the no-reply address only', () => {
    const relay = new SesRelay(stack(), 'relay', props);
    expect(() => relay.smtpSettings({ ...base, noreplyAddress: 'alerts@github.example.com' })).toThrow(ValidationError);
    expect(relay.smtpSettings(base).credentials).toBe(relay.credentials);
  });

  test('invalid props: every problem at once, with paths', () => {
    let err: unknown;
    try {
      new SesRelay(stack(), 'relay', {
        ...props,
        region: 'mars-1',
        hostedZone: { name: 'example.org' },
        mailFromSubdomain: 'noreply.github.example.com',
        ttl: -1,
      });
    } catch (e) {
      err = e;
    }
    expect((err as ValidationError).problems.map((p) => `${p.path}: ${p.message.slice(0, 60)}`)).toEqual([
      'ses/relay.ttl: got -1; expected a TTL in seconds from 0 to 2147483647',
      'ses/relay.region: got "mars-1"; expected an AWS region such as "us-east-1"',
      'ses/relay.noreplyAddress: got "noreply@github.example.com", whose domain is not in the',
      'ses/relay.mailFromSubdomain: got "noreply.github.example.com", which is the MX record for',
    ]);
  });

  test('IAM user names stay within 64 characters, and apart for long domains', () => {
    const long = `${'a'.repeat(60)}.example.com`;
    const [a, b] = [sesSmtpUserName('ap-southeast-2', long), sesSmtpUserName('ap-southeast-2', `b${long}`)];
    expect([a.length <= 64, b.length <= 64, a !== b]).toEqual([true, true, true]);
    expect(a).toMatch(/^[\w+=,.@-]+$/);
  });
});
