/**
 * The reply-by-email records the GHES docs ask for
 * (configuring-email-for-notifications#configuring-dns-records):
 * A/AAAA for reply.<host> (or a *.<host> wildcard), MX reply.<host> → reply.<host>,
 * MX noreply.<host> → <host>. Looked up with node:dns `Resolver`, so
 * `--dns-server` can point at the zone's authoritative servers.
 */
import { randomBytes } from 'node:crypto';
import {
  Addresses,
  LookupContext,
  LookupProblem,
  addressesOf,
  normalizeName,
  problemOf,
  serverFix,
} from '../dns-lookup';
import { Check } from '../report';

export interface DnsExpectation {
  readonly hostname: string;
  readonly replyRecord: 'reply' | 'wildcard';
  /** Addresses the records should hold, when the config knows them. @default - any address */
  readonly ipv4?: string;
  readonly ipv6?: string;
  /** The config's dns.mxPriority, for fix lines. */
  readonly mxPriority: number;
}

/** An MX target and the MX records that point at it. */
export interface MxTarget {
  readonly name: string;
  /** MX owner names pointing here, with the target each expects and the id of its check. */
  readonly from: { readonly owner: string; readonly expected: string; readonly checkId: string }[];
}

export interface DnsFindings {
  readonly checks: Check[];
  /** Every MX exchange seen in the two MX lookups, lower-case, no trailing dot. */
  readonly mxTargets: MxTarget[];
}

const label = () => `ghes-email-doctor-${randomBytes(4).toString('hex')}`;

export async function checkDns(ctx: LookupContext, e: DnsExpectation): Promise<DnsFindings> {
  const host = normalizeName(e.hostname);
  const reply = `reply.${host}`;
  const [addrs, wildcard] = await Promise.all([addressesOf(ctx, reply), addressesOf(ctx, `${label()}.${host}`)]);
  const checks: Check[] = [await replyAddressCheck(ctx, e, host, addrs, wildcard)];

  const targets = new Map<string, MxTarget>();
  const mx = async (checkId: string, owner: string, want: string) => {
    let records: { exchange: string; priority: number }[] = [];
    let problem: LookupProblem | undefined;
    try {
      records = await ctx.resolver.resolveMx(owner);
    } catch (err) {
      problem = problemOf(err, ctx);
    }
    for (const r of records) {
      const name = normalizeName(r.exchange);
      if (!targets.has(name)) targets.set(name, { name, from: [] });
      targets.get(name)!.from.push({ owner, expected: want, checkId });
    }
    const shown = records.map((r) => `${r.priority} ${normalizeName(r.exchange)}`).join(', ');
    const ok = records.length > 0 && records.every((r) => normalizeName(r.exchange) === want);
    const data = {
      name: owner,
      expected: want,
      seen: records.map((r) => ({ priority: r.priority, exchange: normalizeName(r.exchange) })),
    };
    if (problem && !problem.missing) {
      checks.push({
        id: checkId,
        status: 'fail',
        message: `MX ${owner}: could not be looked up: ${problem.text}`,
        fix: serverFix(problem, ctx),
        data,
      });
      return;
    }
    checks.push({
      id: checkId,
      status: ok ? 'pass' : 'fail',
      message: ok
        ? `MX ${owner} → ${shown}`
        : `MX ${owner}: expected ${want}; saw ${records.length ? shown : `no MX record (${problem?.text ?? 'empty answer'})`}`,
      fix: ok
        ? undefined
        : `publish exactly one MX record for ${owner} with the value "${e.mxPriority} ${want}"${records.length ? ' and remove the others' : ''}`,
      data,
    });
  };
  await mx('dns.reply-mx', reply, reply);
  await mx('dns.noreply-mx', `noreply.${host}`, host);
  return { checks, mxTargets: [...targets.values()] };
}

