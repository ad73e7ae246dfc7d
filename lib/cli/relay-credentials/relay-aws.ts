/**
 * The IAM and Secrets Manager calls of `relay-credentials`, each taking a stop signal that aborts it in flight.
 * CreateAccessKey goes through a client that never retries: it is not idempotent (a retry after a 500 that had
 * made the key makes a second one). The other calls keep the SDK's retries: listing and reading are safe, a repeated
 * delete answers NoSuchEntity, and PutSecretValue carries a ClientRequestToken, which makes a repeat the same version.
 */
import type { IAMClient } from '@aws-sdk/client-iam';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SES_CREDENTIALS_TAG } from '../../smtp/ses-smtp';
import { RelayTarget } from './relay-target';

/** A request that hangs is given up after this long (the SDK only warns by default), so a stop is never stuck. */
const REQUEST_TIMEOUT_MS = 30_000;
const CONNECTION_TIMEOUT_MS = 10_000;

/** An AWS SDK error as one line: its name and message (never a credential: the SDK does not echo them). */
export function awsError(err: unknown): string {
  const e = err as { name?: string; message?: string };
  return `${e.name ?? 'Error'}: ${e.message ?? String(err)}`;
}

export interface SecretFacts {
  /** The ghes-email:credentials tag: who writes the value. */
  readonly writer?: string;
  /** Version id of the AWSCURRENT value, if any. */
  readonly currentVersion?: string;
}

export interface SecretValue {
  /** The access key id the secret names; undefined when it has no value or no username. */
  readonly username?: string;
  readonly password?: string;
  /** Why there is no username. */
  readonly missing?: string;
}

export interface RelayAwsClients {
  /** Used for every IAM call when given (tests): it must not retry CreateAccessKey. */
  readonly iam?: IAMClient;
  readonly secretsManager?: SecretsManagerClient;
}

export class RelayAws {
  static async create(target: RelayTarget, given: RelayAwsClients): Promise<RelayAws> {
    const iamSdk = await import('@aws-sdk/client-iam');
    const smSdk = await import('@aws-sdk/client-secrets-manager');
    const requestHandler = {
      requestTimeout: REQUEST_TIMEOUT_MS,
      connectionTimeout: CONNECTION_TIMEOUT_MS,
      throwOnRequestTimeout: true,
    };
    const iam = given.iam ?? new iamSdk.IAMClient({ region: target.region, requestHandler });
    const iamOnce = given.iam ?? new iamSdk.IAMClient({ region: target.region, requestHandler, maxAttempts: 1 });
    const sm =
      given.secretsManager ??
      new smSdk.SecretsManagerClient({ region: target.secretArn.split(':')[3], requestHandler });
    return new RelayAws(target, iamSdk, smSdk, iam, iamOnce, sm);
  }

  private constructor(
    private readonly target: RelayTarget,
    private readonly iamSdk: typeof import('@aws-sdk/client-iam'),
    private readonly smSdk: typeof import('@aws-sdk/client-secrets-manager'),
    private readonly iam: IAMClient,
    private readonly iamOnce: IAMClient,
    private readonly sm: SecretsManagerClient,
  ) {}

  async listKeys(signal?: AbortSignal): Promise<string[]> {
    const cmd = new this.iamSdk.ListAccessKeysCommand({ UserName: this.target.iamUserName });
    const listed = await this.iam.send(cmd, { abortSignal: signal });
    return (listed.AccessKeyMetadata ?? []).map((k) => k.AccessKeyId ?? '').filter((id) => id !== '');
  }

  /** One attempt, never retried. */
  async createKey(signal?: AbortSignal): Promise<{ id: string; secret: string }> {
    const cmd = new this.iamSdk.CreateAccessKeyCommand({ UserName: this.target.iamUserName });
    const created = (await this.iamOnce.send(cmd, { abortSignal: signal })).AccessKey;
    if (!created?.AccessKeyId || !created.SecretAccessKey) throw new Error('CreateAccessKey returned no key');
    return { id: created.AccessKeyId, secret: created.SecretAccessKey };
  }

  async deleteKey(id: string, signal?: AbortSignal): Promise<void> {
    const cmd = new this.iamSdk.DeleteAccessKeyCommand({ UserName: this.target.iamUserName, AccessKeyId: id });
    await this.iam.send(cmd, { abortSignal: signal });
  }

  async describeSecret(signal?: AbortSignal): Promise<SecretFacts> {
    const cmd = new this.smSdk.DescribeSecretCommand({ SecretId: this.target.secretArn });
    const d = await this.sm.send(cmd, { abortSignal: signal });
    const current = Object.entries(d.VersionIdsToStages ?? {}).find(([, stages]) => stages.includes('AWSCURRENT'));
    return { writer: d.Tags?.find((t) => t.Key === SES_CREDENTIALS_TAG)?.Value, currentVersion: current?.[0] };
  }

  /** The secret's current {username, password}; a secret without a value yet is not an error. */
  async readSecret(signal?: AbortSignal): Promise<SecretValue> {
    let text: string | undefined;
    try {
      const cmd = new this.smSdk.GetSecretValueCommand({ SecretId: this.target.secretArn });
      text = (await this.sm.send(cmd, { abortSignal: signal })).SecretString;
    } catch (e) {
      // The secret exists (DescribeSecret said so) but has no version yet: relay-credentials never ran.
      if (e instanceof this.smSdk.ResourceNotFoundException) return { missing: 'it has no value yet' };
      throw e;
    }
    if (text === undefined) return { missing: 'it holds no text' };
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      return { missing: 'it is not JSON' };
    }
    const { username, password } = (parsed ?? {}) as { username?: unknown; password?: unknown };
    return typeof username === 'string'
      ? { username, password: typeof password === 'string' ? password : undefined }
      : { missing: 'it has no "username"' };
  }

  /** Writes the value as version `token` (PutSecretValue's ClientRequestToken becomes the VersionId). */
  async putSecret(value: string, token: string, signal?: AbortSignal): Promise<void> {
    const cmd = new this.smSdk.PutSecretValueCommand({
      SecretId: this.target.secretArn,
      SecretString: value,
      ClientRequestToken: token,
    });
    await this.sm.send(cmd, { abortSignal: signal });
  }
}
