/** Parsing and checking of the doctor's own command-line values (exit code 2 when wrong). */
import { isIP } from 'node:net';

/** Bad command-line usage; printed as is, exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export interface Endpoint {
  readonly host: string;
  /** @default - the configured port */
  readonly port?: number;
}

function port(value: string, flag: string, whole: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1 || n > 65535) throw new UsageError(`${flag}: got "${whole}"; expected a port from 1 to 65535`);
  return n;
}

/** "host", "host:port", "1.2.3.4:25", "[::1]:25" or a bare IPv6 address. */
export function parseEndpoint(value: string, flag: string): Endpoint {
  const v6 = /^\[([^\]]+)\](?::(.*))?$/.exec(value);
  if (v6) return { host: v6[1], port: v6[2] === undefined ? undefined : port(v6[2], flag, value) };
  if (isIP(value) === 6) return { host: value };
  const i = value.lastIndexOf(':');
  if (i < 0) return { host: value };
  if (i === 0) throw new UsageError(`${flag}: got "${value}"; expected host[:port]`);
  return { host: value.slice(0, i), port: port(value.slice(i + 1), flag, value) };
}

/** An IP with optional port, in the form `Resolver.setServers` takes. */
export function parseDnsServer(value: string): string {
  const e = parseEndpoint(value, '--dns-server');
  if (isIP(e.host) === 0) throw new UsageError(`--dns-server: got "${value}"; expected an IP address with an optional port, e.g. 1.1.1.1 or [::1]:5353`);
  if (e.port === undefined) return e.host;
  return isIP(e.host) === 6 ? `[${e.host}]:${e.port}` : `${e.host}:${e.port}`;
}

export function parseTimeout(value: string, flag: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1 || n > 600000) throw new UsageError(`${flag}: got "${value}"; expected milliseconds from 1 to 600000`);
  return n;
}
