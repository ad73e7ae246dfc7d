/**
 * The SESv2 API subset `doctor smtp` reads, on loopback HTTP: REST-JSON
 * GET /v2/email/account (GetAccount) and GET /v2/email/identities/<id>
 * (GetEmailIdentity), errors as SES sends them (status code, x-amzn-ErrorType
 * header, {"message"} body). The real AWS SDK is pointed here with
 * AWS_ENDPOINT_URL_SESV2; each request's SigV4 credential scope is recorded, so
 * tests see which region and service were signed for.
 */
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { RoleCredentials, close, listen, readBody, useSdkEndpoints } from '../boot/aws-doubles';

export interface SesRequest {
  readonly method: string;
  readonly path: string;
  /** From the Authorization header's credential scope; undefined when unsigned. */
  readonly region?: string;
  readonly service?: string;
  readonly accessKeyId?: string;
}

export type SesOperation = 'GetAccount' | 'GetEmailIdentity';

/** A GetAccount answer: production access with a healthy account, unless a test changes it. */
export function productionAccount(): Record<string, unknown> {
  return {
    ProductionAccessEnabled: true,
    SendingEnabled: true,
    EnforcementStatus: 'HEALTHY',
    SendQuota: { Max24HourSend: 50000, MaxSendRate: 14, SentLast24Hours: 12 },
    DedicatedIpAutoWarmupEnabled: false,
  };
}

/** A GetEmailIdentity answer for a domain set up as SesRelay does: verified, Easy DKIM, custom MAIL FROM. */
export function verifiedDomain(domain: string, tokens = ['tok1', 'tok2', 'tok3']): Record<string, any> {
  return {
    IdentityType: 'DOMAIN',
    VerifiedForSendingStatus: true,
    VerificationStatus: 'SUCCESS',
    FeedbackForwardingStatus: true,
    DkimAttributes: { SigningEnabled: true, Status: 'SUCCESS', Tokens: tokens, SigningAttributesOrigin: 'AWS_SES' },
    MailFromAttributes: {
      MailFromDomain: `bounce.${domain}`,
      MailFromDomainStatus: 'SUCCESS',
      BehaviorOnMxFailure: 'USE_DEFAULT_VALUE',
    },
    Policies: {},
    Tags: [],
  };
}

export class SesV2Double {
  public url = '';
  public readonly requests: SesRequest[] = [];
  public account: Record<string, unknown> = productionAccount();
  public readonly identities = new Map<string, Record<string, unknown>>();
  /** Operations answered 403 AccessDeniedException, as SES does for a missing IAM permission. */
  public readonly denied = new Set<SesOperation>();
  /** Text of the AccessDenied message (tests put control characters in it). */
  public deniedMessage = (action: string) =>
    `User: arn:aws:iam::111122223333:user/operator is not authorized to perform: ses:${action}`;
  private readonly server: Server;

  constructor() {
    this.server = createServer((req, res) => void this.handle(req, res));
  }

  async start(): Promise<this> {
    this.url = `http://127.0.0.1:${await listen(this.server)}`;
    return this;
  }

  stop(): Promise<void> {
    return close(this.server);
  }

  reset(): void {
    this.requests.length = 0;
    this.account = productionAccount();
    this.identities.clear();
    this.denied.clear();
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    await readBody(req);
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const scope = /Credential=([^/]+)\/\d{8}\/([^/]+)\/([^/]+)\/aws4_request/.exec(
      String(req.headers.authorization ?? ''),
    );
    this.requests.push({
      method: req.method ?? '',
      path,
      region: scope?.[2],
      service: scope?.[3],
      accessKeyId: scope?.[1],
    });
    const send = (status: number, body: unknown, errorType?: string) =>
      void res
        .writeHead(status, {
          'Content-Type': 'application/json',
          ...(errorType ? { 'x-amzn-ErrorType': errorType } : {}),
        })
        .end(JSON.stringify(body));
    if (!scope) return send(403, { message: 'Missing Authentication Token' }, 'MissingAuthenticationTokenException');
    if (req.method === 'GET' && path === '/v2/email/account') {
      if (this.denied.has('GetAccount'))
        return send(403, { message: this.deniedMessage('GetAccount') }, 'AccessDeniedException');
      return send(200, this.account);
    }
    const identity = /^\/v2\/email\/identities\/([^/]+)$/.exec(path);
    if (req.method === 'GET' && identity) {
      if (this.denied.has('GetEmailIdentity'))
        return send(403, { message: this.deniedMessage('GetEmailIdentity') }, 'AccessDeniedException');
      const name = decodeURIComponent(identity[1]);
      const found = this.identities.get(name);
      return found
        ? send(200, found)
        : send(404, { message: `Email identity ${name} does not exist.` }, 'NotFoundException');
    }
    return send(404, { message: `no route ${req.method} ${path}` }, 'NotFoundException');
  }
}

/**
 * Points the SDK's default chain at the double with `creds` (none: no credentials anywhere); returns a restore
 * function.
 */
export function useSesDoubleForSdk(ses: SesV2Double, creds: RoleCredentials | undefined): () => void {
  return useSdkEndpoints({ SESV2: ses.url }, creds);
}
