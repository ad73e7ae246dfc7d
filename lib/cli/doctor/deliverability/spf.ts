/**
 * The SPF lines of `doctor deliverability`: the record of the envelope domain
 * (spf.record), its lookup count against the limit of 10 (spf.lookups), the
 * includes it depends on (spf.includes), "ptr" (spf.ptr), whether the relay is authorized
 * (spf.relay), and, with senderAuth.spf in the config, whether the TXT set at
 * the domain is the one this stack publishes (spf.managed). Every failing line names the same one record for the
 * domain (spf-repair.ts), checked before it is printed.
 */
import { isIP } from 'node:net';
import { SPF_LOOKUP_LIMIT } from '../../../records/spf-record';
import { DeliverabilityDns, Relay, SES_INCLUDE, clip } from './dns';
import { publishTxt } from './fix-records';
import { Evaluation, FetchedSpf, MacroState, Sender, checkHost, clientAddress, fetchSpf } from './spf-eval';
import { ConfiguredSpf, managedCheck } from './spf-managed';
import { insertBeforeAll, repairSpf } from './spf-repair';
import { Tally, tallyLookups } from './spf-tally';
import { serverFix } from '../dns-lookup';
import { Check } from '../report';

export interface SpfInput {
  /** The From domain (the no-reply address's). */
  readonly fromDomain: string;
  /** The envelope (MAIL FROM) domain, when it differs: SES's custom MAIL FROM subdomain. @default - the From domain */
  readonly mailFromDomain?: string;
  /** The local part the envelope sender has (macros %{s}, %{l}). @default 'noreply' */
  readonly localPart?: string;
  readonly relay: Relay;
  /** Addresses the relay sends from, when they are not those smtp.address resolves to. @default - smtp.address's */
  readonly relayAddresses: readonly string[];
  /** The record senderAuth.spf publishes, and the other TXT values that go with it. @default - none configured */
  readonly configured?: ConfiguredSpf;
}

export interface SpfFindings {
  readonly checks: Check[];
  /** True when the relay passes SPF at the envelope domain; undefined when that could not be told. */
  readonly relayCovered?: boolean;
}

/** The mechanisms that authorize the relay: what a fix line adds. */
function relayMechanisms(relay: Relay, addresses: readonly string[]): string[] {
  if (relay.kind === 'ses') return [`include:${SES_INCLUDE}`];
  if (relay.kind === 'provider') return [`include:${relay.include}`];
  if (addresses.length === 0) return [`a:${relay.host}`];
  return addresses.map((a) => (isIP(a) === 6 ? `ip6:${a}` : `ip4:${a}`));
}

/** The record with `mechanisms` inserted before its "all" or "redirect=" (after them they would never be reached). */
export function mergeSpf(record: string, mechanisms: readonly string[]): string {
  const [version, ...terms] = record.split(' ').filter((t) => t !== '');
  return [version, ...insertBeforeAll(terms, mechanisms)].join(' ');
}

