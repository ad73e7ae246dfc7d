/**
 * Checks for single values (hostnames, addresses, CIDRs, ranges, AWS ids).
 * Each records a problem instead of throwing, and ignores Terraform tokens:
 * a reference such as `${aws_eip.x.public_ip}` is only known at apply time.
 */
import { domainToASCII } from 'node:url';
import * as ipaddr from 'ipaddr.js';
// Deep path: the config checks (and with them the CLI) need Token alone, not all of cdktf (imports.test.ts).
import { Token } from 'cdktf/lib/tokens/token';
import { CidrReading, IpFamily, isWholeInternet, readCidr } from './cidr';
import { Problems, show } from './problems';

export type { IpFamily } from './cidr';

/** True when the value is a cdktf token (a reference resolved by Terraform later). */
export function isToken(value: unknown): boolean {
  if (typeof value === 'string' || typeof value === 'number') return Token.isUnresolved(value);
  if (Array.isArray(value)) return Token.isUnresolved(value);
  return false;
}

// RFC 1123 label: letters, digits, hyphens; not starting or ending with a hyphen; 1-63 chars.
const LABEL = /^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$/;
// A DNS name that is no host may have underscores too (RFC 2181 §11): "_spf.google.com", "_dmarc.example.com".
const DOMAIN_LABEL = /^(?!-)[A-Za-z0-9_-]{1,63}(?<!-)$/;

/**
 * Problem text for a DNS name that names no host (an SPF include target: underscores allowed), or undefined.
 */
export function domainNameProblem(value: string): string | undefined {
  const labels = value.split('.');
  if (value.endsWith('.') || value.length > 253 || labels.length < 2 || !labels.every((l) => DOMAIN_LABEL.test(l))) {
    return `got ${show(value)}; expected a domain name such as "_spf.example.com" (letters, digits, "-" and "_")`;
  }
  return undefined;
}

/** Problem text for a DNS hostname, or undefined when it is fine. */
export function hostnameProblem(value: string): string | undefined {
  const ascii = punycodeOf(value);
  if (ascii !== undefined)
    return `got ${show(value)}, an internationalized name; expected its punycode form ${show(ascii)}`;
  if (value.endsWith('.')) return `got ${show(value)}: write the hostname without a trailing dot`;
  if (value.length > 253) return `got a ${value.length}-character name; expected a hostname of at most 253 characters`;
  const labels = value.split('.');
  if (labels.length < 2 || !labels.every((l) => LABEL.test(l)) || /^[0-9]+$/.test(labels[labels.length - 1])) {
    return `got ${show(value)}; expected a fully qualified hostname (RFC 1123), e.g. "github.example.com"`;
  }
  return undefined;
}

/**
 * The punycode (ASCII) form of an internationalized name, when it is one and
 * that form is a valid hostname. DNS, SMTP and GHES's settings take the ASCII
 * form; converting silently would hide which name actually gets used.
 */
function punycodeOf(value: string): string | undefined {
  if (!/[^\x00-\x7f]/.test(value)) return undefined;
  const ascii = domainToASCII(value);
  return ascii !== '' && hostnameProblem(ascii) === undefined ? ascii : undefined;
}

export function checkHostname(p: Problems, key: string, value: string | undefined): void {
  if (value === undefined || isToken(value)) return;
  const problem = hostnameProblem(value);
  if (problem) p.add(key, problem);
}

/** A server address: a hostname, or an IPv4 or IPv6 literal (GHES's SMTP "Server address" takes either). */
export function checkHostOrIp(p: Problems, key: string, value: string | undefined): void {
  if (value === undefined || isToken(value)) return;
  if (ipaddr.IPv4.isValidFourPartDecimal(value)) return;
  if (value.includes(':') && !value.includes('%') && ipaddr.IPv6.isValid(value)) return;
  const inner = value.slice(1, -1);
  if (value.startsWith('[') && value.endsWith(']') && ipaddr.IPv6.isValid(inner)) {
    p.add(key, `got ${show(value)}; expected the address without the brackets: ${show(inner)}`);
    return;
  }
  const problem = hostnameProblem(value);
  if (problem)
    p.add(
      key,
      problem.replace(
        /; expected a fully qualified hostname/,
        '; expected an IP address or a fully qualified hostname',
      ),
    );
}

