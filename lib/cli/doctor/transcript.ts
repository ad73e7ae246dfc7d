/**
 * SMTP conversations in the arrow format of GHES's unicorn.log (Ruby Net::SMTP
 * debug output): `-> "220 …\r\n"` from the server, `<- "EHLO …\r\n"` from the
 * client, and plain notes such as `TLS connection started`. Credentials are
 * masked on the way in, so no caller can print them by mistake.
 */
import { PATTERNS, match, scanned } from './patterns';
import { escapeControls } from './terminal-text';

export type Direction = 'server' | 'client';

/** One transcript entry: a line from either side, or a note. */
export type TranscriptEntry = { readonly dir: Direction; readonly text: string } | { readonly note: string };

export const MASK = '******** (masked)';

/**
 * `-> "220 x\r\n"` / `<- "EHLO x\r\n"`. The quoting escapes C0 controls; escapeControls also
 * covers what JSON leaves raw (DEL, C1, bidi marks), so a transcript line is safe in any output.
 */
export function formatEntry(e: TranscriptEntry): string {
  if ('note' in e) return escapeControls(e.note);
  return `${e.dir === 'server' ? '->' : '<-'} ${escapeControls(JSON.stringify(`${e.text}\r\n`))}`;
}

/**
 * Reads one arrow line (anywhere in a log line, after any prefix); undefined for other lines.
 * The quoted text must run to the end of the line. Candidates are found with indexOf and each
 * quoted string is scanned by hand, forward only: a scan stops at the next unescaped quote,
 * which is at the latest the next candidate's, so the line is read a bounded number of times.
 */
export function parseArrow(line: string): { dir: Direction; text: string } | undefined {
  let end = line.length;
  while (end > 0 && (line[end - 1] === ' ' || line[end - 1] === '\t' || line[end - 1] === '\r')) end--;
  scanned(line.length - end + 1);
  if (end < 5 || line[end - 1] !== '"') return undefined;
  let server = line.indexOf('-> "');
  let client = line.indexOf('<- "');
  scanned(line.length);
  while (server >= 0 || client >= 0) {
    const at = client < 0 || (server >= 0 && server < client) ? server : client;
    let i = at + 4;
    while (i < end - 1 && line[i] !== '"') i += line[i] === '\\' ? 2 : 1;
    scanned(i - at);
    if (i === end - 1)
      return {
        dir: at === server ? 'server' : 'client',
        text: stripNewline(unescapeRuby(line.slice(at + 4, end - 1))),
      };
    if (at === server) server = line.indexOf('-> "', at + 1);
    else client = line.indexOf('<- "', at + 1);
  }
  return undefined;
}

function stripNewline(s: string): string {
  if (s.endsWith('\r\n')) return s.slice(0, -2);
  return s.endsWith('\n') ? s.slice(0, -1) : s;
}

const SIMPLE: Readonly<Record<string, string>> = { r: '\r', n: '\n', t: '\t', e: '\x1b', '0': '\0' };
const isHex = (s: string) =>
  s.length > 0 && [...s].every((c) => (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'));

/** Ruby's String#inspect escapes (\r, \n, \e, \xHH, \uHHHH, \"), undone in one forward pass. */
function unescapeRuby(s: string): string {
  if (!s.includes('\\')) return s;
  let out = '';
  for (let i = 0; i < s.length; i++) {
    if (s[i] !== '\\' || i + 1 >= s.length) {
      out += s[i];
      continue;
    }
    const c = s[++i];
    const hex = c === 'x' ? s.slice(i + 1, i + 3) : c === 'u' ? s.slice(i + 1, i + 5) : '';
    if (hex.length === (c === 'x' ? 2 : 4) && isHex(hex)) {
      out += String.fromCharCode(parseInt(hex, 16));
      i += hex.length;
    } else out += SIMPLE[c] ?? c;
  }
  scanned(s.length);
  return out;
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
      const auth = match(PATTERNS.AUTH_COMMAND, e.text);
      if (auth) {
        this.inAuth = true;
        return { dir: 'client', text: auth[2] ? `${auth[1]} ${MASK}` : this.scrub(e.text) };
      }
      if (this.inAuth) return { dir: 'client', text: MASK };
      return { dir: 'client', text: this.scrub(e.text) };
    }
    if (!match(PATTERNS.CHALLENGE, e.text)) this.inAuth = false;
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
    if (!match(PATTERNS.CONTINUED, e.text)) {
      out.push({ command, lines: pending });
      pending = [];
    }
  }
  if (pending.length > 0) out.push({ command, lines: pending });
  return out;
}

export function commandName(text: string, previous: string): string {
  const m = match(PATTERNS.COMMAND, text);
  if (m) return m[1].toUpperCase();
  // A credential line or the message body answers the command it continues.
  return previous;
}
