/**
 * `ghes-email relay-credentials` against local doubles: IAM and Secrets Manager
 * through the real AWS SDK (endpoints from AWS_ENDPOINT_URL_*, signatures
 * checked), and an SES-like SMTP server that accepts only the password openssl
 * derives from the key IAM handed out. Canary secrets never reach the output.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  RelayCredentialsIo,
  RelayCredentialsOptions,
  runRelayCredentials,
} from '../../../lib/cli/relay-credentials/relay-credentials';
import { smtpLogin } from '../../../lib/cli/relay-credentials/smtp-login';
import { SES_RELAY_KIND } from '../../../lib/smtp/ses-smtp';
import { RoleCredentials, canary } from '../../support/boot/aws-doubles';
import { leakForms } from '../../support/boot/secret-forms';
import { runCli } from '../../support/doctor/run-cli';
import { EventLog, RelayAwsDouble, useRelayDoubleForSdk } from '../../support/relay/relay-aws-double';
import { opensslSesSmtpPassword } from '../../support/relay/ses-password-openssl';
import { SES_TEST_HOST, SesSmtpDouble, startSesSmtp } from '../../support/relay/ses-smtp-double';
import { tempDir } from '../../support/temp-dir';

const USER = 'ghes-email-ses-eu-west-1-github.example.com';
const REGION = 'eu-west-1';
const SECRET_ARN =
  'arn:aws:secretsmanager:eu-west-1:111122223333:secret:ghes-email/github.example.com/ses-smtp-2024-AbCdEf';
const operator: RoleCredentials = {
  accessKeyId: 'AKIDOPERATOR',
  secretAccessKey: canary('operator-key'),
  sessionToken: canary('operator-token'),
};

let events: EventLog;
let aws: RelayAwsDouble;
let smtp: SesSmtpDouble;
let restore: () => void;

beforeEach(async () => {
  events = [];
  aws = await new RelayAwsDouble(operator, events).start();
  aws.keys.set(USER, []);
  smtp = await startSesSmtp(aws, USER, REGION, events);
  restore = useRelayDoubleForSdk(aws, operator);
});
afterEach(async () => {
  restore();
  await Promise.all([aws.stop(), smtp.close()]);
});

/** An outputs file as `cdktf output --outputs-file` writes it: nested by stack, then output name. */
function outputsFile(relay: Record<string, unknown> = {}): string {
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
}

interface Run {
  code: number;
  out: string;
  err: string;
}

/** Runs the command with the real SMTP client pointed at the local SES double (trusting its CA). */
async function run(o: Partial<RelayCredentialsOptions> = {}, io: Partial<RelayCredentialsIo> = {}): Promise<Run> {
  let out = '';
  let err = '';
  const code = await runRelayCredentials(
    { config: outputsFile(), retrySeconds: 0.01, verifyTimeoutSeconds: 5, ...o },
    {
      out: (t) => void (out += t),
      err: (t) => void (err += t),
      login: (_t, user, pass) =>
        smtpLogin({ host: '127.0.0.1', port: smtp.port, servername: SES_TEST_HOST, ca: smtp.certs.caCert }, user, pass),
      ...io,
    },
  );
  return { code, out, err };
}

/** No secret key, SMTP password or operator credential, in any encoding, in what the command printed. */
function expectNoSecrets(r: Run): void {
  const secrets = [
    ...aws.issuedSecrets,
    ...aws.issuedSecrets.map((s) => opensslSesSmtpPassword(s, REGION)),
    operator.secretAccessKey,
    operator.sessionToken,
  ];
  const text = `${r.out}\n${r.err}`;
  const leaks = leakForms(secrets)
    .filter((f) => text.includes(f.text))
    .map((f) => f.form);
  expect(leaks).toEqual([]);
}

test('first run: creates a key, proves it with AUTH LOGIN, writes {username, password} to the secret', async () => {
  const r = await run();
  expect({ code: r.code, err: r.err }).toEqual({ code: 0, err: '' });
  const [key] = aws.keys.get(USER)!;
  // The password the SMTP server accepted is AWS's algorithm computed by openssl, not by our code.
  expect(JSON.parse(aws.secretValues.get(SECRET_ARN)!)).toEqual({
    username: key.id,
    password: opensslSesSmtpPassword(key.secret, REGION),
  });
  expect(smtp.logins).toEqual([{ method: 'LOGIN', username: key.id, ok: true }]);
  expect(events).toEqual([
    'iam ListAccessKeys',
    'iam CreateAccessKey',
    `iam created ${key.id}`,
    `smtp AUTH LOGIN ${key.id} ok`,
    'secretsmanager PutSecretValue',
  ]);
  expect(aws.badSignatures).toEqual([]);
  expect(r.out).toContain(`Created access key ${key.id} for IAM user ${USER}`);
  expectNoSecrets(r);
});

