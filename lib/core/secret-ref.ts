/**
 * A reference to a secret that the appliance (or the CLI) fetches when it needs
 * it. Secrets are never string props: a string would end up in Terraform state,
 * in user data and in snapshots. See the README's "Secrets" section.
 */
import { Problems, show } from './problems';
import { isToken } from './value-rules';

/** Where a secret lives. */
export type SecretSource =
  | { readonly kind: 'secretsmanager'; readonly arn: string; readonly jsonKey?: string; readonly kmsKeyArn?: string }
  | { readonly kind: 'ssm'; readonly parameter: string; readonly kmsKeyArn?: string }
  | { readonly kind: 'plaintext' };

/** Options for a Secrets Manager secret. */
export interface SecretsManagerOptions {
  /** Key to read when the secret string is a JSON object. @default - the whole SecretString is the value */
  readonly jsonKey?: string;
  /**
   * Customer-managed KMS key that encrypts the secret, as a key ARN (an alias ARN cannot grant access); the instance
   * role gets kms:Decrypt on it, through Secrets Manager only. @default - the AWS-managed key (no KMS permission
   * needed)
   */
  readonly kmsKeyArn?: string;
}

/** Options for an SSM Parameter Store SecureString. */
export interface SsmParameterOptions {
  /**
   * Customer-managed KMS key that encrypts the parameter, as a key ARN (an alias ARN cannot grant access); kms:Decrypt
   * is granted through SSM only. @default - the AWS-managed key aws/ssm
   */
  readonly kmsKeyArn?: string;
}

/** The config file's secret shape: exactly one of `secretsManagerArn` or `ssmParameter`. */
export interface SecretRefConfig {
  readonly secretsManagerArn?: string;
  readonly jsonKey?: string;
  readonly kmsKeyArn?: string;
  readonly ssmParameter?: string;
}

const SECRET_ARN = /^arn:aws(-[a-z]+)*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]+$/;
const KMS_ARN = /^arn:aws(-[a-z]+)*:kms:[a-z0-9-]+:\d{12}:key\/[A-Za-z0-9_-]+$/;
const KMS_ALIAS_ARN = /^arn:aws(-[a-z]+)*:kms:[a-z0-9-]+:\d{12}:alias\/[A-Za-z0-9/_-]+$/;
const SSM_NAME = /^(\/?[A-Za-z0-9_.-]+)(\/[A-Za-z0-9_.-]+)*$/;
const SSM_ARN = /^arn:aws(-[a-z]+)*:ssm:[a-z0-9-]+:\d{12}:parameter\/[A-Za-z0-9_./-]+$/;

export class SecretRef {
  /** A secret in AWS Secrets Manager, by full ARN. */
  static fromSecretsManager(arn: string, options: SecretsManagerOptions = {}): SecretRef {
    return new SecretRef({ kind: 'secretsmanager', arn, jsonKey: options.jsonKey, kmsKeyArn: options.kmsKeyArn });
  }

  /** An SSM Parameter Store SecureString, by name ("/ghes/smtp-password") or ARN. */
  static fromSsmParameter(parameter: string, options: SsmParameterOptions = {}): SecretRef {
    return new SecretRef({ kind: 'ssm', parameter, kmsKeyArn: options.kmsKeyArn });
  }

  /**
   * UNSAFE: a literal secret. It ends up in plain text in user data and Terraform
   * state; constructs that receive one add a synth warning. For experiments only.
   */
  static unsafePlainText(value: string): SecretRef {
    return new SecretRef({ kind: 'plaintext' }, value);
  }

  /** From the config file shape; records problems under `p` and returns undefined when unusable. */
  static fromConfig(p: Problems, value: SecretRefConfig | undefined): SecretRef | undefined {
    if (value === undefined) return undefined;
    const hasSm = value.secretsManagerArn !== undefined;
    const hasSsm = value.ssmParameter !== undefined;
    if (hasSm === hasSsm) {
      p.add(
        undefined,
        'expected exactly one of "secretsManagerArn" or "ssmParameter" (plain-text secrets are not accepted in the config file)',
      );
      return undefined;
    }
    if (hasSsm && value.jsonKey !== undefined) p.add('jsonKey', 'jsonKey applies to Secrets Manager secrets only');
    const ref = hasSm
      ? SecretRef.fromSecretsManager(value.secretsManagerArn, { jsonKey: value.jsonKey, kmsKeyArn: value.kmsKeyArn })
      : SecretRef.fromSsmParameter(value.ssmParameter!, { kmsKeyArn: value.kmsKeyArn });
    ref.validate(p);
    return ref;
  }

