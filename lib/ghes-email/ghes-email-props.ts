/**
 * The props of GhesEmail and their checks, apart from the construct so that config validation
 * (and with it the CLI) loads no construct code.
 */
import type { ManagementConsoleProps } from '../boot/boot-script';
import type { GhesAppliance } from '../appliance/ghes-appliance';
import type { Port25MonitoringProps } from '../monitoring/port25-monitor-props';
import type { HostedZoneRef } from '../core/hosted-zone';
import type { ReplyRecordKind } from '../inbound/reply-dns-records-props';
import type { SmtpSettings } from '../smtp/smtp-settings';
import type { SenderAuthProps } from '../sender-auth/sender-auth-records-props';
import { Problems } from '../core/problems';
import { checkAwsId, checkIpAddress, checkNonEmpty, isToken } from '../core/value-rules';

/** An instance this stack does not manage. */
export interface ExistingInstance {
  /** Public IPv4 address that DNS points at. */
  readonly ipv4Address: string;
  /** Public IPv6 address for AAAA records. @default - no AAAA records */
  readonly ipv6Address?: string;
  /** Add the tcp/25 rules to these security groups of the instance. @default - none; give this or networkInterfaceId */
  readonly securityGroupIds?: string[];
  /** Attach a new tcp/25 security group to this network interface. @default - none; give this or securityGroupIds */
  readonly networkInterfaceId?: string;
}

/** Sources allowed to port 25. */
export interface InboundMailProps {
  /** IPv4/IPv6 CIDRs allowed to port 25. @default ['0.0.0.0/0', '::/0'] */
  readonly allowedCidrs?: string[];
  /** Managed prefix lists allowed to port 25. @default - none */
  readonly prefixListIds?: string[];
}

export interface GhesEmailProps {
  /** The GHES hostname, e.g. "github.example.com". */
  readonly hostname: string;
  /** Route53 hosted zone of the hostname. */
  readonly hostedZone: HostedZoneRef;
  /**
   * The Management Console email settings, applied at first boot; required with appliance. With `relay: { ses }`,
   * GhesEmail creates the SesRelay and completes them. @default - none: an existing instance keeps its own settings
   */
  readonly smtp?: SmtpSettings;
  /** An appliance built in this stack. @default - none; give this or existingInstance */
  readonly appliance?: GhesAppliance;
  /** An instance managed elsewhere. @default - none; give this or appliance */
  readonly existingInstance?: ExistingInstance;
  /** Management Console access for the boot script; required with appliance. @default - none */
  readonly managementConsole?: ManagementConsoleProps;
  /** 'wildcard' adds A *.<hostname> next to A reply.<hostname>. @default 'reply' */
  readonly replyRecord?: ReplyRecordKind;
  /** TTL, MX priority and the host's own A/AAAA records. @default - TTL 300, MX priority 10, no host records */
  readonly dns?: GhesEmailDnsProps;
  /** Who may connect to port 25. @default - the whole internet (every sending mail server) */
  readonly inboundMail?: InboundMailProps;
  /** SPF and DMARC records for the no-reply address's domain (SenderAuthRecords); needs smtp. @default - none */
  readonly senderAuth?: SenderAuthProps;
  /** Port-25 monitoring (Port25Monitor). @default - not monitored */
  readonly monitoring?: MonitoringProps;
}

/** The DNS settings of the reply records, as the config's `dns` block. */
export interface GhesEmailDnsProps {
  /** TTL of the records in seconds. @default 300 */
  readonly ttl?: number;
  /** MX priority. @default 10 */
  readonly mxPriority?: number;
  /** Also create A/AAAA records for <hostname> itself. @default false */
  readonly hostRecord?: boolean;
}

/** What is watched, as the config's `monitoring` block. */
export interface MonitoringProps {
  /**
   * Watch port 25 from the internet: Route 53 TCP health check, CloudWatch alarm and SNS topic in us-east-1.
   * `true` takes every default. @default - not monitored
   */
  readonly port25?: boolean | Port25MonitoringProps;
}

/** Props renamed since 0.1.0, refused with their new names (CHANGELOG.md). */
export const GHES_EMAIL_RENAMED_PROPS = {
  zone: 'hostedZone',
  ttl: 'dns.ttl',
  mxPriority: 'dns.mxPriority',
  hostRecord: 'dns.hostRecord',
  port25Monitor: 'monitoring.port25',
} as const;

/** Problems with the existing-instance description. */
export function validateExistingInstance(p: Problems, ei: ExistingInstance): void {
  checkIpAddress(p, 'ipv4Address', ei.ipv4Address, 'ipv4');
  checkIpAddress(p, 'ipv6Address', ei.ipv6Address, 'ipv6');
  if ((ei.securityGroupIds === undefined) === (ei.networkInterfaceId === undefined)) {
    p.add(
      undefined,
      'give exactly one of "securityGroupIds" (port-25 rules are added to them) or "networkInterfaceId" (a port-25 group is attached to it)',
    );
  }
  checkNonEmpty(p, 'securityGroupIds', ei.securityGroupIds, 'security group id');
  if (ei.securityGroupIds && !isToken(ei.securityGroupIds))
    ei.securityGroupIds.forEach((id, i) => checkAwsId(p.at('securityGroupIds'), i, id, 'sg'));
  checkAwsId(p, 'networkInterfaceId', ei.networkInterfaceId, 'eni');
}
