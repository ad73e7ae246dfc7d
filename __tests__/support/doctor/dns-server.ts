/**
 * A real DNS server on 127.0.0.1 (the pure-JS `dns2` package) serving a small
 * zone. Wildcards follow RFC 4592: `*.zone` answers only names that do not
 * exist at all; a name with any record (e.g. an MX) gets NODATA for other types.
 */
import { Packet, createServer } from 'dns2';

export interface ZoneRecords {
  readonly A?: string[];
  readonly AAAA?: string[];
  /** [priority, exchange] pairs. */
  readonly MX?: [number, string][];
}

export interface RunningDns {
  /** "127.0.0.1:port", as --dns-server takes it. */
  readonly address: string;
  /** Every (name, type) asked, for assertions. */
  readonly queries: string[];
  close(): Promise<void>;
}

export async function startDns(zone: Record<string, ZoneRecords>): Promise<RunningDns> {
  const queries: string[] = [];
  const names = new Map(Object.entries(zone).map(([k, v]) => [k.toLowerCase(), v]));
  const typeName = Object.fromEntries(Object.entries(Packet.TYPE).map(([k, v]) => [v, k]));
  const server = createServer({
    udp: true,
    handle: (request, send) => {
      const response = Packet.createResponseFromRequest(request);
      response.header.aa = 1;
      const [q] = request.questions;
      const name = q.name.toLowerCase().replace(/\.$/, '');
      const type = typeName[q.type] as keyof ZoneRecords;
      queries.push(`${name} ${type}`);
      let records = names.get(name);
      if (!records) {
        const wildcard = `*.${name.split('.').slice(1).join('.')}`;
        records = names.get(wildcard);
      }
      if (!records) {
        response.header.rcode = 3; // NXDOMAIN
        send(response);
        return;
      }
      const base = { name: q.name, type: q.type, class: Packet.CLASS.IN, ttl: 60 };
      if (type === 'A' || type === 'AAAA') for (const address of records[type] ?? []) response.answers.push({ ...base, address });
      if (type === 'MX') for (const [priority, exchange] of records.MX ?? []) response.answers.push({ ...base, priority, exchange });
      send(response);
    },
  });
  server.on('requestError', () => undefined);
  server.on('error', () => undefined);
  const addresses = await server.listen({ udp: { port: 0, address: '127.0.0.1', type: 'udp4' } });
  return { address: `127.0.0.1:${addresses.udp!.port}`, queries, close: () => server.close() };
}
