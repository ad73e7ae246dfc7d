/**
 * A real authoritative DNS server on 127.0.0.1 (the pure-JS `dns2` package)
 * for `doctor deliverability`: A, AAAA, MX, TXT, CNAME and PTR. dns-server.ts serves
 * the reply-by-email types only; this one adds what SPF, DKIM and DMARC live in.
 * As an authoritative server answers: NXDOMAIN for a name that does not exist
 * (ancestors of a name exist: empty non-terminals), NODATA for a missing type,
 * and for a name with a CNAME the CNAME plus, when the target is served here,
 * the target's records of the asked type (RFC 1034 §4.3.2). A name can be made to
 * fail (SERVFAIL, REFUSED) or never answer, for the "could not be looked up" paths.
 * Like Knot or BIND, it refuses to load a zone with a CNAME beside other data
 * (RFC 1034 §3.6.2), so a suggested fix that puts a TXT there fails the test that publishes it.
 */
import { Packet } from 'dns2';
import { RunningDns, serveDns, zoneNames } from './dns-server';

export interface AuthRecords {
  readonly A?: string[];
  readonly AAAA?: string[];
  /** [priority, exchange] pairs. */
  readonly MX?: [number, string][];
  /** One entry per TXT record: a string (cut into 255-byte character-strings) or the character-strings themselves. */
  readonly TXT?: (string | string[])[];
  readonly CNAME?: string;
  /** Host names, for a reverse name such as `10.2.0.192.in-addr.arpa`. */
  readonly PTR?: string[];
  /** Every question for this name gets this rcode and no answer. @default - answered from the records */
  readonly rcode?: 'SERVFAIL' | 'REFUSED';
  /** Questions for this name are never answered (the resolver times out). @default false */
  readonly silent?: boolean;
}

/** The running server: its address, the questions asked, close(). */
export type AuthDns = RunningDns;

const RCODE = { SERVFAIL: 2, REFUSED: 5 } as const;

/** A TXT record as DNS carries it: character-strings of at most 255 bytes (RFC 1035 §3.3). */
function characterStrings(value: string | string[]): string[] {
  if (Array.isArray(value)) return value;
  const out: string[] = [];
  for (let i = 0; i < value.length; i += 255) out.push(value.slice(i, i + 255));
  return out.length ? out : [''];
}

/** Why an authoritative server would refuse to load the zone, or undefined. */
export function zoneLoadProblem(zone: Record<string, AuthRecords>): string | undefined {
  for (const [name, records] of Object.entries(zone)) {
    const others = (['A', 'AAAA', 'MX', 'TXT', 'PTR'] as const).filter((t) => (records[t] ?? []).length > 0);
    if (records.CNAME && others.length > 0)
      return `${name} has a CNAME and ${others.join(', ')}: a CNAME cannot sit beside other data (RFC 1034 §3.6.2)`;
  }
  return undefined;
}

export function startAuthDns(zone: Record<string, AuthRecords>): Promise<AuthDns> {
  const problem = zoneLoadProblem(zone);
  if (problem) return Promise.reject(new Error(`the zone does not load: ${problem}`));
  const { names, existing } = zoneNames(zone);
  return serveDns(({ name: asked, type, qtype }, response) => {
    const own = names.get(asked);
    if (own?.silent) return false;
    if (own?.rcode) {
      response.header.rcode = RCODE[own.rcode];
      return true;
    }
    if (!existing.has(asked)) {
      response.header.rcode = 3; // NXDOMAIN
      return true;
    }
    let name = asked;
    // Follow CNAMEs inside the zone, as an authoritative server adds in-zone targets to the answer.
    for (let hops = 0; hops < 8; hops++) {
      const records = names.get(name) ?? {};
      const base = { name, class: Packet.CLASS.IN, ttl: 60 };
      if (records.CNAME && type !== 'CNAME') {
        const rr = { ...base, type: Packet.TYPE.CNAME, domain: records.CNAME };
        response.answers.push(rr);
        name = records.CNAME.toLowerCase();
        if (names.has(name)) continue;
        break;
      }
      const push = (rr: Record<string, unknown>) => response.answers.push({ ...base, type: qtype, ...rr });
      if (type === 'A' || type === 'AAAA') for (const address of records[type] ?? []) push({ address });
      if (type === 'MX') for (const [priority, exchange] of records.MX ?? []) push({ priority, exchange });
      if (type === 'TXT') for (const value of records.TXT ?? []) push({ data: characterStrings(value) });
      if (type === 'CNAME' && records.CNAME) push({ domain: records.CNAME });
      if (type === 'PTR') for (const domain of records.PTR ?? []) push({ domain });
      break;
    }
    return true;
  });
}
