/**
 * One `doctor logs` run: log files are opened as feeds (bytes in, as they are
 * read or decompressed), parsed a line at a time, and what they say is
 * aggregated into a bounded report. Nothing here holds a whole file; see
 * docs/doctor.md ("Size limits and memory") for the bound.
 */
import { InboundCorrelation } from './inbound-correlation';
import { LineReader } from './line-reader';
import { Listing } from './listing';
import { MailLimits, MailLogParser } from './mail-log';
import { MetroplexParser } from './metroplex-log';
import { syslogTag, tokens } from '../patterns';
import { Check, DoctorReport } from '../report';
import { describeConversation, SmtpConversation, UnicornParser } from './unicorn-log';

export type LogKind = 'unicorn' | 'mail' | 'metroplex';

export interface LogLimits extends MailLimits {
  /** Bytes of log text read from one file (after decompression); the rest is skipped and reported. */
  readonly maxFileBytes: number;
  /** Bytes read from one bundle or directory (tar entries as decompressed, plus what .gz logs expand to). */
  readonly maxBundleBytes: number;
  /** Bytes kept of one line; longer lines are cut. */
  readonly maxLineBytes: number;
  /** Checks listed per outcome; the rest are counted. */
  readonly maxListed: number;
}

const KiB = 1024;
const MiB = KiB * KiB;
const GiB = MiB * KiB;
export const DEFAULT_LIMITS: LogLimits = {
  maxFileBytes: 2 * GiB,
  maxBundleBytes: 8 * GiB,
  maxLineBytes: 64 * KiB,
  maxTracked: 10000,
  maxRecipients: 4,
  maxFieldChars: 256,
  maxListed: 50,
};

/** 1048576 → "1 MiB" (for people). */
export function sizeText(n: number): string {
  for (const [unit, size] of [
    ['GiB', GiB],
    ['MiB', MiB],
    ['KiB', KiB],
  ] as const)
    if (n >= size && n % (size / 8) === 0) return `${n / size} ${unit}`;
  return `${n} bytes`;
}

/** 1048576 → "1m" (as the option takes it). */
export function sizeFlag(n: number): string {
  for (const [unit, size] of [
    ['g', GiB],
    ['m', MiB],
    ['k', KiB],
  ] as const)
    if (n % size === 0) return `${n / size}${unit}`;
  return String(n);
}

/** What is looked at (and held) to tell what a file with another name is: 200 lines, at most 256 KiB. */
const SNIFF_LINES = 200;
const SNIFF_BYTES = 256 * 1024;
const WHERE = {
  unicorn: 'support bundle: enterprise-manage-logs/unicorn.log',
  mail: 'appliance: /var/log/mail.log',
  metroplex: 'appliance: /var/log/mail-replies/metroplex.log',
} as const;
const MAX_SOURCES_NAMED = 20;

/** A file being read: bytes in; false from write() once its byte limit is reached (stop reading it). */
export interface LogFeed {
  write(chunk: Buffer): boolean;
  end(): void;
}

export class LogsRun {
  /** Per kind: the first sources (named in the report) and how many there were. */
  private readonly found: Record<LogKind, { names: string[]; count: number }> = {
    unicorn: { names: [], count: 0 },
    mail: { names: [], count: 0 },
    metroplex: { names: [], count: 0 },
  };
  private readonly notes: Listing;
  private readonly conversations: Listing;
  private readonly inbound: InboundCorrelation;
  private readonly mailParsers = new Set<MailLogParser>();

  constructor(readonly limits: LogLimits) {
    this.notes = new Listing(limits.maxListed);
    this.conversations = new Listing(limits.maxListed);
    this.inbound = new InboundCorrelation(limits);
  }

  /** A warning about the inputs themselves (a limit reached, a truncated bundle), listed after the found.* lines. */
  note(check: Check): void {
    this.notes.add(check.id, check);
  }

  /** Opens a log file; `kind` undefined means "decide from its first lines". */
  open(source: string, kind?: LogKind): LogFeed {
    let sink: ((text: string, line: number) => void) | undefined;
    let finish = () => undefined as void;
    const attach = (k: LogKind) => {
      const f = this.found[k];
      if (f.count++ < MAX_SOURCES_NAMED) f.names.push(source);
      ({ line: sink, end: finish } = this.parser(k, source));
    };
    if (kind) attach(kind);
    const sniffed: [string, number][] = [];
    let sniffedChars = 0;
    const decide = () => {
      attach(sniff(sniffed.map(([t]) => t)));
      for (const [t, n] of sniffed.splice(0)) sink!(t, n);
    };
    const reader = new LineReader((text, n) => {
      if (sink) return sink(text, n);
      sniffed.push([text, n]);
      sniffedChars += text.length;
      if (sniffed.length >= SNIFF_LINES || sniffedChars >= SNIFF_BYTES) decide();
    }, this.limits.maxLineBytes);
    let full = false;
    return {
      write: (chunk) => {
        if (full) return false;
        const room = this.limits.maxFileBytes - reader.stats.bytes;
        if (chunk.length > room) {
          reader.write(chunk.subarray(0, room));
          full = true;
          this.note({
            id: 'limit.file',
            status: 'warn',
            message: `${source}: read the first ${sizeText(this.limits.maxFileBytes)}, skipped the rest (--max-file-bytes ${sizeFlag(this.limits.maxFileBytes)})`,
            fix: 'raise --max-file-bytes to read more of it, or pass a smaller (e.g. the newest) log',
            data: { source, bytesRead: reader.stats.bytes, limit: this.limits.maxFileBytes },
          });
          return false;
        }
        reader.write(chunk);
        return true;
      },
      end: () => {
        reader.end();
        if (!sink) decide();
        finish();
        const cut = reader.stats.cutLines;
        if (cut > 0) {
          const max = sizeText(this.limits.maxLineBytes);
          this.note({
            id: 'limit.line',
            status: 'warn',
            message: `${source}: ${cut} line${cut === 1 ? '' : 's'} longer than ${max} ${cut === 1 ? 'was' : 'were'} cut at ${max}`,
            data: { source, cutLines: cut },
          });
        }
      },
    };
  }

