/**
 * Test doubles for the instance metadata service (IMDSv2, plain HTTP) and for
 * Secrets Manager / SSM (HTTPS, AWS JSON 1.1). The AWS double checks every
 * SigV4 signature against @smithy/signature-v4, AWS's own signer.
 */
import { createServer as createHttpServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { Sha256 } from '@aws-crypto/sha256-js';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import { TestCert } from './tls';

export interface Recorded {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: Buffer;
}

export async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

export async function listen(server: Server, port = 0): Promise<number> {
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

export function close(server: Server): Promise<void> {
  server.closeAllConnections?.();
  return new Promise((resolve) => server.close(() => resolve()));
}

/** A random printable value, distinct enough to grep for. */
export function canary(tag: string): string {
  return `CANARY-${tag}-${randomBytes(9).toString('base64url')}`;
}

export interface RoleCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken: string;
}

/** A loopback HTTP(S) server that records every request, then lets the subclass answer it. */
export abstract class RecordingDouble {
  public readonly requests: Recorded[] = [];
  public url = '';
  protected readonly scheme: 'http' | 'https';
  private readonly server: Server;

  constructor(cert?: TestCert) {
    const handler = (req: IncomingMessage, res: ServerResponse) => void this.handle(req, res);
    this.server = cert ? createHttpsServer({ key: cert.key, cert: cert.cert }, handler) : createHttpServer(handler);
    this.scheme = cert ? 'https' : 'http';
  }

  async start(): Promise<this> {
    this.url = `${this.scheme}://127.0.0.1:${await listen(this.server)}`;
    return this;
  }

  stop(): Promise<void> {
    return close(this.server);
  }

  protected abstract respond(req: IncomingMessage, body: Buffer, res: ServerResponse): Promise<void> | void;

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    this.requests.push({ method: req.method!, url: req.url!, headers: req.headers, body });
    await this.respond(req, body, res);
  }
}

export class ImdsDouble extends RecordingDouble {
  public readonly token = `imds-${randomBytes(8).toString('hex')}`;
  public readonly role = 'ghes-email-role';
  public readonly region: string;
  /** No instance profile: the credentials listing answers 404, as IMDS does then. */
  public noRole = false;
  public readonly credentials: RoleCredentials = {
    accessKeyId: `ASIA${randomBytes(8).toString('hex').toUpperCase()}`,
    secretAccessKey: canary('aws-secret-key'),
    sessionToken: canary('aws-session-token'),
  };

  constructor(region = 'eu-west-1') {
    super();
    this.region = region;
  }

  protected respond(req: IncomingMessage, _body: Buffer, res: ServerResponse): void {
    const send = (status: number, text: string): void =>
      void res.writeHead(status, { 'Content-Type': 'text/plain' }).end(text);
    if (req.url === '/latest/api/token') {
      // IMDSv2: a PUT with a TTL header gets a token; anything else is refused.
      if (req.method !== 'PUT') return send(405, '');
      if (!req.headers['x-aws-ec2-metadata-token-ttl-seconds']) return send(400, '');
      return send(200, this.token);
    }
    if (req.headers['x-aws-ec2-metadata-token'] !== this.token) return send(401, '');
    const base = '/latest/meta-data/iam/security-credentials/';
    if (req.url === '/latest/meta-data/placement/region') return send(200, this.region);
    if (req.url === base) return this.noRole ? send(404, '') : send(200, `${this.role}\n`);
    if (req.url === `${base}${this.role}`) {
      return send(
        200,
        JSON.stringify(
          {
            Code: 'Success',
            LastUpdated: '2024-01-01T00:00:00Z',
            Type: 'AWS-HMAC',
            AccessKeyId: this.credentials.accessKeyId,
            SecretAccessKey: this.credentials.secretAccessKey,
            Token: this.credentials.sessionToken,
            Expiration: '2099-01-01T00:00:00Z',
          },
          null,
          2,
        ),
      );
    }
    return send(404, '');
  }
}

