/**
 * What an SPF record costs a receiver for an address it does not authorize: the DNS lookups of its whole tree
 * (RFC 7208 §4.6.4: 10 at most), the void lookups (2 at most), and what in the tree is broken (a permerror when
 * reached) or could not be looked up (a temperror). Counted per top-level term, so a fix can say which term to
 * drop or flatten.
 */
import { ParsedSpf, SPF_LOOKUP_LIMIT, SpfTerm, hasMacro, queriesDns } from '../../../records/spf-record';
import { DeliverabilityDns } from './dns';
import { expandDomain } from './spf-expand';
import { MacroState, fetchSpf, macroValues } from './spf-eval';

/** One top-level term and what evaluating it costs. */
export interface TermCost {
  readonly term: SpfTerm;
  lookups: number;
  voids: number;
  /** The term itself finds nothing (a:, mx:, exists: of a name without records): it never matches. */
  voidItself: boolean;
  /** Why reaching it is a permerror. */
  readonly problems: string[];
  /** Lookups below it that failed (temperror). */
  readonly failures: string[];
}

export interface Tally {
  lookups: number;
  voids: number;
  /** Per top-level term, e.g. "include:spf.protection.outlook.com 2". */
  readonly breakdown: string[];
  /** Every include/redirect target in the tree, lower-case. */
  readonly includes: Set<string>;
  /** Broken includes, loops, syntax errors, too many MX names or void lookups: each a permerror when reached. */
  readonly problems: string[];
  /** Lookups that failed: a temperror when reached. */
  readonly failures: string[];
  /** Terms not followed (macros that need the connecting address). */
  readonly notes: Set<string>;
  /** The walk stopped early: the count is a lower bound. */
  truncated: boolean;
  /** The tree uses "ptr" (RFC 7208 §5.5: do not). */
  usesPtr: boolean;
  readonly terms: TermCost[];
}

/** `macro`: the address and sender to expand macros with; without it, terms with macros are counted, not followed. */
export async function tallyLookups(
  dns: DeliverabilityDns,
  domain: string,
  record: ParsedSpf,
  macro?: MacroState,
): Promise<Tally> {
  const t: Tally = {
    lookups: 0,
    voids: 0,
    breakdown: [],
    includes: new Set(),
    problems: [],
    failures: [],
    notes: new Set(),
    truncated: false,
    usesPtr: false,
    terms: [],
  };
  await walk(dns, record, t, [domain], macro);
  if (t.voids > 2)
    t.problems.push(`${t.voids} void lookups (names with no records): more than 2 is a permerror (RFC 7208 §4.6.4)`);
  return t;
}

/** Mechanisms up to "all" (nothing after it is evaluated), then redirect= when there is no "all" (§6.1). */
function evaluated(record: ParsedSpf): SpfTerm[] {
  const out: SpfTerm[] = [];
  for (const term of record.terms) {
    if (term.kind === 'mechanism') out.push(term);
    if (term.kind === 'mechanism' && term.name === 'all') return out;
  }
  const redirect = record.terms.find((x) => x.kind === 'modifier' && x.name === 'redirect');
  return redirect ? [...out, redirect] : out;
}

async function walk(
  dns: DeliverabilityDns,
  record: ParsedSpf,
  t: Tally,
  path: string[],
  macro: MacroState | undefined,
  top?: TermCost,
): Promise<void> {
  const domain = path[path.length - 1];
  for (const term of evaluated(record)) {
    const cost: TermCost = top ?? {
      term,
      lookups: 0,
      voids: 0,
      voidItself: false,
      problems: [],
      failures: [],
    };
    if (!top) t.terms.push(cost);
    if (!queriesDns(term)) continue;
    // Past twice the limit the verdict cannot change; the rest of the tree is not worth the queries.
    if (t.truncated || t.lookups > 2 * SPF_LOOKUP_LIMIT || dns.exhausted) {
      t.truncated = true;
      return;
    }
    t.lookups++;
    cost.lookups++;
    await visit(dns, term, t, path, macro, cost, domain);
    if (!top) t.breakdown.push(`${term.text} ${cost.lookups}`);
  }
}

async function visit(
  dns: DeliverabilityDns,
  term: SpfTerm,
  t: Tally,
  path: string[],
  macro: MacroState | undefined,
  cost: TermCost,
  domain: string,
): Promise<void> {
  if (term.name === 'ptr') {
    t.usesPtr = true;
    return;
  }
  const spec = term.value ?? domain;
  if (hasMacro(spec) && !macro) {
    t.notes.add(`${term.text} uses macros that depend on the sending address: counted, not followed`);
    return;
  }
  const target = macro ? await expandDomain(spec, macroValues(dns, macro, domain)) : spec.toLowerCase();
  const via = [...path, target].join(' → ');
  const fail = (problem: string) => {
    t.problems.push(problem);
    cost.problems.push(problem);
  };
  const failed = (text: string) => {
    const failure = `${via}: could not be looked up: ${text} (a temperror for receivers)`;
    t.failures.push(failure);
    cost.failures.push(failure);
  };
  const voided = () => {
    t.voids++;
    cost.voids++;
    if (cost.term === term) cost.voidItself = true;
  };
  if (term.name === 'include' || term.name === 'redirect') {
    t.includes.add(target);
    if (path.includes(target)) return fail(`${via}: a loop (receivers stop at the lookup limit with permerror)`);
    const f = await fetchSpf(dns, target);
    if (f.kind === 'record' && f.parsed.problems.length > 0) fail(`${via}: ${f.parsed.problems[0]} (permerror)`);
    else if (f.kind === 'none') fail(`${via}: has no SPF record (permerror, RFC 7208 §5.2)`);
    else if (f.kind === 'multiple') fail(`${via}: has ${f.texts.length} SPF records (permerror)`);
    else if (f.kind === 'error') failed(f.problem.text);
    if (f.kind === 'record' && f.parsed.problems.length === 0)
      await walk(dns, f.parsed, t, [...path, target], macro, cost);
    return;
  }
  if (term.name === 'mx') {
    const mx = await dns.mx(target);
    if (mx.problem && !mx.problem.missing) return failed(mx.problem.text);
    if (mx.list.length === 0) return voided();
    if (mx.list.length > 10)
      fail(`${via}: ${mx.list.length} MX hosts for "${term.text}": more than 10 is a permerror (RFC 7208 §4.6.4)`);
    return;
  }
  // a and exists: one address lookup (exists always asks for A, §5.7).
  const family = term.name === 'a' && macro?.ip.kind() === 'ipv6' ? 6 : 4;
  const a = await dns.addresses(target, family);
  if (a.problem && !a.problem.missing) return failed(a.problem.text);
  if (a.list.length === 0) voided();
}
