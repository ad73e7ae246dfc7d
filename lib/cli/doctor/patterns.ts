/**
 * Everything the log parsers run on untrusted text, kept linear in the length
 * of the text. Two rules make that checkable:
 * - every regex is anchored at `^`: one attempt per call, so the engine cannot
 *   restart at each position (a search like /from=<([^>]*)>/ rescans to the
 *   end from every `from=<`: quadratic, without a single backtrack to count);
 *   __tests__/cli/doctor/logs/doctor-logs-linear.test.ts bounds the backtracks of each attempt;
 * - finding where to apply them is done by hand (indexOf, token scans) that
 *   only move forward, and every call reports what it looked at to an optional
 *   counter, so a test can compare the work for n and 4n.
 * The old syslog regex was unanchored with a nested repeat: one line of
 * 40,000 `postfix/` took 25 s.
 */

export const PATTERNS = {
  /** One whitespace-free syslog tag: postfix[-instance]/[sub/]daemon[pid]: */
  SYSLOG_TAG: /^postfix[\w.-]*\/(?:[\w.-]+\/)*([\w-]+)\[(\d+)\]:$/,
  /** Postfix queue ids are short (10-12 characters, "long" ones 15-17); anything longer is not one. */
  QUEUE_ID: /^([0-9A-Za-z]{5,32}):\s+/,
  CONNECT: /^connect from (\S+)/,
  DISCONNECT: /^disconnect from (\S+)/,
  /** `NOQUEUE: reject: RCPT from client: 554 5.7.1 text`, the part before `; from=<…> to=<…> proto=… helo=<…>` */
  REJECT: /^NOQUEUE: reject: \S+ from (\S+?):\s+(\d{3}\s[^]*)$/,
  CLIENT: /^client=([^,\s]+)/,
  MESSAGE_ID: /^message-id=<?([^>\s]*)>?/,
  REMOVED: /^removed\b/,
  FROM: /^from=<([^>]*)>/,
  TO: /^to=<([^>]*)>/,
  /** Applied where "status=" starts: `status=sent (delivered to maildir)` */
  STATUS: /^status=(\w+)(?:\s+\(([^]*)\))?/,
  STATUS_PREFIX: /^status=\w+,?\s*/,
  /** A `Connection opened:` endpoint token, `host:587` or `[2001:db8::1]:25`. */
  ENDPOINT: /^(\S+):(\d+)/,
  /** The quoted text of an arrow line, from its opening quote to the end of the line. */
  QUOTED: /^"((?:[^"\\]|\\[^])*)"\s*$/,
  AUTH_COMMAND: /^(AUTH\s+\S+)(\s+\S+)?/i,
  COMMAND: /^(MAIL FROM|RCPT TO|AUTH \S+|EHLO|HELO|LHLO|STARTTLS|DATA|QUIT|RSET|NOOP)\b/i,
  CHALLENGE: /^334[ -]/,
  CONTINUED: /^\d{3}-/,
  GREETING: /^220[ -]/,
  REPLY_FIRST: /^(\d{3})[ -]?([^]*)$/,
  REPLY_CODE: /^\d{3}[ -]?/,
  ENHANCED: /^([245]\.\d{1,3}\.\d{1,3})\b/,
  LOG_NAME: /^(unicorn|mail|metroplex)\.log(\.\d+)?(\.gz)?$/,
} as const;

interface Counter {
  regexChars: number;
  execs: number;
  scanned: number;
}
let counter: Counter | undefined;

/** Runs `fn` with a fresh work counter; for tests that prove the parsers linear without timing them. */
export function countWork<T>(fn: () => T): { result: T; work: Counter & { total: number } } {
  const outer = counter;
  const mine: Counter = { regexChars: 0, execs: 0, scanned: 0 };
  counter = mine;
  try {
    const result = fn();
    return { result, work: { ...mine, total: mine.regexChars + mine.execs + mine.scanned } };
  } finally {
    counter = outer;
  }
}

/** `re.exec(text)`, counted. Callers hand over only the slice the pattern is about. */
export function match(re: RegExp, text: string): RegExpExecArray | null {
  if (counter) {
    counter.execs++;
    counter.regexChars += text.length;
  }
  return re.exec(text);
}

/** Records `n` characters looked at by a hand-written scan. */
export function scanned(n: number): void {
  if (counter) counter.scanned += n;
}

const isSpace = (c: number) => c === 32 || c === 9 || c === 13 || c === 11 || c === 12;

/** Whitespace-separated tokens of a line, in one forward pass. */
export function tokens(line: string): string[] {
  scanned(line.length);
  const out: string[] = [];
  let start = -1;
  for (let i = 0; i <= line.length; i++) {
    const space = i === line.length || isSpace(line.charCodeAt(i));
    if (!space && start < 0) start = i;
    else if (space && start >= 0) {
      out.push(line.slice(start, i));
      start = -1;
    }
  }
  return out;
}

/** The text after the first whitespace run that follows `from` (the rest of a line after a token). */
export function restAfter(line: string, from: number): string {
  let i = from;
  while (i < line.length && isSpace(line.charCodeAt(i))) i++;
  scanned(i - from + 1);
  return line.slice(i);
}

/**
 * A postfix syslog line: `<stamp> <host> postfix/smtpd[3101]: <message>`. Finds the
 * first whitespace-delimited token that is a postfix tag; each token is checked once.
 */
export function syslogTag(line: string): { daemon: string; pid: string; rest: string } | undefined {
  let from = 0;
  for (;;) {
    const at = line.indexOf('postfix', from);
    scanned((at < 0 ? line.length : at) - from + 1);
    if (at < 0) return undefined;
    let end = at;
    while (end < line.length && !isSpace(line.charCodeAt(end))) end++;
    scanned(end - at);
    if (at === 0 || isSpace(line.charCodeAt(at - 1))) {
      const m = match(PATTERNS.SYSLOG_TAG, line.slice(at, end));
      if (m && end < line.length) return { daemon: m[1], pid: m[2], rest: restAfter(line, end) };
    }
    from = end;
  }
}

/** The value of `key` (e.g. "relay=") in a postfix `a=b, c=d` list, up to a comma or whitespace. */
export function valueOf(text: string, key: string): string | undefined {
  let at = text.indexOf(key);
  while (at > 0 && text[at - 1] !== ' ' && text[at - 1] !== ',') at = text.indexOf(key, at + 1);
  scanned(text.length);
  if (at < 0) return undefined;
  let end = at + key.length;
  while (end < text.length && text[end] !== ',' && !isSpace(text.charCodeAt(end))) end++;
  return text.slice(at + key.length, end);
}

/** The text inside `key<…>` (e.g. "from=<"), or undefined. */
export function angleValue(text: string, key: string): string | undefined {
  const at = text.indexOf(key);
  const end = at < 0 ? -1 : text.indexOf('>', at + key.length);
  scanned(text.length);
  return end < 0 ? undefined : text.slice(at + key.length, end);
}

/**
 * A field to keep beyond its line: cut to `max` characters, and copied, because V8 may
 * represent a substring as a view of its whole line and so keep the line alive with it.
 * The cut is marked with ASCII "...": a "…" would make V8 store the whole field two bytes a character.
 */
export function keep(text: string, max: number): string {
  const cut = text.length > max ? `${text.slice(0, max)}...` : text;
  return cut.length < 13 ? cut : Buffer.from(cut, 'utf8').toString('utf8'); // V8 makes no views under 13 characters
}
