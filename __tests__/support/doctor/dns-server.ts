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

/**
 * A zone's names in lower case, and every name that exists in it: each owner name and its ancestors (empty
 * non-terminals included, RFC 4592 section 2.2.2).
 */
export function zoneNames<R>(zone: Record<string, R>): { names: Map<string, R>; existing: Set<string> } {
  const names = new Map(Object.entries(zone).map(([k, v]) => [k.toLowerCase(), v]));
  const existing = new Set(
    [...names.keys()].flatMap((n) => n.split('.').map((_, i, labels) => labels.slice(i).join('.'))),
  );
  return { names, existing };
}

export type DnsResponse = ReturnType<typeof Packet.createResponseFromRequest>;

/** The question of a query: its name (lower case, no final dot), the name as asked, type name and type number. */
export interface Question {
  readonly name: string;
  readonly asked: string;
  readonly type: string;
  readonly qtype: number;
}

/**
 * A dns2 server on a UDP port of 127.0.0.1: every question is recorded as "name TYPE", then `answer`
 * fills the authoritative response (aa set) that is sent back, unless it returns false: then nothing is sent (a
 * server that times out for that question). Shared by startDns and startAuthDns.
 */
export async function serveDns(answer: (q: Question, response: DnsResponse) => boolean | void): Promise<RunningDns> {
  const queries: string[] = [];
  const typeName = Object.fromEntries(Object.entries(Packet.TYPE).map(([k, v]) => [v, k]));
  const server = createServer({
    udp: true,
    handle: (request, send) => {
      const response = Packet.createResponseFromRequest(request);
      response.header.aa = 1;
      const [q] = request.questions;
      const question = {
        name: q.name.toLowerCase().replace(/\.$/, ''),
        asked: q.name,
        type: typeName[q.type],
        qtype: q.type,
      };
      queries.push(`${question.name} ${question.type}`);
      if (answer(question, response) !== false) send(response);
    },
  });
  server.on('requestError', () => undefined);
  server.on('error', () => undefined);
  const addresses = await server.listen({ udp: { port: 0, address: '127.0.0.1', type: 'udp4' } });
  return { address: `127.0.0.1:${addresses.udp!.port}`, queries, close: () => server.close() };
}

export function startDns(
  zone: Record<string, ZoneRecords>,
  options: { authoritativeFor?: string } = {},
): Promise<RunningDns> {
  const { names, existing } = zoneNames(zone);
  const apex = options.authoritativeFor?.toLowerCase();
  return serveDns(({ name, asked, type: typeText, qtype }, response) => {
    const type = typeText as keyof ZoneRecords;
    if (apex && name !== apex && !name.endsWith(`.${apex}`)) {
      response.header.aa = 0;
      response.header.rcode = 5; // REFUSED: not a zone this server serves
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
      return;
    }
    const base = { name: asked, type: qtype, class: Packet.CLASS.IN, ttl: 60 };
    if (type === 'A' || type === 'AAAA')
      for (const address of records?.[type] ?? []) response.answers.push({ ...base, address });
    if (type === 'MX')
      for (const [priority, exchange] of records?.MX ?? []) response.answers.push({ ...base, priority, exchange });
  });
}

/** A UDP port on 127.0.0.1 that takes queries and never answers (a DNS server that times out). */
export async function startSilentDns(): Promise<RunningDns> {
  const socket = createSocket('udp4');
  const queries: string[] = [];
  socket.on('message', () => queries.push('(ignored)'));
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return {
    address: `127.0.0.1:${socket.address().port}`,
    queries,
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}

/** A UDP port on 127.0.0.1 with nothing listening (bound, then released). */
export async function closedUdpPort(): Promise<number> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return port;
}
