/**
 * A nodemailer SMTPConnection with its transaction log captured as a masked
 * transcript, and its callback steps as promises that always settle (SmtpSteps).
 * nodemailer speaks the protocol; this file only listens. Shared by `doctor smtp`
 * and `doctor inbound`.
 */
import SMTPConnection from 'nodemailer/lib/smtp-connection';
import { SmtpReply, parseReply } from '../diagnosis';
import { CredentialMasker, TranscriptEntry, formatEntry, repliesWithCommands } from '../transcript';
import { SmtpSteps, nodemailerLogger } from './smtp-steps';

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
  /**
   * Who a failed step's message names ("… closed the connection before its greeting").
   * @default - host and port, where the connection really goes
   */
  readonly label?: string;
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
  private readonly steps: SmtpSteps;
  private readonly log: TranscriptEntry[] = [];
  private closedPromise: Promise<void>;
  remoteAddress?: string;

  constructor(readonly options: SessionOptions) {
    this.masker = new CredentialMasker(options.secrets ?? []);
    this.steps = new SmtpSteps({
      label: options.label ?? hostPort(options.host, options.port),
      timeoutMs: options.timeoutMs,
      scrub: (t) => this.masker.scrub(t),
    });
    const record = (meta: Record<string, unknown> | undefined, message: unknown) => {
      const tnx = meta?.tnx;
      const text = typeof message === 'string' ? message : String(message);
      if (tnx === 'server') {
        for (const line of text.split(/\r?\n/)) this.push({ dir: 'server', text: line });
      } else if (tnx === 'client') {
        this.push({ dir: 'client', text });
      } else if (tnx === 'network' && typeof meta?.remoteAddress === 'string') {
        this.remoteAddress = meta.remoteAddress;
        this.push({ note: `Connection opened: ${openedAt(options)}` });
        if (options.implicitTls) this.push({ note: 'TLS connection started' });
      } else if (tnx === 'smtp' && /upgraded with STARTTLS/.test(text)) {
        this.push({ note: 'TLS connection started' });
      }
      // After the transcript has the line (a peer that is not SMTP shows in it), before nodemailer acts on it.
      this.steps.logged(meta, message);
      if (tnx === 'server') options.onServerReply?.(text, this);
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
      logger: nodemailerLogger(record),
      tls: {
        servername: options.servername ?? options.host,
        ca: options.ca ? [...options.ca] : undefined,
        rejectUnauthorized: true,
      },
    });
    this.steps.watch(this.conn);
    this.closedPromise = new Promise((resolve) => this.conn.once('end', () => resolve()));
  }

  private push(e: TranscriptEntry): void {
    this.log.push(this.masker.mask(e));
  }

  /**
   * Runs one nodemailer step. It settles on its callback, a connection error, the end of the connection or a
   * timeout; a peer that closed, stalled or spoke something else rejects it with an SmtpStepError.
   */
  step<T>(start: (done: (err: Error | null | undefined, value?: T) => void) => void): Promise<T> {
    return this.steps.run<T>(start);
  }

  /** Connects, reads the greeting, EHLO, and STARTTLS when offered (unless ignored). */
  connect(): Promise<void> {
    return this.step<void>((done) => this.conn.connect(() => done(null)));
  }

  /** Says QUIT and waits for the close, at most the timeout. */
  async quit(): Promise<void> {
    this.steps.closing();
    try {
      this.conn.quit();
    } catch {
      this.conn.close();
    }
    let timer: NodeJS.Timeout | undefined;
    const waited = new Promise<void>((resolve) => (timer = setTimeout(resolve, this.options.timeoutMs)));
    await Promise.race([this.closedPromise, waited]);
    clearTimeout(timer);
    this.conn.close();
  }

  /** Closes without QUIT. */
  close(): void {
    this.steps.closing();
    this.conn.close();
  }

  /** The first thing the peer did wrong (closed, stalled, not SMTP), even between steps. */
  get fault(): Error | undefined {
    return this.steps.firstFault;
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
