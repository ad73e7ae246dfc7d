/**
 * `smtp.relay.ses` and `smtp.credentials` in the config file: clear dotted-path
 * problems, and the deployed stack's outputs working with `apply` (username and
 * password from the relay's secret).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runApply } from '../../lib/cli/apply/apply';
import { ConfigError, loadConfigFile, parseConfig } from '../../lib/config/config';
import { AwsDouble, RoleCredentials, canary, useAwsDoubleForSdk } from '../support/boot/aws-doubles';
import { ManageDouble } from '../support/boot/manage-double';
import { ROOT_ARN, SMTP_ARN } from '../support/boot/rig';
import { leakForms } from '../support/boot/secret-forms';
import { testCert } from '../support/boot/tls';
import { Json, exampleConfig } from '../support/stack';
import { SES_EXAMPLE, sesConfig } from '../support/relay/ses-config';
import { tempDir } from '../support/temp-dir';

/** The problems of a config, as "path: message" lines. */
function problems(c: Json): string[] {
  try {
    parseConfig(c);
  } catch (e) {
    if (e instanceof ConfigError) return e.problems.map((p) => `${p.path}: ${p.message}`);
    throw e;
  }
  return [];
}

const mutate = (f: (c: Json) => void): Json => {
  const c = sesConfig();
  f(c);
  return c;
};

test('examples/ghes-email-ses.config.json is the bundled example with only region and smtp changed, and it loads', () => {
  const ses = sesConfig();
  const { region, smtp, ...rest } = ses;
  const { region: _r, smtp: _s, ...example } = exampleConfig();
  expect(rest).toEqual(example);
  expect({ region, relay: smtp.relay }).toEqual({ region: 'eu-west-1', relay: { ses: {} } });
  expect(loadConfigFile(SES_EXAMPLE).smtp?.relay).toBeDefined();
});

test('a valid relay config: SES address, port 587, login, STARTTLS, no credentials until the stack builds the relay', () => {
  const smtp = parseConfig(sesConfig()).smtp!;
  expect(smtp).toMatchObject({
    address: 'email-smtp.eu-west-1.amazonaws.com',
    port: 587,
    authentication: 'login',
    enableStarttlsAuto: true,
    relay: { ses: { region: 'eu-west-1' } },
  });
  expect([smtp.password, smtp.credentials, smtp.needsPassword]).toEqual([undefined, undefined, false]);
  // toConfig gives the config's own shape back (the region stays top-level).
  expect(parseConfig({ ...sesConfig(), smtp: smtp.toConfig() }).smtp!.relay).toEqual({ ses: { region: 'eu-west-1' } });
});

