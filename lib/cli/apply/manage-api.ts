/**
 * A small client for the documented Manage API subset `ghes-email apply` uses
 * (https://docs.github.com/en/enterprise-server@latest/rest/enterprise-admin/manage-ghes).
 * Basic auth as `api_key:<root site administrator password>`.
 */
import { request } from 'node:https';
import { SecretRedactor } from '../secrets/redact-secrets';

export interface ManageApiOptions {
  /** e.g. https://github.example.com:8443 */
  readonly baseUrl: string;
  /** Root site administrator password. */
  readonly password: string;
  /** PEM CA certificate(s) to trust for the appliance's certificate. @default - the system CAs */
  readonly ca?: string;
  /** Skip certificate verification (a self-signed appliance certificate). @default false */
  readonly insecure?: boolean;
  /** Per-request timeout in milliseconds. @default 60000 */
  readonly timeoutMs?: number;
  /**
   * Other secrets a response may echo (e.g. the SMTP password); the root password is always redacted. @default - none
   */
  readonly secrets?: readonly string[];
}

/** A non-2xx answer; the body (already redacted by ManageApi) is cut short. */
export class ManageApiError extends Error {
  constructor(
    public readonly status: number,
    what: string,
    body: string,
  ) {
    super(`${what}: HTTP ${status}${body ? ` ${body.slice(0, 300)}` : ''}`);
    this.name = 'ManageApiError';
  }
}

/** No answer: the connection or TLS failed. `code` is Node's (e.g. DEPTH_ZERO_SELF_SIGNED_CERT). */
export class ManageApiConnectionError extends Error {
  constructor(
    message: string,
    public readonly code: string | undefined,
  ) {
    super(message);
    this.name = 'ManageApiConnectionError';
  }
}

export interface ApplyStatus {
  readonly running: boolean;
  readonly successful: boolean;
}

export class ManageApi {
  private readonly redactor: SecretRedactor;

  constructor(private readonly options: ManageApiOptions) {
    // A server may echo the Authorization header (base64 of api_key:<password>) in an error body.
    this.redactor = new SecretRedactor([options.password, `api_key:${options.password}`, ...(options.secrets ?? [])]);
  }

  /** GET /manage/v1/config/settings (the `smtp` object included). */
  async getSettings(): Promise<Record<string, unknown>> {
    return JSON.parse(await this.call('GET', '/manage/v1/config/settings', undefined, 'GET config/settings')) as Record<
      string,
      unknown
    >;
  }

  /** PUT /manage/v1/config/settings with only the smtp key. */
  async putSmtp(smtp: Record<string, unknown>): Promise<void> {
    await this.call('PUT', '/manage/v1/config/settings', JSON.stringify({ smtp }), 'PUT config/settings');
  }

  /** POST /manage/v1/config/apply; returns the run id. */
  async startApply(): Promise<string> {
    const out = JSON.parse(await this.call('POST', '/manage/v1/config/apply', undefined, 'POST config/apply')) as {
      run_id?: unknown;
    };
    if (typeof out.run_id !== 'string' || out.run_id === '')
      throw new ManageApiError(200, 'POST config/apply returned no run_id', '');
    return out.run_id;
  }

  /** GET /manage/v1/config/apply?run_id=…; the run's own top-level fields. */
  async applyStatus(runId: string): Promise<ApplyStatus> {
    const out = JSON.parse(
      await this.call(
        'GET',
        `/manage/v1/config/apply?run_id=${encodeURIComponent(runId)}`,
        undefined,
        'GET config/apply',
      ),
    ) as Record<string, unknown>;
    return { running: out.running === true, successful: out.successful === true };
  }

  /** GET /manage/v1/config/apply/events: the events' bodies, oldest first. */
  async applyEvents(): Promise<string[]> {
    const out = JSON.parse(
      await this.call('GET', '/manage/v1/config/apply/events', undefined, 'GET config/apply/events'),
    ) as {
      nodes?: { node?: string; events?: { severity_text?: string; body?: string }[] }[];
    };
    return (out.nodes ?? []).flatMap((n) =>
      (n.events ?? []).map((e) => `${n.node ?? ''} ${e.severity_text ?? ''} ${e.body ?? ''}`.trim()),
    );
  }

  private call(method: string, path: string, body: string | undefined, what: string): Promise<string> {
    const url = new URL(path, this.options.baseUrl);
    const auth = Buffer.from(`api_key:${this.options.password}`, 'utf8').toString('base64');
    return new Promise((resolve, reject) => {
      const req = request(
        url,
        {
          method,
          headers: {
            Authorization: `Basic ${auth}`,
            Accept: 'application/json',
            ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}),
          },
          ca: this.options.ca,
          rejectUnauthorized: !this.options.insecure,
          timeout: this.options.timeoutMs ?? 60000,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            const status = res.statusCode ?? 0;
            if (status >= 200 && status < 300) resolve(text || '{}');
            // Redacted before ManageApiError cuts it short, so that a cut never leaves a secret's prefix.
            else reject(new ManageApiError(status, what, this.redactor.redact(text)));
          });
        },
      );
      req.on('timeout', () => req.destroy(new Error(`${what}: no answer from ${url.origin} in time`)));
      req.on('error', (err: NodeJS.ErrnoException) =>
        reject(
          err instanceof ManageApiError
            ? err
            : new ManageApiConnectionError(`${what}: cannot reach ${url.origin}: ${err.message}`, err.code),
        ),
      );
      req.end(body);
    });
  }
}
