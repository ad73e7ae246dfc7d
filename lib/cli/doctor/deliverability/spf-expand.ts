/**
 * SPF macro expansion (RFC 7208 §7.2–§7.3): every letter, the transformers (a number of right-hand parts, "r" to
 * reverse), delimiters, URL escaping for upper-case letters, and the left-hand truncation of a name past 253
 * characters. The doctor expands with what the receiver would know: the relay's address, the envelope sender, the
 * HELO name; %{p} asks DNS for the address's validated name as §5.5 describes.
 */
import * as ipaddr from 'ipaddr.js';
import { MacroPiece, parseMacroString } from '../../../records/spf-macro';

export interface MacroValues {
  /** <sender>: the envelope sender, local-part@domain. */
  readonly sender: string;
  readonly ip: ipaddr.IPv4 | ipaddr.IPv6;
  /** The HELO/EHLO name the relay greets receivers with. */
  readonly helo: string;
  /** <domain>: the domain whose record is being evaluated. */
  readonly domain: string;
  /** %{p}: the validated domain name of the address, or "unknown" (§7.3). Looked up only when a record uses it. */
  readonly validated: () => Promise<string>;
}

/** The address in %{i} form: dotted-quad, or 32 dot-separated nibbles for IPv6 (§7.3). */
export function dottedAddress(ip: ipaddr.IPv4 | ipaddr.IPv6): string {
  if (ip.kind() === 'ipv4') return ip.toString();
  return ip
    .toByteArray()
    .flatMap((b) => [b >> 4, b & 15])
    .map((n) => n.toString(16))
    .join('.');
}

/** The reverse-DNS name of an address, as a PTR lookup asks it. */
export function reverseName(ip: ipaddr.IPv4 | ipaddr.IPv6): string {
  return `${dottedAddress(ip).split('.').reverse().join('.')}.${ip.kind() === 'ipv4' ? 'in-addr' : 'ip6'}.arpa`;
}

/** RFC 3986 unreserved characters stay; everything else becomes %XX (§7.3). */
function urlEscape(text: string): string {
  let out = '';
  for (const byte of Buffer.from(text, 'utf8')) {
    const c = String.fromCharCode(byte);
    out += /[A-Za-z0-9._~-]/.test(c) ? c : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

async function letterValue(letter: string, v: MacroValues): Promise<string> {
  const at = v.sender.lastIndexOf('@');
  switch (letter) {
    case 's':
      return v.sender;
    case 'l':
      return at > 0 ? v.sender.slice(0, at) : 'postmaster';
    case 'o':
      return v.sender.slice(at + 1);
    case 'd':
      return v.domain;
    case 'i':
      return dottedAddress(v.ip);
    case 'p':
      return v.validated();
    case 'v':
      return v.ip.kind() === 'ipv4' ? 'in-addr' : 'ip6';
    case 'h':
      return v.helo;
    case 'c':
      return v.ip.toString();
    case 'r':
      return 'unknown';
    default:
      // 't': the time of the check, in seconds.
      return String(Math.floor(Date.now() / 1000));
  }
}

async function expandPiece(piece: MacroPiece, v: MacroValues): Promise<string> {
  if (piece.kind === 'literal') return piece.text;
  const value = await letterValue(piece.letter, v);
  let parts = splitOn(value, piece.delimiters);
  if (piece.reverse) parts = parts.reverse();
  if (piece.keep !== undefined) parts = parts.slice(-piece.keep);
  // Parts are joined with "." whatever split them (§7.3).
  const joined = parts.join('.');
  return piece.escape ? urlEscape(joined) : joined;
}

function splitOn(value: string, delimiters: string): string[] {
  const parts: string[] = [];
  let current = '';
  for (const c of value) {
    if (delimiters.includes(c)) {
      parts.push(current);
      current = '';
    } else current += c;
  }
  parts.push(current);
  return parts;
}

/** A macro-string expanded; throws on a syntax error (the record parser has refused those already). */
export async function expandMacros(text: string, v: MacroValues, explanation = false): Promise<string> {
  const pieces = parseMacroString(text, explanation);
  if (typeof pieces === 'string') throw new Error(pieces);
  let out = '';
  for (const piece of pieces) out += await expandPiece(piece, v);
  return out;
}

/**
 * A domain-spec expanded into the name to look up: lower-case, without the final dot, and cut from the left, label by
 * label, to 253 characters (§7.3).
 */
export async function expandDomain(spec: string, v: MacroValues): Promise<string> {
  let name = (await expandMacros(spec, v)).toLowerCase().replace(/\.$/, '');
  while (name.length > 253 && name.includes('.')) name = name.slice(name.indexOf('.') + 1);
  return name;
}

/** Why a name cannot be a check_host() <domain> (§4.3: a label longer than 63, an empty label, a single label). */
export function malformedDomain(name: string): string | undefined {
  const labels = name.split('.');
  if (labels.length < 2) return `"${name}" is not a multi-label domain name`;
  if (labels.some((l) => l.length === 0 || l.length > 63))
    return `"${name}" has an empty label or one over 63 characters`;
  return undefined;
}
