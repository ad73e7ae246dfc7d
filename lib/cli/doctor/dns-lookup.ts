/**
 * DNS lookups for `doctor inbound`, with their failures sorted into the two
 * kinds an operator acts on differently: the record is missing (NXDOMAIN,
 * NODATA: create it), or the lookup itself failed (no server, timeout,
 * REFUSED, SERVFAIL: the records were not checked at all). c-ares reports a
 * UDP server that is not there (ICMP port or host unreachable) as
 * ECONNREFUSED, and a DNS answer with rcode REFUSED as EREFUSED.
 */
import { Resolver } from 'node:dns/promises';

/** Why a lookup gave no records. */
/** A DNS name as compared: lower-case, without the root's trailing dot. */
export const normalizeName = (name: string): string => name.toLowerCase().replace(/\.$/, '');

export interface LookupProblem {
  /** True when the name or the type is absent (the fix is a record); false when the server did not tell. */
  readonly missing: boolean;
  /** The resolver's code, e.g. "ENOTFOUND", "EREFUSED". */
  readonly code: string;
  /** Plain words, e.g. "no such name, NXDOMAIN" or "127.0.0.1:53 did not answer within 5000 ms". */
  readonly text: string;
}

export interface LookupContext {
  readonly resolver: Resolver;
  readonly timeoutMs: number;
  /** True when the servers came from --dns-server (the fix then names the option). */
  readonly explicitServers: boolean;
}

export function servers(ctx: LookupContext): string {
  return ctx.resolver.getServers().join(', ') || '(no DNS server configured)';
}

export function problemOf(err: unknown, ctx: LookupContext): LookupProblem {
  const code = (err as { code?: string }).code ?? 'EUNKNOWN';
  const at = servers(ctx);
  switch (code) {
    case 'ENOTFOUND':
      return { missing: true, code, text: 'no such name, NXDOMAIN' };
    case 'ENODATA':
      return { missing: true, code, text: 'the name exists but has no record of this type' };
    case 'ECONNREFUSED':
      return {
        missing: false,
        code,
        text: `nothing answered at ${at} (connection refused: no DNS server listens there)`,
      };
    case 'ETIMEOUT':
      return { missing: false, code, text: `${at} did not answer within ${ctx.timeoutMs} ms` };
    case 'EREFUSED':
      return { missing: false, code, text: `${at} refused to answer for it (REFUSED)` };
    case 'ESERVFAIL':
      return {
        missing: false,
        code,
        text: `${at} could not answer (SERVFAIL: the zone's servers failed, or its DNSSEC does not validate)`,
      };
    default:
      return { missing: false, code, text: `${at}: ${(err as Error).message}` };
  }
}

/** What to do when the lookup itself failed: the records were never seen, so no advice about them. */
export function serverFix(p: LookupProblem, ctx: LookupContext): string {
  const where = ctx.explicitServers
    ? `check --dns-server ${servers(ctx)} (address and port), or leave it out to use the system resolvers`
    : "check this machine's resolvers (/etc/resolv.conf), or ask another server with --dns-server <ip>";
  if (p.code === 'EREFUSED') {
    return `${servers(ctx)} does not serve this zone: ask one of the zone's own name servers (Route53: the NS record of the hosted zone) or a recursive resolver; the records themselves were not checked`;
  }
  return `${where}; the records themselves were not checked`;
}

export interface Addresses {
  readonly v4: string[];
  readonly v6: string[];
  /** Set when there is no address: why. */
  readonly problem?: LookupProblem;
}

/** A and AAAA of a name. A missing type is not a problem while the other has addresses. */
export async function addressesOf(ctx: LookupContext, name: string): Promise<Addresses> {
  const get = async (f: () => Promise<string[]>): Promise<{ list: string[]; problem?: LookupProblem }> => {
    try {
      return { list: await f() };
    } catch (err) {
      return { list: [], problem: problemOf(err, ctx) };
    }
  };
  const [a, aaaa] = await Promise.all([get(() => ctx.resolver.resolve4(name)), get(() => ctx.resolver.resolve6(name))]);
  if (a.list.length + aaaa.list.length > 0) return { v4: a.list, v6: aaaa.list };
  // A server failure on either query outweighs "missing" on the other: the name was not fully checked.
  const failed = [a.problem, aaaa.problem].find((p) => p && !p.missing);
  return { v4: [], v6: [], problem: failed ?? a.problem ?? aaaa.problem };
}
