/**
 * IAM (AWS Query protocol: form-encoded requests, XML answers) and Secrets
 * Manager (AWS JSON 1.1) on one loopback HTTP port, for `relay-credentials`.
 * Every request's SigV4 signature is checked with @smithy/signature-v4, AWS's
 * own signer; every call lands in a shared event log so tests can check order.
 * Faults can be injected per action: an error instead of the action, or the
 * action done and then a 500, a dropped connection or no answer at all.
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

/**
 * One injected fault. A string: that error code (HTTP 400), and the action is not done. An object: `commit` does the
 * action first (as a service that stored the change and then failed); then `code` answers that error with `status`
 * (default 500), `drop` closes the connection without an answer, `hang` never answers.
 */
export type Fault =
  | string
  | { readonly commit?: boolean; readonly code: string; readonly status?: number }
  | { readonly commit?: boolean; readonly drop: true }
  | { readonly commit?: boolean; readonly hang: true };

/** The stored state changed, then the service answered 500: the fault behind every ambiguous write. */
export const COMMIT_THEN_500: Fault = { commit: true, code: 'InternalFailure', status: 500 };

interface Answer {
  readonly status: number;
  readonly contentType: string;
  readonly body: string;
}

export class RelayAwsDouble extends RecordingDouble {
  /** Access keys per IAM user. */
  public readonly keys = new Map<string, AccessKey[]>();
  /** Secret values by ARN (absent: the secret has no value yet). */
  public readonly secretValues = new Map<string, string>();
  /** Tags by secret ARN; a secret exists when it has tags here (maybe none) or a value. */
  public readonly secretTags = new Map<string, Record<string, string>>();
  /** The version id of each secret's AWSCURRENT value (PutSecretValue's ClientRequestToken when given). */
  public readonly currentVersions = new Map<string, string>();
  /** Every secret key ever handed out, for canary checks. */
  public readonly issuedSecrets: string[] = [];
  /** Requests whose signature did not match. */
  public readonly badSignatures: string[] = [];
  /** Faults, consumed one per request of that action, in order (e.g. { PutSecretValue: [COMMIT_THEN_500] }). */
  public readonly failNext: Record<string, Fault[]> = {};
  /** Called after an action was done (or a fault consumed), before the answer goes out: tests stop the run here. */
  public onAction?: (action: string) => void;

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

  /** Ids of the user's keys, in creation order. */
  keyIds(user: string): string[] {
    return (this.keys.get(user) ?? []).map((k) => k.id);
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
    const iam = m[2] === 'iam';
    const form = new URLSearchParams(body);
    const action = iam
      ? (form.get('Action') ?? '')
      : String(req.headers['x-amz-target']).replace(/^secretsmanager\./, '');
    const act = () => (iam ? this.iam(action, form) : this.secretsManager(action, JSON.parse(body)));
    const fault = this.failNext[action]?.shift();
    let answer: Answer | undefined;
    if (fault === undefined) answer = act();
    else if (typeof fault === 'string') answer = this.error(iam, action, 400, fault);
    else {
      if (fault.commit) act();
      if ('code' in fault) answer = this.error(iam, action, fault.status ?? 500, fault.code);
      else if ('drop' in fault) req.socket.destroy();
      // hang: no answer; stop() closes the connection.
    }
    this.onAction?.(action);
    if (answer) res.writeHead(answer.status, { 'Content-Type': answer.contentType }).end(answer.body);
  }

  private error(iam: boolean, action: string, status: number, code: string): Answer {
    const message = `${code} (injected by the test into ${action})`;
    return iam ? this.iamError(status, code, message) : this.smError(status, code, message);
  }

  private iamError(status: number, code: string, message: string): Answer {
    const type = status >= 500 ? 'Receiver' : 'Sender';
    return {
      status,
      contentType: 'text/xml',
      body: `<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><Error><Type>${type}</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>r</RequestId></ErrorResponse>`,
    };
  }

  private smError(status: number, code: string, message: string): Answer {
    return {
      status,
      contentType: 'application/x-amz-json-1.1',
      body: JSON.stringify({ __type: code, Message: message }),
    };
  }

  private iam(action: string, form: URLSearchParams): Answer {
    const user = form.get('UserName') ?? '';
    const reply = (result: string): Answer => ({
      status: 200,
      contentType: 'text/xml',
      body: `<${action}Response xmlns="https://iam.amazonaws.com/doc/2010-05-08/">${result}<ResponseMetadata><RequestId>${randomBytes(8).toString('hex')}</RequestId></ResponseMetadata></${action}Response>`,
    });
    if (!this.keys.has(user)) return this.iamError(404, 'NoSuchEntity', `The user with name ${user} cannot be found.`);
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
        if (keys.length >= 2)
          return this.iamError(409, 'LimitExceeded', 'Cannot exceed quota for AccessKeysPerUser: 2');
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
          return this.iamError(404, 'NoSuchEntity', `The Access Key with id ${id} cannot be found.`);
        this.keys.set(
          user,
          keys.filter((k) => k.id !== id),
        );
        return reply('');
      }
      default:
        return this.iamError(400, 'InvalidAction', action);
    }
  }

  private secretsManager(action: string, input: Record<string, string>): Answer {
    const send = (value: unknown): Answer => ({
      status: 200,
      contentType: 'application/x-amz-json-1.1',
      body: JSON.stringify(value),
    });
    this.events.push(`secretsmanager ${action}`);
    const arn = input.SecretId;
    if (!this.secretTags.has(arn) && !this.secretValues.has(arn))
      return this.smError(400, 'ResourceNotFoundException', "Secrets Manager can't find the specified secret.");
    const version = () => this.currentVersions.get(arn) ?? (this.secretValues.has(arn) ? 'v-initial' : undefined);
    switch (action) {
      case 'PutSecretValue': {
        this.secretValues.set(arn, input.SecretString);
        this.currentVersions.set(arn, input.ClientRequestToken ?? randomBytes(16).toString('hex'));
        return send({ ARN: arn, Name: arn.split(':')[6], VersionId: version(), VersionStages: ['AWSCURRENT'] });
      }
      case 'DescribeSecret': {
        const current = version();
        return send({
          ARN: arn,
          Name: arn.split(':')[6],
          Tags: Object.entries(this.secretTags.get(arn) ?? {}).map(([Key, Value]) => ({ Key, Value })),
          ...(current ? { VersionIdsToStages: { [current]: ['AWSCURRENT'] } } : {}),
        });
      }
      case 'GetSecretValue': {
        const value = this.secretValues.get(arn);
        if (value === undefined)
          return this.smError(
            400,
            'ResourceNotFoundException',
            "Secrets Manager can't find the specified secret value for staging label: AWSCURRENT",
          );
        return send({ ARN: arn, VersionId: version(), SecretString: value, VersionStages: ['AWSCURRENT'] });
      }
      default:
        return this.smError(400, 'UnknownOperationException', action);
    }
  }
}

/**
 * Points the AWS SDK's default chain at the double (IAM and Secrets Manager) with `creds`; returns a restore function.
 */
export function useRelayDoubleForSdk(aws: RelayAwsDouble, creds: RoleCredentials): () => void {
  return useSdkEndpoints({ IAM: aws.url, SECRETS_MANAGER: aws.url }, creds);
}