export async function checkSpf(dns: DeliverabilityDns, input: SpfInput): Promise<SpfFindings> {
  const domain = input.mailFromDomain ?? input.fromDomain;
  const relay = input.relay;
  const addresses = await relayAddresses(dns, relay, input.relayAddresses);
  const wanted = relayMechanisms(relay, addresses.list);
  const sender: Sender = { sender: `${input.localPart ?? 'noreply'}@${domain}`, helo: relay.host };
  const macro: MacroState | undefined = addresses.list[0]
    ? { ip: clientAddress(addresses.list[0]), sender }
    : undefined;
  const f = await fetchSpf(dns, domain);
  // senderAuth.spf publishes at the From domain; at a separate MAIL FROM domain the relay's own record is what fits.
  const exact = input.configured && !input.mailFromDomain ? input.configured.record : `v=spf1 ${wanted.join(' ')} ~all`;
  // SES without a custom MAIL FROM never has its mail checked against the From domain's SPF: a missing record is not
  // its failure.
  const sesDefault = relay.kind === 'ses' && !input.mailFromDomain;
  const explicit = relay.kind === 'other' || input.relayAddresses.length > 0;
  const authorizes = async (view: DeliverabilityDns, t: Tally): Promise<boolean> => {
    if (sesDefault) return true;
    if (!explicit) return t.includes.has(wanted[0].slice('include:'.length));
    if (addresses.list.length === 0) return true;
    const results = await Promise.all(addresses.list.map((a) => checkHost(view, a, domain, sender)));
    return results.every((r) => r.result === 'pass');
  };
  let fixText: Promise<string> | undefined;
  // One suggested record for the domain, whichever line needs it.
  const fix = () =>
    (fixText ??= (async () => {
      const texts = f.kind === 'record' ? [f.text] : f.kind === 'multiple' ? f.texts : [];
      const r = await repairSpf(dns, { domain, texts, base: exact, wanted, authorizes, macro });
      const record = r.record ?? (texts.length === 0 ? exact : undefined);
      if (!record) return r.unresolved!;
      const replacing =
        texts.length > 1 ? 'the SPF records there now' : texts.length ? 'the current SPF record' : undefined;
      const line = await publishTxt(dns, domain, record, replacing);
      return `${line}${r.changes.length ? ` (changes: ${r.changes.join('; ')})` : ''}`;
    })());

  const checks: Check[] = [await recordCheck(dns, domain, f, sesDefault, fix)];
  if (input.configured) checks.push(await managedCheck(dns, input.fromDomain, input.configured));
  if (f.kind !== 'record' || f.parsed.problems.length > 0) return { checks };

  const t = await tallyLookups(dns, domain, f.parsed, macro);
  const over = t.lookups > SPF_LOOKUP_LIMIT;
  const count = `${t.truncated ? 'at least ' : ''}${t.lookups}`;
  checks.push({
    id: 'spf.lookups',
    status: over ? 'fail' : 'pass',
    message: `SPF ${domain}: ${count} DNS lookup${t.lookups === 1 ? '' : 's'} of the ${SPF_LOOKUP_LIMIT} allowed (${t.breakdown.join(', ') || 'none'})${over ? ': receivers stop with permerror, as if there were no SPF' : ''}${t.notes.size ? `; ${[...t.notes].join('; ')}` : ''}`,
    fix: over ? await fix() : undefined,
    data: { domain, lookups: t.lookups, voids: t.voids, truncated: t.truncated, breakdown: t.breakdown },
  });
  if (t.problems.length + t.failures.length > 0) checks.push(await includesCheck(dns, domain, t, fix));
  if (t.usesPtr)
    checks.push({
      id: 'spf.ptr',
      status: 'warn',
      message: `SPF ${domain}: uses "ptr": it is evaluated here as receivers do, but RFC 7208 §5.5 says not to use it (slow, it depends on the reverse zone of whoever connects, and some receivers skip it)`,
      fix: 'replace "ptr" with ip4:/ip6: ranges or a: terms for the hosts it was meant to cover',
    });
  const relayCheck = await coverage(dns, domain, input, wanted, addresses, t, sender, fix);
  checks.push(relayCheck.check);
  return { checks, relayCovered: relayCheck.covered };
}

/** The advice for a lookup that failed is the same whatever the code (REFUSED aside, which the record line shows). */
const LOOKUP_FAILED = { missing: false, code: 'ESERVFAIL', text: '' } as const;

async function includesCheck(
  dns: DeliverabilityDns,
  domain: string,
  t: Tally,
  fix: () => Promise<string>,
): Promise<Check> {
  const all = [...t.problems, ...t.failures];
  const broken = t.problems.length > 0;
  return {
    id: 'spf.includes',
    status: broken ? 'fail' : 'warn',
    message: `SPF ${domain}: ${all
      .slice(0, 3)
      .map((x) => clip(x, 300))
      .join('; ')}${all.length > 3 ? ` (and ${all.length - 3} more)` : ''}`,
    // A lookup that failed says nothing about the record: receivers retry a temperror later.
    fix: broken
      ? await fix()
      : `${serverFix(LOOKUP_FAILED, dns.ctx)}; receivers that meet the same failure return temperror and retry later`,
    data: { problems: t.problems, failures: t.failures },
  };
}

async function recordCheck(
  dns: DeliverabilityDns,
  domain: string,
  f: FetchedSpf,
  sesDefault: boolean,
  fix: () => Promise<string>,
): Promise<Check> {
  switch (f.kind) {
    case 'error':
      return {
        id: 'spf.record',
        status: 'fail',
        message: `SPF ${domain}: could not be looked up: ${f.problem.text}`,
        fix: serverFix(f.problem, dns.ctx),
      };
    case 'none':
      return {
        id: 'spf.record',
        status: sesDefault ? 'warn' : 'fail',
        message: `SPF ${domain}: no SPF record (${f.problem?.text ?? 'no TXT string starts with "v=spf1"'})${sesDefault ? ': SES mail is checked against its own MAIL FROM domain, but other mail claiming to be from ' + domain + ' cannot be told apart' : `: receivers cannot tell the relay is allowed to send for ${domain}`}`,
        fix: await fix(),
        data: { domain },
      };
    case 'multiple':
      return {
        id: 'spf.record',
        status: 'fail',
        message: `SPF ${domain}: ${f.texts.length} SPF records (${f.texts.map((x) => clip(x, 120)).join(' | ')}): receivers treat that as permerror and ignore all of them (RFC 7208 §3.2)`,
        fix: `keep one: ${await fix()}`,
        data: { domain, seen: f.texts },
      };
    default:
      if (f.parsed.problems.length > 0) {
        return {
          id: 'spf.record',
          status: 'fail',
          message: `SPF ${domain}: "${clip(f.text)}" is invalid: ${f.parsed.problems
            .slice(0, 3)
            .map((x) => clip(x, 200))
            .join('; ')} (receivers treat it as permerror)`,
          fix: await fix(),
          data: { domain, seen: f.text },
        };
      }
      return {
        id: 'spf.record',
        status: 'pass',
        message: `SPF ${domain}: ${clip(f.text)}`,
        data: { domain, seen: f.text },
      };
  }
}

