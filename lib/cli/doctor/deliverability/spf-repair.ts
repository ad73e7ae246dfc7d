/**
 * The one SPF record `doctor deliverability` suggests for a domain: the operator's own, merged (two records become
 * one) and corrected, so that once published it is valid, stays within 10 lookups and 2 void lookups, and
 * authorizes the relay (RFC 7208 §4.5, §4.6.4). Every step is said, and the result is checked with the same
 * check_host() and tally as the live record (against a view of DNS in which it is already published) before it is
 * printed: a record that would still fail is never suggested.
 */
import * as ipaddr from 'ipaddr.js';
import { SPF_LOOKUP_LIMIT, SpfTerm, hasMacro, parseSpf } from '../../../records/spf-record';
import { DeliverabilityDns } from './dns';
import { fetchSpf } from './spf-eval';
import { Tally, tallyLookups } from './spf-tally';
import type { MacroState } from './spf-eval';

export interface RepairInput {
  readonly domain: string;
  /** The SPF records published at the domain now (none, one, or several). */
  readonly texts: readonly string[];
  /** The record to start from when there is none. */
  readonly base: string;
  /** The mechanisms that authorize the relay. */
  readonly wanted: readonly string[];
  /** Whether the relay passes with the record published in `view` (whose tally is given). */
  readonly authorizes: (view: DeliverabilityDns, tally: Tally) => Promise<boolean>;
  /** Macro values to count with (the relay's address). @default - macros counted, not followed */
  readonly macro?: MacroState;
}

export interface SpfRepair {
  /** The record to publish; undefined when no record could be made that passes. */
  readonly record?: string;
  /** What was changed from the operator's record, in words. */
  readonly changes: readonly string[];
  /** Why no record is suggested. */
  readonly unresolved?: string;
}

/** Flattened terms one record may hold: more would not fit a DNS answer comfortably. */
const MAX_FLAT = 40;

export async function repairSpf(dns: DeliverabilityDns, input: RepairInput): Promise<SpfRepair> {
  const changes: string[] = [];
  let terms = input.texts.length === 0 ? parseSpf(input.base).terms.map((t) => t.text) : merge(input.texts, changes);
  const record = () => `v=spf1 ${terms.join(' ')}`.trim();
  const view = () => dns.withTxt(input.domain, [record()]);
  const tally = () => tallyLookups(view(), input.domain, parseSpf(record()), input.macro);

  let t = await tally();
  for (const c of t.terms.filter((x) => x.problems.length > 0)) {
    const flat = c.term.name === 'mx' ? await flatten(dns, c.term, input.domain) : undefined;
    terms = replace(terms, c.term, flat);
    changes.push(
      flat
        ? `replaced ${c.term.text} with the ${flat.length} addresses of its MX hosts: ${c.problems[0]}`
        : `dropped ${c.term.text}: ${c.problems[0]}`,
    );
  }
  const voids = t.voids > 2 ? t.terms.filter((x) => x.voidItself && x.problems.length === 0) : [];
  for (const c of voids) terms = replace(terms, c.term, undefined);
  if (voids.length > 0)
    changes.push(
      `dropped ${voids.map((c) => c.term.text).join(', ')}: ${voids.length === 1 ? 'it finds' : 'they find'} no records (void lookups) and never match`,
    );

  /** Flattens the costliest terms until the record is within 10 lookups, or nothing more can be flattened. */
  const tried = new Set<string>();
  const reduce = async () => {
    t = await tally();
    while (t.lookups > SPF_LOOKUP_LIMIT || t.truncated) {
      // The costliest first; the relay's own include last (its provider changes its ranges without notice).
      const own = (c: { term: SpfTerm }) => (input.wanted.includes(c.term.text) ? 1 : 0);
      const candidates = t.terms
        .filter((c) => c.lookups > 0 && !tried.has(c.term.text) && ['include', 'a', 'mx'].includes(c.term.name))
        .sort((a, b) => own(a) - own(b) || b.lookups - a.lookups);
      let flattened = false;
      for (const c of candidates) {
        tried.add(c.term.text);
        const flat = await flatten(dns, c.term, input.domain);
        if (!flat) continue;
        terms = replace(terms, c.term, flat);
        changes.push(
          `replaced ${c.term.text}, ${c.lookups} lookup${c.lookups === 1 ? '' : 's'}, with the ${flat.length} address range${flat.length === 1 ? '' : 's'} it authorizes today: re-check when its owner changes them`,
        );
        flattened = true;
        break;
      }
      if (!flattened) return;
      t = await tally();
    }
  };
  await reduce();
  if (!(await input.authorizes(view(), t))) {
    const missing = input.wanted.filter((w) => !terms.some((x) => x.toLowerCase() === w.toLowerCase()));
    terms = insertBeforeAll(terms, missing);
    if (missing.length > 0) changes.push(`added ${missing.join(' ')}`);
    await reduce();
    if (!(await input.authorizes(view(), t))) {
      // An earlier term decides against the relay (e.g. "-ip4:" of its range): its own terms go first.
      const same = (x: string) => input.wanted.some((w) => w.toLowerCase() === x.toLowerCase());
      terms = [...input.wanted, ...terms.filter((x) => !same(x))];
      changes.push(`moved ${input.wanted.join(' ')} to the front: an earlier term decides before it`);
      await reduce();
    }
  }
  const verdict = await verify(view(), t, input);
  if (verdict) return { changes, unresolved: verdict };
  return { record: record(), changes };
}

