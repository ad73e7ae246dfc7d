/**
 * Postfix's /var/log/mail.log on the appliance: the inbound half of
 * reply-by-email. Lines are syslog (`Oct 10 14:32:02 host postfix/qmgr[900]: …`);
 * a message is followed by its queue id from `client=` (smtpd) through
 * `message-id=` (cleanup), `from=` (qmgr), `to=… status=` (virtual/local/smtp)
 * to `removed`. See postfix's "Postfix logging" documentation.
 *
 * Read one line at a time: a message is handed on as soon as postfix removes
 * it, and at most `maxTracked` messages (and smtpd sessions) are held open;
 * beyond that the oldest is handed on as it stands. So memory does not grow
 * with the log, whatever its size.
 */
import { PATTERNS, angleValue, keep, match, scanned, syslogTag, valueOf } from '../patterns';

export interface PostfixDelivery {
  readonly to: string;
  readonly relay?: string;
  readonly dsn?: string;
  /** "sent", "deferred", "bounced" or "expired". */
  readonly status: string;
  /** Text in parentheses after the status, e.g. "delivered to maildir". */
  readonly detail: string;
  readonly line: number;
}

export interface PostfixMessage {
  readonly queueId: string;
  /** The sending server, "name[ip]", from smtpd's `client=`. */
  client?: string;
  /** Message-ID without angle brackets. */
  messageId?: string;
  from?: string;
  /** The last delivery logged for each recipient (the one that decides its fate), first recipients first. */
  readonly deliveries: PostfixDelivery[];
  /** Recipients beyond the ones kept in `deliveries`. */
  moreRecipients: number;
  removed: boolean;
  /** First line that names this queue id. */
  readonly line: number;
}

/** An SMTP session refused before a queue id existed (`NOQUEUE: reject: …`). */
export interface PostfixReject {
  readonly client: string;
  /** The reply postfix gave, e.g. "554 5.7.1 <x>: Relay access denied". */
  readonly reply: string;
  readonly from?: string;
  readonly to?: string;
  readonly line: number;
}

/** Where finished records go. */
export interface MailSink {
  message(m: PostfixMessage): void;
  reject(r: PostfixReject): void;
  /** An smtpd connection that ended without a queue id or a reject. */
  idleSession(client: string, line: number): void;
}

export interface MailLimits {
  /** Open messages and open smtpd sessions held at most (each). */
  readonly maxTracked: number;
  /** Recipients kept per message. */
  readonly maxRecipients: number;
  /** Characters kept of any field. */
  readonly maxFieldChars: number;
}

interface Session {
  readonly client: string;
  readonly line: number;
  queued: boolean;
  rejected: boolean;
}

export class MailLogParser {
  /** Lines that were postfix lines at all; 0 means this is probably not a mail.log. */
  postfixLines = 0;
  private readonly open = new Map<string, PostfixMessage>();
  private readonly sessions = new Map<string, Session>();

  constructor(
    private readonly sink: MailSink,
    private readonly limits: MailLimits,
  ) {}

  /** Messages and sessions held right now. */
  get tracked(): number {
    return this.open.size + this.sessions.size;
  }

  line(raw: string, line: number): void {
    const tag = syslogTag(raw);
    if (!tag) return;
    this.postfixLines++;
    const { daemon, pid, rest } = tag;
    if ((daemon === 'smtpd' || daemon === 'postscreen') && this.session(daemon, pid, rest, line)) return;
    const q = match(PATTERNS.QUEUE_ID, rest);
    if (!q || q[1] === 'NOQUEUE') return;
    const body = rest.slice(q[0].length);
    const m = this.message(q[1], line);
    const client = match(PATTERNS.CLIENT, body);
    if (client) {
      m.client = this.keep(client[1]);
      const s = this.sessions.get(pid);
      if (s) s.queued = true;
      return;
    }
    const mid = match(PATTERNS.MESSAGE_ID, body);
    if (mid) {
      m.messageId = this.keep(mid[1]);
      return;
    }
    if (match(PATTERNS.REMOVED, body)) {
      m.removed = true;
      this.open.delete(m.queueId);
      this.sink.message(m);
      return;
    }
    const from = match(PATTERNS.FROM, body);
    if (from) m.from = this.keep(from[1]);
    const to = match(PATTERNS.TO, body);
    const statusAt = statusStart(body);
    const status = statusAt < 0 ? null : match(PATTERNS.STATUS, body.slice(statusAt));
    if (to && status) {
      this.deliver(m, {
        to: this.keep(to[1]),
        relay: opt(this, valueOf(body, 'relay=')),
        dsn: opt(this, valueOf(body, 'dsn=')),
        status: this.keep(status[1]),
        detail: this.keep(status[2] ?? ''),
        line,
      });
    } else if (status && m.from !== undefined) {
      // qmgr: "from=<…>, status=expired, returned to sender"
      const after = body.slice(statusAt);
      const detail = after.slice(match(PATTERNS.STATUS_PREFIX, after)?.[0].length ?? 0);
      this.deliver(m, { to: '(all recipients)', status: this.keep(status[1]), detail: this.keep(detail), line });
    }
  }

