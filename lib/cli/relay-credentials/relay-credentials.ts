/**
 * `ghes-email relay-credentials`: SMTP credentials for the SES relay, made
 * outside Terraform so the password never lands in state. Creates an access
 * key for the relay's IAM user, derives the SES SMTP password from it (AWS's
 * documented algorithm, lib/smtp/ses-smtp.ts), proves the pair with an SMTP AUTH
 * LOGIN against the relay, writes {username, password} to the relay's secret,
 * and only then deletes the key it replaces. Any failure before the secret is
 * written deletes the new key again: the relay keeps working with the old one.
 * Exit codes: 0 done, 1 failed (nothing changed, or what is left is said), 2 bad usage.
 */
import type { IAMClient } from '@aws-sdk/client-iam';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { Command, InvalidArgumentError } from 'commander';
import { SES_SMTP_PORT, sesSmtpEndpoint, sesSmtpPassword } from '../../smtp/ses-smtp';
import { SecretRedactor } from '../secrets/redact-secrets';
import { RelayTarget, RelayTargetOptions, RelayUsageError, relayTarget } from './relay-target';
import { SmtpLoginError, smtpLogin } from './smtp-login';

export interface RelayCredentialsOptions extends RelayTargetOptions {
  /** Keep the replaced key (delete it yourself after `ghes-email apply`). @default false */
  readonly keepOldKey?: boolean;
  /** How long SES may take to accept a new key, in seconds. @default 300 */
  readonly verifyTimeoutSeconds?: number;
  /** First wait between login attempts, doubling up to 30 s. @default 2 */
  readonly retrySeconds?: number;
}

/** Where the command reads and writes; tests pass doubles. */
export interface RelayCredentialsIo {
  out(text: string): void;
  err(text: string): void;
  /** @default a client for the relay's region (AWS_ENDPOINT_URL_IAM overrides the endpoint) */
  iam?: IAMClient;
  /** @default a client for the secret's region */
  secretsManager?: SecretsManagerClient;
  /** One SMTP AUTH LOGIN; rejects when refused. @default smtpLogin against email-smtp.<region>.amazonaws.com:587 */
  login?: (target: RelayTarget, user: string, pass: string) => Promise<void>;
}

const positive = (value: string) => {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('expected a positive number of seconds');
  return n;
};

export function registerRelayCredentials(program: Command): void {
  program
    .command('relay-credentials')
    .description(
      "create (or rotate) the SES relay's SMTP credentials and store them in its secret, outside Terraform state",
    )
    .option(
      '-c, --config <file>',
      "the deployed stack's outputs (cdktf output --outputs-file FILE, or terraform output -json > FILE)",
    )
    .option('--domain <domain>', 'with several SES relays in the outputs: the sending domain of the one to use')
    .option('--user-name <name>', "instead of --config: the relay's IAM user")
    .option('--secret-arn <arn>', "instead of --config: the relay's credentials secret")
    .option('--region <region>', "the SES region (default: the relay's, or the secret ARN's)")
    .option(
      '--keep-old-key',
      'do not delete the replaced access key (delete it after ghes-email apply has given GHES the new one)',
    )
    .option('--verify-timeout-seconds <n>', 'how long SES may take to accept the new key', positive, 300)
    .action(async (opts: RelayCredentialsOptions) => {
      process.exitCode = await runRelayCredentials(opts, {
        out: (t) => process.stdout.write(t),
        err: (t) => process.stderr.write(t),
      });
    });
}

/** An AWS SDK error as one line: its name and message (never a credential: the SDK does not echo them). */
function awsError(err: unknown): string {
  const e = err as { name?: string; message?: string };
  return `${e.name ?? 'Error'}: ${e.message ?? String(err)}`;
}