async function relayAddresses(
  dns: DeliverabilityDns,
  relay: Relay,
  given: readonly string[],
): Promise<{ list: string[]; note?: string }> {
  if (given.length > 0) return { list: [...given] };
  if (isIP(relay.host)) return { list: [relay.host] };
  if (relay.kind !== 'other') return { list: [] };
  const [v4, v6] = await Promise.all([dns.addresses(relay.host, 4), dns.addresses(relay.host, 6)]);
  const list = [...v4.list, ...v6.list];
  return {
    list,
    note:
      list.length === 0
        ? `${relay.host} did not resolve (${v4.problem?.text ?? v6.problem?.text ?? 'no address'})`
        : undefined,
  };
}

async function coverage(
  dns: DeliverabilityDns,
  domain: string,
  input: SpfInput,
  wanted: string[],
  addresses: { list: string[]; note?: string },
  t: Tally,
  sender: Sender,
  fix: () => Promise<string>,
): Promise<{ check: Check; covered?: boolean }> {
  const relay = input.relay;
  if (relay.kind === 'ses' && !input.mailFromDomain) {
    const has = t.includes.has(SES_INCLUDE);
    return {
      covered: undefined,
      check: {
        id: 'spf.relay',
        status: has ? 'pass' : 'warn',
        message: `SPF ${domain}: Amazon SES (${relay.host}) sends with a MAIL FROM under amazonses.com unless the identity has a custom MAIL FROM domain, so SPF passes for amazonses.com and does not align with ${domain}${has ? '; this record includes amazonses.com too' : ''}`,
        fix: has
          ? undefined
          : `set a custom MAIL FROM domain on the SES identity (its MX and "v=spf1 include:${SES_INCLUDE} ~all" TXT), then run again with --mail-from-domain <that domain>; until then DMARC rests on DKIM alone`,
        data: { relay: relay.host },
      },
    };
  }
  if (relay.kind !== 'other' && input.relayAddresses.length === 0) {
    const include = relay.kind === 'ses' ? SES_INCLUDE : relay.include;
    const has = t.includes.has(include);
    const who = relay.kind === 'ses' ? 'Amazon SES' : relay.provider;
    return {
      covered: has,
      check: {
        id: 'spf.relay',
        status: has ? 'pass' : 'fail',
        message: has
          ? `SPF ${domain} authorizes ${who} (${relay.host}) through include:${include}`
          : `SPF ${domain} does not include ${include}: mail ${who} (${relay.host}) sends for ${domain} fails SPF`,
        fix: has ? undefined : await fix(),
        data: { relay: relay.host, include },
      },
    };
  }
  if (addresses.list.length === 0) {
    return {
      covered: undefined,
      check: {
        id: 'spf.relay',
        status: 'warn',
        message: `SPF ${domain}: could not check the relay: ${addresses.note}`,
        fix: 'give the addresses the relay sends from with --relay-address <ip>',
      },
    };
  }
  const results: (Evaluation & { address: string })[] = await Promise.all(
    addresses.list.map(async (a) => ({ address: a, ...(await checkHost(dns, a, domain, sender)) })),
  );
  const bad = results.filter((r) => r.result !== 'pass');
  const notes = [...new Set(results.flatMap((r) => r.notes))];
  const shown = results.map((r) => `${r.address} → ${r.result} (${r.by})`).join('; ');
  const where = input.relayAddresses.length > 0 ? 'the relay addresses given' : `${relay.host}'s addresses`;
  const unsure = bad.length > 0 && bad.every((r) => r.result === 'temperror');
  return {
    covered: unsure ? undefined : bad.length === 0,
    check: {
      id: 'spf.relay',
      status: bad.length === 0 ? 'pass' : unsure ? 'warn' : 'fail',
      message: `SPF ${domain} for ${where}: ${shown}${notes.length ? `; ${notes.join('; ')}` : ''}${bad.some((r) => ['fail', 'softfail', 'neutral'].includes(r.result)) && input.relayAddresses.length === 0 ? '. If the relay sends from other addresses than it accepts mail on, give those with --relay-address' : ''}`,
      fix:
        bad.length === 0
          ? undefined
          : unsure
            ? 'the lookups failed (a temperror: receivers retry later); run again, or ask another server with --dns-server'
            : await fix(),
      data: { relay: relay.host, results, wanted },
    },
  };
}
