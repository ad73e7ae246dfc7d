/**
 * Postfix's /var/log/mail.log on the appliance: the inbound half of
 * reply-by-email. Lines are syslog (`Oct 10 14:32:02 host postfix/qmgr[900]: …`);
 * a message is followed by its queue id from `client=` (smtpd) through
 * `message-id=` (cleanup), `from=` (qmgr), `to=… status=` (virtual/local/smtp)
 * to `removed`. See postfix's "Postfix logging" documentation.
 */

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
  readonly deliveries: PostfixDelivery[];
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

/** One smtpd connection, from `connect from` to `disconnect from`. */
export interface PostfixSession {
  readonly client: string;
  readonly line: number;
  readonly queueIds: string[];
  rejected: boolean;
  closed: boolean;
}

export interface MailLog {
  readonly messages: PostfixMessage[];
  readonly rejects: PostfixReject[];
  readonly sessions: PostfixSession[];
  /** Lines that were postfix lines at all; 0 means this is probably not a mail.log. */
  readonly postfixLines: number;
}

const SYSLOG = /\bpostfix[\w.-]*\/(?:[\w.-]+\/)*([\w-]+)\[(\d+)\]:\s+(.*)$/;
const QID = /^([0-9A-Za-z]{5,}):\s+(.*)$/;

/** Parses mail.log text into messages by queue id, early rejects and smtpd sessions. */
export function parseMailLog(text: string): MailLog {
  const byId = new Map<string, PostfixMessage>();
  const rejects: PostfixReject[] = [];
  const sessions: PostfixSession[] = [];
  const openSession = new Map<string, PostfixSession>();
  let postfixLines = 0;
  const message = (queueId: string, line: number): PostfixMessage => {
    let m = byId.get(queueId);
    if (!m) {
      m = { queueId, deliveries: [], removed: false, line };
      byId.set(queueId, m);
    }
    return m;
  };

  text.split(/\r?\n/).forEach((raw, i) => {
    const line = i + 1;
    const s = SYSLOG.exec(raw);
    if (!s) return;
    postfixLines++;
    const [, daemon, pid, rest] = s;
    if (daemon === 'smtpd' || daemon === 'postscreen') {
      const connect = /^connect from (\S+)/.exec(rest);
      if (connect && daemon === 'smtpd') {
        const session: PostfixSession = { client: connect[1], line, queueIds: [], rejected: false, closed: false };
        sessions.push(session);
        openSession.set(pid, session);
        return;
      }
      const disconnect = /^disconnect from (\S+)/.exec(rest);
      if (disconnect) {
        const session = openSession.get(pid);
        if (session) session.closed = true;
        openSession.delete(pid);
        return;
      }
      const reject = /^NOQUEUE: reject: \S+ from (\S+?):\s+(\d{3}\s.*?);\s*(.*)$/.exec(rest);
      if (reject) {
        const from = /from=<([^>]*)>/.exec(reject[3])?.[1];
        const to = /to=<([^>]*)>/.exec(reject[3])?.[1];
        rejects.push({ client: reject[1], reply: reject[2], from, to, line });
        const session = openSession.get(pid);
        if (session) session.rejected = true;
        return;
      }
    }
    const q = QID.exec(rest);
    if (!q || q[1] === 'NOQUEUE') return;
    const [, queueId, body] = q;
    const m = message(queueId, line);
    const client = /^client=([^,\s]+)/.exec(body);
    if (client) {
      m.client = client[1];
      openSession.get(pid)?.queueIds.push(queueId);
      return;
    }
    const mid = /^message-id=<?([^>\s]*)>?/.exec(body);
    if (mid) {
      m.messageId = mid[1];
      return;
    }
    if (/^removed\b/.test(body)) {
      m.removed = true;
      return;
    }
    const from = /^from=<([^>]*)>/.exec(body);
    if (from) m.from = from[1];
    const to = /^to=<([^>]*)>/.exec(body);
    const status = /\bstatus=(\w+)(?:\s+\((.*)\))?/.exec(body);
    if (to && status) {
      m.deliveries.push({
        to: to[1],
        relay: /\brelay=([^,\s]+)/.exec(body)?.[1],
        dsn: /\bdsn=([\d.]+)/.exec(body)?.[1],
        status: status[1],
        detail: status[2] ?? '',
        line,
      });
    } else if (status && m.from !== undefined) {
      // qmgr: "from=<…>, status=expired, returned to sender"
      m.deliveries.push({ to: '(all recipients)', status: status[1], detail: body.split(/status=\w+,?\s*/)[1] ?? '', line });
    }
  });
  return { messages: [...byId.values()], rejects, sessions, postfixLines };
}

/** The delivery that decides a recipient's fate: the last one logged for it. */
export function finalDeliveries(m: PostfixMessage): PostfixDelivery[] {
  const last = new Map<string, PostfixDelivery>();
  for (const d of m.deliveries) last.set(d.to, d);
  return [...last.values()];
}
