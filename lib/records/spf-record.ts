/**
 * SPF records (RFC 7208): the text this library publishes, and a parser the
 * doctor runs on whatever DNS returns. The parser splits on spaces and looks at
 * prefixes, never a backtracking regex over the whole record: DNS answers are
 * untrusted text, and its cost stays linear in their length.
 */
import * as ipaddr from 'ipaddr.js';
import { readCidr } from '../core/cidr';
import { Problems, show } from '../core/problems';
import { domainNameProblem, isToken } from '../core/value-rules';
import { domainSpecProblem, parseMacroString } from './spf-macro';

export { hasMacro } from './spf-macro';

/** `~all` (softfail: suspicious, usually still delivered) or `-all` (fail: receivers may refuse). */
export const SPF_ALL = ['~all', '-all'] as const;
export type SpfAll = (typeof SPF_ALL)[number];

/** Who may send for a domain, as this library publishes it. */
export interface SpfProps {
  /** Domains whose SPF is included, e.g. "spf.protection.outlook.com". @default - none */
  readonly include?: string[];
  /** IPv4 addresses or CIDR blocks the relay sends from. @default - none */
  readonly ip4?: string[];
  /** IPv6 addresses or CIDR blocks the relay sends from. @default - none */
  readonly ip6?: string[];
  /** What happens to everyone else. @default '~all' */
  readonly all?: SpfAll;
}

/**
 * RFC 7208 §4.6.4: include, a, mx, ptr, exists and the redirect modifier each
 * cost one DNS lookup; more than 10 in one evaluation (includes followed) is a
 * permerror, and receivers then treat the mail as having no SPF at all.
 */
export const SPF_LOOKUP_LIMIT = 10;
const QUERYING = new Set(['include', 'a', 'mx', 'ptr', 'exists']);
const MECHANISMS = new Set(['all', 'include', 'a', 'mx', 'ptr', 'ip4', 'ip6', 'exists']);

/** Renders the record: addresses first (they cost no lookup), then includes, then `all`. */
export function renderSpf(props: SpfProps): string {
  const terms = [
    ...(props.ip4 ?? []).map((v) => `ip4:${v}`),
    ...(props.ip6 ?? []).map((v) => `ip6:${v}`),
    // Lower-cased for a stable record, but never a Terraform reference: that would corrupt the token.
    ...(props.include ?? []).map((v) => `include:${isToken(v) ? v : v.toLowerCase()}`),
    props.all ?? '~all',
  ];
  return `v=spf1 ${terms.join(' ')}`;
}

/** Records every problem with the SPF props under `p`. */
export function validateSpfProps(p: Problems, props: SpfProps): void {
  const lists = [props.include, props.ip4, props.ip6];
  if (lists.every((l) => l === undefined || (!isToken(l) && l.length === 0))) {
    p.add(
      undefined,
      'got no "include", "ip4" or "ip6"; expected at least one: the relay that sends the mail must be authorized',
    );
  }
  const include = isToken(props.include) ? undefined : props.include;
  include?.forEach((domain, i) => {
    // An include target is a DNS name, not a host: providers publish "_spf.<domain>" (RFC 2181 §11).
    const problem = isToken(domain) ? undefined : domainNameProblem(domain);
    if (problem !== undefined) p.at('include').add(i, problem);
  });
  if (include && include.length > SPF_LOOKUP_LIMIT) {
    p.add(
      'include',
      `got ${include.length} includes; expected at most ${SPF_LOOKUP_LIMIT}: each costs a DNS lookup, and more than ${SPF_LOOKUP_LIMIT} lookups make receivers ignore the record (RFC 7208 §4.6.4), before counting the lookups inside each include`,
    );
  }
  checkNetworks(p, 'ip4', props.ip4, 'ipv4');
  checkNetworks(p, 'ip6', props.ip6, 'ipv6');
  if (props.all !== undefined && !isToken(props.all) && !(SPF_ALL as readonly string[]).includes(props.all)) {
    p.add(
      'all',
      `got ${show(props.all)}; expected "~all" (softfail) or "-all" (fail); "+all" or "?all" would authorize every server on the internet`,
    );
  }
  for (const [key, list] of [
    ['include', include],
    ['ip4', props.ip4],
    ['ip6', props.ip6],
  ] as const) {
    if (!list || isToken(list)) continue;
    const seen = new Set<string>();
    list.forEach((v, i) => {
      if (isToken(v)) return;
      if (seen.has(v.toLowerCase())) p.at(key).add(i, `got ${show(v)} twice; remove one`);
      seen.add(v.toLowerCase());
    });
  }
}

