/**
 * /var/log/mail-replies/metroplex.log: GHES's reply-by-email processor. The
 * documented lines are `metroplex: processing <id>`, `Matched
 * /data/user/mail/reply/new/…` and `Moving … => /data/user/incoming-mail/success`
 * (configuring-email-for-notifications). The exact layout around them is not
 * documented, so this matches those fragments anywhere in a line, and treats
 * a move anywhere but …/success as a failed reply.
 */

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
  /** Lines in the block that mention an error. */
  readonly errors: string[];
}

const PROCESSING = /\bprocessing\s+<?([^>\s]+)>?/i;
const MATCHED = /\bMatched\s+(\S+)/;
const MOVING = /\bMoving\s+(\S+)\s*=>\s*(\S+)/;

export function parseMetroplexLog(text: string): MetroplexEntry[] {
  const entries: MetroplexEntry[] = [];
  let current: MetroplexEntry | undefined;
  text.split(/\r?\n/).forEach((raw, i) => {
    const p = PROCESSING.exec(raw);
    if (p) {
      current = { id: p[1], line: i + 1, errors: [] };
      entries.push(current);
      return;
    }
    if (!current) return;
    const m = MATCHED.exec(raw);
    if (m) current.matched = m[1];
    const mv = MOVING.exec(raw);
    if (mv) {
      current.movedTo = mv[2];
      current.outcome = /\/success\/?$/.test(mv[2]) ? 'success' : 'failure';
    }
    if (/\b(error|exception|failed)\b/i.test(raw) && !mv) current.errors.push(raw.replace(/^.*?\s--\s:\s*/, '').trim());
  });
  return entries;
}