async function verify(view: DeliverabilityDns, t: Tally, input: RepairInput): Promise<string | undefined> {
  if (t.lookups > SPF_LOOKUP_LIMIT || t.truncated) {
    const heavy = t.terms
      .filter((c) => c.lookups > 1)
      .map((c) => `${c.term.text} (${c.lookups})`)
      .join(', ');
    return `even with every include that can be written as addresses flattened, the record needs ${t.lookups} lookups: drop includes of services that no longer send for ${input.domain}${heavy ? ` (the costly ones: ${heavy})` : ''}`;
  }
  if (t.problems.length > 0) return `the record would still be a permerror: ${t.problems[0]}`;
  if (t.failures.length > 0) return `some of its lookups failed, so the record cannot be checked: ${t.failures[0]}`;
  if (!(await input.authorizes(view, t))) return `no record could be made that authorizes the relay`;
  return undefined;
}

/** Several SPF records as one: their terms in order, each once, the first "all" (and redirect=, exp=) kept. */
function merge(texts: readonly string[], changes: string[]): string[] {
  const mechanisms: string[] = [];
  const modifiers: string[] = [];
  let all: string | undefined;
  let repeated = 0;
  for (const text of texts) {
    const parsed = parseSpf(text);
    for (const problem of parsed.problems) changes.push(`dropped ${problem}`);
    for (const term of parsed.terms) {
      const seen = (list: string[]) => list.some((x) => x.toLowerCase() === term.text.toLowerCase());
      if (term.kind === 'mechanism' && term.name === 'all') all ??= term.text;
      else if (term.kind === 'mechanism') {
        if (!seen(mechanisms)) mechanisms.push(term.text);
        else repeated++;
      } else if (!modifiers.some((m) => m.split('=')[0].toLowerCase() === term.name)) modifiers.push(term.text);
    }
  }
  if (texts.length > 1) changes.push(`merged the ${texts.length} SPF records into one`);
  // A repeated mechanism matches nothing the first did not, and costs its lookup again.
  if (repeated > 0) changes.push(`dropped ${repeated} repeated term${repeated === 1 ? '' : 's'}`);
  // redirect= is ignored beside "all" (§6.1): keeping both would only mislead.
  const kept = all ? modifiers.filter((m) => !/^redirect=/i.test(m)) : modifiers;
  return [...mechanisms, ...kept, ...(all ? [all] : [])];
}

/** `terms` with `term` replaced by `flat` (each with the term's qualifier), or dropped when `flat` is undefined. */
function replace(terms: string[], term: SpfTerm, flat: string[] | undefined): string[] {
  const at = terms.findIndex((x) => x.toLowerCase() === term.text.toLowerCase());
  if (at < 0) return terms;
  const q = term.qualifier === '+' ? '' : term.qualifier;
  const add = (flat ?? [])
    .map((f) => `${q}${f}`)
    .filter((f) => !terms.some((x) => x.toLowerCase() === f.toLowerCase()));
  return [...terms.slice(0, at), ...add, ...terms.slice(at + 1)];
}

