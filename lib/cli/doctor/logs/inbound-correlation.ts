/**
 * Joins what mail.log and metroplex.log say about each inbound message (by
 * Message-ID) and turns it into checks, as the records stream in, in either
 * order. Memory is bounded: at most `maxTracked` delivered messages wait for
 * their metroplex line and `maxTracked` metroplex entries wait for their
 * message (the oldest are decided as they stand when more arrive), rejects are
 * grouped by reply, and only the last `maxListed` checks of each outcome are
 * kept; every outcome is still counted exactly.
 */
import { Listing } from './listing';
import { PostfixMessage, PostfixReject, finalDeliveries } from './mail-log';
import { MetroplexEntry } from './metroplex-log';
import { Check } from '../report';

/** Where an inbound message stopped. */
export type InboundOutcome =
  'never-arrived' | 'not-delivered' | 'not-processed' | 'moved-to-failure' | 'success' | 'in-progress';

export interface CorrelationLimits {
  readonly maxTracked: number;
  readonly maxListed: number;
}

interface RejectGroup {
  readonly key: string;
  readonly source: string;
  readonly first: PostfixReject;
  count: number;
  lastLine: number;
}

/** Distinct reject replies kept; further ones are counted in one "other replies" group. */
const MAX_GROUPS = 50;
const fmt = (n: number) => n.toLocaleString('en-US');

/**
 * "554 5.7.1 <a@b>: Relay access denied, [1.2.3.4]" → "554 5.7.1 <…>: Relay access denied, […]": one key per reason.
 */
export function replyKey(reply: string): string {
  let out = '';
  let close = '';
  for (const c of reply) {
    if (close) {
      if (c === close) {
        out += `…${c}`;
        close = '';
      }
    } else {
      out += c;
      if (c === '<') close = '>';
      else if (c === '[') close = ']';
    }
  }
  return close ? `${out}…` : out;
}

export class InboundCorrelation {
  mailSeen = false;
  private inbound = 0;
  private readonly groups = new Map<string, RejectGroup>();
  private idle = { count: 0, first: undefined as { source: string; client: string; line: number } | undefined };
  private readonly awaiting = new Map<string, { source: string; m: PostfixMessage }>();
  private readonly metroplex = new Map<string, { source: string; e: MetroplexEntry }>();
  readonly listing: Listing;

  constructor(private readonly limits: CorrelationLimits) {
    this.listing = new Listing(limits.maxListed);
  }

  get retained(): { awaiting: number; metroplex: number; rejectGroups: number } {
    return { awaiting: this.awaiting.size, metroplex: this.metroplex.size, rejectGroups: this.groups.size };
  }

  reject(source: string, r: PostfixReject): void {
    this.inbound++;
    let key = replyKey(r.reply);
    if (!this.groups.has(key) && this.groups.size >= MAX_GROUPS) key = '(other replies)';
    const g = this.groups.get(key);
    if (g) {
      g.count++;
      g.lastLine = r.line;
    } else this.groups.set(key, { key, source, first: r, count: 1, lastLine: r.line });
  }

  idleSession(source: string, client: string, line: number): void {
    this.idle.count++;
    this.idle.first ??= { source, client, line };
  }

  message(source: string, m: PostfixMessage): void {
    if (m.deliveries.length === 0 && !m.client) return; // e.g. a bounce postfix made itself: not inbound
    this.inbound++;
    const e = m.messageId ? this.metroplex.get(m.messageId) : undefined;
    if (e) this.metroplex.delete(m.messageId!);
    // Only a message postfix delivered has a metroplex line to wait for.
    const deliveries = finalDeliveries(m);
    const delivered =
      deliveries.length > 0 &&
      !deliveries.some((d) => d.status === 'bounced' || d.status === 'expired' || d.status === 'deferred');
    if (e || !delivered || !m.messageId) return this.decide(source, m, e?.e);
    this.awaiting.delete(m.messageId);
    this.awaiting.set(m.messageId, { source, m });
    if (this.awaiting.size > this.limits.maxTracked) {
      // Its metroplex line may still come (later in the bundle): say it was not matched, not that it failed.
      const [id, oldest] = this.awaiting.entries().next().value!;
      this.awaiting.delete(id);
      this.listing.add('not-correlated', notCorrelated(oldest.source, oldest.m, this.limits.maxTracked));
    }
  }