test('rotation: the new key is retried while SES refuses it, and the old key is deleted only after it authenticated', async () => {
  const oldKey = aws.addKey(USER);
  aws.secretValues.set(SECRET_ARN, JSON.stringify({ username: oldKey.id, password: 'old' }));
  smtp.refuseFirst = 2;
  const r = await run();
  expect(r.code).toBe(0);
  const [newKey] = aws.keys.get(USER)!;
  expect(newKey.id).not.toBe(oldKey.id);
  expect(aws.keys.get(USER)!.map((k) => k.id)).toEqual([newKey.id]);
  expect(events.slice(2)).toEqual([
    `iam created ${newKey.id}`,
    `smtp AUTH LOGIN ${newKey.id} refused`,
    `smtp AUTH LOGIN ${newKey.id} refused`,
    `smtp AUTH LOGIN ${newKey.id} ok`,
    'secretsmanager PutSecretValue',
    `iam DeleteAccessKey ${oldKey.id}`,
  ]);
  expect(r.out.split('\n').filter((l) => l.startsWith('waiting for SES'))).toEqual(
    Array(2).fill(
      expect.stringMatching(
        /^waiting for SES to accept the new key: Invalid login: 535 .*Authentication Credentials Invalid; \d+s left$/,
      ),
    ),
  );
  expect(r.out).toContain(`Deleted the old key ${oldKey.id}`);
  expect(r.out).toContain('run ghes-email apply --config <outputs.json> now');
  expectNoSecrets(r);
});

test('--keep-old-key: the old key stays, with the command that deletes it after apply', async () => {
  const oldKey = aws.addKey(USER);
  const r = await run({ keepOldKey: true });
  expect(r.code).toBe(0);
  expect(aws.keys.get(USER)!.map((k) => k.id)).toContain(oldKey.id);
  expect(events.filter((e) => e.startsWith('iam DeleteAccessKey'))).toEqual([]);
  expect(r.out).toContain(`aws iam delete-access-key --user-name ${USER} --access-key-id ${oldKey.id}`);
});

test('a new key that never authenticates is deleted again; the old key and the secret stay as they were', async () => {
  const oldKey = aws.addKey(USER);
  const before = JSON.stringify({ username: oldKey.id, password: 'old' });
  aws.secretValues.set(SECRET_ARN, before);
  smtp.refuseFirst = Number.MAX_SAFE_INTEGER;
  const r = await run({ verifyTimeoutSeconds: 0.2 });
  expect(r.code).toBe(1);
  expect(aws.keys.get(USER)!.map((k) => k.id)).toEqual([oldKey.id]);
  expect(aws.secretValues.get(SECRET_ARN)).toBe(before);
  expect(events.some((e) => e.startsWith('secretsmanager'))).toBe(false);
  expect(r.err).toMatch(
    /the new key did not authenticate at email-smtp\.eu-west-1\.amazonaws\.com:587 \(Invalid login: 535.*\); deleted the new key AKIA[0-9A-F]+ again, nothing else changed/,
  );
  expectNoSecrets(r);
});

test('the secret cannot be written: the new key is deleted again, the old one kept', async () => {
  const oldKey = aws.addKey(USER);
  aws.failNext.PutSecretValue = ['AccessDeniedException'];
  const r = await run();
  expect(r.code).toBe(1);
  expect(aws.keys.get(USER)!.map((k) => k.id)).toEqual([oldKey.id]);
  expect(r.err).toContain(`cannot write ${SECRET_ARN}: AccessDeniedException`);
  expectNoSecrets(r);
});

test('two keys already: refuses before creating anything (IAM allows two per user)', async () => {
  const [a, b] = [aws.addKey(USER), aws.addKey(USER)];
  const r = await run();
  expect(r.code).toBe(1);
  expect(events).toEqual(['iam ListAccessKeys']);
  expect(r.err).toContain(`already has two access keys (${a.id}, ${b.id})`);
});

test('explicit --user-name and --secret-arn: the region comes from the secret ARN', async () => {
  const r = await run({ config: undefined, userName: USER, secretArn: SECRET_ARN });
  expect(r.code).toBe(0);
  expect(JSON.parse(aws.secretValues.get(SECRET_ARN)!).username).toBe(aws.keys.get(USER)![0].id);
});

test('a relay whose credentials Terraform owns (smtpPasswordInState) is refused, exit 2, nothing touched', async () => {
  const r = await run({ config: outputsFile({ credentials: 'terraform' }) });
  expect(r.code).toBe(2);
  expect(r.err).toContain('has smtpPasswordInState: Terraform owns its access key');
  expect(events).toEqual([]);
});

describe('through the ghes-email program', () => {
  test('neither --config nor the names: usage error, exit 2', async () => {
    const r = await runCli(['relay-credentials']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      "give --config <outputs.json> (the deployed stack's outputs), or --user-name and --secret-arn",
    );
  });

  test('an outputs file without an SES relay, or a bad ARN: exit 2 with what to pass', async () => {
    const file = join(tempDir('ghes-email-relay-'), 'outputs.json');
    writeFileSync(file, JSON.stringify({ x: { value: { kind: 'ghes-email/cli-settings' } } }));
    expect((await runCli(['relay-credentials', '--config', file])).stderr).toContain('has no ses-relay output');
    const bad = await runCli(['relay-credentials', '--user-name', USER, '--secret-arn', 'not-an-arn']);
    expect({ code: bad.code, err: bad.stderr }).toEqual({
      code: 2,
      err: expect.stringContaining('--secret-arn.secretsManagerArn: got "not-an-arn"'),
    });
    expect(events).toEqual([]);
  });
});
