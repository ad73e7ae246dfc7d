/**
 * CIDR blocks as the AWS provider takes them. IPv4 must be written exactly as
 * Go prints it (four decimal octets, no leading zeros, no host bits): the
 * provider compares the text with its own rendering and fails at plan
 * otherwise, and the short, octal and hex forms that inet_aton accepts mean
 * different addresses to different tools (`10.1` is 10.0.0.1 to inet_aton,
 * 10.1.0.0 to iproute2). IPv6 spellings (case, zero compression) are all
 * RFC 4291 and the provider compares them by value, so only host bits are a
 * flaw there; two spellings of one block are still one block.
 */
import * as ipaddr from 'ipaddr.js';

export type IpFamily = 'ipv4' | 'ipv6';

/** A literal read as a CIDR block. */
export interface CidrReading {
  readonly family: IpFamily;
  /**
   * The network address and prefix length, canonical (RFC 5952 for IPv6): what to write, and the key for duplicates.
   */
  readonly canonical: string;
  /** Why the text is not acceptable as written, e.g. "has host bits set"; empty when it is. */
  readonly flaws: readonly string[];
}

const HOST_BITS = 'has host bits set (the AWS provider rejects it at plan)';

/** Reads a CIDR literal; undefined when it is not one in any spelling. */
export function readCidr(value: string): CidrReading | undefined {
  const slash = value.indexOf('/');
  if (slash < 0 || slash !== value.lastIndexOf('/')) return undefined;
  const [address, length] = [value.slice(0, slash), value.slice(slash + 1)];
  if (!/^\d{1,3}$/.test(length)) return undefined;
  const flaws: string[] = [];
  if (length.length > 1 && length.startsWith('0')) flaws.push('has a leading zero in the prefix length');
  return address.includes(':') ? readIpv6(address, Number(length), flaws) : readIpv4(address, Number(length), flaws);
}

function readIpv4(address: string, prefix: number, flaws: string[]): CidrReading | undefined {
  if (prefix > 32) return undefined;
  const parts = address.split('.');
  if (parts.length > 4) return undefined;
  const octets: number[] = [];
  for (const part of parts) {
    let octet: number;
    if (/^0x[0-9a-f]{1,2}$/i.test(part)) {
      octet = parseInt(part.slice(2), 16);
      flaws.push('is written in hexadecimal');
    } else if (/^\d{1,3}$/.test(part)) {
      // Read as decimal, as a person writing "010" means; the message says why it is still refused.
      octet = Number(part);
      if (part.length > 1 && part.startsWith('0'))
        flaws.push(`has a leading zero (${JSON.stringify(part)}, which some tools read as octal)`);
    } else return undefined;
    if (octet > 255) return undefined;
    octets.push(octet);
  }
  if (parts.length < 4) {
    // Missing parts are zeros on the right, as in iproute2's "10.1/16" = 10.1.0.0/16.
    flaws.push('has fewer than four parts');
    while (octets.length < 4) octets.push(0);
  }
  const ip = octets.reduce((acc, o) => acc * 256 + o, 0);
  const size = 2 ** (32 - prefix);
  const network = ip - (ip % size);
  if (network !== ip) flaws.push(HOST_BITS);
  const canonical = `${[24, 16, 8, 0].map((shift) => Math.floor(network / 2 ** shift) % 256).join('.')}/${prefix}`;
  return { family: 'ipv4', canonical, flaws: [...new Set(flaws)] };
}

function readIpv6(address: string, prefix: number, flaws: string[]): CidrReading | undefined {
  // A zone ("%eth0") names a link, which a security group rule cannot.
  if (prefix > 128 || address.includes('%') || !ipaddr.IPv6.isValid(address)) return undefined;
  const bytes = ipaddr.IPv6.parse(address).toByteArray();
  const network = bytes.map((b, i) => {
    const keep = Math.max(0, Math.min(8, prefix - 8 * i));
    return b & (0xff << (8 - keep)) & 0xff;
  });
  if (network.some((b, i) => b !== bytes[i])) flaws.push(HOST_BITS);
  return { family: 'ipv6', canonical: `${ipaddr.fromByteArray(network).toString()}/${prefix}`, flaws };
}

/** The block that means "everyone" in its family: 0.0.0.0/0 or ::/0 in any spelling. */
export function isWholeInternet(reading: CidrReading): boolean {
  return reading.canonical.endsWith('/0');
}

/**
 * An IPv6 CIDR with every group of its address written (1::2:3/128 → 1:0:0:0:0:0:2:3/128): one text per address,
 * where compressed spellings of two addresses can read alike once their colons are gone. Anything else as given.
 */
export function fullIpv6Cidr(cidr: string): string {
  const slash = cidr.lastIndexOf('/');
  const address = slash < 0 ? cidr : cidr.slice(0, slash);
  if (!address.includes(':') || !ipaddr.IPv6.isValid(address)) return cidr;
  return `${ipaddr.IPv6.parse(address).toNormalizedString()}${slash < 0 ? '' : cidr.slice(slash)}`;
}
