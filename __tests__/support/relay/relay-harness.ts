/**
 * What every `relay-credentials` suite sets up: the IAM + Secrets Manager double (the SDK pointed at it), the SES
 * SMTP double, an outputs file, a run of the command with the real SMTP client against the SES double, and the
 * canary check that nothing secret was printed.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  RelayCredentialsIo,
  RelayCredentialsOptions,
  runRelayCredentials,
} from '../../../lib/cli/relay-credentials/relay-credentials';
import { smtpLogin } from '../../../lib/cli/relay-credentials/smtp-login';
import { SES_CREDENTIALS_TAG, SES_RELAY_KIND } from '../../../lib/smtp/ses-smtp';
import { RoleCredentials, canary } from '../boot/aws-doubles';
import { leakForms } from '../boot/secret-forms';
import { tempDir } from '../temp-dir';
import { EventLog, RelayAwsDouble, useRelayDoubleForSdk } from './relay-aws-double';
import { opensslSesSmtpPassword } from './ses-password-openssl';
import { SES_TEST_HOST, SesSmtpDouble, startSesSmtp } from './ses-smtp-double';

export const USER = 'ghes-email-ses-eu-west-1-github.example.com';
export const REGION = 'eu-west-1';
export const SECRET_ARN =
  'arn:aws:secretsmanager:eu-west-1:111122223333:secret:ghes-email/github.example.com/ses-smtp-2024-AbCdEf';

/** The password a secret written before the run holds (long enough that redacting it hides nothing else). */
export const OLD_PASSWORD = 'old-smtp-password-BJ2wQ8zN';

export interface Run {
  code: number;
  out: string;
  err: string;
}

export interface RelayHarness {
  readonly events: EventLog;
  readonly aws: RelayAwsDouble;
  readonly smtp: SesSmtpDouble;
  readonly operator: RoleCredentials;
  /** An outputs file as `cdktf output --outputs-file` writes it: nested by stack, then output name. */
  outputsFile(relay?: Record<string, unknown>): string;
  /** Runs the command in this process with the real SMTP client pointed at the SES double (trusting its CA). */
  run(o?: Partial<RelayCredentialsOptions>, io?: Partial<RelayCredentialsIo>): Promise<Run>;
  /** The real SMTP login against the SES double, for tests that wrap it. */
  login: NonNullable<RelayCredentialsIo['login']>;
  /** No secret key, SMTP password or operator credential, in any encoding, in what the command printed. */
  expectNoSecrets(r: Run): void;
}

/** Registers beforeEach/afterEach that start and stop the doubles; the secret is tagged for relay-credentials. */
export function useRelayHarness(): RelayHarness {
  const operator: RoleCredentials = {
    accessKeyId: 'AKIDOPERATOR',
    secretAccessKey: canary('operator-key'),
    sessionToken: canary('operator-token'),
  };
  const h = { operator } as { -readonly [K in keyof RelayHarness]: RelayHarness[K] };
  let restore: () => void;
  beforeEach(async () => {
    h.events = [];
    h.aws = await new RelayAwsDouble(operator, h.events).start();
    h.aws.keys.set(USER, []);
    h.aws.secretTags.set(SECRET_ARN, { [SES_CREDENTIALS_TAG]: 'relay-credentials', Name: 'x' });
    h.smtp = await startSesSmtp(h.aws, USER, REGION, h.events);
    restore = useRelayDoubleForSdk(h.aws, operator);
  });
  afterEach(async () => {
    restore();
    await Promise.all([h.aws.stop(), h.smtp.close()]);
  });
  h.outputsFile = (relay = {}) => {
    const value = {
      kind: SES_RELAY_KIND,
      region: REGION,
      domain: 'github.example.com',
      iamUserName: USER,
      secretArn: SECRET_ARN,
      credentials: 'relay-credentials',
      ...relay,
    };
    const file = join(tempDir('ghes-email-relay-'), 'outputs.json');
    writeFileSync(file, JSON.stringify({ 'ghes-email': { 'email_ses-relay_BBD7B1B3': value, other: { value: 1 } } }));
    return file;
  };
  h.login = (_t, user, pass) =>
    smtpLogin({ host: '127.0.0.1', port: h.smtp.port, servername: SES_TEST_HOST, ca: h.smtp.certs.caCert }, user, pass);
  h.run = async (o = {}, io = {}) => {
    let out = '';
    let err = '';
    const code = await runRelayCredentials(
      { config: h.outputsFile(), retrySeconds: 0.01, verifyTimeoutSeconds: 5, ...o },
      { out: (t) => void (out += t), err: (t) => void (err += t), login: h.login, ...io },
    );
    return { code, out, err };
  };
  h.expectNoSecrets = (r) => {
    const secrets = [
      ...h.aws.issuedSecrets,
      ...h.aws.issuedSecrets.map((s) => opensslSesSmtpPassword(s, REGION)),
      operator.secretAccessKey,
      operator.sessionToken,
      OLD_PASSWORD,
    ];
    const text = `${r.out}\n${r.err}`;
    const leaks = leakForms(secrets)
      .filter((f) => text.includes(f.text))
      .map((f) => f.form);
    expect(leaks).toEqual([]);
  };
  return h;
}
