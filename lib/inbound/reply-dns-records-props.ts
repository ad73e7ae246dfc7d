/**
 * The props of ReplyDnsRecords and their checks, apart from the construct so that config
 * validation (and with it the CLI) loads no construct code.
 */
import { Problems, renamedProps } from '../core/problems';
import { HostedZoneRef, validateHostedZone } from '../core/hosted-zone';
import { checkHostname, checkIntRange, checkIpAddress, checkOneOf } from '../core/value-rules';

export const REPLY_RECORD_KINDS = ['reply', 'wildcard'] as const;
/** `reply` makes A reply.<host>; `wildcard` adds A *.<host> (GHES subdomain isolation) next to it. */
export type ReplyRecordKind = (typeof REPLY_RECORD_KINDS)[number];

export interface ReplyDnsRecordsProps {
  /** The GHES hostname, e.g. "github.example.com". */
  readonly hostname: string;
  /** Route53 hosted zone that holds the hostname. */
  readonly hostedZone: HostedZoneRef;
  /** IPv4 address the A record(s) point at (the appliance's Elastic IP). */
  readonly ipv4Address: string;
  /** IPv6 address for AAAA twins of each A record. @default - no AAAA records */
  readonly ipv6Address?: string;
  /**
   * 'wildcard' adds A *.<hostname>; A reply.<hostname> is made either way (see RFC 4592 note below). @default 'reply'
   */
  readonly replyRecord?: ReplyRecordKind;
  /** Also create A (and AAAA) for <hostname> itself. @default false */
  readonly hostRecord?: boolean;
  /** TTL in seconds of every record. @default 300 */
  readonly ttl?: number;
  /** MX priority of both MX records. @default 10 */
  readonly mxPriority?: number;
}

/** Records every problem with the props under `p`. */
export function validateReplyDnsRecordsProps(p: Problems, props: ReplyDnsRecordsProps): void {
  renamedProps(p, props, { zone: 'hostedZone' });
  checkHostname(p, 'hostname', props.hostname);
  validateHostedZone(p.at('hostedZone'), props.hostedZone, props.hostname);
  checkIpAddress(p, 'ipv4Address', props.ipv4Address, 'ipv4');
  checkIpAddress(p, 'ipv6Address', props.ipv6Address, 'ipv6');
  checkOneOf(p, 'replyRecord', props.replyRecord, REPLY_RECORD_KINDS);
  validateDnsSettings(p, props);
}

/** TTL and MX priority, as ReplyDnsRecords, GhesEmail's `dns` and the config's `dns` take them. */
export function validateDnsSettings(p: Problems, dns: { readonly ttl?: number; readonly mxPriority?: number }): void {
  checkIntRange(p, 'ttl', dns.ttl, 0, 2147483647, 'a TTL in seconds');
  checkIntRange(p, 'mxPriority', dns.mxPriority, 0, 65535, 'an MX priority');
}