  private parser(kind: LogKind, source: string): { line: (text: string, n: number) => void; end: () => void } {
    if (kind === 'mail') {
      this.inbound.mailSeen = true;
      const p = new MailLogParser(
        {
          message: (m) => this.inbound.message(source, m),
          reject: (r) => this.inbound.reject(source, r),
          idleSession: (client, line) => this.inbound.idleSession(source, client, line),
        },
        this.limits,
      );
      this.mailParsers.add(p);
      return { line: (t, n) => p.line(t, n), end: () => (p.end(), this.mailParsers.delete(p)) };
    }
    if (kind === 'metroplex') {
      const p = new MetroplexParser((e) => this.inbound.metroplexEntry(source, e), this.limits.maxFieldChars);
      return { line: (t, n) => p.line(t, n), end: () => p.end() };
    }
    const p = new UnicornParser((c) =>
      this.conversations.add(c.failed ? 'failed' : 'passed', conversationCheck(source, c)),
    );
    return { line: (t, n) => p.line(t, n), end: () => p.end() };
  }

  /** What the run holds right now, for tests of the memory bound. */
  retained(): {
    trackedMessages: number;
    awaiting: number;
    metroplexEntries: number;
    listedChecks: number;
    rejectGroups: number;
  } {
    let tracked = 0;
    for (const p of this.mailParsers) tracked += p.tracked;
    const r = this.inbound.retained;
    return {
      trackedMessages: tracked,
      awaiting: r.awaiting,
      metroplexEntries: r.metroplex,
      listedChecks: this.notes.size + this.conversations.size + this.inbound.listing.size,
      rejectGroups: r.rejectGroups,
    };
  }

  report(): DoctorReport {
    const checks: Check[] = [];
    for (const kind of ['unicorn', 'mail', 'metroplex'] as const) {
      const of = this.found[kind];
      const named = of.names.join(', ') + (of.count > of.names.length ? ` and ${of.count - of.names.length} more` : '');
      checks.push(
        of.count > 0
          ? { id: `found.${kind}`, status: 'info', message: `${kind}.log: ${named}` }
          : {
              id: `found.${kind}`,
              status: 'warn',
              message: `no ${kind}.log among the inputs`,
              fix: `pass the support bundle or the file (${WHERE[kind]})`,
            },
      );
    }
    checks.push(...this.notes.checks('note'));
    checks.push(...this.conversations.checks('SMTP conversation'));
    if (this.found.unicorn.count > 0 && this.conversations.size === 0) {
      checks.push({
        id: 'unicorn',
        status: 'info',
        message: `${this.found.unicorn.names.join(', ')}: no SMTP conversation (no "Connection opened" or arrow lines); run "Test email settings" and take a new bundle`,
      });
    }
    checks.push(...this.inbound.finish());
    return { command: 'logs', checks };
  }
}

function conversationCheck(source: string, c: SmtpConversation): Check {
  return {
    id: `unicorn:${c.line}`,
    status: c.failed ? 'fail' : 'pass',
    message: describeConversation(c),
    fix: c.failed
      ? (c.diagnosis?.fix ??
        'the relay never answered: check smtp.address, smtp.port and the firewall (run ghes-email doctor smtp)')
      : undefined,
    data: {
      source,
      line: c.line,
      endpoint: c.endpoint,
      stage: c.stage,
      tls: c.tls,
      auth: c.auth,
      finalReply: c.finalReply,
      finalCommand: c.finalCommand,
    },
  };
}

/** A file with another name: decided by its first lines. */
export function sniff(lines: readonly string[]): LogKind {
  if (lines.some((l) => syslogTag(l))) return 'mail';
  const metroplex = lines.some((l) => {
    if (l.includes('metroplex')) return true;
    const t = tokens(l);
    const p = t.findIndex((x) => x.toLowerCase() === 'processing');
    return p >= 0 && p + 1 < t.length && t[p + 1].includes('@');
  });
  return metroplex ? 'metroplex' : 'unicorn';
}