  /** Hands on every message still open (never removed: deferred, or the log ends first). */
  end(): void {
    for (const m of this.open.values()) this.sink.message(m);
    this.open.clear();
    this.sessions.clear();
  }

  /** smtpd/postscreen lines about the session itself; true when the line was one. */
  private session(daemon: string, pid: string, rest: string, line: number): boolean {
    const connect = match(PATTERNS.CONNECT, rest);
    if (connect) {
      if (daemon !== 'smtpd') return false;
      this.sessions.delete(pid); // a pid is reused: the newest connection owns it
      this.sessions.set(pid, { client: this.keep(connect[1]), line, queued: false, rejected: false });
      if (this.sessions.size > this.limits.maxTracked) this.sessions.delete(this.sessions.keys().next().value!);
      return true;
    }
    if (match(PATTERNS.DISCONNECT, rest)) {
      const s = this.sessions.get(pid);
      this.sessions.delete(pid);
      if (s && !s.queued && !s.rejected) this.sink.idleSession(s.client, s.line);
      return true;
    }
    // The reply may hold ";" (even an escape sequence does): the envelope starts at "; from=<".
    const split = rest.indexOf('; from=<');
    scanned(rest.length);
    const reject = match(PATTERNS.REJECT, split < 0 ? rest : rest.slice(0, split));
    if (!reject) return false;
    const tail = split < 0 ? '' : rest.slice(split + 2);
    const from = angleValue(tail, 'from=<');
    const to = angleValue(tail, 'to=<');
    this.sink.reject({
      client: this.keep(reject[1]),
      reply: this.keep(reject[2].trim(), 2),
      from: opt(this, from),
      to: opt(this, to),
      line,
    });
    const s = this.sessions.get(pid);
    if (s) s.rejected = true;
    return true;
  }

  private message(queueId: string, line: number): PostfixMessage {
    let m = this.open.get(queueId);
    if (!m) {
      m = { queueId: this.keep(queueId), deliveries: [], moreRecipients: 0, removed: false, line };
      this.open.set(m.queueId, m);
      if (this.open.size > this.limits.maxTracked) {
        const oldest = this.open.values().next().value!;
        this.open.delete(oldest.queueId);
        this.sink.message(oldest);
      }
    }
    return m;
  }

  private deliver(m: PostfixMessage, d: PostfixDelivery): void {
    const i = m.deliveries.findIndex((x) => x.to === d.to); // at most maxRecipients entries
    if (i >= 0) m.deliveries[i] = d;
    else if (m.deliveries.length < this.limits.maxRecipients) m.deliveries.push(d);
    else m.moreRecipients++;
  }

  keep(text: string, times = 1): string {
    return keep(text, this.limits.maxFieldChars * times);
  }
}

/** Where `status=` starts as a field (after a space or comma, or at the start), or -1. */
function statusStart(body: string): number {
  scanned(body.length); // indexOf only moves forward
  let at = body.indexOf('status=');
  while (at > 0 && body[at - 1] !== ' ' && body[at - 1] !== ',') at = body.indexOf('status=', at + 1);
  return at;
}

const opt = (p: MailLogParser, v: string | undefined) => (v === undefined ? undefined : p.keep(v));

/** The delivery that decides each recipient's fate (the parser keeps only the last one per recipient). */
export function finalDeliveries(m: PostfixMessage): PostfixDelivery[] {
  return m.deliveries;
}

export const DEFAULT_MAIL_LIMITS: MailLimits = { maxTracked: 10000, maxRecipients: 4, maxFieldChars: 256 };

/** Parses a whole mail.log text (small inputs, tests); `doctor logs` streams through MailLogParser instead. */
export function parseMailLog(text: string, limits: MailLimits = DEFAULT_MAIL_LIMITS) {
  const messages: PostfixMessage[] = [];
  const rejects: PostfixReject[] = [];
  const idleSessions: { client: string; line: number }[] = [];
  const parser = new MailLogParser(
    {
      message: (m) => messages.push(m),
      reject: (r) => rejects.push(r),
      idleSession: (client, line) => idleSessions.push({ client, line }),
    },
    limits,
  );
  let n = 0;
  for (const line of text.split('\n')) parser.line(line.endsWith('\r') ? line.slice(0, -1) : line, ++n);
  parser.end();
  return { messages, rejects, idleSessions, postfixLines: parser.postfixLines };
}