test.each<[string, (c: Json) => void, string[]]>([
  [
    'relay next to the fields it fills in',
    (c) =>
      Object.assign(c.smtp, {
        address: 'smtp.example.com',
        username: 'u',
        password: { secretsManagerArn: SMTP_ARN },
        port: 465,
      }),
    [
      'smtp.address: is filled in by relay.ses (email-smtp.<region>.amazonaws.com, port 587, STARTTLS, login, credentials from its secret); remove it, or remove relay',
      'smtp.port: is filled in by relay.ses (email-smtp.<region>.amazonaws.com, port 587, STARTTLS, login, credentials from its secret); remove it, or remove relay',
      'smtp.username: is filled in by relay.ses (email-smtp.<region>.amazonaws.com, port 587, STARTTLS, login, credentials from its secret); remove it, or remove relay',
      'smtp.password: is filled in by relay.ses (email-smtp.<region>.amazonaws.com, port 587, STARTTLS, login, credentials from its secret); remove it, or remove relay',
    ],
  ],
  [
    'neither relay nor address',
    (c) => delete c.smtp.relay,
    [
      "smtp.address: required: the relay's hostname or IP address (or let ghes-email set up Amazon SES with relay: { ses: {} })",
      'smtp.username: required when authentication is "plain"; set it, or set authentication to "none"',
      'smtp.password: required when authentication is "plain": a secret reference',
    ],
  ],
  [
    'MAIL FROM on the reply-by-email name',
    (c) => (c.smtp.relay.ses.mailFromSubdomain = 'reply.github.example.com'),
    [
      'smtp.relay.ses.mailFromSubdomain: got "reply.github.example.com", which is the reply-by-email MX record: its MX record must keep pointing at GHES. Pick another subdomain, e.g. "bounce-mail.github.example.com"',
    ],
  ],
  [
    'MAIL FROM on the noreply name',
    (c) => (c.smtp.relay.ses.mailFromSubdomain = 'NoReply.GitHub.example.com'),
    [
      'smtp.relay.ses.mailFromSubdomain: got "noreply.github.example.com", which is the MX record for replies that cc the no-reply address: its MX record must keep pointing at GHES. Pick another subdomain, e.g. "bounce-mail.github.example.com"',
    ],
  ],
  [
    'MAIL FROM as a bare label',
    (c) => (c.smtp.relay.ses.mailFromSubdomain = 'bounce'),
    ['smtp.relay.ses.mailFromSubdomain: got "bounce"; expected the full domain name, e.g. "bounce.github.example.com"'],
  ],
  [
    'MAIL FROM outside the sending domain',
    (c) => (c.smtp.relay.ses.mailFromSubdomain = 'bounce.example.com'),
    [
      'smtp.relay.ses.mailFromSubdomain: got "bounce.example.com"; SES requires a subdomain of the sending domain "github.example.com", e.g. "bounce.github.example.com"',
    ],
  ],
  [
    'no-reply address outside the hosted zone',
    (c) => (c.smtp.noreplyAddress = 'noreply@example.org'),
    [
      'smtp.noreplyAddress: got "noreply@example.org", whose domain is not in the hosted zone "example.com"; the SES relay publishes its DKIM and MAIL FROM records there. Send from an address in that zone',
    ],
  ],
  [
    'a private zone',
    (c) => (c.hostedZone.private = true),
    [
      'smtp.relay.ses: needs a public hosted zone: SES verifies the DKIM records, and receiving servers check them and the MAIL FROM records, from the internet',
    ],
  ],
  [
    'typos and types in the block',
    (c) => (c.smtp.relay = { ses: { mailFrom: 'x', smtpPasswordInState: 'yes' } }),
    [
      'smtp.relay.ses.smtpPasswordInState: got a string; expected boolean',
      'smtp.relay.ses.mailFrom: unknown key (a typo?); see the config reference (docs/config.md)',
    ],
  ],
  [
    'a relay other than ses',
    (c) => (c.smtp.relay = { postfix: {} }),
    [
      'smtp.relay.postfix: unknown key (a typo?); see the config reference (docs/config.md)',
      'smtp.relay.ses: required: { "ses": { … } } (Amazon SES is the relay ghes-email sets up)',
    ],
  ],
  [
    'credentials next to username and password, with a jsonKey',
    (c) =>
      Object.assign(c.smtp, {
        relay: undefined,
        address: 'smtp.example.com',
        username: 'u',
        password: { secretsManagerArn: SMTP_ARN },
        credentials: { secretsManagerArn: SMTP_ARN, jsonKey: 'smtp' },
      }),
    [
      'smtp.username: must be unset with credentials: the username and password both come from that secret',
      'smtp.password: must be unset with credentials: the username and password both come from that secret',
      'smtp.credentials.jsonKey: must be unset: the keys are "username" and "password"',
    ],
  ],
  [
    'credentials in SSM',
    (c) =>
      Object.assign(c.smtp, {
        relay: undefined,
        address: 'smtp.example.com',
        credentials: { ssmParameter: '/ghes/smtp' },
      }),
    ['smtp.credentials: expected a Secrets Manager secret holding {"username": …, "password": …}'],
  ],
])('%s', (_name, f, expected) => {
  expect(problems(mutate(f))).toEqual(expected);
});

test('a bad top-level region is reported once, at "region"', () => {
  expect(problems(mutate((c) => (c.region = 'mars')))).toEqual([
    'region: got "mars"; expected an AWS region such as "us-east-1"',
  ]);
});

