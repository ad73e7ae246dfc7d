/**
 * A real DNS server on 127.0.0.1 (the pure-JS `dns2` package) serving a small
 * zone. Wildcards follow RFC 4592: `*.zone` answers only names that do not
 * exist at all; a name with any record (e.g. an MX) gets NODATA for other types,
 * and below an existing name (x.reply.host when reply.host exists) the
 * wildcard of the closest existing ancestor applies, if there is one.
 * With `authoritativeFor`, names outside that zone get REFUSED, as
 * authoritative-only servers (Route53's) answer.
 */
import { createSocket } from 'node:dgram';
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

export async function startDns(zone: Record<string, ZoneRecords>, options: { authoritativeFor?: string } = {}): Promise<RunningDns> {
  const queries: string[] = [];
  const names = new Map(Object.entries(zone).map(([k, v]) => [k.toLowerCase(), v]));
  // Every owner name and its ancestors exist (empty non-terminals included, RFC 4592 section 2.2.2).
  const existing = new Set([...names.keys()].flatMap((n) => n.split('.').map((_, i, labels) => labels.slice(i).join('.'))));
  const apex = options.authoritativeFor?.toLowerCase();
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
      if (apex && name !== apex && !name.endsWith(`.${apex}`)) {
        response.header.aa = 0;
        response.header.rcode = 5; // REFUSED: not a zone this server serves
        send(response);
        return;
      }
      let records = names.get(name);
      if (!records && !existing.has(name)) {
        let encloser = name;
        do encloser = encloser.split('.').slice(1).join('.');
        while (encloser && !existing.has(encloser));
        records = names.get(`*.${encloser}`);
      }
      if (!records && !existing.has(name)) {
        response.header.rcode = 3; // NXDOMAIN
        send(response);
        return;
      }
      const base = { name: q.name, type: q.type, class: Packet.CLASS.IN, ttl: 60 };
      if (type === 'A' || type === 'AAAA') for (const address of records?.[type] ?? []) response.answers.push({ ...base, address });
      if (type === 'MX') for (const [priority, exchange] of records?.MX ?? []) response.answers.push({ ...base, priority, exchange });
      send(response);
    },
  });
  server.on('requestError', () => undefined);
  server.on('error', () => undefined);
  const addresses = await server.listen({ udp: { port: 0, address: '127.0.0.1', type: 'udp4' } });
  return { address: `127.0.0.1:${addresses.udp!.port}`, queries, close: () => server.close() };
}

/** A UDP port on 127.0.0.1 that takes queries and never answers (a DNS server that times out). */
export async function startSilentDns(): Promise<RunningDns> {
  const socket = createSocket('udp4');
  const queries: string[] = [];
  socket.on('message', () => queries.push('(ignored)'));
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return { address: `127.0.0.1:${socket.address().port}`, queries, close: () => new Promise<void>((resolve) => socket.close(() => resolve())) };
}

/** A UDP port on 127.0.0.1 with nothing listening (bound, then released). */
export async function closedUdpPort(): Promise<number> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return port;
}
