/**
 * IAM (AWS Query protocol: form-encoded requests, XML answers) and Secrets
 * Manager (AWS JSON 1.1) on one loopback HTTP port, for `relay-credentials`.
 * Every request's SigV4 signature is checked with @smithy/signature-v4, AWS's
 * own signer; every call lands in a shared event log so tests can check order.
 */
import { IncomingMessage, ServerResponse } from 'node:http';
import { randomBytes } from 'node:crypto';
import { RecordingDouble, RoleCredentials, canary, expectedAuthorization, useSdkEndpoints } from '../boot/aws-doubles';

export interface AccessKey {
  readonly id: string;
  readonly secret: string;
}

/** Calls in order, across the doubles that share it ("iam CreateAccessKey AKIA…", "smtp AUTH LOGIN AKIA… ok", …). */
export type EventLog = string[];

export class RelayAwsDouble extends RecordingDouble {
  /** Access keys per IAM user. */
  public readonly keys = new Map<string, AccessKey[]>();
  /** Secret values by ARN (absent: the secret has no value yet). */
  public readonly secretValues = new Map<string, string>();
  /** Every secret key ever handed out, for canary checks. */
  public readonly issuedSecrets: string[] = [];
  /** Requests whose signature did not match. */
  public readonly badSignatures: string[] = [];
  /** Error codes answered, one per matching action, in order (e.g. { PutSecretValue: ['InternalServiceError'] }). */
  public readonly failNext: Record<string, string[]> = {};

  constructor(
    private readonly credentials: RoleCredentials,
    public readonly events: EventLog = [],
  ) {
    super();
  }

  /** Gives `user` an existing key, as an earlier run would have. */
  addKey(user: string): AccessKey {
    const key = { id: `AKIA${randomBytes(8).toString('hex').toUpperCase()}`, secret: canary('old-secret-key') };
    this.keys.set(user, [...(this.keys.get(user) ?? []), key]);
    this.issuedSecrets.push(key.secret);
    return key;
  }

  protected async respond(req: IncomingMessage, raw: Buffer, res: ServerResponse): Promise<void> {
    const body = raw.toString('utf8');
    const auth = String(req.headers.authorization ?? '');
    const m =
      /^AWS4-HMAC-SHA256 Credential=[^/]+\/\d{8}\/([^/]+)\/([^/]+)\/aws4_request, SignedHeaders=([^,]+), Signature=[0-9a-f]{64}$/.exec(
        auth,
      );
    const expected = m
      ? await expectedAuthorization(req, body, m[3].split(';'), m[1], m[2], this.credentials, this.scheme)
      : '';
    if (!m || expected !== auth) {
      this.badSignatures.push(String(req.headers['x-amz-target'] ?? body.slice(0, 40)));
      res.writeHead(403).end('signature mismatch');
      return;
    }
    if (m[2] === 'iam') this.iam(new URLSearchParams(body), res);
    else this.secretsManager(String(req.headers['x-amz-target']), JSON.parse(body) as Record<string, string>, res);
  }

  private fault(action: string): string | undefined {
    return this.failNext[action]?.shift();
  }

  private iam(form: URLSearchParams, res: ServerResponse): void {
    const action = form.get('Action') ?? '';
    const user = form.get('UserName') ?? '';
    const xml = (status: number, inner: string) =>
      void res.writeHead(status, { 'Content-Type': 'text/xml' }).end(inner);
    const reply = (result: string) =>
      xml(
        200,
        `<${action}Response xmlns="https://iam.amazonaws.com/doc/2010-05-08/">${result}<ResponseMetadata><RequestId>${randomBytes(8).toString('hex')}</RequestId></ResponseMetadata></${action}Response>`,
      );
    const error = (status: number, code: string, message: string) =>
      xml(
        status,
        `<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><Error><Type>Sender</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>r</RequestId></ErrorResponse>`,
      );
    const fault = this.fault(action);
    if (fault) return error(400, fault, `${fault} (injected by the test)`);
    if (!this.keys.has(user)) return error(404, 'NoSuchEntity', `The user with name ${user} cannot be found.`);
    const keys = this.keys.get(user)!;
    const meta = (k: AccessKey) =>
      `<UserName>${user}</UserName><AccessKeyId>${k.id}</AccessKeyId><Status>Active</Status><CreateDate>2024-01-01T00:00:00Z</CreateDate>`;
    this.events.push(`iam ${action}${form.get('AccessKeyId') ? ` ${form.get('AccessKeyId')}` : ''}`);
    switch (action) {
      case 'ListAccessKeys':
        return reply(
          `<ListAccessKeysResult><UserName>${user}</UserName><AccessKeyMetadata>${keys.map((k) => `<member>${meta(k)}</member>`).join('')}</AccessKeyMetadata><IsTruncated>false</IsTruncated></ListAccessKeysResult>`,
        );
      case 'CreateAccessKey': {
        if (keys.length >= 2) return error(409, 'LimitExceeded', 'Cannot exceed quota for AccessKeysPerUser: 2');
        const key = { id: `AKIA${randomBytes(8).toString('hex').toUpperCase()}`, secret: canary('new-secret-key') };
        keys.push(key);
        this.issuedSecrets.push(key.secret);
        this.events.push(`iam created ${key.id}`);
        return reply(
          `<CreateAccessKeyResult><AccessKey>${meta(key)}<SecretAccessKey>${key.secret}</SecretAccessKey></AccessKey></CreateAccessKeyResult>`,
        );
      }
      case 'DeleteAccessKey': {
        const id = form.get('AccessKeyId');
        if (!keys.some((k) => k.id === id))
          return error(404, 'NoSuchEntity', `The Access Key with id ${id} cannot be found.`);
        this.keys.set(
          user,
          keys.filter((k) => k.id !== id),
        );
        return reply('');
      }
      default:
        return error(400, 'InvalidAction', action);
    }
  }

  private secretsManager(target: string, input: Record<string, string>, res: ServerResponse): void {
    const send = (status: number, value: unknown) =>
      void res.writeHead(status, { 'Content-Type': 'application/x-amz-json-1.1' }).end(JSON.stringify(value));
    const action = target.replace(/^secretsmanager\./, '');
    const fault = this.fault(action);
    if (fault) return send(400, { __type: fault, Message: `${fault} (injected by the test)` });
    this.events.push(`secretsmanager ${action}`);
    if (action === 'PutSecretValue') {
      this.secretValues.set(input.SecretId, input.SecretString);
      return send(200, {
        ARN: input.SecretId,
        Name: input.SecretId.split(':')[6],
        VersionId: randomBytes(8).toString('hex'),
        VersionStages: ['AWSCURRENT'],
      });
    }
    return send(400, { __type: 'UnknownOperationException' });
  }
}

/**
 * Points the AWS SDK's default chain at the double (IAM and Secrets Manager) with `creds`; returns a restore function.
 */
export function useRelayDoubleForSdk(aws: RelayAwsDouble, creds: RoleCredentials): () => void {
  return useSdkEndpoints({ IAM: aws.url, SECRETS_MANAGER: aws.url }, creds);
}
