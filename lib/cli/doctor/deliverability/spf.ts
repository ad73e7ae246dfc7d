/**
 * The SPF lines of `doctor deliverability`: the record of the envelope domain
 * (spf.record), its lookup count against the limit of 10 (spf.lookups), the
 * includes it depends on (spf.includes), whether the relay is authorized
 * (spf.relay), and, with senderAuth.spf in the config, whether the TXT set at
 * the domain is the one this stack publishes (spf.managed).
 */
import { isIP } from 'node:net';
import { SPF_LOOKUP_LIMIT } from '../../../records/spf-record';
import { DeliverabilityDns, Relay, SES_INCLUDE, clip, txtRecord } from './dns';
import { FetchedSpf, checkHost, fetchSpf, tallyLookups } from './spf-eval';
import { serverFix } from '../dns-lookup';
import { Check } from '../report';

export interface SpfInput {
  /** The From domain (the no-reply address's). */
  readonly fromDomain: string;
  /** The envelope (MAIL FROM) domain, when it differs: SES's custom MAIL FROM subdomain. @default - the From domain */
  readonly mailFromDomain?: string;
  readonly relay: Relay;
  /** Addresses the relay sends from, when they are not those smtp.address resolves to. @default - smtp.address's */
  readonly relayAddresses: readonly string[];
  /** The record senderAuth.spf publishes, and the other TXT values that go with it. @default - none configured */
  readonly configured?: { readonly record: string; readonly otherTxtValues: readonly string[] };
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
  const terms = record.split(' ').filter((t) => t !== '');
  const end = terms.findIndex((t) => /^[-~?+]?all$/i.test(t) || t.toLowerCase().startsWith('redirect='));
  terms.splice(end < 0 ? terms.length : end, 0, ...mechanisms);
  return terms.join(' ');
}

export async function checkSpf(dns: DeliverabilityDns, input: SpfInput): Promise<SpfFindings> {
  const domain = input.mailFromDomain ?? input.fromDomain;
  const relay = input.relay;
  const addresses = await relayAddresses(dns, relay, input.relayAddresses);
  const wanted = relayMechanisms(relay, addresses.list);
  const f = await fetchSpf(dns, domain);
  // senderAuth.spf publishes at the From domain; at a separate MAIL FROM domain the relay's own record is what fits.
  const exact = input.configured && !input.mailFromDomain ? input.configured.record : `v=spf1 ${wanted.join(' ')} ~all`;
  // SES without a custom MAIL FROM never has its mail checked against the From domain's SPF: a missing record is not
  // its failure.
  const sesDefault = relay.kind === 'ses' && !input.mailFromDomain;
  const checks: Check[] = [recordCheck(dns, domain, f, exact, sesDefault)];
  if (input.configured) checks.push(await managedCheck(dns, input.fromDomain, input.configured));
  if (f.kind !== 'record' || f.parsed.problems.length > 0) return { checks };

  const t = await tallyLookups(dns, domain, f.parsed);
  const over = t.lookups > SPF_LOOKUP_LIMIT;
  const count = `${t.truncated ? 'at least ' : ''}${t.lookups}`;
  checks.push({
    id: 'spf.lookups',
    status: over ? 'fail' : 'pass',
    message: `SPF ${domain}: ${count} DNS lookup${t.lookups === 1 ? '' : 's'} of the ${SPF_LOOKUP_LIMIT} allowed (${t.breakdown.join(', ') || 'none'})${over ? ': receivers stop with permerror, as if there were no SPF' : ''}${t.notes.size ? `; ${[...t.notes].join('; ')}` : ''}`,
    fix: over
      ? `drop includes of services that no longer send for ${domain}, or replace an include with the ip4:/ip6: ranges it lists (they cost no lookup)`
      : undefined,
    data: { domain, lookups: t.lookups, truncated: t.truncated, breakdown: t.breakdown },
  });
  if (t.problems.length > 0) {
    checks.push({
      id: 'spf.includes',
      status: 'fail',
      message: `SPF ${domain}: ${t.problems
        .slice(0, 3)
        .map((x) => clip(x, 200))
        .join('; ')}${t.problems.length > 3 ? ` (and ${t.problems.length - 3} more)` : ''}`,
      fix: 'remove or correct the include: a broken include makes the whole evaluation a permerror for receivers that reach it',
      data: { problems: t.problems },
    });
  }
  const relayCheck = await coverage(dns, domain, input, f.text, wanted, addresses, t.includes);
  checks.push(relayCheck.check);
  return { checks, relayCovered: relayCheck.covered };
}