function checkNetworks(p: Problems, key: 'ip4' | 'ip6', list: string[] | undefined, family: 'ipv4' | 'ipv6'): void {
  if (list === undefined || isToken(list)) return;
  list.forEach((value, i) => {
    if (isToken(value)) return;
    if (networkProblem(value, family))
      p.at(key).add(i, `got ${show(value)}; expected ${networkProblem(value, family)}`);
  });
}

/** Why a value is not an address or a canonical CIDR block of the family, or undefined. */
function networkProblem(value: string, family: 'ipv4' | 'ipv6'): string | undefined {
  const example = family === 'ipv4' ? '"203.0.113.5" or "203.0.113.0/24"' : '"2001:db8::5" or "2001:db8::/32"';
  if (!value.includes('/')) {
    const ok =
      family === 'ipv4'
        ? ipaddr.IPv4.isValidFourPartDecimal(value)
        : value.includes(':') && !value.includes('%') && ipaddr.IPv6.isValid(value);
    return ok ? undefined : `an ${family === 'ipv4' ? 'IPv4' : 'IPv6'} address or CIDR block such as ${example}`;
  }
  const reading = readCidr(value);
  if (!reading || reading.family !== family)
    return `an ${family === 'ipv4' ? 'IPv4' : 'IPv6'} address or CIDR block such as ${example}`;
  if (reading.flaws.length > 0)
    return `${show(reading.canonical)} (the block as written ${reading.flaws.join(' and ')})`;
  return undefined;
}

export type SpfQualifier = '+' | '-' | '~' | '?';

/** One directive (`~all`, `include:x`, `ip4:1.2.3.0/24`) or modifier (`redirect=x`) of a parsed record. */
export interface SpfTerm {
  readonly kind: 'mechanism' | 'modifier';
  /** Lower-case mechanism or modifier name. */
  readonly name: string;
  readonly qualifier: SpfQualifier;
  /** The domain-spec or network after ":" / "=", as written. @default - none */
  readonly value?: string;
  /** CIDR prefix lengths from "/n" and "//n". @default - a single address */
  readonly cidr4?: number;
  readonly cidr6?: number;
  /** The term as written. */
  readonly text: string;
}

export interface ParsedSpf {
  readonly terms: readonly SpfTerm[];
  /** Syntax errors: any one makes the record a permerror (RFC 7208 §4.6). */
  readonly problems: readonly string[];
}

/** A TXT string is an SPF record when it starts with "v=spf1" followed by a space or its end (RFC 7208 §4.5). */
export function isSpfRecord(text: string): boolean {
  return text.slice(0, 6).toLowerCase() === 'v=spf1' && (text.length === 6 || text[6] === ' ');
}

/** Parses an SPF record. Linear: one split, then a bounded look at each term. */
export function parseSpf(text: string): ParsedSpf {
  const terms: SpfTerm[] = [];
  const problems: string[] = [];
  if (!isSpfRecord(text)) return { terms, problems: ['does not start with "v=spf1"'] };
  const seenModifier = new Set<string>();
  for (const raw of text.slice(6).split(' ')) {
    if (raw === '') continue;
    const term = parseTerm(raw);
    if (typeof term === 'string') {
      problems.push(term);
      continue;
    }
    if (term.kind === 'modifier' && (term.name === 'redirect' || term.name === 'exp')) {
      if (seenModifier.has(term.name)) problems.push(`"${term.name}=" appears twice (RFC 7208 §6)`);
      seenModifier.add(term.name);
    }
    terms.push(term);
  }
  return { terms, problems };
}

function parseTerm(raw: string): SpfTerm | string {
  // A modifier's name is ALPHA *(ALPHA / DIGIT / "-" / "_" / "."), then "=".
  let i = 0;
  while (i < raw.length && /[A-Za-z0-9_.-]/.test(raw[i])) i++;
  if (raw[i] === '=' && /^[A-Za-z]/.test(raw)) {
    const name = raw.slice(0, i).toLowerCase();
    const value = raw.slice(i + 1);
    if ((name === 'redirect' || name === 'exp') && domainSpecProblem(value))
      return `"${raw}": ${domainSpecProblem(value)}`;
    // Any other modifier is ignored (RFC 7208 §6), but its value is still a macro-string: a bad one is a syntax error.
    const macro = parseMacroString(value);
    if (typeof macro === 'string') return `"${raw}": ${macro}`;
    return { kind: 'modifier', name, qualifier: '+', value, text: raw };
  }
  const qualifier = '+-~?'.includes(raw[0]) ? (raw[0] as SpfQualifier) : '+';
  const body = '+-~?'.includes(raw[0]) ? raw.slice(1) : raw;
  let end = 0;
  while (end < body.length && body[end] !== ':' && body[end] !== '/') end++;
  const name = body.slice(0, end).toLowerCase();
  if (!MECHANISMS.has(name))
    return `"${raw}" is not an SPF mechanism (all, include, a, mx, ptr, ip4, ip6, exists) or modifier`;
  const rest = body.slice(end);
  const base = { kind: 'mechanism' as const, name, qualifier, text: raw };
  if (name === 'all') return rest === '' ? base : `"${raw}": "all" takes no argument`;
  if (name === 'ip4' || name === 'ip6') return parseNetwork(raw, base, rest);
  let value: string | undefined;
  let cidrText = rest;
  if (rest.startsWith(':')) {
    const slash = cidrStart(rest);
    value = slash < 0 ? rest.slice(1) : rest.slice(1, slash);
    cidrText = slash < 0 ? '' : rest.slice(slash);
    const problem = domainSpecProblem(value);
    if (problem) return `"${raw}": ${problem}`;
  } else if (name === 'include' || name === 'exists') {
    return `"${raw}": "${name}" needs ":domain"`;
  }
  if (cidrText !== '' && (name === 'a' || name === 'mx')) {
    const cidr = parseDualCidr(cidrText);
    return typeof cidr === 'string' ? `"${raw}": ${cidr}` : { ...base, value, ...cidr };
  }
  if (cidrText !== '') return `"${raw}": "${name}" takes no CIDR length`;
  return { ...base, value };
}

