/**
 * unicorn.log (support bundle: enterprise-manage-logs/unicorn.log) holds the
 * SMTP dialogue of "Test email settings" in Net::SMTP's debug format:
 * `Connection opened: host:587`, `-> "220 …"`, `<- "EHLO …"`,
 * `TLS connection started`, `<- "AUTH LOGIN"`, `-> "535-5.7.1 …"`.
 * This splits the file into conversations and says how far each got. It reads
 * a line at a time and sums a conversation up as it goes, keeping only its
 * first lines for display, so a huge conversation costs no more than a small one.
 */
import { Diagnosis, SmtpReply, explainReply, parseReply, showReply } from '../diagnosis';
import { PATTERNS, keep, match, scanned } from '../patterns';
import { CredentialMasker, TranscriptEntry, commandName, parseArrow } from '../transcript';

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
  /** The first entries of the conversation, credentials masked. */
  readonly entries: readonly TranscriptEntry[];
}

/** Entries kept per conversation (for --json), and lines kept of one multi-line reply. */
const MAX_ENTRIES = 200;
const MAX_REPLY_LINES = 50;
const OPENERS = ['Connection opened:', 'opening connection to'];

/** The `host:port` after "Connection opened:" (or Net::SMTP's "opening connection to"). */
/** The port of a "host:port" endpoint (the last field: an IPv6 host has colons of its own). */
function endpointPort(endpoint: string | undefined): number | undefined {
  const port = endpoint === undefined ? NaN : Number(endpoint.slice(endpoint.lastIndexOf(':') + 1));
  return Number.isInteger(port) ? port : undefined;
}

function openedEndpoint(raw: string): string | undefined {
  for (const opener of OPENERS) {
    const at = raw.indexOf(opener);
    scanned(raw.length);
    if (at < 0) continue;
    let i = at + opener.length;
    while (raw[i] === ' ' || raw[i] === '\t') i++;
    let j = i;
    while (j < raw.length && raw[j] !== ' ' && raw[j] !== '\t') j++;
    const m = match(PATTERNS.ENDPOINT, raw.slice(i, j));
    if (m) return keep(`${m[1]}:${m[2]}`, 256);
  }
  return undefined;
}

/** One conversation being read. */
class Conversation {
  private readonly masker = new CredentialMasker();
  readonly entries: TranscriptEntry[] = [];
  private count = 0;
  private command = 'greeting';
  private pending: string[] = [];
  private stage: Stage = 'connected';
  private tls = false;
  private auth?: string;
  private lastClient?: string;
  private last?: { command: string; lines: string[] };
  private lastNotQuit?: { command: string; lines: string[] };

  constructor(
    readonly line: number,
    readonly endpoint?: string,
  ) {}

  /** A 220 starts a new conversation unless it is the first reply or answers STARTTLS. */
  greetingExpected(): boolean {
    return this.count === 0 || (this.lastClient !== undefined && /^STARTTLS/i.test(this.lastClient));
  }

  add(raw: TranscriptEntry): void {
    const e = this.masker.mask(raw);
    this.count++;
    if (this.entries.length < MAX_ENTRIES)
      this.entries.push('note' in e ? { note: keep(e.note, 512) } : { dir: e.dir, text: keep(e.text, 512) });
    if ('note' in e) {
      if (e.note.includes('TLS connection started')) this.tls = true;
      return;
    }
    if (e.dir === 'client') {
      this.lastClient = keep(e.text, 16);
      this.command = commandName(e.text, this.command);
      const auth = this.auth === undefined ? match(PATTERNS.AUTH_COMMAND, e.text) : null;
      if (auth) this.auth = auth[1].slice(4).trim().toUpperCase();
      return;
    }
    if (this.pending.length < MAX_REPLY_LINES) this.pending.push(keep(e.text, 512));
    if (!match(PATTERNS.CONTINUED, e.text)) this.reply();
  }

  private reply(): void {
    const r = { command: this.command, lines: this.pending };
    this.pending = [];
    const reply = parseReply(r.lines);
    if (reply) {
      if (r.command === 'greeting' && reply.code === 220) this.reached('greeted');
      if (r.command.startsWith('AUTH') && reply.code === 235) this.reached('authenticated');
      if (r.command === 'DATA' && reply.code === 250) this.reached('sent');
    }
    this.last = r;
    if (r.command !== 'QUIT') this.lastNotQuit = r;
  }

  private reached(s: Stage): void {
    if (STAGES.indexOf(s) > STAGES.indexOf(this.stage)) this.stage = s;
  }

  finish(): SmtpConversation {
    if (this.pending.length > 0) this.reply();
    if (this.tls) this.reached('tls');
    const last = this.lastNotQuit ?? this.last;
    const finalReply = last ? parseReply(last.lines) : undefined;
    return {
      line: this.line,
      endpoint: this.endpoint,
      stage: this.stage,
      tls: this.tls,
      auth: this.auth,
      finalReply,
      finalCommand: last?.command,
      diagnosis: finalReply ? explainReply(finalReply, last!.command, endpointPort(this.endpoint)) : undefined,
      failed: finalReply ? finalReply.code >= 400 : true,
      entries: this.entries,
    };
  }

  get empty(): boolean {
    return this.count === 0 && !this.endpoint;
  }
}

/** Splits unicorn.log into SMTP conversations, a line at a time; each is handed on when the next starts. */
export class UnicornParser {
  private current?: Conversation;

  constructor(private readonly sink: (c: SmtpConversation) => void) {}

  line(raw: string, line: number): void {
    const endpoint = openedEndpoint(raw);
    if (endpoint) {
      this.start(new Conversation(line, endpoint));
      return;
    }
    const arrow = parseArrow(raw);
    const note = raw.includes('TLS connection started') ? 'TLS connection started' : undefined;
    if (!arrow && !note) return;
    if (
      !this.current ||
      (arrow?.dir === 'server' && match(PATTERNS.GREETING, arrow.text) && !this.current.greetingExpected())
    ) {
      this.start(new Conversation(line));
    }
    this.current!.add(arrow ?? { note: note! });
  }

  end(): void {
    this.start(undefined);
  }

  private start(next: Conversation | undefined): void {
    if (this.current && !this.current.empty) this.sink(this.current.finish());
    this.current = next;
  }
}

/** Parses a whole unicorn.log text (small inputs, tests); `doctor logs` streams through UnicornParser. */
export function parseUnicornLog(text: string): SmtpConversation[] {
  const out: SmtpConversation[] = [];
  const parser = new UnicornParser((c) => out.push(c));
  let n = 0;
  for (const line of text.split('\n')) parser.line(line.endsWith('\r') ? line.slice(0, -1) : line, ++n);
  parser.end();
  return out;
}

/** "smtp.example.com:587: greeted → TLS → AUTH LOGIN → 535 5.7.1 … (credentials rejected)" */
export function describeConversation(c: SmtpConversation): string {
  const steps = [c.endpoint ?? '(unknown host)', `reached ${c.stage}`];
  if (c.tls) steps.push('TLS');
  if (c.auth) steps.push(`AUTH ${c.auth}`);
  const last = c.finalReply
    ? `last reply ${showReply(c.finalReply)}${c.diagnosis ? ` (${c.diagnosis.meaning})` : ''}`
    : 'no reply from the server';
  return `${steps.join(', ')}; ${last}`;
}
