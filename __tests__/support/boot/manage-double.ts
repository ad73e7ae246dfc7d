/**
 * The documented Manage API subset (ghes-manage-api.md), over HTTPS with a
 * self-signed certificate, recording every request. Faults are switches.
 */
import { IncomingMessage, ServerResponse } from 'node:http';
import { createServer as createHttpsServer, Server } from 'node:https';
import { createServer as createNetServer, Server as NetServer, Socket } from 'node:net';
import { readBody, Recorded } from './aws-doubles';
import { TestCert } from './tls';

export type SmtpObject = Record<string, unknown>;

export interface ManageFaults {
  /** Close the first N TCP connections without a word (the API is not up yet). */
  dropConnections?: number;
  /** Answer the first requests with these statuses (e.g. [502, 503]). */
  failFirst?: number[];
  /** Authenticated settings reads that answer 401 before an operator "initializes" the appliance. */
  initializeAfterPolls?: number;
  /** How many status polls report the config run as running. @default 1 */
  runningPolls?: number;
  /** How the config run ends. @default 'success' */
  applyOutcome?: 'success' | 'failure' | 'never';
  /** 401 bodies echo the request's Authorization header, as a debugging proxy or a verbose server might. */
  echoAuthorization?: boolean;
  /** Answer PUT config/settings with this status and body. */
  rejectSettings?: { status: number; body: string };
  /**
   * Answer PUT config/settings with this status and a body that echoes what it got, serialized by `encode` (the
   * smtp password and the Authorization header first, so that a cut at 300 characters keeps them).
   */
  echoSettings?: { status: number; encode: (value: unknown) => string };
}

export interface InitCall {
  readonly license: Buffer;
  readonly password: string;
}

export class ManageDouble {
  public readonly requests: Recorded[] = [];
  public readonly inits: InitCall[] = [];
  /** PUT bodies, parsed. */
  public readonly puts: { smtp: SmtpObject }[] = [];
  public readonly runs: string[] = [];
  public initialized: boolean;
  public rootPassword: string;
  public smtp: SmtpObject;
  public faults: ManageFaults;
  public url = '';
  public readonly events = [
    {
      timestamp: '2024-01-01T00:00:00Z',
      severity_text: 'INFO',
      body: 'Validating services',
      event_name: 'ghe-config',
      hostname: 'ghe',
      config_run_id: '',
    },
    {
      timestamp: '2024-01-01T00:00:01Z',
      severity_text: 'ERROR',
      body: 'Postfix configuration failed: smtp relay "smtp.example.com" unreachable',
      event_name: 'ghe-config',
      hostname: 'ghe',
      config_run_id: '',
    },
  ];
  private readonly tls: Server;
  private readonly front: NetServer;
  private readonly sockets = new Set<Socket>();
  private dropped = 0;
  private failed = 0;
  private polls = 0;
  private settingsReads401 = 0;