  metroplexEntry(source: string, e: MetroplexEntry): void {
    const waiting = this.awaiting.get(e.id);
    if (waiting) {
      this.awaiting.delete(e.id);
      return this.decide(waiting.source, waiting.m, e);
    }
    this.metroplex.delete(e.id);
    this.metroplex.set(e.id, { source, e });
    if (this.metroplex.size > this.limits.maxTracked) {
      const [id, oldest] = this.metroplex.entries().next().value!;
      this.metroplex.delete(id);
      this.listing.add('metroplex-not-correlated', {
        ...metroplexOnly(oldest.source, oldest.e),
        status: 'info',
        message: `<${oldest.e.id}>: processed by metroplex; not matched against mail.log: more than ${fmt(this.limits.maxTracked)} metroplex entries were waiting for their message at once`,
      });
    }
  }

  /** Decides what still waits, and returns the checks: reject groups, idle sessions, the listing, the tally. */
  finish(): Check[] {
    for (const { source, m } of this.awaiting.values()) this.decide(source, m, undefined);
    this.awaiting.clear();
    for (const { source, e } of this.metroplex.values()) this.listing.add('metroplex-only', metroplexOnly(source, e));
    this.metroplex.clear();
    const checks: Check[] = [...this.groups.values()].sort((a, b) => b.count - a.count).map(rejectCheck);
    if (this.idle.first) {
      const f = this.idle.first;
      checks.push({
        id: 'mail.idle-sessions',
        status: 'info',
        message: `${fmt(this.idle.count)} connection${this.idle.count === 1 ? '' : 's'} ended without sending a message (the first: ${f.client}, line ${f.line})`,
        data: { count: this.idle.count, source: f.source, line: f.line, client: f.client },
      });
    }
    checks.push(...this.listing.checks('message'));
    const tally = this.listing.counts();
    delete tally['metroplex-only'];
    delete tally['metroplex-not-correlated'];
    const decided = Object.values(tally).reduce((a, b) => a + b, 0);
    if (decided > 0) {
      const parts = Object.entries(tally).map(([o, n]) => `${fmt(n)} ${o.replace(/-/g, ' ')}`);
      checks.push({
        id: 'mail.messages',
        status: 'info',
        message: `${fmt(decided)} inbound message${decided === 1 ? '' : 's'} followed: ${parts.join(', ')}`,
        data: tally,
      });
    }
    if (this.mailSeen && this.inbound === 0) {
      checks.push({
        id: 'mail',
        status: 'warn',
        message: 'never arrived: no inbound message in mail.log',
        fix: 'send a reply to a notification, then check DNS and port 25 with "ghes-email doctor inbound"',
      });
    }
    return checks;
  }

  private decide(source: string, m: PostfixMessage, e: MetroplexEntry | undefined): void {
    const c = messageCheck(source, m, e);
    this.listing.add(String(c.data!.outcome), c);
  }
}

/** A delivered message let go of before its metroplex line came: the tracking window was full. */
function notCorrelated(source: string, m: PostfixMessage, window: number): Check {
  const c = messageCheck(source, m, undefined);
  const to = finalDeliveries(m)
    .map((d) => `<${d.to}>`)
    .join(', ');
  return {
    ...c,
    status: 'info',
    message: `${m.queueId}${m.messageId ? ` <${m.messageId}>` : ''}: postfix delivered to ${to}; not matched against metroplex.log: more than ${fmt(window)} delivered messages were waiting for their metroplex line at once`,
    fix: undefined,
    data: { ...c.data, outcome: 'not-correlated' },
  };
}

function rejectCheck(g: RejectGroup): Check {
  const r = g.first;
  const example = `${r.client}${r.to ? ` for <${r.to}>` : ''}`;
  return {
    id: `mail:${r.line}`,
    status: 'fail',
    message:
      g.count === 1
        ? `never arrived: postfix refused ${example} with "${r.reply}"`
        : `never arrived: postfix refused ${fmt(g.count)} messages with "${g.key}" (lines ${r.line}–${g.lastLine}; e.g. ${example})`,
    fix: /relay access denied/i.test(g.key)
      ? 'the recipient domain is not one postfix accepts: the MX for reply.<hostname> must point at this appliance, and the address must be reply+…@reply.<hostname>'
      : 'read the reply; postfix refused the message before queueing it',
    data: {
      source: g.source,
      line: r.line,
      lastLine: g.lastLine,
      count: g.count,
      outcome: 'never-arrived',
      reply: g.key,
      example: r.reply,
      client: r.client,
      from: r.from,
      to: r.to,
    },
  };
}

