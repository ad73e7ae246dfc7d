/**
 * The props of ReplyDnsRecords and their checks, apart from the construct so that config
 * validation (and with it the CLI) loads no construct code.
 */
import { Problems, show } from '../core/problems';
import {
  checkAwsIdLike,
  checkHostname,
  checkIntRange,
  checkIpAddress,
  checkOneOf,
  hostnameProblem,
  isToken,
} from '../core/value-rules';

export const REPLY_RECORD_KINDS = ['reply', 'wildcard'] as const;
/** `reply` makes A reply.<host>; `wildcard` adds A *.<host> (GHES subdomain isolation) next to it. */
export type ReplyRecordKind = (typeof REPLY_RECORD_KINDS)[number];

/** The hosted zone: by id, or looked up by name. */
export interface HostedZoneRef {
  /** Route53 hosted zone id, e.g. "Z0123456789ABCDEFGHIJ". @default - none; give this or name */
  readonly id?: string;
  /** Zone name to look up, e.g. "example.com". @default - none; give this or id */
  readonly name?: string;
  /** With name: look up a private zone. @default false */
  readonly private?: boolean;
}

export interface ReplyDnsRecordsProps {
  /** The GHES hostname, e.g. "github.example.com". */
  readonly hostname: string;
  /** Zone that holds the hostname. */
  readonly zone: HostedZoneRef;
  /** IPv4 address the A record(s) point at (the appliance's Elastic IP). */
  readonly ipv4Address: string;
  /** IPv6 address for AAAA twins of each A record. @default - no AAAA records */
  readonly ipv6Address?: string;
  /** 'wildcard' adds A *.<hostname>; A reply.<hostname> is made either way (see RFC 4592 note below). @default 'reply' */
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
  checkHostname(p, 'hostname', props.hostname);
  validateHostedZone(p.at('zone'), props.zone, props.hostname);
  checkIpAddress(p, 'ipv4Address', props.ipv4Address, 'ipv4');
  checkIpAddress(p, 'ipv6Address', props.ipv6Address, 'ipv6');
  checkOneOf(p, 'replyRecord', props.replyRecord, REPLY_RECORD_KINDS);
  checkIntRange(p, 'ttl', props.ttl, 0, 2147483647, 'a TTL in seconds');
  checkIntRange(p, 'mxPriority', props.mxPriority, 0, 65535, 'an MX priority');
}

/** Zone by id xor name; with a name, the hostname must lie inside the zone. */
export function validateHostedZone(p: Problems, zone: HostedZoneRef | undefined, hostname: string | undefined): void {
  if (zone === undefined) {
    p.add(undefined, 'required: { "id": "Z…" } or { "name": "example.com" }');
    return;
  }
  if ((zone.id === undefined) === (zone.name === undefined)) p.add(undefined, 'give exactly one of "id" or "name"');
  checkAwsIdLike(p, 'id', zone.id, /^Z[A-Z0-9]{1,31}$/, 'a Route53 zone id such as "Z0123456789ABCDEFGHIJ"');
  if (zone.name !== undefined && !isToken(zone.name)) {
    checkHostname(p, 'name', zone.name);
    if (
      hostname !== undefined &&
      !isToken(hostname) &&
      !hostnameProblem(hostname) &&
      !`.${hostname.toLowerCase()}`.endsWith(`.${zone.name.toLowerCase()}`)
    ) {
      p.add(
        'name',
        `got ${show(zone.name)}, which does not contain the hostname ${show(hostname)}; expected the zone the hostname lives in`,
      );
    }
  }
  if (zone.id !== undefined && zone.private !== undefined) p.add('private', 'applies only to a zone looked up by name');
}
