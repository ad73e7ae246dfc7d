/**
 * check_host() of RFC 7208, as a receiver runs it for one address: every mechanism (all, include, a, mx, ptr, ip4,
 * ip6, exists) and modifier (redirect, exp; others ignored), macros expanded (§7), the limits of §4.6.4 (10 terms
 * that query DNS, 2 void lookups, 10 MX names, 10 PTR names), temperror for a lookup that failed and permerror for
 * what the record gets wrong (§4–§6). Plus the run's own query budget, so a hostile zone cannot keep the doctor busy.
 */
import * as ipaddr from 'ipaddr.js';
import {
  ParsedSpf,
  SPF_LOOKUP_LIMIT,
  SpfQualifier,
  SpfTerm,
  isSpfRecord,
  parseSpf,
  queriesDns,
} from '../../../records/spf-record';
import { DeliverabilityDns } from './dns';
import { MacroValues, expandDomain, expandMacros, malformedDomain } from './spf-expand';
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

export type SpfResult = 'pass' | 'fail' | 'softfail' | 'neutral' | 'none' | 'permerror' | 'temperror';

export interface Evaluation {
  readonly result: SpfResult;
  /** What decided it: the matching term with its domain, or the error. */
  readonly by: string;
  readonly notes: readonly string[];
}

/** Who is asking: the envelope sender and the HELO name the receiver sees (macros %{s}, %{l}, %{o}, %{h}). */
export interface Sender {
  readonly sender: string;
  readonly helo: string;
}

export const QUALIFIER: Readonly<Record<SpfQualifier, SpfResult>> = {
  '+': 'pass',
  '-': 'fail',
  '~': 'softfail',
  '?': 'neutral',
};

/** What macros need (the tally of spf-tally.ts expands them too). */
export interface MacroState {
  readonly ip: ipaddr.IPv4 | ipaddr.IPv6;
  readonly sender: Sender;
  /** The validated names of the address (§5.5), looked up once per evaluation. */
  validatedNames?: Promise<string[]>;
}

interface State extends MacroState {
  lookups: number;
  voids: number;
  readonly notes: Set<string>;
}

/** The address a receiver compares: an IPv4-mapped IPv6 address is its IPv4 address (RFC 7208 §5). */
export function clientAddress(address: string): ipaddr.IPv4 | ipaddr.IPv6 {
  return ipaddr.process(address);
}

/** check_host(ip, domain, sender) of RFC 7208 §4. */
export async function checkHost(
  dns: DeliverabilityDns,
  address: string,
  domain: string,
  sender: Sender = { sender: `postmaster@${domain}`, helo: domain },
): Promise<Evaluation> {
  const state: State = { lookups: 0, voids: 0, notes: new Set(), ip: clientAddress(address), sender };
  const { result, by } = await evaluate(dns, domain.toLowerCase(), state, 0, false);
  return { result, by, notes: [...state.notes] };
}

/** The macro values of one evaluation at `domain`. */
export function macroValues(dns: DeliverabilityDns, s: MacroState, domain: string): MacroValues {
  return {
    sender: s.sender.sender,
    helo: s.sender.helo,
    ip: s.ip,
    domain,
    validated: async () => {
      const names = await validatedNames(dns, s);
      // §7.3: the domain itself, else a subdomain of it, else any validated name; "unknown" when there is none.
      return names.find((n) => n === domain) ?? names.find((n) => n.endsWith(`.${domain}`)) ?? names[0] ?? 'unknown';
    },
  };
}

type Outcome = { result: SpfResult; by: string };