/**
 * Mailbox check: local@domain, with an RFC 1123 domain. Not RFC 5322 in full, on purpose: GHES needs a plain address.
 */
export function checkEmail(p: Problems, key: string | number, value: string | undefined): void {
  if (value === undefined || isToken(value)) return;
  const at = value.lastIndexOf('@');
  const local = value.slice(0, at);
  const domain = value.slice(at + 1);
  const ascii = at < 1 ? undefined : punycodeOf(domain);
  if (ascii !== undefined) {
    p.add(
      key,
      `got ${show(value)}, whose domain is internationalized; expected its punycode form ${show(`${local}@${ascii}`)}`,
    );
  } else if (at < 1 || /[\s<>(),;:"\\[\]@]/.test(local) || local.length > 64 || hostnameProblem(domain) !== undefined) {
    p.add(key, `got ${show(value)}; expected an email address such as "noreply@github.example.com"`);
  }
}

/**
 * A support URL: GHES requires the http:// or https:// scheme. GHES shows it
 * to every user, so credentials in it are refused (and never echoed), and so
 * is whitespace, which the URL parser would silently drop or encode.
 */
export function checkHttpUrl(p: Problems, key: string, value: string | undefined): void {
  if (value === undefined || isToken(value)) return;
  // Anchored, and the class stops at the first "/", "?" or "#": one pass at most.
  const shown = show(value.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/?#]*@/i, '$1***@'));
  if (/[\s\x00-\x1f\x7f]/.test(value)) {
    p.add(key, `got ${shown}; a URL may not contain spaces or line breaks (write a space as %20)`);
    return;
  }
  let url: URL | undefined;
  try {
    url = /^https?:\/\//i.test(value) ? new URL(value) : undefined;
  } catch {
    url = undefined;
  }
  if (!url || url.hostname.length === 0)
    p.add(key, `got ${shown}; expected a URL that starts with "http://" or "https://"`);
  else if (url.username !== '' || url.password !== '')
    p.add(
      key,
      `got ${shown}, a URL with user:password@ credentials, which GHES would show to every user; expected the URL without them`,
    );
}

/** An integer in [min, max]. */
export function checkIntRange(
  p: Problems,
  key: string,
  value: number | undefined,
  min: number,
  max: number,
  what = 'an integer',
): void {
  if (value === undefined || isToken(value)) return;
  if (!Number.isInteger(value) || value < min || value > max) {
    p.add(key, `got ${show(value)}; expected ${what} from ${min} to ${max}`);
  }
}

/** The family of a CIDR such as "10.0.0.0/8" or "::/0", or undefined when it is not one. */
export function cidrFamily(value: string): IpFamily | undefined {
  return readCidr(value)?.family;
}

/** Checks one CIDR literal; returns its reading when it is acceptable as written. */
export function checkCidr(p: Problems, key: string | number, value: string): CidrReading | undefined {
  if (isToken(value)) return undefined;
  const reading = readCidr(value);
  if (!reading)
    p.add(key, `got ${show(value)}; expected an IPv4 or IPv6 CIDR block such as "10.0.0.0/8" or "2001:db8::/32"`);
  else if (reading.flaws.length > 0)
    p.add(key, `got ${show(value)}, which ${reading.flaws.join(' and ')}; expected ${show(reading.canonical)}`);
  return reading && reading.flaws.length === 0 ? reading : undefined;
}

/**
 * Checks a literal CIDR list: each block, and no block twice in any spelling
 * (AWS rejects duplicate rules, and the rule ids would collide). A token list
 * is not judged; a token item only clashes with the same token. Returns the
 * accepted readings by index (undefined for tokens and rejected items).
 */
export function checkCidrList(
  p: Problems,
  key: string,
  list: readonly string[] | undefined,
): (CidrReading | undefined)[] {
  if (list === undefined || isToken(list)) return [];
  const at = p.at(key);
  const first = new Map<string, number>();
  return list.map((value, i) => {
    const reading = checkCidr(at, i, value);
    const id = isToken(value) ? `token ${value}` : reading?.canonical;
    if (id === undefined) return undefined;
    const earlier = first.get(id);
    if (earlier === undefined) {
      first.set(id, i);
      return reading;
    }
    const again = `AWS rejects duplicate rules: remove one`;
    if (isToken(value)) at.add(i, `got the same Terraform reference twice (also at [${earlier}]); ${again}`);
    else if (list[earlier] === value) at.add(i, `got ${show(value)} twice (also at [${earlier}]); ${again}`);
    else at.add(i, `got ${show(value)}, the same block as [${earlier}] ${show(list[earlier])}; ${again}`);
    return undefined;
  });
}

/** The accepted readings that open a port to everyone (0.0.0.0/0, ::/0), with their indexes. */
export function wholeInternetCidrs(
  readings: readonly (CidrReading | undefined)[],
): { index: number; reading: CidrReading }[] {
  return readings.flatMap((reading, index) => (reading && isWholeInternet(reading) ? [{ index, reading }] : []));
}

export function checkIpAddress(p: Problems, key: string, value: string | undefined, family: IpFamily): void {
  if (value === undefined || isToken(value)) return;
  const ok =
    family === 'ipv4' ? ipaddr.IPv4.isValidFourPartDecimal(value) : ipaddr.IPv6.isValid(value) && value.includes(':');
  if (!ok) p.add(key, `got ${show(value)}; expected an ${family === 'ipv4' ? 'IPv4' : 'IPv6'} address`);
}

/** AWS resource id such as vpc-0abc…, subnet-…, ami-…, sg-…, eni-…, pl-…. */
export function checkAwsId(p: Problems, key: string | number, value: string | undefined, prefix: string): void {
  if (value === undefined || isToken(value)) return;
  if (!new RegExp(`^${prefix}-([0-9a-f]{8}|[0-9a-f]{17})$`).test(value)) {
    p.add(key, `got ${show(value)}; expected an id of the form "${prefix}-" followed by 8 or 17 hex digits`);
  }
}

/** One of a fixed set of strings. */
export function checkOneOf<T extends string>(
  p: Problems,
  key: string,
  value: string | undefined,
  allowed: readonly T[],
): value is T {
  if (value === undefined || isToken(value)) return true;
  if (!(allowed as readonly string[]).includes(value)) {
    p.add(key, `got ${show(value)}; expected one of ${allowed.map((a) => JSON.stringify(a)).join(', ')}`);
    return false;
  }
  return true;
}

/** A non-empty list, when given. */
export function checkNonEmpty(p: Problems, key: string, value: readonly unknown[] | undefined, what: string): void {
  if (value === undefined || isToken(value)) return;
  if (value.length === 0) p.add(key, `got an empty list; expected at least one ${what}`);
}

/** A value matching an id pattern (e.g. a Route53 zone id). */
export function checkAwsIdLike(
  p: Problems,
  key: string,
  value: string | undefined,
  pattern: RegExp,
  expected: string,
): void {
  if (value === undefined || isToken(value)) return;
  if (!pattern.test(value)) p.add(key, `got ${show(value)}; expected ${expected}`);
}

/** A construct-id-safe name for a CIDR or prefix list: "0.0.0.0/0" → "0-0-0-0-0", "::/0" → "ipv6-0". */
export function sourceSlug(source: string): string {
  const slug = source.replace(/[^A-Za-z0-9]+/g, '-').replace(/^-+|-+$/g, '');
  return source.includes(':') ? `ipv6-${slug}` : slug;
}

const REGION = /^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$/;

/** True for an AWS region name such as "us-east-1" or "us-gov-west-1". */
export function isRegion(value: string): boolean {
  return REGION.test(value);
}

/** An AWS region name such as "us-east-1". */
export function checkRegion(p: Problems, key: string, value: string | undefined): void {
  if (value === undefined || isToken(value)) return;
  if (!isRegion(value)) p.add(key, `got ${show(value)}; expected an AWS region such as "us-east-1"`);
}

/** The domain of an email address, lower-case ("noreply@GitHub.example.com" → "github.example.com"). */
export function emailDomain(address: string): string {
  return address.slice(address.lastIndexOf('@') + 1).toLowerCase();
}
