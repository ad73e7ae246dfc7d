/**
 * A nodemailer SMTPConnection with its transaction log captured as a masked
 * transcript, and its callback steps as promises. nodemailer speaks the
 * protocol; this file only listens. Shared by `doctor smtp` and `doctor inbound`.
 */
import SMTPConnection from 'nodemailer/lib/smtp-connection';
import { SmtpReply, parseReply } from '../diagnosis';
import { CredentialMasker, TranscriptEntry, formatEntry, repliesWithCommands } from '../transcript';

export interface SessionOptions {
  /** Where to connect (a hostname or IP). */
  readonly host: string;
  readonly port: number;
  /** The EHLO name. */
  readonly name: string;
  /** Implicit TLS from the first byte (SMTPS, port 465). */
  readonly implicitTls: boolean;
  /** Do not upgrade with STARTTLS even when offered. */
  readonly ignoreStarttls: boolean;
  /** Name the certificate must carry. @default - host */
  readonly servername?: string;
  /**
   * The endpoint the operator configured (the relay, or an MX target on port 25), named first in the
   * transcript as unicorn.log names it; where the connection really went follows as "(via …)".
   * @default - host and port
   */
  readonly shownAs?: { readonly host: string; readonly port: number };
  /** Trusted CAs. @default - Node's bundled roots */
  readonly ca?: readonly string[];
  /** Connect, greeting and per-reply timeout. */
  readonly timeoutMs: number;
  /** Values to mask wherever they show up in the transcript. */
  readonly secrets?: readonly string[];
  /** Called with each server reply as it is logged, before nodemailer acts on it. */
  readonly onServerReply?: (text: string, session: SmtpSession) => void;
}

const hostPort = (host: string, port: number) => (host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`);

/** "smtp.relay.test:587", or "smtp.relay.test:587 (via 127.0.0.1:2525)" when --connect-to sent it elsewhere. */
function openedAt(o: SessionOptions): string {
  const real = hostPort(o.host, o.port);
  if (!o.shownAs) return real;
  const shown = hostPort(o.shownAs.host, o.shownAs.port);
  return shown === real ? shown : `${shown} (via ${real})`;
}

/** One connection and everything said on it. */
export class SmtpSession {
  readonly conn: SMTPConnection;
  private readonly masker: CredentialMasker;
  private readonly log: TranscriptEntry[] = [];
  private pendingReject?: (err: Error) => void;
  private closedPromise: Promise<void>;
  /** The first error nodemailer reported outside a step (e.g. while closing). */
  lastError?: Error;
  remoteAddress?: string;

  constructor(readonly options: SessionOptions) {
    this.masker = new CredentialMasker(options.secrets ?? []);
    const record = (meta: Record<string, unknown> | undefined, message: unknown, ...args: unknown[]) => {
      const tnx = meta?.tnx;
      const text = typeof message === 'string' ? message : String(message);
      if (tnx === 'server') {
        for (const line of text.split(/\r?\n/)) this.push({ dir: 'server', text: line });
        options.onServerReply?.(text, this);
      } else if (tnx === 'client') {
        this.push({ dir: 'client', text });
      } else if (tnx === 'network' && typeof meta?.remoteAddress === 'string') {
        this.remoteAddress = meta.remoteAddress;
        this.push({ note: `Connection opened: ${openedAt(options)}` });
        if (options.implicitTls) this.push({ note: 'TLS connection started' });
      } else if (tnx === 'smtp' && /upgraded with STARTTLS/.test(text)) {
        this.push({ note: 'TLS connection started' });
      }
      void args;
    };
    const logger = {
      level: () => undefined,
      trace: record,
      debug: record,
      info: record,
      warn: record,
      error: record,
      fatal: record,
    };
    this.conn = new SMTPConnection({
      host: options.host,
      port: options.port,
      name: options.name,
      secure: options.implicitTls,
      ignoreTLS: options.ignoreStarttls,
      connectionTimeout: options.timeoutMs,
      greetingTimeout: options.timeoutMs,
      socketTimeout: options.timeoutMs,
      dnsTimeout: options.timeoutMs,
      transactionLog: true,
      logger: logger as unknown as SMTPConnection.Options['logger'],
      tls: {
        servername: options.servername ?? options.host,
        ca: options.ca ? [...options.ca] : undefined,
        rejectUnauthorized: true,
      },
    });
    this.conn.on('error', (err: Error) => {
      if (this.pendingReject) this.pendingReject(err);
      else this.lastError ??= err;
    });
    this.closedPromise = new Promise((resolve) => this.conn.once('end', () => resolve()));
  }

  private push(e: TranscriptEntry): void {
    this.log.push(this.masker.mask(e));
  }

  /** Runs one nodemailer step; rejects on its callback error or a connection error. */
  step<T>(start: (done: (err: Error | null | undefined, value?: T) => void) => void): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.pendingReject = reject;
      start((err, value) => {
        this.pendingReject = undefined;
        if (err) reject(err);
        else resolve(value as T);
      });
    });
  }

  /** Connects, reads the greeting, EHLO, and STARTTLS when offered (unless ignored). */
  connect(): Promise<void> {
    return this.step<void>((done) => this.conn.connect(() => done(null)));
  }

  /** Says QUIT and waits for the close, at most the timeout. */
  async quit(): Promise<void> {
    this.pendingReject = undefined;
    try {
      this.conn.quit();
    } catch {
      this.conn.close();
    }
    await Promise.race([this.closedPromise, new Promise((r) => setTimeout(r, this.options.timeoutMs).unref())]);
    this.conn.close();
  }

  /** Closes without QUIT. */
  close(): void {
    this.pendingReject = undefined;
    this.conn.close();
  }

  get entries(): readonly TranscriptEntry[] {
    return this.log;
  }

  /** The transcript in unicorn.log's arrow format. */
  get transcript(): string[] {
    return this.log.map(formatEntry);
  }

  /** Text with secrets masked (for error messages). */
  scrub(text: string): string {
    return this.masker.scrub(text);
  }

  get tlsStarted(): boolean {
    return this.log.some((e) => 'note' in e && e.note === 'TLS connection started');
  }

  /** Every complete reply with the command it answered and its raw lines. */
  get replies(): { command: string; reply: SmtpReply; lines: string[] }[] {
    return repliesWithCommands(this.log).flatMap((r) => {
      const reply = parseReply(r.lines);
      return reply ? [{ command: r.command, reply, lines: r.lines }] : [];
    });
  }

  /** The last reply (and its command), if any. */
  get lastReply(): { command: string; reply: SmtpReply } | undefined {
    const all = this.replies;
    return all[all.length - 1];
  }

  /** ESMTP keywords of the last EHLO reply, upper-cased ("STARTTLS", "AUTH LOGIN PLAIN", …). */
  get extensions(): string[] {
    const ehlo = this.replies.filter((r) => r.command === 'EHLO' && r.reply.code === 250).pop();
    return ehlo
      ? ehlo.lines.slice(1).map((l) =>
          l
            .replace(/^250[ -]/, '')
            .trim()
            .toUpperCase(),
        )
      : [];
  }

  /** AUTH mechanisms offered in the last EHLO reply. */
  get authMechanisms(): string[] {
    const line = this.extensions.find((e) => /^AUTH[ =]/.test(e));
    return line ? line.slice(5).trim().split(/\s+/) : [];
  }
}
