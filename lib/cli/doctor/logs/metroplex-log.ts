/**
 * /var/log/mail-replies/metroplex.log: GHES's reply-by-email processor. The
 * documented lines are `metroplex: processing <id>`, `Matched
 * /data/user/mail/reply/new/…` and `Moving … => /data/user/incoming-mail/success`
 * (configuring-email-for-notifications). The exact layout around them is not
 * documented, so this looks for those words anywhere in a line (as
 * whitespace-separated tokens, one forward pass), and treats a move anywhere
 * but …/success as a failed reply. Read a line at a time: an entry is handed on
 * when the next `processing` line starts (or the log ends).
 */
import { keep, scanned, tokens } from '../patterns';

export interface MetroplexEntry {
  /** The id after "processing", angle brackets removed (the Message-ID). */
  readonly id: string;
  readonly line: number;
  /** Maildir file metroplex matched, if logged. */
  matched?: string;
  /** Directory the message was moved into, if logged. */
  movedTo?: string;
  /** "success", "failure" or undefined when no move was logged. */
  outcome?: 'success' | 'failure';
  /** Lines in the block that mention an error (the first few). */
  readonly errors: string[];
}

/** Error lines kept per entry; one is shown, a few help in --json. */
const MAX_ERRORS = 3;
const ERROR_WORDS = new Set(['error', 'exception', 'failed']);

const isLetter = (c: number) => (c >= 65 && c <= 90) || (c >= 97 && c <= 122);

/** A token without the punctuation around it, lower-case ("error:" → "error"). */
function word(t: string): string {
  let a = 0;
  let b = t.length;
  while (a < b && !isLetter(t.charCodeAt(a))) a++;
  while (b > a && !isLetter(t.charCodeAt(b - 1))) b--;
  scanned(t.length);
  return t.slice(a, b).toLowerCase();
}

const unbracket = (t: string) => t.slice(t.startsWith('<') ? 1 : 0, t.endsWith('>') ? -1 : t.length);

export class MetroplexParser {
  private current?: MetroplexEntry;

  constructor(
    private readonly sink: (e: MetroplexEntry) => void,
    private readonly maxFieldChars = 256,
  ) {}

  line(raw: string, line: number): void {
    const t = tokens(raw);
    const at = (w: string, caseless = false) => t.findIndex((x) => (caseless ? x.toLowerCase() === w : x === w));
    const p = at('processing', true);
    if (p >= 0 && p + 1 < t.length && unbracket(t[p + 1]) !== '') {
      this.flush();
      this.current = { id: keep(unbracket(t[p + 1]), this.maxFieldChars), line, errors: [] };
      return;
    }
    const e = this.current;
    if (!e) return;
    const m = at('Matched');
    if (m >= 0 && m + 1 < t.length) e.matched = keep(t[m + 1], this.maxFieldChars);
    const mv = at('Moving');
    const arrow = mv >= 0 ? t.indexOf('=>', mv + 2) : -1;
    if (arrow === mv + 2 && arrow + 1 < t.length) {
      const dst = t[arrow + 1];
      e.movedTo = keep(dst, this.maxFieldChars);
      e.outcome = dst.endsWith('/success') || dst.endsWith('/success/') ? 'success' : 'failure';
      return;
    }
    if (e.errors.length < MAX_ERRORS && t.some((x) => ERROR_WORDS.has(word(x)))) {
      // Ruby Logger lines: "E, [time #pid] ERROR -- : message"; keep the message.
      const i = raw.indexOf(' -- : ');
      scanned(raw.length);
      e.errors.push(keep((i >= 0 ? raw.slice(i + 6) : raw).trim(), this.maxFieldChars));
    }
  }

  end(): void {
    this.flush();
  }

  private flush(): void {
    if (this.current) this.sink(this.current);
    this.current = undefined;
  }
}

/** Parses a whole metroplex.log text (small inputs, tests); `doctor logs` streams through MetroplexParser. */
export function parseMetroplexLog(text: string): MetroplexEntry[] {
  const entries: MetroplexEntry[] = [];
  const parser = new MetroplexParser((e) => entries.push(e));
  let n = 0;
  for (const line of text.split('\n')) parser.line(line, ++n);
  parser.end();
  return entries;
}