async function evaluate(
  dns: DeliverabilityDns,
  domain: string,
  s: State,
  depth: number,
  included: boolean,
): Promise<Outcome> {
  if (dns.exhausted) return { result: 'temperror', by: "the doctor's query budget ran out" };
  // §4.3: a malformed name has no SPF record ("none"; an include or redirect of it is a permerror).
  const malformed = malformedDomain(domain);
  if (malformed) return { result: 'none', by: malformed };
  const f = await fetchSpf(dns, domain);
  if (f.kind === 'error') return { result: 'temperror', by: `${domain}: ${f.problem.text}` };
  if (f.kind === 'none') return { result: 'none', by: `${domain} has no SPF record` };
  if (f.kind === 'multiple') return { result: 'permerror', by: `${domain} has ${f.texts.length} SPF records` };
  if (f.parsed.problems.length > 0) return { result: 'permerror', by: `${domain}: ${f.parsed.problems[0]}` };
  const over = (term: SpfTerm) => ({
    result: 'permerror' as const,
    by: `${domain}: ${term.text} is DNS lookup ${s.lookups}, over the limit of ${SPF_LOOKUP_LIMIT} (RFC 7208 §4.6.4)`,
  });
  const terms = f.parsed.terms;
  for (const term of terms) {
    if (term.kind === 'modifier') continue;
    if (queriesDns(term) && ++s.lookups > SPF_LOOKUP_LIMIT) return over(term);
    const m = await matches(dns, domain, term, s, depth);
    // The chain of includes that decided it, down to the term that matched or failed.
    const by = `${domain}: ${term.text}${m.detail ? ` ${m.detail}` : ''}`;
    if (m.match === 'temperror' || m.match === 'permerror') return { result: m.match, by };
    if (m.match) {
      const result = QUALIFIER[term.qualifier];
      if (result === 'fail' && !included) await explain(dns, domain, terms, s);
      return { result, by };
    }
  }
  // §6.1: redirect= is ignored when the record has an "all" anywhere.
  const redirect = terms.find((x) => x.kind === 'modifier' && x.name === 'redirect');
  if (!redirect || terms.some((x) => x.kind === 'mechanism' && x.name === 'all'))
    return { result: 'neutral', by: `${domain}: no mechanism matched and there is no "all"` };
  if (++s.lookups > SPF_LOOKUP_LIMIT) return over(redirect);
  const target = await expandDomain(redirect.value!, macroValues(dns, s, domain));
  const shown = target === redirect.value!.toLowerCase() ? redirect.text : `${redirect.text} (${target})`;
  const r = depth >= SPF_LOOKUP_LIMIT ? over(redirect) : await evaluate(dns, target, s, depth + 1, included);
  if (r.result === 'none')
    return { result: 'permerror', by: `${domain}: ${shown} names a domain without SPF (RFC 7208 §6.1)` };
  return { result: r.result, by: `${domain}: ${shown} → ${r.by}` };
}

type Match = boolean | 'temperror' | 'permerror';