describe('apply with the outputs of a deployed SES stack', () => {
  const creds: RoleCredentials = {
    accessKeyId: 'AKIDOPERATOR',
    secretAccessKey: canary('operator-key'),
    sessionToken: canary('operator-token'),
  };
  const keyId = 'AKIAIOSFODNN7EXAMPLE';
  const password = canary('ses-smtp-password');
  const rootPassword = canary('root');

  /** cli-settings as Terraform outputs it after deploy: the secret reference resolved to its ARN. */
  function outputsFile(): string {
    const smtp = parseConfig(sesConfig()).smtp!.toConfig();
    const cliSettings = {
      kind: 'ghes-email/cli-settings',
      region: 'eu-west-1',
      hostname: 'github.example.com',
      addresses: { ipv4: '203.0.113.10' },
      dns: {},
      smtp: {
        ...smtp,
        relay: undefined,
        address: 'email-smtp.eu-west-1.amazonaws.com',
        port: 587,
        authentication: 'login',
        enableStarttlsAuto: true,
        credentials: { secretsManagerArn: SMTP_ARN },
      },
      managementConsole: { password: { secretsManagerArn: ROOT_ARN } },
    };
    const file = join(tempDir('ghes-email-ses-'), 'outputs.json');
    writeFileSync(file, JSON.stringify({ 'ghes-email': { 'email_cli-settings_D8B3A554': cliSettings } }));
    return file;
  }

  test('the outputs parse: username and password references into the one secret', () => {
    const smtp = loadConfigFile(outputsFile()).smtp!;
    expect([smtp.usernameSecret!.source, smtp.password!.source]).toEqual([
      { kind: 'secretsmanager', arn: SMTP_ARN, jsonKey: 'username', kmsKeyArn: undefined },
      { kind: 'secretsmanager', arn: SMTP_ARN, jsonKey: 'password', kmsKeyArn: undefined },
    ]);
  });

  test('PUTs the SES settings with username (and user_name) and password from the secret; prints no secret', async () => {
    const cert = await testCert();
    const aws = await new AwsDouble(undefined, creds).start();
    aws.secrets.set(ROOT_ARN, { string: rootPassword });
    aws.secrets.set(SMTP_ARN, { string: JSON.stringify({ username: keyId, password }) });
    const manage = await new ManageDouble(cert, { rootPassword }).start();
    const restore = useAwsDoubleForSdk(aws, creds);
    let out = '';
    let err = '';
    try {
      const code = await runApply(
        { config: outputsFile(), manageUrl: manage.url, caFile: cert.caFile, yes: true, pollSeconds: 0.01 },
        { out: (t) => void (out += t), err: (t) => void (err += t), readStdin: async () => '' },
      );
      expect({ code, err }).toEqual({ code: 0, err: '' });
      expect(manage.puts[0].smtp).toMatchObject({
        address: 'email-smtp.eu-west-1.amazonaws.com',
        port: '587',
        authentication: 'login',
        username: keyId,
        user_name: keyId,
        password,
      });
      expect(out).toContain(`~ username: `);
      for (const f of leakForms([password, rootPassword, creds.secretAccessKey], rootPassword))
        expect(`${out}${err}`.includes(f.text) ? f.form : 'clean').toBe('clean');
    } finally {
      restore();
      await Promise.all([aws.stop(), manage.stop()]);
    }
  });

  test('a config file with smtp.relay (no deployed secret to read): exit 2, says to use the outputs', async () => {
    const file = join(tempDir('ghes-email-ses-'), 'config.json');
    writeFileSync(file, JSON.stringify(sesConfig()));
    let err = '';
    const code = await runApply(
      { config: file, manageUrl: 'https://127.0.0.1:1', yes: true },
      { out: () => undefined, err: (t) => void (err += t), readStdin: async () => '' },
    );
    expect(code).toBe(2);
    expect(err).toContain(
      "smtp.relay.ses: the SMTP credentials live in the secret the stack created; run apply with the deployed stack's outputs",
    );
  });
});