async function replyAddressCheck(
  ctx: LookupContext,
  e: DnsExpectation,
  host: string,
  addrs: Addresses,
  wildcard: Addresses,
): Promise<Check> {
  const reply = `reply.${host}`;
  const seen = [...addrs.v4, ...addrs.v6];
  const wildSeen = [...wildcard.v4, ...wildcard.v6];
  const hasWildcard = wildSeen.length > 0;
  const expected = e.replyRecord === 'wildcard' ? `A ${reply}, or a wildcard *.${host} that covers it` : `A ${reply}`;
  if (seen.length === 0 && addrs.problem && !addrs.problem.missing) {
    return {
      id: 'dns.reply-address',
      status: 'fail',
      message: `${reply}: could not be looked up: ${addrs.problem.text}`,
      fix: serverFix(addrs.problem, ctx),
      data: { name: reply, seen },
    };
  }
  if (seen.length === 0 && hasWildcard) {
    return {
      id: 'dns.reply-address',
      status: 'fail',
      message: `${reply}: expected an address (${expected}); saw none (${addrs.problem?.text ?? 'no A or AAAA record'}). A wildcard *.${host} exists, but a wildcard only answers names that do not exist at all (RFC 4592), and ${reply} exists because it has other records (its MX)`,
      fix: `create an explicit A ${reply} (this stack creates one with either replyRecord), or publish the MX through the wildcard (*.${host} MX) instead of at ${reply}`,
      data: { name: reply, expected: e.ipv4 ?? 'an address', seen, wildcard: true },
    };
  }
  if (seen.length === 0) {
    return {
      id: 'dns.reply-address',
      status: 'fail',
      message: `${reply}: expected an address (${expected}${e.ipv4 ? ` → ${e.ipv4}` : ''}); saw none: ${addrs.problem?.text ?? 'no A or AAAA record'}`,
      fix: `create A ${reply} pointing at the appliance (cdktf deploy of this stack creates it), then wait for the TTL`,
      data: { name: reply, expected: e.ipv4 ?? 'an address', seen },
    };
  }
  const wrong =
    (e.ipv4 && addrs.v4.length > 0 && !addrs.v4.includes(e.ipv4)) ||
    (e.ipv6 && addrs.v6.length > 0 && !addrs.v6.includes(e.ipv6));
  const via = hasWildcard ? ` (${await whichAnswered(ctx, host, addrs, wildSeen)})` : '';
  return {
    id: 'dns.reply-address',
    status: wrong ? 'fail' : 'pass',
    message: wrong
      ? `${reply}: expected ${[e.ipv4, e.ipv6].filter(Boolean).join(' / ')}; saw ${seen.join(', ')}${via}`
      : `${reply} → ${seen.join(', ')}${via}`,
    fix: wrong
      ? `point ${reply}${e.replyRecord === 'wildcard' ? ` and *.${host}` : ''} at the appliance's public address`
      : undefined,
    data: { name: reply, seen, wildcard: hasWildcard },
  };
}

/**
 * With a wildcard *.host present, the answer for reply.host looks the same whether
 * it came from an explicit record or from the wildcard. A name below reply.host tells
 * them apart (RFC 4592 closest encloser): if reply.host exists, x.reply.host is
 * NXDOMAIN (no *.reply.host); if it does not, *.host answers x.reply.host too.
 */
async function whichAnswered(ctx: LookupContext, host: string, addrs: Addresses, wildSeen: string[]): Promise<string> {
  const reply = `reply.${host}`;
  const seen = [...addrs.v4, ...addrs.v6];
  const type = addrs.v4.length > 0 ? 'A' : 'AAAA';
  const own = `answered by the ${type} record at ${reply} itself; a wildcard *.${host} exists but cannot answer a name that has records of its own, RFC 4592`;
  if (!sameSet(seen, wildSeen)) return `${own}; the wildcard holds ${wildSeen.join(', ')}`;
  const below = await addressesOf(ctx, `${label()}.${reply}`);
  if (below.v4.length + below.v6.length > 0)
    return `answered by the wildcard *.${host}; ${reply} has no records of its own`;
  if (below.problem?.code === 'ENOTFOUND') return own;
  return `a wildcard *.${host} answers with the same address; could not tell which record answered (${below.problem?.text ?? 'no answer'})`;
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x) => b.includes(x));
}