export interface SignatureCheck {
  readonly target: string;
  readonly received: string;
  readonly expected: string;
  readonly scope: string;
  /** The request body (the secret id or parameter name asked for). */
  readonly requestBody: string;
}

/** A stored Secrets Manager secret: text or binary. */
export type StoredSecret = { readonly string: string } | { readonly binary: Buffer };

/** JSON with every non-ASCII character as \uXXXX (surrogate pairs for astral ones), as some encoders emit. */
export function asciiJson(value: unknown): string {
  return JSON.stringify(value).replace(
    /[\u007f-\uffff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

export class AwsDouble extends RecordingDouble {
  public readonly signatures: SignatureCheck[] = [];
  public readonly secrets = new Map<string, StoredSecret>();
  public readonly parameters = new Map<string, string>();
  /** Secret ids (ARN or parameter name) that answer AccessDeniedException. */
  public readonly denied = new Set<string>();
  /**
   * Error types answered, one per request and in order, before any secret is looked up:
   * e.g. AccessDeniedException while a new role's policy propagates, ThrottlingException.
   */
  public readonly failNext: string[] = [];
  /** Encode responses with \u escapes for non-ASCII. */
  public asciiOnly = false;

  /** `cert` undefined: plain HTTP (for the AWS SDK in the test process, which trusts only system CAs). */
  constructor(
    cert: TestCert | undefined,
    private readonly credentials: RoleCredentials,
  ) {
    super(cert);
  }

  protected async respond(req: IncomingMessage, body: Buffer, res: ServerResponse): Promise<void> {
    const send = (status: number, value: unknown): void =>
      void res
        .writeHead(status, { 'Content-Type': 'application/x-amz-json-1.1' })
        .end(this.asciiOnly ? asciiJson(value) : JSON.stringify(value));
    const target = String(req.headers['x-amz-target'] ?? '');
    const auth = String(req.headers.authorization ?? '');
    const m = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/([^,]+), SignedHeaders=([^,]+), Signature=([0-9a-f]{64})$/.exec(
      auth,
    );
    if (!m) return send(400, { __type: 'IncompleteSignatureException', Message: 'malformed Authorization' });
    const [, , scope, signedHeaders] = m;
    const [, region, service] = scope.split('/');
    const expected = await expectedAuthorization(
      req,
      body,
      signedHeaders.split(';'),
      region,
      service,
      this.credentials,
      this.scheme,
    );
    this.signatures.push({ target, received: auth, expected, scope, requestBody: body.toString('utf8') });
    if (expected !== auth)
      return send(403, {
        __type: 'InvalidSignatureException',
        Message: 'The request signature we calculated does not match the signature you provided.',
      });
    const fault = this.failNext.shift();
    if (fault !== undefined)
      return send(400, {
        __type: fault,
        Message: fault === 'ThrottlingException' ? 'Rate exceeded' : `${fault} (injected by the test)`,
      });

    const input = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
    if (target === 'secretsmanager.GetSecretValue') {
      const id = String(input.SecretId);
      if (this.denied.has(id)) {
        return send(400, {
          __type: 'AccessDeniedException',
          Message: `User: arn:aws:sts::111122223333:assumed-role/ghes-email-role/i-0 is not authorized to perform: secretsmanager:GetSecretValue on resource: ${id} because no identity-based policy allows the secretsmanager:GetSecretValue action`,
        });
      }
      const secret = this.secrets.get(id);
      if (!secret)
        return send(400, {
          __type: 'ResourceNotFoundException',
          Message: "Secrets Manager can't find the specified secret.",
        });
      return send(200, {
        ARN: id,
        Name: id.split(':')[6],
        VersionId: 'v1',
        ...('string' in secret ? { SecretString: secret.string } : { SecretBinary: secret.binary.toString('base64') }),
        VersionStages: ['AWSCURRENT'],
        CreatedDate: 1.7e9,
      });
    }
    if (target === 'AmazonSSM.GetParameter') {
      const name = String(input.Name);
      if (this.denied.has(name))
        return send(400, {
          __type: 'AccessDeniedException',
          Message: `not authorized to perform: ssm:GetParameter on resource: ${name}`,
        });
      const value = this.parameters.get(name);
      if (value === undefined || input.WithDecryption !== true) return send(400, { __type: 'ParameterNotFound' });
      return send(200, {
        Parameter: {
          Name: name,
          Type: 'SecureString',
          Value: value,
          Version: 1,
          ARN: `arn:aws:ssm:x:1:parameter${name}`,
        },
      });
    }
    return send(400, { __type: 'UnknownOperationException' });
  }
}

/** The Authorization header AWS's own signer computes for the same request, to compare with the one received. */
export async function expectedAuthorization(
  req: IncomingMessage,
  body: Buffer | string,
  signed: string[],
  region: string,
  service: string,
  credentials: RoleCredentials,
  scheme: 'http' | 'https',
): Promise<string> {
  const headers: Record<string, string> = {};
  for (const name of signed) headers[name] = String(req.headers[name] ?? '');
  const amzDate = headers['x-amz-date'];
  const signingDate = new Date(
    `${amzDate.slice(0, 4)}-${amzDate.slice(4, 6)}-${amzDate.slice(6, 8)}T${amzDate.slice(9, 11)}:${amzDate.slice(11, 13)}:${amzDate.slice(13, 15)}Z`,
  );
  const [hostname, port] = headers.host.split(':');
  const request = new HttpRequest({
    method: req.method,
    protocol: `${scheme}:`,
    hostname,
    port: Number(port),
    path: req.url,
    headers,
    body: body.toString(),
  });
  const signer = new SignatureV4({
    credentials: {
      accessKeyId: credentials.accessKeyId,
      secretAccessKey: credentials.secretAccessKey,
      sessionToken: credentials.sessionToken,
    },
    region,
    service,
    sha256: Sha256,
    applyChecksum: false,
  });
  const out = await signer.sign(request, { signingDate });
  return String(out.headers.authorization ?? out.headers.Authorization);
}

/**
 * Points the AWS SDK's default chain at local doubles: `endpoints` maps service ids to URLs
 * (e.g. { SECRETS_MANAGER: url }), with `creds` or, undefined, no credentials anywhere (no
 * profile, no config files, no instance metadata). Returns a function that restores the environment.
 */
export function useSdkEndpoints(
  endpoints: Record<string, string>,
  creds: RoleCredentials | undefined,
  extra: Record<string, string> = {},
): () => void {
  const saved = { ...process.env };
  for (const key of [
    'AWS_PROFILE',
    'AWS_ACCESS_KEY_ID',
    'AWS_SECRET_ACCESS_KEY',
    'AWS_SESSION_TOKEN',
    'AWS_WEB_IDENTITY_TOKEN_FILE',
    'AWS_CONTAINER_CREDENTIALS_FULL_URI',
    'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI',
  ])
    delete process.env[key];
  Object.assign(process.env, {
    ...Object.fromEntries(Object.entries(endpoints).map(([service, url]) => [`AWS_ENDPOINT_URL_${service}`, url])),
    AWS_CONFIG_FILE: '/nonexistent',
    AWS_SHARED_CREDENTIALS_FILE: '/nonexistent',
    // Without credentials the chain would end at the instance metadata service: off, so "none" is answered at once.
    AWS_EC2_METADATA_DISABLED: 'true',
    ...(creds
      ? {
          AWS_ACCESS_KEY_ID: creds.accessKeyId,
          AWS_SECRET_ACCESS_KEY: creds.secretAccessKey,
          AWS_SESSION_TOKEN: creds.sessionToken,
        }
      : {}),
    ...extra,
  });
  return () => {
    process.env = saved;
  };
}

/** Points the AWS SDK's default chain at `aws` (Secrets Manager) with `creds`, for the CLI tests. */
export function useAwsDoubleForSdk(
  aws: AwsDouble,
  creds: RoleCredentials,
  extra: Record<string, string> = {},
): () => void {
  return useSdkEndpoints({ SECRETS_MANAGER: aws.url }, creds, extra);
}
