/**
 * The instance role's only permissions: read the referenced secrets, decrypt
 * with the referenced customer-managed keys. No wildcards.
 */
import { Construct } from 'constructs';
import { DataAwsCallerIdentity } from '@cdktf/provider-aws/lib/data-aws-caller-identity';
import { DataAwsPartition } from '@cdktf/provider-aws/lib/data-aws-partition';
import { DataAwsRegion } from '@cdktf/provider-aws/lib/data-aws-region';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { SecretRef } from './secret-ref';

/** A policy document's statements for reading `secrets`; `ssmArn` turns a parameter name into its ARN. */
export function secretReadStatements(secrets: readonly SecretRef[], ssmArn: (parameter: string) => string): object[] {
  const unique = (xs: string[]) => [...new Set(xs)];
  const sm = unique(secrets.flatMap((s) => (s.source.kind === 'secretsmanager' ? [s.source.arn] : [])));
  const ssm = unique(secrets.flatMap((s) => (s.source.kind === 'ssm' ? [s.source.parameter.startsWith('arn:') ? s.source.parameter : ssmArn(s.source.parameter)] : [])));
  const kms = unique(secrets.flatMap((s) => (s.source.kind !== 'plaintext' && s.source.kmsKeyArn ? [s.source.kmsKeyArn] : [])));
  const statements: object[] = [];
  if (sm.length) statements.push({ Sid: 'ReadSecrets', Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: sm });
  if (ssm.length) statements.push({ Sid: 'ReadParameters', Effect: 'Allow', Action: 'ssm:GetParameter', Resource: ssm });
  if (kms.length) statements.push({ Sid: 'DecryptSecrets', Effect: 'Allow', Action: 'kms:Decrypt', Resource: kms });
  return statements;
}

/** Adds an inline policy to `role` for reading `secrets`; nothing when there is nothing to read. */
export function secretReadPolicy(scope: Construct, id: string, role: IamRole, secrets: readonly SecretRef[]): IamRolePolicy | undefined {
  let ids: { partition: string; region: string; account: string } | undefined;
  const ssmArn = (parameter: string) => {
    if (!ids) {
      ids = {
        partition: new DataAwsPartition(scope, `${id}-partition`).partition,
        region: new DataAwsRegion(scope, `${id}-region`).region,
        account: new DataAwsCallerIdentity(scope, `${id}-account`).accountId,
      };
    }
    const path = parameter.startsWith('/') ? parameter : `/${parameter}`;
    return `arn:${ids.partition}:ssm:${ids.region}:${ids.account}:parameter${path}`;
  };
  const statements = secretReadStatements(secrets, ssmArn);
  if (statements.length === 0) return undefined;
  return new IamRolePolicy(scope, id, {
    name: 'ghes-email-read-secrets',
    role: role.id,
    policy: JSON.stringify({ Version: '2012-10-17', Statement: statements }),
  });
}