export async function runRelayCredentials(opts: RelayCredentialsOptions, rawIo: RelayCredentialsIo): Promise<number> {
  // Everything printed passes the redactor, which learns the new secret key and password as they exist.
  const redactor = new SecretRedactor();
  const out = (t: string) => rawIo.out(redactor.redact(t));
  const err = (t: string) => rawIo.err(redactor.redact(t));
  let target: RelayTarget;
  try {
    target = relayTarget(opts);
  } catch (e) {
    if (e instanceof RelayUsageError) {
      err(`${e.message}\n`);
      return 2;
    }
    throw e;
  }
  if (target.credentials === 'terraform') {
    err(
      `the SES relay ${target.domain ?? target.iamUserName} has smtpPasswordInState: Terraform owns its access key and secret value. Rotate with terraform (replace the aws_iam_access_key), or drop smtpPasswordInState and run this command\n`,
    );
    return 2;
  }
  const user = target.iamUserName;
  const iamSdk = await import('@aws-sdk/client-iam');
  const iam = rawIo.iam ?? new iamSdk.IAMClient({ region: target.region });
  const login = rawIo.login ?? ((t, u, p) => smtpLogin({ host: sesSmtpEndpoint(t.region), port: SES_SMTP_PORT }, u, p));

  let old: string[];
  try {
    const listed = await iam.send(new iamSdk.ListAccessKeysCommand({ UserName: user }));
    old = (listed.AccessKeyMetadata ?? []).map((k) => k.AccessKeyId ?? '').filter((id) => id !== '');
  } catch (e) {
    err(`cannot list the access keys of IAM user ${user}: ${awsError(e)}; nothing changed\n`);
    return 1;
  }
  if (old.length >= 2) {
    // IAM allows two keys per user: rotation needs a free slot.
    err(
      `IAM user ${user} already has two access keys (${old.join(', ')}): delete the one GHES does not use (the "username" in ${target.secretArn} is the one in use), then run again; nothing changed\n`,
    );
    return 1;
  }

  let keyId: string;
  let password: string;
  try {
    const created = (await iam.send(new iamSdk.CreateAccessKeyCommand({ UserName: user }))).AccessKey;
    if (!created?.AccessKeyId || !created.SecretAccessKey) throw new Error('CreateAccessKey returned no key');
    keyId = created.AccessKeyId;
    redactor.add(created.SecretAccessKey);
    password = sesSmtpPassword(created.SecretAccessKey, target.region);
    redactor.add(password);
  } catch (e) {
    err(`cannot create an access key for IAM user ${user}: ${awsError(e)}; nothing changed\n`);
    return 1;
  }
  out(`Created access key ${keyId} for IAM user ${user}; SMTP password derived for ${target.region}.\n`);

  const rollback = async (why: string): Promise<number> => {
    try {
      await iam.send(new iamSdk.DeleteAccessKeyCommand({ UserName: user, AccessKeyId: keyId }));
      err(`${why}; deleted the new key ${keyId} again, nothing else changed\n`);
    } catch (e) {
      err(
        `${why}; could not delete the new key ${keyId} (${awsError(e)}): delete it with aws iam delete-access-key --user-name ${user} --access-key-id ${keyId}\n`,
      );
    }
    return 1;
  };

  const refused = await verifyLogin(opts, target, keyId, password, login, out);
  if (refused !== undefined)
    return rollback(
      `the new key did not authenticate at ${sesSmtpEndpoint(target.region)}:${SES_SMTP_PORT} (${refused})`,
    );

  try {
    const smSdk = await import('@aws-sdk/client-secrets-manager');
    const sm = rawIo.secretsManager ?? new smSdk.SecretsManagerClient({ region: target.secretArn.split(':')[3] });
    await sm.send(
      new smSdk.PutSecretValueCommand({
        SecretId: target.secretArn,
        SecretString: JSON.stringify({ username: keyId, password }),
      }),
    );
  } catch (e) {
    return rollback(`cannot write ${target.secretArn}: ${awsError(e)}`);
  }
  out(`Wrote {username, password} to ${target.secretArn}.\n`);

  if (old.length === 0) {
    out('First credentials: a boot script waiting for this secret picks them up within seconds.\n');
    return 0;
  }
  // GHES copied the old credentials into its settings at boot: it needs them until `apply` replaces them.
  const next = `GHES still uses ${old.join(', ')} until you run: ghes-email apply --config <outputs.json>`;
  if (opts.keepOldKey) {
    out(
      `Kept the old key. ${next}; then delete it: ${old.map((id) => `aws iam delete-access-key --user-name ${user} --access-key-id ${id}`).join('; ')}\n`,
    );
    return 0;
  }
  for (const id of old) {
    try {
      await iam.send(new iamSdk.DeleteAccessKeyCommand({ UserName: user, AccessKeyId: id }));
      out(`Deleted the old key ${id} (the new one authenticated).\n`);
    } catch (e) {
      err(
        `could not delete the old key ${id}: ${awsError(e)}; delete it with aws iam delete-access-key --user-name ${user} --access-key-id ${id}\n`,
      );
      return 1;
    }
  }
  out(
    `Mail from GHES fails until the appliance has the new credentials: run ghes-email apply --config <outputs.json> now (next time, --keep-old-key lets you apply first).\n`,
  );
  return 0;
}

/**
 * Logs in until SES accepts the new key or the time is up: a new IAM key takes
 * a while to reach SES, so early 535s are expected. Returns the last refusal, or undefined on success.
 */
async function verifyLogin(
  opts: RelayCredentialsOptions,
  target: RelayTarget,
  user: string,
  pass: string,
  login: NonNullable<RelayCredentialsIo['login']>,
  out: (t: string) => void,
): Promise<string | undefined> {
  const deadline = Date.now() + (opts.verifyTimeoutSeconds ?? 300) * 1000;
  let delay = (opts.retrySeconds ?? 2) * 1000;
  for (;;) {
    try {
      await login(target, user, pass);
      out(`SMTP AUTH LOGIN with the new credentials: accepted.\n`);
      return undefined;
    } catch (e) {
      const why = e instanceof SmtpLoginError || e instanceof Error ? e.message : String(e);
      const left = deadline - Date.now();
      if (left <= 0) return why;
      out(`waiting for SES to accept the new key: ${why}; ${Math.ceil(left / 1000)}s left\n`);
      await new Promise((resolve) => setTimeout(resolve, Math.min(delay, left)));
      delay = Math.min(delay * 2, 30_000);
    }
  }
}
