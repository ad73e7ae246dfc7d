/**
 * unicorn.log (support bundle: enterprise-manage-logs/unicorn.log) holds the
 * SMTP dialogue of "Test email settings" in Net::SMTP's debug format:
 * `Connection opened: host:587`, `-> "220 …"`, `<- "EHLO …"`,
 * `TLS connection started`, `<- "AUTH LOGIN"`, `-> "535-5.7.1 …"`.
 * This splits the file into conversations and says how far each got.
 */
import { Diagnosis, SmtpReply, explainReply, parseReply, showReply } from './diagnosis';
import { CredentialMasker, TranscriptEntry, parseArrow, repliesWithCommands } from './transcript';

/** How far a conversation got, in order. */
export const STAGES = ['connected', 'greeted', 'tls', 'authenticated', 'sent'] as const;
export type Stage = (typeof STAGES)[number];

export interface SmtpConversation {
  /** 1-based line of `Connection opened` (or the first arrow line). */
  readonly line: number;
  /** "host:port" from `Connection opened`, when logged. */
  readonly endpoint?: string;
  readonly stage: Stage;
  readonly tls: boolean;
  /** AUTH mechanism the client used, e.g. "LOGIN". @default - no AUTH */
  readonly auth?: string;
  /** The last complete server reply and the command it answered. */
  readonly finalReply?: SmtpReply;
  readonly finalCommand?: string;
  readonly diagnosis?: Diagnosis;
  /** True when the conversation ended in a 4xx/5xx reply or was cut off before delivering. */
  readonly failed: boolean;
  /** The conversation, credentials masked. */
  readonly entries: readonly TranscriptEntry[];
}

const OPENED = /(?:Connection opened:|opening connection to)\s+([^\s.]+(?:\.[^\s.:]+)*:\d+)/;

/** Splits unicorn.log text into SMTP conversations. */
export function parseUnicornLog(text: string): SmtpConversation[] {
  const blocks: { line: number; endpoint?: string; entries: TranscriptEntry[] }[] = [];
  let current: (typeof blocks)[number] | undefined;
  let masker = new CredentialMasker();
  text.split(/\r?\n/).forEach((raw, i) => {
    const opened = OPENED.exec(raw);
    if (opened) {
      current = { line: i + 1, endpoint: opened[1], entries: [] };
      blocks.push(current);
      masker = new CredentialMasker();
      return;
    }
    const arrow = parseArrow(raw);
    const note = /TLS connection started/.test(raw) ? 'TLS connection started' : undefined;
    if (!arrow && !note) return;
    if (!current || (arrow?.dir === 'server' && /^220[ -]/.test(arrow.text) && greetingExpected(current.entries) === false)) {
      current = { line: i + 1, entries: [] };
      blocks.push(current);
      masker = new CredentialMasker();
    }
    current.entries.push(masker.mask(arrow ?? { note: note! }));
  });
  return blocks.filter((b) => b.entries.length > 0 || b.endpoint).map(summarizeConversation);
}

/** A 220 starts a new conversation unless it answers STARTTLS or is the first reply. */
function greetingExpected(entries: readonly TranscriptEntry[]): boolean {
  const last = [...entries].reverse().find((e) => !('note' in e) && e.dir === 'client');
  if (entries.length === 0) return true;
  return !!last && !('note' in last) && /^STARTTLS/i.test(last.text);
}

function summarizeConversation(b: { line: number; endpoint?: string; entries: TranscriptEntry[] }): SmtpConversation {
  const replies = repliesWithCommands(b.entries);
  const tls = b.entries.some((e) => 'note' in e && /TLS connection started/.test(e.note));
  const authLine = b.entries.find((e) => !('note' in e) && e.dir === 'client' && /^AUTH\s/i.test(e.text));
  const auth = authLine && !('note' in authLine) ? authLine.text.split(/\s+/)[1].toUpperCase() : undefined;
  let stage: Stage = 'connected';
  const reached = (s: Stage) => {
    if (STAGES.indexOf(s) > STAGES.indexOf(stage)) stage = s;
  };
  for (const r of replies) {
    const reply = parseReply(r.lines);
    if (!reply) continue;
    if (r.command === 'greeting' && reply.code === 220) reached('greeted');
    if (r.command.startsWith('AUTH') && reply.code === 235) reached('authenticated');
    if (r.command === 'DATA' && reply.code === 250) reached('sent');
  }
  if (tls) reached('tls');
  const last = [...replies].reverse().find((r) => r.command !== 'QUIT') ?? replies[replies.length - 1];
  const finalReply = last ? parseReply(last.lines) : undefined;
  return {
    line: b.line,
    endpoint: b.endpoint,
    stage,
    tls,
    auth,
    finalReply,
    finalCommand: last?.command,
    diagnosis: finalReply ? explainReply(finalReply, last!.command) : undefined,
    failed: finalReply ? finalReply.code >= 400 : true,
    entries: b.entries,
  };
}

/** "smtp.example.com:587: greeted → TLS → AUTH LOGIN → 535 5.7.1 … (credentials rejected)" */
export function describeConversation(c: SmtpConversation): string {
  const steps = [c.endpoint ?? '(unknown host)', `reached ${c.stage}`];
  if (c.tls) steps.push('TLS');
  if (c.auth) steps.push(`AUTH ${c.auth}`);
  const last = c.finalReply ? `last reply ${showReply(c.finalReply)}${c.diagnosis ? ` (${c.diagnosis.meaning})` : ''}` : 'no reply from the server';
  return `${steps.join(', ')}; ${last}`;
}