/** Whether one mechanism matches; `detail` says what it expanded to or what decided inside an include. */
async function matches(
  dns: DeliverabilityDns,
  domain: string,
  term: SpfTerm,
  s: State,
  depth: number,
): Promise<{ match: Match; detail?: string }> {
  const ip = s.ip;
  const v4 = ip.kind() === 'ipv4';
  if (term.name === 'all') return { match: true };
  if (term.name === 'ip4' || term.name === 'ip6') {
    if ((term.name === 'ip4') !== v4) return { match: false };
    return { match: ip.match(ipaddr.parse(term.value!), v4 ? (term.cidr4 ?? 32) : (term.cidr6 ?? 128)) };
  }
  const target = await expandDomain(term.value ?? domain, macroValues(dns, s, domain));
  const expanded = term.value !== undefined && target !== term.value.toLowerCase().replace(/\.$/, '');
  const shown = expanded ? `(expands to ${target})` : undefined;
  if (term.name === 'include') {
    const r =
      depth >= SPF_LOOKUP_LIMIT
        ? { result: 'permerror' as const, by: 'includes nested too deep' }
        : await evaluate(dns, target, s, depth + 1, true);
    const detail = `${shown ? `${shown} ` : ''}→ ${r.by}`;
    // §5.2: pass matches; fail, softfail, neutral do not; temperror stays; permerror and none are permerror.
    if (r.result === 'pass') return { match: true, detail };
    if (r.result === 'temperror') return { match: 'temperror', detail };
    if (r.result === 'permerror' || r.result === 'none') return { match: 'permerror', detail };
    return { match: false };
  }
  const voided = (): { match: Match; detail?: string } =>
    ++s.voids > 2
      ? {
          match: 'permerror',
          detail: `${shown ? `${shown} ` : ''}is void lookup ${s.voids}, over the limit of 2 (RFC 7208 §4.6.4)`,
        }
      : { match: false };
  const failed = (p: LookupProblem) => ({
    match: 'temperror' as const,
    detail: `${shown ? `${shown} ` : ''}(${p.text})`,
  });
  // A name DNS cannot carry (an empty label, one over 63 characters) has no records: a void lookup.
  if (target.split('.').some((l) => l.length === 0 || l.length > 63)) return voided();
  if (term.name === 'ptr') {
    const names = await validatedNames(dns, s);
    if (names.length === 0 && (await dns.ptr(ip.toString())).problem?.missing) return voided();
    const hit = names.find((n) => n === target || n.endsWith(`.${target}`));
    return { match: hit !== undefined, detail: hit ? `(${ip.toString()} is ${hit})` : shown };
  }
  if (term.name === 'exists') {
    // §5.7: always an A lookup, whatever the connection's family.
    const a = await dns.addresses(target, 4);
    if (a.problem && !a.problem.missing) return failed(a.problem);
    return a.list.length > 0 ? { match: true, detail: shown } : voided();
  }
  const family = v4 ? 4 : 6;
  const prefix = v4 ? (term.cidr4 ?? 32) : (term.cidr6 ?? 128);
  const hosts: string[] = [];
  if (term.name === 'a') hosts.push(target);
  else {
    const mx = await dns.mx(target);
    if (mx.problem && !mx.problem.missing) return failed(mx.problem);
    if (mx.list.length === 0) return voided();
    if (mx.list.length > 10)
      return {
        match: 'permerror',
        detail: `(${mx.list.length} MX hosts: more than 10 is a permerror, RFC 7208 §4.6.4)`,
      };
    hosts.push(...mx.list);
  }
  for (const host of hosts) {
    const a = await dns.addresses(host, family);
    if (a.problem && !a.problem.missing) return failed(a.problem);
    if (term.name === 'a' && a.list.length === 0) return voided();
    const hit = a.list.find((x) => ipaddr.isValid(x) && sameFamilyMatch(ip, ipaddr.parse(x), prefix));
    if (hit) return { match: true, detail: shown };
  }
  return { match: false };
}

function sameFamilyMatch(ip: ipaddr.IPv4 | ipaddr.IPv6, other: ipaddr.IPv4 | ipaddr.IPv6, prefix: number): boolean {
  return ip.kind() === other.kind() && ip.match(other, prefix);
}

/**
 * The validated names of the address (§5.5): its PTR names (the first 10), each kept when one of its addresses is
 * the address itself. A failed lookup validates nothing; it is not an error.
 */
function validatedNames(dns: DeliverabilityDns, s: MacroState): Promise<string[]> {
  s.validatedNames ??= (async () => {
    const ptr = await dns.ptr(s.ip.toString());
    const family = s.ip.kind() === 'ipv4' ? 4 : 6;
    const out: string[] = [];
    for (const name of ptr.list.slice(0, 10)) {
      const a = await dns.addresses(name, family);
      if (a.list.some((x) => ipaddr.isValid(x) && ipaddr.parse(x).toNormalizedString() === s.ip.toNormalizedString()))
        out.push(name);
    }
    return out;
  })();
  return s.validatedNames;
}

/** §6.2: on fail, the exp= text of the record that failed, expanded; any problem with it is ignored. */
async function explain(dns: DeliverabilityDns, domain: string, terms: readonly SpfTerm[], s: State): Promise<void> {
  const exp = terms.find((x) => x.kind === 'modifier' && x.name === 'exp');
  if (!exp || dns.exhausted) return;
  try {
    const values = macroValues(dns, s, domain);
    const answer = await dns.txt(await expandDomain(exp.value!, values));
    if (answer.records.length !== 1) return;
    s.notes.add(`the domain's explanation (exp=): "${await expandMacros(answer.records[0], values, true)}"`);
  } catch {
    // A syntax error in the explanation: as if there were no exp= (§6.2).
  }
}
