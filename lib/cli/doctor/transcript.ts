/**
 * SMTP conversations in the arrow format of GHES's unicorn.log (Ruby Net::SMTP
 * debug output): `-> "220 …\r\n"` from the server, `<- "EHLO …\r\n"` from the
 * client, and plain notes such as `TLS connection started`. Credentials are
 * masked on the way in, so no caller can print them by mistake.
 */

export type Direction = 'server' | 'client';

/** One transcript entry: a line from either side, or a note. */
export type TranscriptEntry = { readonly dir: Direction; readonly text: string } | { readonly note: string };

export const MASK = '******** (masked)';

/** `-> "220 x\r\n"` / `<- "EHLO x\r\n"`; notes are written as they are. */
export function formatEntry(e: TranscriptEntry): string {
  if ('note' in e) return e.note;
  return `${e.dir === 'server' ? '->' : '<-'} ${JSON.stringify(`${e.text}\r\n`)}`;
}

/** Reads one arrow line (anywhere in a log line, after any prefix); undefined for other lines. */
export function parseArrow(line: string): { dir: Direction; text: string } | undefined {
  const m = /(->|<-) "((?:[^"\\]|\\.)*)"\s*$/.exec(line);
  if (!m) return undefined;
  return { dir: m[1] === '->' ? 'server' : 'client', text: unescapeRuby(m[2]).replace(/\r?\n$/, '') };
}

function unescapeRuby(s: string): string {
  return s.replace(/\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|.)/g, (_, c: string) => {
    if (c[0] === 'x' && c.length === 3) return String.fromCharCode(parseInt(c.slice(1), 16));
    if (c[0] === 'u' && c.length === 5) return String.fromCharCode(parseInt(c.slice(1), 16));
    return ({ r: '\r', n: '\n', t: '\t', e: '\x1b', '0': '\0' } as Record<string, string>)[c] ?? c;
  });
}

/**
 * Masks what a client sends during AUTH: the initial response of `AUTH PLAIN x`
 * / `AUTH LOGIN x`, and every client line answering a 334 challenge (base64
 * user name, password, CRAM-MD5 digest). Also replaces any literal `secrets`
 * and their base64 forms wherever they appear, as a second line of defence.
 */
export class CredentialMasker {
  private inAuth = false;
  private readonly needles: string[];

  constructor(secrets: readonly string[] = []) {
    const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');
    this.needles = secrets
      .filter((s) => s.length >= 3)
      .flatMap((s) => [s, b64(s), b64(s).replace(/=+$/, '')])
      .sort((a, b) => b.length - a.length);
  }

  /** Returns the entry as it may be shown. */
  mask(e: TranscriptEntry): TranscriptEntry {
    if ('note' in e) return { note: this.scrub(e.note) };
    if (e.dir === 'client') {
      const auth = /^(AUTH\s+\S+)(\s+\S+)?/i.exec(e.text);
      if (auth) {
        this.inAuth = true;
        return { dir: 'client', text: auth[2] ? `${auth[1]} ${MASK}` : this.scrub(e.text) };
      }
      if (this.inAuth) return { dir: 'client', text: MASK };
      return { dir: 'client', text: this.scrub(e.text) };
    }
    if (!/^334[ -]/.test(e.text)) this.inAuth = false;
    return { dir: 'server', text: this.scrub(e.text) };
  }

  /** Replaces known secrets in any text. */
  scrub(text: string): string {
    let out = text;
    for (const n of this.needles) out = out.split(n).join(MASK);
    return out;
  }
}

/**
 * Groups server lines into complete replies ("250-a", "250 b" → one reply) and
 * pairs each with the client command it answers (the first word(s) of the last
 * client line, or "greeting"/"STARTTLS").
 */
export function repliesWithCommands(entries: readonly TranscriptEntry[]): { command: string; lines: string[] }[] {
  const out: { command: string; lines: string[] }[] = [];
  let command = 'greeting';
  let pending: string[] = [];
  for (const e of entries) {
    if ('note' in e) continue;
    if (e.dir === 'client') {
      command = commandName(e.text, command);
      continue;
    }
    pending.push(e.text);
    if (!/^\d{3}-/.test(e.text)) {
      out.push({ command, lines: pending });
      pending = [];
    }
  }
  if (pending.length > 0) out.push({ command, lines: pending });
  return out;
}

function commandName(text: string, previous: string): string {
  const m = /^(MAIL FROM|RCPT TO|AUTH \S+|EHLO|HELO|LHLO|STARTTLS|DATA|QUIT|RSET|NOOP)\b/i.exec(text);
  if (m) return m[1].toUpperCase();
  // A credential line or the message body answers the command it continues.
  if (previous.startsWith('AUTH')) return previous;
  return previous;
}
