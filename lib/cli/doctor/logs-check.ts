/**
 * `doctor logs`: turns unicorn.log, mail.log and metroplex.log into one check
 * per SMTP conversation and one per inbound message, each saying where the
 * mail stopped: never arrived, not delivered to the maildir, not processed,
 * moved to failure, or success.
 */
import { FoundLog } from './log-finder';
import { MailLog, PostfixMessage, finalDeliveries, parseMailLog } from './mail-log';
import { MetroplexEntry, parseMetroplexLog } from './metroplex-log';
import { Check, DoctorReport } from './report';
import { describeConversation, parseUnicornLog } from './unicorn-log';

/** Where an inbound message stopped. */
export type InboundOutcome = 'never-arrived' | 'not-delivered' | 'not-processed' | 'moved-to-failure' | 'success' | 'in-progress';

export function checkLogs(logs: readonly FoundLog[]): DoctorReport {
  const checks: Check[] = [];
  for (const kind of ['unicorn', 'mail', 'metroplex'] as const) {
    const of = logs.filter((l) => l.kind === kind);
    checks.push(
      of.length > 0
        ? { id: `found.${kind}`, status: 'info', message: `${kind}.log: ${of.map((l) => l.source).join(', ')}` }
        : { id: `found.${kind}`, status: 'warn', message: `no ${kind}.log among the inputs`, fix: `pass the support bundle or the file (${WHERE[kind]})` },
    );
  }
  for (const log of logs.filter((l) => l.kind === 'unicorn')) checks.push(...unicornChecks(log));
  const mail = logs.filter((l) => l.kind === 'mail').map((l) => ({ source: l.source, log: parseMailLog(l.text) }));
  const metroplex = logs.filter((l) => l.kind === 'metroplex').flatMap((l) => parseMetroplexLog(l.text));
  if (mail.length > 0) checks.push(...inboundChecks(mail, metroplex));
  else if (metroplex.length > 0) checks.push(...metroplex.map((e) => metroplexOnly(e)));
  return { command: 'logs', checks };
}

const WHERE = {
  unicorn: 'support bundle: enterprise-manage-logs/unicorn.log',
  mail: 'appliance: /var/log/mail.log',
  metroplex: 'appliance: /var/log/mail-replies/metroplex.log',
} as const;

function unicornChecks(log: FoundLog): Check[] {
  const conversations = parseUnicornLog(log.text);
  if (conversations.length === 0) {
    return [{ id: 'unicorn', status: 'info', message: `${log.source}: no SMTP conversation (no "Connection opened" or arrow lines); run "Test email settings" and take a new bundle` }];
  }
  return conversations.map((c) => ({
    id: `unicorn:${c.line}`,
    status: c.failed ? 'fail' : 'pass',
    message: describeConversation(c),
    fix: c.failed ? c.diagnosis?.fix ?? 'the relay never answered: check smtp.address, smtp.port and the firewall (run ghes-email doctor smtp)' : undefined,
    data: { source: log.source, line: c.line, endpoint: c.endpoint, stage: c.stage, tls: c.tls, auth: c.auth, finalReply: c.finalReply, finalCommand: c.finalCommand },
  }));
}