function messageCheck(source: string, m: PostfixMessage, e: MetroplexEntry | undefined): Check {
  const deliveries = finalDeliveries(m);
  const who = `${m.queueId}${m.messageId ? ` <${m.messageId}>` : ''}${m.from !== undefined ? ` from <${m.from}>` : ''}`;
  const to = deliveries.map((d) => `<${d.to}>`).join(', ') + (m.moreRecipients ? ` and ${m.moreRecipients} more` : '');
  const data = {
    source,
    line: m.line,
    queueId: m.queueId,
    messageId: m.messageId,
    from: m.from,
    client: m.client,
    deliveries,
    removed: m.removed,
  };
  const result = (outcome: InboundOutcome, status: Check['status'], message: string, fix?: string): Check => ({
    id: `mail:${m.queueId}`,
    status,
    message: `${who}: ${message}`,
    fix,
    data: { ...data, outcome, metroplex: e },
  });
  const bounced = deliveries.find((d) => d.status === 'bounced' || d.status === 'expired');
  if (bounced) {
    return result(
      'not-delivered',
      'fail',
      `not delivered to the maildir: ${bounced.status} for <${bounced.to}> (${bounced.detail})`,
      deliveryFix(bounced.detail),
    );
  }
  const deferred = deliveries.find((d) => d.status === 'deferred');
  if (deferred) {
    return result(
      'not-delivered',
      'fail',
      `not delivered to the maildir yet: deferred for <${deferred.to}> (${deferred.detail}); postfix retries`,
      deliveryFix(deferred.detail),
    );
  }
  if (deliveries.length === 0) return result('in-progress', 'warn', 'queued; no delivery logged yet');
  const sent = `postfix delivered to ${to} (${deliveries[0].detail || deliveries[0].relay || 'sent'})`;
  if (!e) {
    return result(
      'not-processed',
      'fail',
      `not processed: ${sent}, but metroplex.log has no "processing" line for ${m.messageId ? `<${m.messageId}>` : 'it (no message-id logged)'}`,
      'check that metroplex runs (ghe-service-list / its log) and that /data/user/mail/reply/new is not piling up',
    );
  }
  if (e.outcome === 'success')
    return result('success', 'pass', `success: ${sent}; metroplex processed it and moved it to ${e.movedTo}`);
  if (e.outcome === 'failure') {
    return result(
      'moved-to-failure',
      'fail',
      `moved to failure: ${sent}; metroplex moved it to ${e.movedTo}${e.errors.length ? ` (${e.errors[0]})` : ''}`,
      'the reply address did not match a notification this instance sent, or the sender is not a user with access; check the reply+… token and the sender address',
    );
  }
  return result(
    'in-progress',
    'warn',
    `${sent}; metroplex started processing it but logged no move${e.errors.length ? ` (${e.errors[0]})` : ''}`,
  );
}

function deliveryFix(detail: string): string {
  if (/user unknown|unknown user|mailbox unavailable/i.test(detail))
    return 'the recipient must be reply+…@reply.<hostname> exactly as GHES wrote it';
  if (/permission|disk|quota|no space/i.test(detail))
    return 'the maildir under /data/user/mail cannot be written: check disk space and permissions';
  return "read the status text; it is postfix's own reason";
}

export function metroplexOnly(source: string, e: MetroplexEntry): Check {
  const status = e.outcome === 'success' ? 'pass' : e.outcome === 'failure' ? 'fail' : 'warn';
  const what =
    e.outcome === 'success'
      ? `success: moved to ${e.movedTo}`
      : e.outcome === 'failure'
        ? `moved to failure: ${e.movedTo}`
        : 'processing started, no move logged';
  return {
    id: `metroplex:${e.line}`,
    status,
    message: `<${e.id}>: ${what} (no matching mail.log lines)`,
    data: { source, outcome: e.outcome ?? 'in-progress', metroplex: e },
  };
}