/** `add` inserted before "all" and the modifiers (after "all" they would never be reached). */
export function insertBeforeAll(terms: readonly string[], add: readonly string[]): string[] {
  const end = terms.findIndex((t) => /^[-~?+]?all$/i.test(t) || /^[a-z][a-z0-9_.-]*=/i.test(t));
  const at = end < 0 ? terms.length : end;
  return [...terms.slice(0, at), ...add, ...terms.slice(at)];
}

/**
 * The ip4:/ip6: ranges a term authorizes today, or undefined when it cannot be written that way: macros, ptr,
 * exists, exceptions ("-ip4:" before a wider range), "+all", a lookup that failed, or more than MAX_FLAT ranges.
 */
async function flatten(dns: DeliverabilityDns, term: SpfTerm, domain: string): Promise<string[] | undefined> {
  const out: string[] = [];
  const ok = await collect(dns, term, domain, [domain], out);
  return ok && out.length <= MAX_FLAT ? [...new Set(out)] : undefined;
}

async function collect(
  dns: DeliverabilityDns,
  term: SpfTerm,
  domain: string,
  path: string[],
  out: string[],
): Promise<boolean> {
  if (out.length > MAX_FLAT || dns.exhausted || hasMacro(term.value)) return false;
  if (term.name === 'ip4' || term.name === 'ip6') {
    out.push(term.text.replace(/^[-+~?]/, '').toLowerCase());
    return true;
  }
  const target = (term.value ?? domain).toLowerCase().replace(/\.$/, '');
  if (term.name === 'a') return addressesOf(dns, target, term, out);
  if (term.name === 'mx') {
    const mx = await dns.mx(target);
    if (mx.problem && !mx.problem.missing) return false;
    for (const host of mx.list) if (!(await addressesOf(dns, host, term, out))) return false;
    return true;
  }
  if (term.name !== 'include' && term.name !== 'redirect') return false;
  if (path.includes(target) || path.length > SPF_LOOKUP_LIMIT) return false;
  const f = await fetchSpf(dns, target);
  if (f.kind !== 'record' || f.parsed.problems.length > 0) return false;
  const terms = f.parsed.terms;
  const hasAll = terms.some((x) => x.kind === 'mechanism' && x.name === 'all');
  for (const inner of terms) {
    if (inner.kind === 'modifier') {
      if (inner.name === 'redirect' && !hasAll && !(await collect(dns, inner, target, [...path, target], out)))
        return false;
      continue;
    }
    if (inner.name === 'all') return inner.qualifier !== '+';
    // Only "pass" terms make an include match; an exception ("-ip4:") before a wider range cannot be flattened.
    if (inner.qualifier !== '+') return false;
    if (!(await collect(dns, inner, target, [...path, target], out))) return false;
  }
  return true;
}

async function addressesOf(dns: DeliverabilityDns, name: string, term: SpfTerm, out: string[]): Promise<boolean> {
  const [v4, v6] = await Promise.all([dns.addresses(name, 4), dns.addresses(name, 6)]);
  if ([v4, v6].some((r) => r.problem && !r.problem.missing)) return false;
  for (const a of v4.list) out.push(network('ip4', a, term.cidr4, 32));
  for (const a of v6.list) out.push(network('ip6', a, term.cidr6, 128));
  return true;
}

/** "ip4:192.0.2.10" or the network of a dual-cidr-length ("a/24" covers the address's /24). */
function network(kind: 'ip4' | 'ip6', address: string, prefix: number | undefined, full: number): string {
  if (prefix === undefined || prefix === full) return `${kind}:${address}`;
  const cidr = `${address}/${prefix}`;
  const net = kind === 'ip4' ? ipaddr.IPv4.networkAddressFromCIDR(cidr) : ipaddr.IPv6.networkAddressFromCIDR(cidr);
  return `${kind}:${net.toString()}/${prefix}`;
}
