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
  if (!/^\d+$/.test(value) || n < 1 || n > 65535)
    throw new UsageError(`${flag}: got "${whole}"; expected a port from 1 to 65535`);
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

/** `doctor inbound --connect-to`: "host[:port]" as for `doctor smtp`, or ":port" to keep the MX addresses from DNS. */
export function parseInboundConnectTo(value: string): { host?: string; port?: number } {
  if (value.startsWith(':')) return { port: port(value.slice(1), '--connect-to', value) };
  return parseEndpoint(value, '--connect-to');
}

/** An IP with optional port, in the form `Resolver.setServers` takes. */
export function parseDnsServer(value: string): string {
  const e = parseEndpoint(value, '--dns-server');
  if (isIP(e.host) === 0)
    throw new UsageError(
      `--dns-server: got "${value}"; expected an IP address with an optional port, e.g. 1.1.1.1 or [::1]:5353`,
    );
  if (e.port === undefined) return e.host;
  return isIP(e.host) === 6 ? `[${e.host}]:${e.port}` : `${e.host}:${e.port}`;
}

export function parseTimeout(value: string, flag: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1 || n > 600000)
    throw new UsageError(`${flag}: got "${value}"; expected milliseconds from 1 to 600000`);
  return n;
}

const UNITS: Readonly<Record<string, number>> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 };

/** "1048576", "512k", "64m", "2g" (powers of 1024) → bytes. */
export function parseSize(value: string, flag: string): number {
  const m = /^(\d{1,13})([kmgt]?)(?:i?b)?$/i.exec(value.trim());
  const n = m ? Number(m[1]) * UNITS[m[2].toLowerCase()] : NaN;
  if (!m || n < 1 || !Number.isSafeInteger(n))
    throw new UsageError(
      `${flag}: got "${value}"; expected a size in bytes, or with k, m or g (KiB, MiB, GiB), e.g. 512m`,
    );
  return n;
}
