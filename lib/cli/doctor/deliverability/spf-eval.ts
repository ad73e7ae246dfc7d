/**
 * SPF as a receiver sees it (RFC 7208): fetch a domain's record, count the DNS
 * lookups of its whole include tree, and evaluate check_host() for one address.
 * Every budget of the RFC is kept (10 lookup terms, 2 void lookups, 10 MX
 * names), plus the run's own query budget, so a hostile zone cannot keep the
 * doctor busy. Macros (RFC 7208 §7) are not expanded: a term that holds one is
 * reported as not evaluated, never guessed.
 */
import * as ipaddr from 'ipaddr.js';
import {
  ParsedSpf,
  SPF_LOOKUP_LIMIT,
  SpfQualifier,
  SpfTerm,
  hasMacro,
  isSpfRecord,
  parseSpf,
  queriesDns,
} from '../../../records/spf-record';
import { DeliverabilityDns } from './dns';
import { normalizeName } from '../dns-lookup';
import { LookupProblem } from '../dns-lookup';

export type FetchedSpf =
  | { readonly kind: 'record'; readonly text: string; readonly parsed: ParsedSpf }
  | { readonly kind: 'none'; readonly problem?: LookupProblem }
  | { readonly kind: 'multiple'; readonly texts: readonly string[] }
  | { readonly kind: 'error'; readonly problem: LookupProblem };

/** The one SPF record of a domain; two or more are a permerror (RFC 7208 §4.5), none means "none". */
export async function fetchSpf(dns: DeliverabilityDns, domain: string): Promise<FetchedSpf> {
  const answer = await dns.txt(domain);
  if (answer.problem && !answer.problem.missing) return { kind: 'error', problem: answer.problem };
  const spf = answer.records.filter(isSpfRecord);
  if (spf.length === 0) return { kind: 'none', problem: answer.problem };
  if (spf.length > 1) return { kind: 'multiple', texts: spf };
  return { kind: 'record', text: spf[0], parsed: parseSpf(spf[0]) };
}

/** The lookup count of a whole include tree: what a receiver spends on an address that matches nothing. */
export interface Tally {
  lookups: number;
  /** Per top-level term, e.g. "include:spf.protection.outlook.com 2". */
  readonly breakdown: string[];
  /** Every include/redirect target in the tree, lower-case. */
  readonly includes: Set<string>;
  /** Broken includes, loops, syntax errors below the top record: each a permerror when reached. */
  readonly problems: string[];
  /** Terms not followed (macros). */
  readonly notes: Set<string>;
  /** The walk stopped early: the count is a lower bound. */
  truncated: boolean;
}

export async function tallyLookups(dns: DeliverabilityDns, domain: string, record: ParsedSpf): Promise<Tally> {
  const t: Tally = { lookups: 0, breakdown: [], includes: new Set(), problems: [], notes: new Set(), truncated: false };
  await walk(dns, record, t, [domain]);
  return t;
}

async function walk(dns: DeliverabilityDns, record: ParsedSpf, t: Tally, path: string[]): Promise<void> {
  const hasAll = record.terms.some((x) => x.kind === 'mechanism' && x.name === 'all');
  for (const term of record.terms) {
    if (!queriesDns(term)) continue;
    // redirect= is ignored when the record has an "all" (RFC 7208 §6.1): it costs nothing then.
    if (term.name === 'redirect' && hasAll) continue;
    // Past twice the limit the verdict cannot change; the rest of the tree is not worth the queries.
    if (t.truncated || t.lookups > 2 * SPF_LOOKUP_LIMIT || dns.exhausted) {
      t.truncated = true;
      return;
    }
    const before = t.lookups++;
    if (term.name === 'include' || term.name === 'redirect') await follow(dns, term, t, path);
    if (path.length === 1) t.breakdown.push(`${term.text} ${t.lookups - before}`);
  }
}

async function follow(dns: DeliverabilityDns, term: SpfTerm, t: Tally, path: string[]): Promise<void> {
  if (hasMacro(term.value)) {
    t.notes.add(`${term.text} uses macros: not followed`);
    return;
  }
  const target = normalizeName(term.value ?? '');
  t.includes.add(target);
  const via = [...path, target].join(' → ');
  if (path.includes(target)) {
    t.problems.push(`${via}: a loop (receivers stop at the lookup limit with permerror)`);
    return;
  }
  const f = await fetchSpf(dns, target);
  if (f.kind === 'record' && f.parsed.problems.length > 0)
    t.problems.push(`${via}: ${f.parsed.problems[0]} (permerror)`);
  else if (f.kind === 'none') t.problems.push(`${via}: has no SPF record (permerror, RFC 7208 §5.2)`);
  else if (f.kind === 'multiple') t.problems.push(`${via}: has ${f.texts.length} SPF records (permerror)`);
  else if (f.kind === 'error') t.problems.push(`${via}: could not be looked up: ${f.problem.text}`);
  if (f.kind === 'record') await walk(dns, f.parsed, t, [...path, target]);
}

export type SpfResult = 'pass' | 'fail' | 'softfail' | 'neutral' | 'none' | 'permerror' | 'temperror';

export interface Evaluation {
  readonly result: SpfResult;
  /** What decided it: the matching term with its domain, or the error. */
  readonly by: string;
  readonly notes: readonly string[];
}

const QUALIFIER: Readonly<Record<SpfQualifier, SpfResult>> = {
  '+': 'pass',
  '-': 'fail',
  '~': 'softfail',
  '?': 'neutral',
};

interface EvalState {
  lookups: number;
  voids: number;
  readonly notes: Set<string>;
}