function parseNetwork(raw: string, base: Omit<SpfTerm, 'value'>, rest: string): SpfTerm | string {
  if (!rest.startsWith(':')) return `"${raw}": "${base.name}" needs ":address"`;
  const slash = rest.indexOf('/');
  const address = slash < 0 ? rest.slice(1) : rest.slice(1, slash);
  const v4 = base.name === 'ip4';
  const ok = v4
    ? ipaddr.IPv4.isValidFourPartDecimal(address)
    : address.includes(':') && ipaddr.IPv6.isValid(address) && !address.includes('%');
  if (!ok) return `"${raw}": ${show(address)} is not an ${v4 ? 'IPv4' : 'IPv6'} address`;
  if (slash < 0) return { ...base, value: address };
  const digits = rest.slice(slash + 1);
  const n = Number(digits);
  if (!/^\d{1,3}$/.test(digits) || n > (v4 ? 32 : 128)) return `"${raw}": bad prefix length`;
  return { ...base, value: address, ...(v4 ? { cidr4: n } : { cidr6: n }) };
}

/**
 * Where a domain-spec's dual-cidr-length starts: the first "/" outside a macro ("%{d/}" may hold one as a delimiter).
 */
function cidrStart(rest: string): number {
  let inMacro = false;
  for (let i = 0; i < rest.length; i++) {
    if (rest[i] === '{' && rest[i - 1] === '%') inMacro = true;
    else if (rest[i] === '}') inMacro = false;
    else if (rest[i] === '/' && !inMacro) return i;
  }
  return -1;
}

/** "/24", "//64" or "/24//64". */
function parseDualCidr(text: string): { cidr4?: number; cidr6?: number } | string {
  const [v4, v6, extra] = text.startsWith('//') ? ['', text.slice(2), undefined] : text.slice(1).split('//');
  if (extra !== undefined) return 'bad CIDR length';
  const out: { cidr4?: number; cidr6?: number } = {};
  if (v4 !== '') {
    if (!/^\d{1,2}$/.test(v4) || Number(v4) > 32) return 'bad IPv4 CIDR length';
    out.cidr4 = Number(v4);
  }
  if (v6 !== undefined) {
    if (!/^\d{1,3}$/.test(v6) || Number(v6) > 128) return 'bad IPv6 CIDR length';
    out.cidr6 = Number(v6);
  }
  return out;
}

/**
 * The record as receivers will read it: the rendered text through the same
 * parser the doctor uses, and its own lookup terms against the limit (the
 * lookups inside each include are only known from DNS: `doctor deliverability`
 * counts those). A record holding a Terraform reference is judged at apply.
 */
export function checkRenderedSpf(p: Problems, record: string): void {
  if (isToken(record)) return;
  const parsed = parseSpf(record);
  for (const problem of parsed.problems)
    p.add(undefined, `renders ${show(record)}, which receivers would reject: ${problem}`);
  const lookups = parsed.terms.filter(queriesDns).length;
  if (lookups > SPF_LOOKUP_LIMIT)
    p.add(
      undefined,
      `renders a record with ${lookups} DNS lookups; receivers allow ${SPF_LOOKUP_LIMIT} (RFC 7208 §4.6.4)`,
    );
}

/** True when the term costs a DNS lookup (RFC 7208 §4.6.4). */
export function queriesDns(term: SpfTerm): boolean {
  return term.kind === 'mechanism' ? QUERYING.has(term.name) : term.name === 'redirect';
}