  private constructor(
    /** Where the secret lives; carries no secret value. */
    public readonly source: SecretSource,
    private readonly plainText?: string,
  ) {}

  /** True for `unsafePlainText` references. */
  get isPlainText(): boolean {
    return this.source.kind === 'plaintext';
  }

  /** The literal of an `unsafePlainText` reference; throws for real references. */
  unsafeValue(): string {
    if (this.plainText === undefined)
      throw new Error(`${this.describe()} has no literal value: it is fetched at run time`);
    return this.plainText;
  }

  /** Human description, safe to log: never contains a value. */
  describe(): string {
    const s = this.source;
    switch (s.kind) {
      case 'secretsmanager':
        return `Secrets Manager secret ${s.arn}${s.jsonKey ? ` (JSON key "${s.jsonKey}")` : ''}`;
      case 'ssm':
        return `SSM parameter ${s.parameter}`;
      default:
        return 'plain-text secret (unsafe)';
    }
  }

  /** Records problems with the reference's shape (ARNs, names) under `p`. */
  validate(p: Problems): void {
    const s = this.source;
    if (s.kind === 'secretsmanager') {
      if (!isToken(s.arn) && !SECRET_ARN.test(s.arn)) {
        p.add(
          'secretsManagerArn',
          `got ${show(s.arn)}; expected a Secrets Manager secret ARN such as "arn:aws:secretsmanager:us-east-1:111122223333:secret:ghes-smtp-AbCdEf"`,
        );
      }
      if (s.jsonKey !== undefined && !isToken(s.jsonKey) && !/^[^\s"\\]{1,128}$/.test(s.jsonKey)) {
        p.add('jsonKey', `got ${show(s.jsonKey)}; expected a JSON key without spaces, quotes or backslashes`);
      }
    }
    if (s.kind === 'ssm' && !isToken(s.parameter) && !(SSM_NAME.test(s.parameter) || SSM_ARN.test(s.parameter))) {
      p.add(
        'ssmParameter',
        `got ${show(s.parameter)}; expected a parameter name such as "/ghes/smtp-password" or its ARN`,
      );
    }
    if (s.kind !== 'plaintext' && s.kmsKeyArn !== undefined && !isToken(s.kmsKeyArn)) {
      if (KMS_ALIAS_ARN.test(s.kmsKeyArn)) {
        // https://docs.aws.amazon.com/kms/latest/developerguide/cmks-in-iam-policies.html
        p.add(
          'kmsKeyArn',
          `got the alias ARN ${show(s.kmsKeyArn)}; an IAM policy cannot grant kms:Decrypt through an alias. Expected the key ARN ("arn:aws:kms:REGION:ACCOUNT:key/KEY-ID"; \`aws kms describe-key --key-id ${s.kmsKeyArn}\` prints it)`,
        );
      } else if (!KMS_ARN.test(s.kmsKeyArn)) {
        p.add(
          'kmsKeyArn',
          `got ${show(s.kmsKeyArn)}; expected a KMS key ARN such as "arn:aws:kms:us-east-1:111122223333:key/…"`,
        );
      }
    }
  }

  /**
   * The config file's shape of this reference (no value); undefined for a plain-text secret, which the config cannot
   * hold.
   */
  toConfig(): SecretRefConfig | undefined {
    const s = this.source;
    if (s.kind === 'secretsmanager')
      return {
        secretsManagerArn: s.arn,
        ...(s.jsonKey !== undefined ? { jsonKey: s.jsonKey } : {}),
        ...(s.kmsKeyArn ? { kmsKeyArn: s.kmsKeyArn } : {}),
      };
    if (s.kind === 'ssm') return { ssmParameter: s.parameter, ...(s.kmsKeyArn ? { kmsKeyArn: s.kmsKeyArn } : {}) };
    return undefined;
  }

  /** Serializing a reference never reveals a literal. */
  toJSON(): unknown {
    return this.source.kind === 'plaintext' ? { kind: 'plaintext' } : this.source;
  }

  /**
   * What console.log and util.inspect print (Node's inspect.custom symbol, without importing node:util into the
   * typings).
   */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `SecretRef(${this.describe()})`;
  }

  toString(): string {
    return `SecretRef(${this.describe()})`;
  }
}