/** check_host(ip, domain) of RFC 7208 §4, without macro expansion. */
export async function checkHost(dns: DeliverabilityDns, address: string, domain: string): Promise<Evaluation> {
  const state: EvalState = { lookups: 0, voids: 0, notes: new Set() };
  const { result, by } = await evaluate(dns, ipaddr.parse(address), domain, state, 0);
  return { result, by, notes: [...state.notes] };
}

type Match = boolean | 'temperror' | 'permerror';

async function evaluate(
  dns: DeliverabilityDns,
  ip: ipaddr.IPv4 | ipaddr.IPv6,
  domain: string,
  s: EvalState,
  depth: number,
): Promise<{ result: SpfResult; by: string }> {
  if (dns.exhausted) return { result: 'temperror', by: "the doctor's query budget ran out" };
  const f = await fetchSpf(dns, domain);
  if (f.kind === 'error') return { result: 'temperror', by: `${domain}: ${f.problem.text}` };
  if (f.kind === 'none') return { result: 'none', by: `${domain} has no SPF record` };
  if (f.kind === 'multiple') return { result: 'permerror', by: `${domain} has ${f.texts.length} SPF records` };
  if (f.parsed.problems.length > 0) return { result: 'permerror', by: `${domain}: ${f.parsed.problems[0]}` };
  const over = (term: SpfTerm) => ({
    result: 'permerror' as const,
    by: `${domain}: ${term.text} is DNS lookup ${s.lookups}, over the limit of ${SPF_LOOKUP_LIMIT} (RFC 7208 §4.6.4)`,
  });
  for (const term of f.parsed.terms) {
    if (term.kind === 'modifier') continue;
    if (queriesDns(term) && ++s.lookups > SPF_LOOKUP_LIMIT) return over(term);
    const [m, inner] = await matches(dns, ip, domain, term, s, depth);
    // The chain of includes that decided it, down to the term that matched or failed.
    const by = `${domain}: ${term.text}${inner ? ` → ${inner}` : ''}`;
    if (m === 'temperror' || m === 'permerror') return { result: m, by };
    if (m) return { result: QUALIFIER[term.qualifier], by };
  }
  const redirect = f.parsed.terms.find((x) => x.kind === 'modifier' && x.name === 'redirect');
  if (!redirect) return { result: 'neutral', by: `${domain}: no mechanism matched and there is no "all"` };
  if (++s.lookups > SPF_LOOKUP_LIMIT) return over(redirect);
  if (hasMacro(redirect.value)) {
    s.notes.add(`${redirect.text} uses macros: not evaluated`);
    return { result: 'neutral', by: `${domain}: ${redirect.text} (not evaluated)` };
  }
  const r =
    depth >= SPF_LOOKUP_LIMIT ? over(redirect) : await evaluate(dns, ip, normalizeName(redirect.value!), s, depth + 1);
  return r.result === 'none'
    ? { result: 'permerror', by: `${domain}: ${redirect.text} names a domain without SPF` }
    : r;
}

/** Whether one mechanism matches, and for an include what decided inside it. */
async function matches(
  dns: DeliverabilityDns,
  ip: ipaddr.IPv4 | ipaddr.IPv6,
  domain: string,
  term: SpfTerm,
  s: EvalState,
  depth: number,
): Promise<[Match, string?]> {
  if (term.name === 'include' && !hasMacro(term.value)) {
    const r =
      depth >= SPF_LOOKUP_LIMIT
        ? { result: 'permerror' as const, by: 'includes nested too deep' }
        : await evaluate(dns, ip, normalizeName(term.value!), s, depth + 1);
    if (r.result === 'pass') return [true, r.by];
    if (r.result === 'temperror') return ['temperror', r.by];
    return r.result === 'permerror' || r.result === 'none' ? ['permerror', r.by] : [false];
  }
  return [await simpleMatch(dns, ip, domain, term, s)];
}

async function simpleMatch(
  dns: DeliverabilityDns,
  ip: ipaddr.IPv4 | ipaddr.IPv6,
  domain: string,
  term: SpfTerm,
  s: EvalState,
): Promise<Match> {
  const family = ip.kind() === 'ipv4' ? 4 : 6;
  const prefix = family === 4 ? (term.cidr4 ?? 32) : (term.cidr6 ?? 128);
  if (term.name === 'all') return true;
  if (term.name === 'ip4' || term.name === 'ip6') {
    if ((term.name === 'ip4') !== (family === 4)) return false;
    return ip.match(ipaddr.parse(term.value!), prefix);
  }
  if (term.name === 'ptr') {
    s.notes.add(`${term.text}: "ptr" is not evaluated (RFC 7208 §5.5: do not use it)`);
    return false;
  }
  if (hasMacro(term.value)) {
    s.notes.add(`${term.text} uses macros: not evaluated`);
    return false;
  }
  const name = normalizeName(term.value ?? domain);
  const voided = (): Match => (++s.voids > 2 ? 'permerror' : false);
  if (term.name === 'exists') {
    const a = await dns.addresses(name, 4);
    if (a.problem && !a.problem.missing) return 'temperror';
    return a.list.length > 0 ? true : voided();
  }
  const hosts: string[] = [];
  if (term.name === 'a') hosts.push(name);
  else {
    const mx = await dns.mx(name);
    if (mx.problem && !mx.problem.missing) return 'temperror';
    if (mx.list.length === 0) return voided();
    if (mx.list.length > 10) return 'permerror';
    hosts.push(...mx.list);
  }
  for (const host of hosts) {
    const a = await dns.addresses(host, family);
    if (a.problem && !a.problem.missing) return 'temperror';
    if (term.name === 'a' && a.list.length === 0) return voided();
    if (
      a.list.some((x) => ipaddr.isValid(x) && ipaddr.parse(x).kind() === ip.kind() && ip.match(ipaddr.parse(x), prefix))
    )
      return true;
  }
  return false;
}
