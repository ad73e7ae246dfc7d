/**
 * Resolves a SecretRef on the operator's machine with their AWS credentials
 * (the default provider chain: env, profile, SSO, ...). Used by `apply` and `doctor`.
 * Endpoints can be overridden per service with AWS_ENDPOINT_URL_SECRETS_MANAGER /
 * AWS_ENDPOINT_URL_SSM (standard SDK variables) for VPC endpoints and tests.
 */
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { SSMClient } from '@aws-sdk/client-ssm';
import { SecretRef } from '../../core/secret-ref';

export interface ResolveSecretOptions {
  /**
   * Region for an SSM parameter given by name. A secret given by ARN is always read in
   * the ARN's region (as the boot script does), so a cross-region secret works.
   * @default - the SDK's default region
   */
  readonly region?: string;
  /** A ready Secrets Manager client (tests, custom TLS). @default - a new client for the region */
  readonly secretsManager?: SecretsManagerClient;
  /** A ready SSM client. @default - a new client for the region */
  readonly ssm?: SSMClient;
}

/** Thrown when a secret cannot be read; the message names the reference, never a value. */
export class SecretResolutionError extends Error {
  constructor(ref: SecretRef, cause: string) {
    super(`cannot read ${ref.describe()}: ${cause}`);
    this.name = 'SecretResolutionError';
  }
}

/** The region field of an ARN; undefined for a name (or an ARN without a region). */
function regionOf(arn: string): string | undefined {
  return arn.startsWith('arn:') ? arn.split(':')[3] || undefined : undefined;
}

/**
 * The secret's value as a string. A binary secret (SecretBinary) or an empty value is refused with a
 * SecretResolutionError: every secret read here is a password or a username, which is never either.
 */
export async function resolveSecret(ref: SecretRef, options: ResolveSecretOptions = {}): Promise<string> {
  const value = await read(ref, options);
  if (value === '') throw new SecretResolutionError(ref, 'the value is empty');
  return value;
}

async function read(ref: SecretRef, options: ResolveSecretOptions): Promise<string> {
  const s = ref.source;
  try {
    if (s.kind === 'plaintext') return ref.unsafeValue();
    if (s.kind === 'secretsmanager') {
      const { SecretsManagerClient, GetSecretValueCommand } = await import('@aws-sdk/client-secrets-manager');
      const client = options.secretsManager ?? new SecretsManagerClient({ region: regionOf(s.arn) ?? options.region });
      const out = await client.send(new GetSecretValueCommand({ SecretId: s.arn }));
      if (out.SecretString === undefined) {
        // Passwords are text: the bytes' base64 would reach GHES as the password. Never quotes the content.
        if (out.SecretBinary)
          throw new SecretResolutionError(ref, 'it is a binary secret (SecretBinary); expected text (SecretString)');
        throw new Error('the secret has no value');
      }
      if (s.jsonKey === undefined) return out.SecretString;
      let parsed: unknown;
      try {
        parsed = JSON.parse(out.SecretString);
      } catch {
        throw new Error(`jsonKey "${s.jsonKey}" was given but the secret is not JSON`);
      }
      const value = (parsed as Record<string, unknown>)[s.jsonKey];
      if (typeof value !== 'string') throw new Error(`the JSON secret has no string key "${s.jsonKey}"`);
      return value;
    }
    const { SSMClient, GetParameterCommand } = await import('@aws-sdk/client-ssm');
    const client = options.ssm ?? new SSMClient({ region: regionOf(s.parameter) ?? options.region });
    const out = await client.send(new GetParameterCommand({ Name: s.parameter, WithDecryption: true }));
    if (out.Parameter?.Value === undefined) throw new Error('the parameter has no value');
    return out.Parameter.Value;
  } catch (err) {
    if (err instanceof SecretResolutionError) throw err;
    const e = err as { name?: string; message?: string };
    throw new SecretResolutionError(ref, `${e.name ?? 'Error'}: ${e.message ?? String(err)}`);
  }
}
