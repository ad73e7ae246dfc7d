/**
 * Checks for single values (hostnames, addresses, CIDRs, ranges, AWS ids).
 * Each records a problem instead of throwing, and ignores Terraform tokens:
 * a reference such as `${aws_eip.x.public_ip}` is only known at apply time.
 */
import * as ipaddr from 'ipaddr.js';
import { Token } from 'cdktf';
import { Problems, show } from './problems';

/** True when the value is a cdktf token (a reference resolved by Terraform later). */
export function isToken(value: unknown): boolean {
  if (typeof value === 'string' || typeof value === 'number') return Token.isUnresolved(value);
  if (Array.isArray(value)) return Token.isUnresolved(value);
  return false;
}

// RFC 1123 label: letters, digits, hyphens; not starting or ending with a hyphen; 1-63 chars.
const LABEL = /^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$/;

/** Problem text for a DNS hostname, or undefined when it is fine. */
export function hostnameProblem(value: string): string | undefined {
  if (value.endsWith('.')) return `got ${show(value)}: write the hostname without a trailing dot`;
  if (value.length > 253) return `got a ${value.length}-character name; expected a hostname of at most 253 characters`;
  const labels = value.split('.');
  if (labels.length < 2 || !labels.every((l) => LABEL.test(l)) || /^[0-9]+$/.test(labels[labels.length - 1])) {
    return `got ${show(value)}; expected a fully qualified hostname (RFC 1123), e.g. "github.example.com"`;
  }
  return undefined;
}

export function checkHostname(p: Problems, key: string, value: string | undefined): void {
  if (value === undefined || isToken(value)) return;
  const problem = hostnameProblem(value);
  if (problem) p.add(key, problem);
}

/** Mailbox check: local@domain, with an RFC 1123 domain. Not RFC 5322 in full, on purpose: GHES needs a plain address. */
export function checkEmail(p: Problems, key: string, value: string | undefined): void {
  if (value === undefined || isToken(value)) return;
  const at = value.lastIndexOf('@');
  const local = value.slice(0, at);
  const domain = value.slice(at + 1);
  if (at < 1 || /[\s<>(),;:"\\[\]@]/.test(local) || local.length > 64 || hostnameProblem(domain) !== undefined) {
    p.add(key, `got ${show(value)}; expected an email address such as "noreply@github.example.com"`);
  }
}

/** A support URL: GHES requires the http:// or https:// scheme. */
export function checkHttpUrl(p: Problems, key: string, value: string | undefined): void {
  if (value === undefined || isToken(value)) return;
  let ok = /^https?:\/\//i.test(value);
  if (ok) {
    try {
      const url = new URL(value);
      ok = url.hostname.length > 0;
    } catch {
      ok = false;
    }
  }
  if (!ok) p.add(key, `got ${show(value)}; expected a URL that starts with "http://" or "https://"`);
}

/** An integer in [min, max]. */
export function checkIntRange(p: Problems, key: string, value: number | undefined, min: number, max: number, what = 'an integer'): void {
  if (value === undefined || isToken(value)) return;
  if (!Number.isInteger(value) || value < min || value > max) {
    p.add(key, `got ${show(value)}; expected ${what} from ${min} to ${max}`);
  }
}

export type IpFamily = 'ipv4' | 'ipv6';

/** The family of a CIDR such as "10.0.0.0/8" or "::/0", or undefined when it is not one. */
export function cidrFamily(value: string): IpFamily | undefined {
  if (!/\/\d{1,3}$/.test(value)) return undefined;
  try {
    const [addr] = ipaddr.parseCIDR(value);
    return addr.kind();
  } catch {
    return undefined;
  }
}

export function checkCidr(p: Problems, key: string | number, value: string): IpFamily | undefined {
  if (isToken(value)) return undefined;
  const family = cidrFamily(value);
  if (!family) p.add(key, `got ${show(value)}; expected an IPv4 or IPv6 CIDR block such as "10.0.0.0/8" or "2001:db8::/32"`);
  return family;
}

export function checkIpAddress(p: Problems, key: string, value: string | undefined, family: IpFamily): void {
  if (value === undefined || isToken(value)) return;
  const ok = family === 'ipv4' ? ipaddr.IPv4.isValidFourPartDecimal(value) : ipaddr.IPv6.isValid(value) && value.includes(':');
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
export function checkOneOf<T extends string>(p: Problems, key: string, value: string | undefined, allowed: readonly T[]): value is T {
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
export function checkAwsIdLike(p: Problems, key: string, value: string | undefined, pattern: RegExp, expected: string): void {
  if (value === undefined || isToken(value)) return;
  if (!pattern.test(value)) p.add(key, `got ${show(value)}; expected ${expected}`);
}

/** A construct-id-safe name for a CIDR or prefix list: "0.0.0.0/0" → "0-0-0-0-0", "::/0" → "ipv6-0". */
export function sourceSlug(source: string): string {
  const slug = source.replace(/[^A-Za-z0-9]+/g, '-').replace(/^-+|-+$/g, '');
  return source.includes(':') ? `ipv6-${slug}` : slug;
}
