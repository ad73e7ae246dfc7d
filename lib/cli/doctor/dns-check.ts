/**
 * The reply-by-email records the GHES docs ask for
 * (configuring-email-for-notifications#configuring-dns-records):
 * A/AAAA for reply.<host> (or a *.<host> wildcard), MX reply.<host> → reply.<host>,
 * MX noreply.<host> → <host>. Looked up with node:dns `Resolver`, so
 * `--dns-server` can point at the zone's authoritative servers.
 */
import { randomBytes } from 'node:crypto';
import { Resolver } from 'node:dns/promises';
import { Check } from './report';

export interface DnsExpectation {
  readonly hostname: string;
  readonly replyRecord: 'reply' | 'wildcard';
  /** Addresses the records should hold, when the config knows them. @default - any address */
  readonly ipv4?: string;
  readonly ipv6?: string;
}

export interface DnsFindings {
  readonly checks: Check[];
  /** Every MX exchange seen in the two MX lookups, lower-case, no trailing dot. */
  readonly mxTargets: string[];
}

/** "ENOTFOUND" → "no such name (NXDOMAIN)"; others as they come. */
function why(err: unknown): string {
  const code = (err as { code?: string }).code;
  if (code === 'ENOTFOUND') return 'no such name (NXDOMAIN)';
  if (code === 'ENODATA') return 'the name exists but has no record of this type';
  if (code === 'ETIMEOUT') return 'the DNS server did not answer in time';
  if (code === 'ECONNREFUSED') return 'the DNS server refused the query';
  if (code === 'ESERVFAIL') return 'the DNS server failed (SERVFAIL)';
  return code ?? (err as Error).message;
}

const isMissing = (err: unknown) => ['ENOTFOUND', 'ENODATA'].includes((err as { code?: string }).code ?? '');
const norm = (name: string) => name.toLowerCase().replace(/\.$/, '');

/** A and AAAA of a name; each undefined list means "none", errors other than "no record" are thrown. */
export async function addressesOf(resolver: Resolver, name: string): Promise<{ v4: string[]; v6: string[]; error?: string }> {
  const get = async (f: () => Promise<string[]>) => {
    try {
      return { list: await f() };
    } catch (err) {
      return { list: [] as string[], error: isMissing(err) ? undefined : why(err), missing: why(err) };
    }
  };
  const [a, aaaa] = await Promise.all([get(() => resolver.resolve4(name)), get(() => resolver.resolve6(name))]);
  return { v4: a.list, v6: aaaa.list, error: a.error ?? aaaa.error ?? (a.list.length + aaaa.list.length === 0 ? a.missing : undefined) };
}

export async function checkDns(resolver: Resolver, e: DnsExpectation): Promise<DnsFindings> {
  const host = norm(e.hostname);
  const reply = `reply.${host}`;
  const checks: Check[] = [];

  const [addrs, wildcard] = await Promise.all([addressesOf(resolver, reply), addressesOf(resolver, `ghes-email-doctor-${randomBytes(4).toString('hex')}.${host}`)]);
  const seen = [...addrs.v4, ...addrs.v6];
  const hasWildcard = wildcard.v4.length + wildcard.v6.length > 0;
  const expected = e.replyRecord === 'wildcard' ? `A ${reply}, or a wildcard *.${host} that covers it` : `A ${reply}`;
  if (seen.length === 0 && hasWildcard) {
    checks.push({
      id: 'dns.reply-address',
      status: 'fail',
      message: `${reply}: expected an address (${expected}); saw none (${addrs.error ?? 'no A or AAAA record'}). A wildcard *.${host} exists, but a wildcard only answers names that do not exist at all (RFC 4592), and ${reply} exists because it has other records (its MX)`,
      fix: `create an explicit A ${reply} (this stack creates one with either replyRecord), or publish the MX through the wildcard (*.${host} MX) instead of at ${reply}`,
      data: { name: reply, expected: e.ipv4 ?? 'an address', seen, wildcard: true },
    });
  } else if (seen.length === 0) {
    checks.push({
      id: 'dns.reply-address',
      status: 'fail',
      message: `${reply}: expected an address (${expected}${e.ipv4 ? ` → ${e.ipv4}` : ''}); saw none: ${addrs.error ?? 'no A or AAAA record'}`,
      fix: `create A ${reply} pointing at the appliance (cdktf deploy of this stack creates it), then wait for the TTL`,
      data: { name: reply, expected: e.ipv4 ?? 'an address', seen },
    });
  } else {
    const wrong = (e.ipv4 && addrs.v4.length > 0 && !addrs.v4.includes(e.ipv4)) || (e.ipv6 && addrs.v6.length > 0 && !addrs.v6.includes(e.ipv6));
    const wildSeen = [...wildcard.v4, ...wildcard.v6];
    const via = !hasWildcard
      ? ''
      : e.replyRecord === 'wildcard' && sameSet(seen, wildSeen)
        ? ` (through the wildcard *.${host})`
        : ` (a wildcard *.${host} also answers${sameSet(seen, wildSeen) ? ' with the same address' : ` with ${wildSeen.join(', ')}`})`;
    checks.push({
      id: 'dns.reply-address',
      status: wrong ? 'fail' : 'pass',
      message: wrong
        ? `${reply}: expected ${[e.ipv4, e.ipv6].filter(Boolean).join(' / ')}; saw ${seen.join(', ')}${via}`
        : `${reply} → ${seen.join(', ')}${via}`,
      fix: wrong ? `point ${reply}${e.replyRecord === 'wildcard' ? ` and *.${host}` : ''} at the appliance's public address` : undefined,
      data: { name: reply, seen, wildcard: hasWildcard },
    });
  }

  const mxTargets = new Set<string>();
  const mx = async (id: string, name: string, want: string) => {
    let records: { exchange: string; priority: number }[] = [];
    let error: string | undefined;
    try {
      records = await resolver.resolveMx(name);
    } catch (err) {
      error = why(err);
    }
    for (const r of records) mxTargets.add(norm(r.exchange));
    const shown = records.map((r) => `${r.priority} ${norm(r.exchange)}`).join(', ');
    const ok = records.length > 0 && records.every((r) => norm(r.exchange) === want);
    checks.push({
      id,
      status: ok ? 'pass' : 'fail',
      message: ok ? `MX ${name} → ${shown}` : `MX ${name}: expected ${want}; saw ${records.length ? shown : `no MX record (${error ?? 'empty answer'})`}`,
      fix: ok ? undefined : `publish exactly one MX record for ${name} with the value "10 ${want}"${records.length ? ' and remove the others' : ''}`,
      data: { name, expected: want, seen: records.map((r) => ({ priority: r.priority, exchange: norm(r.exchange) })) },
    });
  };
  await mx('dns.reply-mx', reply, reply);
  await mx('dns.noreply-mx', `noreply.${host}`, host);
  return { checks, mxTargets: [...mxTargets] };
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x) => b.includes(x));
}