function inboundChecks(mail: { source: string; log: MailLog }[], metroplex: MetroplexEntry[]): Check[] {
  const checks: Check[] = [];
  const byMessageId = new Map(metroplex.map((e) => [e.id, e]));
  const used = new Set<MetroplexEntry>();
  let inbound = 0;
  for (const { source, log } of mail) {
    for (const r of log.rejects) {
      inbound++;
      checks.push({
        id: `mail:${r.line}`,
        status: 'fail',
        message: `never arrived: postfix refused ${r.client}${r.to ? ` for <${r.to}>` : ''} with "${r.reply}"`,
        fix: /relay access denied/i.test(r.reply)
          ? 'the recipient domain is not one postfix accepts: the MX for reply.<hostname> must point at this appliance, and the address must be reply+…@reply.<hostname>'
          : 'read the reply; postfix refused the message before queueing it',
        data: { source, line: r.line, outcome: 'never-arrived', client: r.client, reply: r.reply, from: r.from, to: r.to },
      });
    }
    for (const s of log.sessions.filter((x) => x.queueIds.length === 0 && !x.rejected && x.closed)) {
      checks.push({
        id: `mail:${s.line}`,
        status: 'info',
        message: `${s.client} connected and disconnected without sending a message`,
        data: { source, line: s.line, client: s.client },
      });
    }
    for (const m of log.messages.filter((x) => x.deliveries.length > 0 || x.client)) {
      inbound++;
      const e = m.messageId ? byMessageId.get(m.messageId) : undefined;
      if (e) used.add(e);
      checks.push(messageCheck(source, m, e));
    }
  }
  for (const e of metroplex.filter((x) => !used.has(x))) checks.push(metroplexOnly(e));
  if (inbound === 0) {
    checks.push({
      id: 'mail',
      status: 'warn',
      message: 'never arrived: no inbound message in mail.log',
      fix: 'send a reply to a notification, then check DNS and port 25 with "ghes-email doctor inbound"',
    });
  }
  return checks;
}

function messageCheck(source: string, m: PostfixMessage, e: MetroplexEntry | undefined): Check {
  const deliveries = finalDeliveries(m);
  const who = `${m.queueId}${m.messageId ? ` <${m.messageId}>` : ''}${m.from !== undefined ? ` from <${m.from}>` : ''}`;
  const to = deliveries.map((d) => `<${d.to}>`).join(', ');
  const data = { source, line: m.line, queueId: m.queueId, messageId: m.messageId, from: m.from, client: m.client, deliveries, removed: m.removed };
  const result = (outcome: InboundOutcome, status: Check['status'], message: string, fix?: string): Check => ({
    id: `mail:${m.queueId}`,
    status,
    message: `${who}: ${message}`,
    fix,
    data: { ...data, outcome, metroplex: e },
  });
  const bounced = deliveries.find((d) => d.status === 'bounced' || d.status === 'expired');
  if (bounced) {
    return result('not-delivered', 'fail', `not delivered to the maildir: ${bounced.status} for <${bounced.to}> (${bounced.detail})`, deliveryFix(bounced.detail));
  }
  const deferred = deliveries.find((d) => d.status === 'deferred');
  if (deferred) {
    return result('not-delivered', 'fail', `not delivered to the maildir yet: deferred for <${deferred.to}> (${deferred.detail}); postfix retries`, deliveryFix(deferred.detail));
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
  if (e.outcome === 'success') return result('success', 'pass', `success: ${sent}; metroplex processed it and moved it to ${e.movedTo}`);
  if (e.outcome === 'failure') {
    return result(
      'moved-to-failure',
      'fail',
      `moved to failure: ${sent}; metroplex moved it to ${e.movedTo}${e.errors.length ? ` (${e.errors[0]})` : ''}`,
      'the reply address did not match a notification this instance sent, or the sender is not a user with access; check the reply+… token and the sender address',
    );
  }
  return result('in-progress', 'warn', `${sent}; metroplex started processing it but logged no move${e.errors.length ? ` (${e.errors[0]})` : ''}`);
}

function deliveryFix(detail: string): string {
  if (/user unknown|unknown user|mailbox unavailable/i.test(detail)) return 'the recipient must be reply+…@reply.<hostname> exactly as GHES wrote it';
  if (/permission|disk|quota|no space/i.test(detail)) return 'the maildir under /data/user/mail cannot be written: check disk space and permissions';
  return 'read the status text; it is postfix\'s own reason';
}

function metroplexOnly(e: MetroplexEntry): Check {
  const status = e.outcome === 'success' ? 'pass' : e.outcome === 'failure' ? 'fail' : 'warn';
  const what = e.outcome === 'success' ? `success: moved to ${e.movedTo}` : e.outcome === 'failure' ? `moved to failure: ${e.movedTo}` : 'processing started, no move logged';
  return { id: `metroplex:${e.line}`, status, message: `<${e.id}>: ${what} (no matching mail.log lines)`, data: { outcome: e.outcome ?? 'in-progress', metroplex: e } };
}
