/**
 * `ghes-email relay-credentials` against local doubles: IAM and Secrets Manager
 * through the real AWS SDK (endpoints from AWS_ENDPOINT_URL_*, signatures
 * checked), and an SES-like SMTP server that accepts only the password openssl
 * derives from the key IAM handed out. Canary secrets never reach the output.
 * The happy paths and rotation; faults, stops and the target checks have their own suites.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../../support/doctor/run-cli';
import { opensslSesSmtpPassword } from '../../support/relay/ses-password-openssl';
import { OLD_PASSWORD, REGION, SECRET_ARN, USER, useRelayHarness } from '../../support/relay/relay-harness';
import { tempDir } from '../../support/temp-dir';

const h = useRelayHarness();

test('first run: creates a key, proves it with AUTH LOGIN, writes {username, password} to the secret', async () => {
  const r = await h.run();
  expect({ code: r.code, err: r.err }).toEqual({ code: 0, err: '' });
  const [key] = h.aws.keys.get(USER)!;
  // The password the SMTP server accepted is AWS's algorithm computed by openssl, not by our code.
  expect(JSON.parse(h.aws.secretValues.get(SECRET_ARN)!)).toEqual({
    username: key.id,
    password: opensslSesSmtpPassword(key.secret, REGION),
  });
  expect(h.smtp.logins).toEqual([{ method: 'LOGIN', username: key.id, ok: true }]);
  expect(h.events).toEqual([
    'secretsmanager DescribeSecret',
    'iam ListAccessKeys',
    'iam CreateAccessKey',
    `iam created ${key.id}`,
    `smtp AUTH LOGIN ${key.id} ok`,
    'secretsmanager PutSecretValue',
  ]);
  expect(h.aws.badSignatures).toEqual([]);
  expect(r.out).toContain(`Created access key ${key.id} for IAM user ${USER}`);
  h.expectNoSecrets(r);
});

test('rotation (issue 18): the old key stays by default, with the apply and the step that deletes it', async () => {
  const oldKey = h.aws.addKey(USER);
  h.aws.secretValues.set(SECRET_ARN, JSON.stringify({ username: oldKey.id, password: OLD_PASSWORD }));
  const file = h.outputsFile();
  const r = await h.run({ config: file });
  expect({ code: r.code, err: r.err }).toEqual({ code: 0, err: '' });
  const newKey = h.aws.keys.get(USER)![1];
  expect(h.aws.keyIds(USER)).toEqual([oldKey.id, newKey.id]);
  expect(JSON.parse(h.aws.secretValues.get(SECRET_ARN)!).username).toBe(newKey.id);
  expect(h.events.filter((e) => e.startsWith('iam DeleteAccessKey'))).toEqual([]);
  expect(r.out).toContain(`Kept the old key ${oldKey.id}: GHES uses it until it has the new one`);
  expect(r.out).toContain(`1. ghes-email apply --config ${file}`);
  expect(r.out).toContain(`2. ghes-email relay-credentials --config ${file} --finish-rotation`);
  expect(r.out).toContain(`aws iam delete-access-key --user-name ${USER} --access-key-id ${oldKey.id}`);
  h.expectNoSecrets(r);
});

test('--finish-rotation (the later step): deletes the key the secret no longer names, creates nothing', async () => {
  const [oldKey, newKey] = [h.aws.addKey(USER), h.aws.addKey(USER)];
  h.aws.secretValues.set(SECRET_ARN, JSON.stringify({ username: newKey.id, password: 'new-password-0123' }));
  const r = await h.run({ finishRotation: true });
  expect({ code: r.code, err: r.err }).toEqual({ code: 0, err: '' });
  expect(h.aws.keyIds(USER)).toEqual([newKey.id]);
  expect(h.events).toEqual([
    'secretsmanager DescribeSecret',
    'secretsmanager GetSecretValue',
    'iam ListAccessKeys',
    `iam DeleteAccessKey ${oldKey.id}`,
  ]);
  expect(r.out).toContain(`Deleted the old key ${oldKey.id}; ${newKey.id}, the key the secret names, stays.`);
  expect(r.out).not.toContain('new-password-0123');
});

test('--finish-rotation when the secret names a key the user does not have: refused, exit 2, nothing deleted', async () => {
  const oldKey = h.aws.addKey(USER);
  h.aws.secretValues.set(SECRET_ARN, JSON.stringify({ username: 'AKIAGONE0000000000', password: OLD_PASSWORD }));
  const r = await h.run({ finishRotation: true });
  expect(r.code).toBe(2);
  expect(h.aws.keyIds(USER)).toEqual([oldKey.id]);
  expect(r.err).toContain(`the secret names AKIAGONE0000000000, which IAM user ${USER} does not have`);
  h.expectNoSecrets(r);
});

test('--delete-old-key: the old key is deleted in the same run, only after the new one authenticated', async () => {
  const oldKey = h.aws.addKey(USER);
  h.aws.secretValues.set(SECRET_ARN, JSON.stringify({ username: oldKey.id, password: OLD_PASSWORD }));
  h.smtp.refuseFirst = 2;
  const r = await h.run({ deleteOldKey: true });
  expect(r.code).toBe(0);
  const newKey = h.aws.keys.get(USER)![0];
  expect(h.aws.keyIds(USER)).toEqual([newKey.id]);
  expect(h.events.slice(4)).toEqual([
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
  expect(r.out).toContain(`Deleted the old key ${oldKey.id} (the new one authenticated).`);
  expect(r.out).toContain('mail from GHES fails until it has the new credentials: run ghes-email apply --config');
  h.expectNoSecrets(r);
});

test('a new key that never authenticates is deleted again; the old key and the secret stay as they were', async () => {
  const oldKey = h.aws.addKey(USER);
  const before = JSON.stringify({ username: oldKey.id, password: OLD_PASSWORD });
  h.aws.secretValues.set(SECRET_ARN, before);
  h.smtp.refuseFirst = Number.MAX_SAFE_INTEGER;
  const r = await h.run({ verifyTimeoutSeconds: 0.2 });
  expect(r.code).toBe(1);
  expect(h.aws.keyIds(USER)).toEqual([oldKey.id]);
  expect(h.aws.secretValues.get(SECRET_ARN)).toBe(before);
  expect(h.events.filter((e) => e.startsWith('secretsmanager'))).toEqual(['secretsmanager DescribeSecret']);
  expect(r.err).toMatch(
    /the new key did not authenticate at email-smtp\.eu-west-1\.amazonaws\.com:587 \(Invalid login: 535.*\)/,
  );
  expect(r.err).toMatch(/access key AKIA[0-9A-F]+ \(new\): deleted again/);
  expect(r.err).toContain('Nothing is left changed.');
  h.expectNoSecrets(r);
});

test('the secret cannot be written: the new key is deleted again, the old one kept, exit 1', async () => {
  const oldKey = h.aws.addKey(USER);
  h.aws.failNext.PutSecretValue = ['AccessDeniedException'];
  const r = await h.run();
  expect(r.code).toBe(1);
  expect(h.aws.keyIds(USER)).toEqual([oldKey.id]);
  expect(r.err).toContain(`cannot write ${SECRET_ARN}: AccessDeniedException`);
  expect(r.err).toContain('Nothing is left changed.');
  h.expectNoSecrets(r);
});

test('two keys already (issue 18): refused before creating anything, naming the key to delete', async () => {
  const [a, b] = [h.aws.addKey(USER), h.aws.addKey(USER)];
  h.aws.secretValues.set(SECRET_ARN, JSON.stringify({ username: b.id, password: OLD_PASSWORD }));
  const r = await h.run();
  expect(r.code).toBe(2);
  expect(h.events.filter((e) => e.startsWith('iam'))).toEqual(['iam ListAccessKeys']);
  expect(r.err).toContain(`IAM user ${USER} already has two access keys, ${a.id} and ${b.id} (IAM allows two)`);
  expect(r.err).toContain(`the secret names ${b.id}; ${a.id} is the one to delete`);
  expect(r.err).toContain('--finish-rotation');
  expect(r.err).toContain(`aws iam delete-access-key --user-name ${USER} --access-key-id ${a.id}`);
  h.expectNoSecrets(r);
});

test('explicit --user-name and --secret-arn: the region comes from the secret ARN', async () => {
  const r = await h.run({ config: undefined, userName: USER, secretArn: SECRET_ARN });
  expect(r.code).toBe(0);
  expect(JSON.parse(h.aws.secretValues.get(SECRET_ARN)!).username).toBe(h.aws.keys.get(USER)![0].id);
});

test('a relay whose credentials Terraform owns (smtpPasswordInState) is refused, exit 2, nothing touched', async () => {
  const r = await h.run({ config: h.outputsFile({ credentials: 'terraform' }) });
  expect(r.code).toBe(2);
  expect(r.err).toContain('has smtpPasswordInState: Terraform owns its access key');
  expect(h.events).toEqual([]);
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
    expect(h.events).toEqual([]);
  });

  test('--keep-old-key is still accepted (the default now); with --delete-old-key it is a usage error', async () => {
    const both = await runCli(['relay-credentials', '--config', h.outputsFile(), '--keep-old-key', '--delete-old-key']);
    expect({ code: both.code, events: h.events }).toEqual({ code: 2, events: [] });
    expect(both.stderr).toContain('--keep-old-key and --delete-old-key contradict each other');
    const help = await runCli(['relay-credentials', '--help']);
    expect(help.stdout).toMatch(/--keep-old-key +the default now/);
    expect(help.stdout).toContain('--finish-rotation');
  });
});