function recordCheck(dns: DeliverabilityDns, domain: string, f: FetchedSpf, exact: string, sesDefault: boolean): Check {
  const add = `publish ${txtRecord(domain, exact)}`;
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
        fix: add,
        data: { domain, expected: exact },
      };
    case 'multiple':
      return {
        id: 'spf.record',
        status: 'fail',
        message: `SPF ${domain}: ${f.texts.length} SPF records (${f.texts.map((x) => clip(x, 120)).join(' | ')}): receivers treat that as permerror and ignore all of them (RFC 7208 §3.2)`,
        fix: `merge them into one TXT string that starts with "v=spf1" and delete the others`,
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
          fix: `correct the record, e.g. ${txtRecord(domain, exact)}`,
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
  record: string,
  wanted: string[],
  addresses: { list: string[]; note?: string },
  includes: Set<string>,
): Promise<{ check: Check; covered?: boolean }> {
  const relay = input.relay;
  const fix = `add ${wanted.join(' ')}: ${txtRecord(domain, record.length > 400 ? `${clip(record, 80)} with ${wanted.join(' ')} before "all"` : mergeSpf(record, wanted))}`;
  if (relay.kind === 'ses' && !input.mailFromDomain) {
    const has = includes.has(SES_INCLUDE);
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
    const has = includes.has(include);
    const who = relay.kind === 'ses' ? 'Amazon SES' : relay.provider;
    return {
      covered: has,
      check: {
        id: 'spf.relay',
        status: has ? 'pass' : 'fail',
        message: has
          ? `SPF ${domain} authorizes ${who} (${relay.host}) through include:${include}`
          : `SPF ${domain} does not include ${include}: mail ${who} (${relay.host}) sends for ${domain} fails SPF`,
        fix: has ? undefined : fix,
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
  const results = await Promise.all(
    addresses.list.map(async (a) => ({ address: a, ...(await checkHost(dns, a, domain)) })),
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
            ? 'the lookups failed; run again, or ask another server with --dns-server'
            : fix,
      data: { relay: relay.host, results },
    },
  };
}

/** With senderAuth.spf: the TXT set at the domain must be ours, or deploy fails (one TXT set per name in Route53). */
async function managedCheck(
  dns: DeliverabilityDns,
  domain: string,
  configured: NonNullable<SpfInput['configured']>,
): Promise<Check> {
  const answer = await dns.txt(domain);
  const want = [configured.record, ...configured.otherTxtValues];
  const seen = answer.records;
  const data = { domain, expected: want, seen };
  if (answer.problem && !answer.problem.missing)
    return {
      id: 'spf.managed',
      status: 'warn',
      message: `TXT ${domain}: could not be looked up: ${answer.problem.text}`,
      fix: serverFix(answer.problem, dns.ctx),
      data,
    };
  if (seen.length === 0)
    return {
      id: 'spf.managed',
      status: 'info',
      message: `TXT ${domain}: none yet; cdktf deploy publishes senderAuth.spf's record`,
      data,
    };
  const same = seen.length === want.length && want.every((w) => seen.includes(w));
  if (same)
    return {
      id: 'spf.managed',
      status: 'pass',
      message: `TXT ${domain} is exactly what senderAuth.spf publishes`,
      data,
    };
  const others = seen.filter((s) => !want.includes(s)).map((s) => clip(s, 120));
  return {
    id: 'spf.managed',
    status: 'warn',
    message: `TXT ${domain} holds values senderAuth.spf does not publish: ${others.join(' | ')}. Route53 keeps one TXT set per name: if this stack does not manage it yet, cdktf deploy fails ("already exists") and never overwrites it`,
    fix: 'merge: copy the other SPF mechanisms into senderAuth.spf (include/ip4/ip6) and other TXT values into senderAuth.spf.otherTxtValues, then delete the existing record set before deploying (or import it); or leave senderAuth.spf out and add the relay to the existing record yourself',
    data,
  };
}
