/**
 * The instance role's only permissions: read the referenced secrets, decrypt
 * with the referenced customer-managed keys, and only through the services
 * that hold those secrets. No wildcards beyond AWS's documented `-??????` for
 * a secret ARN given without its random suffix.
 */
import { Fn, Token } from 'cdktf';
import { Construct } from 'constructs';
import { DataAwsCallerIdentity } from '@cdktf/provider-aws/lib/data-aws-caller-identity';
import { DataAwsPartition } from '@cdktf/provider-aws/lib/data-aws-partition';
import { DataAwsRegion } from '@cdktf/provider-aws/lib/data-aws-region';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { SecretRef } from '../core/secret-ref';
import { isToken } from '../core/value-rules';

/** What the statements need from the stack; read only when a secret needs it. */
export interface PolicyEnvironment {
  /** The ARN of an SSM parameter given by name. */
  ssmArn(parameter: string): string;
  /** The stack's region: where a parameter given by name lives. */
  readonly region: string;
  /** The partition's DNS suffix ("amazonaws.com"), for kms:ViaService. */
  readonly dnsSuffix: string;
}

/**
 * Secrets Manager appends "-" and six random characters to a secret's name in
 * its ARN. An ARN without them (a "partial ARN") works for GetSecretValue but
 * never equals the real ARN in a policy; AWS documents `NAME-??????` for that
 * (https://docs.aws.amazon.com/secretsmanager/latest/userguide/auth-and-access_iam-policies.html).
 * As AWS warns, a name that itself ends in "-" and six characters looks suffixed.
 */
export function secretPolicyResource(arn: string): string {
  if (isToken(arn)) return arn;
  const name = arn.slice(arn.indexOf(':secret:') + ':secret:'.length);
  return /-[A-Za-z0-9]{6}$/.test(name) ? arn : `${arn}-??????`;
}

/** The region field of an ARN; for a token, a Terraform expression that splits it at plan. */
function arnRegion(arn: string): string {
  return isToken(arn) ? Token.asString(Fn.element(Fn.split(':', arn), 3)) : arn.split(':')[3];
}

/** A policy document's statements for reading `secrets`. */
export function secretReadStatements(secrets: readonly SecretRef[], env: PolicyEnvironment): object[] {
  const unique = (xs: string[]) => [...new Set(xs)];
  const sm = unique(
    secrets.flatMap((s) => (s.source.kind === 'secretsmanager' ? [secretPolicyResource(s.source.arn)] : [])),
  );
  const ssm = unique(
    secrets.flatMap((s) =>
      s.source.kind === 'ssm'
        ? [s.source.parameter.startsWith('arn:') ? s.source.parameter : env.ssmArn(s.source.parameter)]
        : [],
    ),
  );
  const encrypted = secrets.flatMap((s) => (s.source.kind !== 'plaintext' && s.source.kmsKeyArn ? [s.source] : []));
  const kms = unique(encrypted.map((s) => s.kmsKeyArn!));
  // The key is used by the service that holds the secret, in the secret's region:
  // decrypting with it directly, or through any other service, stays denied.
  const via = unique(
    encrypted.map((s) => {
      if (s.kind === 'secretsmanager') return `secretsmanager.${arnRegion(s.arn)}.${env.dnsSuffix}`;
      return `ssm.${s.parameter.startsWith('arn:') ? arnRegion(s.parameter) : env.region}.${env.dnsSuffix}`;
    }),
  );
  const statements: object[] = [];
  if (sm.length)
    statements.push({ Sid: 'ReadSecrets', Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: sm });
  if (ssm.length)
    statements.push({ Sid: 'ReadParameters', Effect: 'Allow', Action: 'ssm:GetParameter', Resource: ssm });
  if (kms.length) {
    statements.push({
      Sid: 'DecryptSecrets',
      Effect: 'Allow',
      Action: 'kms:Decrypt',
      Resource: kms,
      Condition: { StringEquals: { 'kms:ViaService': via } },
    });
  }
  return statements;
}

/** Adds an inline policy to `role` for reading `secrets`; nothing when there is nothing to read. */
export function secretReadPolicy(
  scope: Construct,
  id: string,
  role: IamRole,
  secrets: readonly SecretRef[],
): IamRolePolicy | undefined {
  // Data sources are created on first use, so a stack that needs none has none.
  let partition: DataAwsPartition | undefined;
  let region: DataAwsRegion | undefined;
  let account: DataAwsCallerIdentity | undefined;
  const thePartition = () => (partition ??= new DataAwsPartition(scope, `${id}-partition`));
  const theRegion = () => (region ??= new DataAwsRegion(scope, `${id}-region`));
  const env: PolicyEnvironment = {
    ssmArn(parameter) {
      const path = parameter.startsWith('/') ? parameter : `/${parameter}`;
      const [p, r] = [thePartition().partition, theRegion().region];
      return `arn:${p}:ssm:${r}:${(account ??= new DataAwsCallerIdentity(scope, `${id}-account`)).accountId}:parameter${path}`;
    },
    get region() {
      return theRegion().region;
    },
    get dnsSuffix() {
      return thePartition().dnsSuffix;
    },
  };
  const statements = secretReadStatements(secrets, env);
  if (statements.length === 0) return undefined;
  return new IamRolePolicy(scope, id, {
    name: 'ghes-email-read-secrets',
    role: role.id,
    policy: JSON.stringify({ Version: '2012-10-17', Statement: statements }),
  });
}