  constructor(
    cert: TestCert,
    opts: { initialized?: boolean; rootPassword: string; smtp?: SmtpObject; faults?: ManageFaults },
  ) {
    this.initialized = opts.initialized ?? true;
    this.rootPassword = opts.rootPassword;
    this.smtp = opts.smtp ?? { enabled: false, address: '', port: '25', password: '' };
    this.faults = opts.faults ?? {};
    this.tls = createHttpsServer({ key: cert.key, cert: cert.cert }, (req, res) => void this.handle(req, res));
    this.front = createNetServer((socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
      if (this.dropped < (this.faults.dropConnections ?? 0)) {
        this.dropped++;
        socket.destroy();
      } else {
        this.tls.emit('connection', socket);
      }
    });
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.front.listen(0, '127.0.0.1', resolve));
    this.url = `https://127.0.0.1:${(this.front.address() as { port: number }).port}`;
    return this;
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.front.close(() => resolve()));
  }

  /** Connections closed unanswered so far (faults.dropConnections). */
  get droppedConnections(): number {
    return this.dropped;
  }

  /** Requests to one path (query string ignored), in order. */
  to(method: string, path: string): Recorded[] {
    return this.requests.filter((r) => r.method === method && r.url.split('?')[0] === path);
  }

  private authorized(req: IncomingMessage): boolean {
    const h = String(req.headers.authorization ?? '');
    if (!h.startsWith('Basic ')) return false;
    const decoded = Buffer.from(h.slice(6), 'base64').toString('utf8');
    return this.initialized && decoded === `api_key:${this.rootPassword}`;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    this.requests.push({ method: req.method!, url: req.url!, headers: req.headers, body });
    const json = (status: number, value?: unknown) => {
      res.writeHead(status, { 'Content-Type': 'application/json' });
      res.end(value === undefined ? '' : JSON.stringify(value));
    };
    const fail = this.faults.failFirst ?? [];
    if (this.failed < fail.length) return json(fail[this.failed++], { message: 'Bad Gateway' });
    const url = new URL(req.url!, 'https://x');
    const route = `${req.method} ${url.pathname}`;

    if (route === 'GET /manage/v1/version') {
      return json(200, [
        { hostname: 'ghe', version: { version: '3.17.4', platform: 'ami', build_id: 'b', build_date: '2025-01-01' } },
      ]);
    }
    if (route === 'POST /manage/v1/config/init') {
      if (this.initialized) return json(400, { message: 'instance already initialized' });
      const parts = parseMultipart(String(req.headers['content-type']), body);
      if (!parts.license || parts.password === undefined)
        return json(400, { message: 'license and password are required' });
      this.inits.push({ license: parts.license, password: parts.password.toString('utf8') });
      this.initialized = true;
      this.rootPassword = parts.password.toString('utf8');
      return json(202);
    }
    if (!this.authorized(req)) {
      if (
        route === 'GET /manage/v1/config/settings' &&
        !this.initialized &&
        this.faults.initializeAfterPolls !== undefined
      ) {
        if (++this.settingsReads401 >= this.faults.initializeAfterPolls) this.initialized = true;
      }
      return json(
        401,
        this.faults.echoAuthorization
          ? { message: 'Unauthorized', request: { headers: { Authorization: req.headers.authorization } } }
          : { message: 'Unauthorized' },
      );
    }
    switch (route) {
      case 'GET /manage/v1/config/settings':
        return json(200, {
          github_hostname: 'github.example.com',
          auth_mode: 'default',
          smtp: this.smtp,
          ntp: { primary_server: 'time.nist.gov' },
        });
      case 'PUT /manage/v1/config/settings': {
        if (this.faults.rejectSettings) {
          res.writeHead(this.faults.rejectSettings.status, { 'Content-Type': 'application/json' });
          return void res.end(this.faults.rejectSettings.body);
        }
        if (!String(req.headers['content-type']).startsWith('application/json'))
          return json(400, { message: 'expected JSON' });
        let parsed: { smtp?: SmtpObject };
        try {
          parsed = JSON.parse(body.toString('utf8'));
        } catch {
          return json(400, { message: 'invalid JSON' });
        }
        if (!parsed.smtp || Object.keys(parsed).length !== 1) return json(400, { message: 'expected only smtp' });
        if (this.faults.echoSettings) {
          const { status, encode } = this.faults.echoSettings;
          res.writeHead(status, { 'Content-Type': 'application/json' });
          const echo = { password: parsed.smtp.password, authorization: req.headers.authorization, smtp: parsed.smtp };
          return void res.end(encode({ message: 'invalid smtp settings', echo }));
        }
        this.puts.push(parsed as { smtp: SmtpObject });
        this.smtp = { ...this.smtp, ...parsed.smtp };
        return json(204);
      }
      case 'POST /manage/v1/config/apply': {
        const run = `run-${this.runs.length + 1}`;
        this.runs.push(run);
        this.polls = 0;
        return json(200, { run_id: run });
      }
      case 'GET /manage/v1/config/apply': {
        const run = url.searchParams.get('run_id') ?? '';
        if (!this.runs.includes(run)) return json(404, { message: 'unknown run' });
        const outcome = this.faults.applyOutcome ?? 'success';
        const running = outcome === 'never' || this.polls++ < (this.faults.runningPolls ?? 1);
        const successful = !running && outcome === 'success';
        // Nodes first: a client must not take the first "running" it sees for the run's.
        return json(200, { nodes: [{ run_id: run, hostname: 'ghe', running, successful }], running, successful });
      }
      case 'GET /manage/v1/config/apply/events':
        return json(200, { nodes: [{ node: 'ghe', last_request_id: 'r1', events: this.events }] });
      default:
        return json(404, { message: 'Not Found' });
    }
  }
}

/** A minimal multipart/form-data parser: field name -> raw bytes. */
export function parseMultipart(contentType: string, body: Buffer): Record<string, Buffer> {
  const boundary = /boundary=(?:"([^"]+)"|([^;]+))/.exec(contentType);
  if (!boundary) return {};
  const delimiter = Buffer.from(`--${boundary[1] ?? boundary[2]}`);
  const out: Record<string, Buffer> = {};
  let pos = body.indexOf(delimiter);
  while (pos >= 0) {
    const start = pos + delimiter.length;
    if (body.subarray(start, start + 2).toString() === '--') break;
    const next = body.indexOf(delimiter, start);
    if (next < 0) break;
    const part = body.subarray(start + 2, next - 2); // skip CRLF after the delimiter and before the next one
    const headerEnd = part.indexOf('\r\n\r\n');
    const headers = part.subarray(0, headerEnd).toString('utf8');
    const name = /name="([^"]+)"/.exec(headers)?.[1];
    if (name) out[name] = part.subarray(headerEnd + 4);
    pos = next;
  }
  return out;
}
