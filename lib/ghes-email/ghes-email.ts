/**
 * One call makes a GHES hostname ready for email: the inbound SMTP firewall,
 * the reply-by-email DNS records and (on an appliance built here) the boot
 * script that applies the SMTP settings.
 */
import { Lazy } from 'cdktf';
import { Construct } from 'constructs';
import { NetworkInterfaceSgAttachment } from '@cdktf/provider-aws/lib/network-interface-sg-attachment';
import { DataAwsNetworkInterface } from '@cdktf/provider-aws/lib/data-aws-network-interface';
import { BootScript } from '../boot/boot-script';
import { cliSettingsOutput } from './cli-settings-output';
import { InboundMailFirewall } from '../inbound/inbound-mail-firewall';
import { validateMailSources } from '../inbound/inbound-mail-firewall-props';
import { GhesConstruct } from '../core/terraform-literals';
import { Problems } from '../core/problems';
import { Port25Monitor } from '../monitoring/port25-monitor';
import { checkHealthCheckAddress, validatePort25MonitorOptions } from '../monitoring/port25-monitor-props';
import { Route53HealthCheckerAccess, needsHealthCheckerRule } from '../monitoring/route53-health-checkers';
import { ReplyDnsRecords } from '../inbound/reply-dns-records';
import { ReplyDnsRecordsProps, validateReplyDnsRecordsProps } from '../inbound/reply-dns-records-props';
import { SesRelay } from '../smtp/ses-relay';
import { validateSesRelayOptions } from '../smtp/ses-smtp';
import { SmtpSettings } from '../smtp/smtp-settings';
import { GhesEmailProps, validateExistingInstance } from './ghes-email-props';

export class GhesEmail extends GhesConstruct {
  public readonly firewall: InboundMailFirewall;
  public readonly dns: ReplyDnsRecords;
  /** The boot script given to the appliance, if there is one. */
  public readonly bootScript?: BootScript;
  /** The port-25 health check, alarm and topic, with `port25Monitor`. */
  public readonly port25Monitor?: Port25Monitor;
  /** The SMTP settings applied: `smtp`, completed by the SES relay when it has one. */
  public readonly smtp?: SmtpSettings;
  /** The SES identity, DNS records, IAM user and credentials secret, with `smtp.relay.ses`. */
  public readonly sesRelay?: SesRelay;

  constructor(scope: Construct, id: string, props: GhesEmailProps) {
    super(scope, id);
    const p = new Problems(this.node.path);
    if ((props.appliance === undefined) === (props.existingInstance === undefined)) {
      p.add(undefined, 'give exactly one of "appliance" or "existingInstance"');
    }
    if (props.existingInstance) validateExistingInstance(p.at('existingInstance'), props.existingInstance);
    if (props.appliance && props.smtp === undefined) {
      p.add('smtp', 'required with an appliance: the SMTP settings its boot script applies (new SmtpSettings({...}))');
    }
    if (props.appliance && props.managementConsole === undefined) {
      p.add(
        'managementConsole',
        'required with an appliance: the boot script authenticates to the Manage API with the root site administrator password (a secret reference)',
      );
    }
    validateMailSources(p.at('inboundMail'), props.inboundMail?.allowedCidrs, props.inboundMail?.prefixListIds);
    const ses = props.smtp?.relay?.ses;
    if (ses) {
      const context = {
        hostname: props.hostname,
        noreplyAddress: props.smtp.noreplyAddress,
        zoneName: props.zone?.name,
        zonePrivate: props.zone?.private,
      };
      validateSesRelayOptions(p.at('smtp').at('relay').at('ses'), ses, context, {
        p: p.at('smtp'),
        key: 'noreplyAddress',
      });
    }
    if (props.port25Monitor) {
      validatePort25MonitorOptions(p.at('port25Monitor'), props.port25Monitor);
      checkHealthCheckAddress(p.at('existingInstance'), 'ipv4Address', props.existingInstance?.ipv4Address);
    }
    // The record props share their names with ours; addresses come from the instance (checked above).
    const { ipv4Address: _v4, ipv6Address: _v6, ...dnsProps } = this.dnsProps(props);
    validateReplyDnsRecordsProps(p, dnsProps as ReplyDnsRecordsProps);
    p.throwIfAny('Invalid GhesEmail props');

    // The SES relay completes the settings: address, port, login and the credentials secret. Its records
    // go in the reply records' zone, made below: a lazy id reuses that zone instead of looking it up twice.
    if (ses) {
      const zone = { id: props.zone.id ?? Lazy.stringValue({ produce: () => this.dns.zoneId }) };
      this.sesRelay = new SesRelay(this, 'ses-relay', {
        ...ses,
        hostname: props.hostname,
        zone,
        noreplyAddress: props.smtp.noreplyAddress,
        ttl: props.ttl,
      });
    }
    this.smtp = this.sesRelay ? this.sesRelay.smtpSettings(props.smtp!, 'smtp') : props.smtp;

    // Tagged after the hostname: two hostnames in one VPC stay told apart.
    const sources = {
      allowedCidrs: props.inboundMail?.allowedCidrs,
      prefixListIds: props.inboundMail?.prefixListIds,
      tags: { Name: `${props.hostname}-inbound-smtp` },
    };
    const ei = props.existingInstance;
    if (props.appliance) {
      this.firewall = new InboundMailFirewall(this, 'inbound-smtp', { vpcId: props.appliance.vpcId, ...sources });
      props.appliance.addSecurityGroup(this.firewall.securityGroupId!);
      props.appliance.useHostname(props.hostname);
      this.bootScript = new BootScript({ smtp: this.smtp!, managementConsole: props.managementConsole! });
      props.appliance.useBootScript(this.bootScript);
    } else if (ei!.securityGroupIds) {
      this.firewall = new InboundMailFirewall(this, 'inbound-smtp', {
        existingSecurityGroupIds: ei!.securityGroupIds,
        ...sources,
      });
    } else {
      const eni = new DataAwsNetworkInterface(this, 'eni', { id: ei!.networkInterfaceId! });
      this.firewall = new InboundMailFirewall(this, 'inbound-smtp', { vpcId: eni.vpcId, ...sources });
      new NetworkInterfaceSgAttachment(this, 'inbound-smtp-attachment', {
        networkInterfaceId: ei!.networkInterfaceId!,
        securityGroupId: this.firewall.securityGroupId!,
      });
    }

    const records = this.dnsProps(props);
    this.dns = new ReplyDnsRecords(this, 'reply-dns', records);
    if (this.smtp) {
      cliSettingsOutput(this, { ...records, smtp: this.smtp, managementConsole: props.managementConsole });
    }
    const monitor = props.port25Monitor;
    if (monitor) {
      // Restricted senders would shut the health checkers out too: the alarm would never clear.
      if (monitor.allowHealthCheckers !== false && needsHealthCheckerRule(props.inboundMail?.allowedCidrs)) {
        new Route53HealthCheckerAccess(this, 'port25-health-checkers', this.firewall.securityGroupIds);
      }
      const { allowHealthCheckers: _allow, ...options } = monitor;
      this.port25Monitor = new Port25Monitor(this, 'port25-monitor', {
        ...options,
        ipAddress: records.ipv4Address,
        name: props.hostname,
      });
    }
  }

  private dnsProps(props: GhesEmailProps): ReplyDnsRecordsProps {
    const ei = props.existingInstance;
    return {
      hostname: props.hostname,
      zone: props.zone,
      ipv4Address: props.appliance ? props.appliance.publicIp : (ei?.ipv4Address as string),
      ipv6Address: props.appliance ? props.appliance.ipv6Address : ei?.ipv6Address,
      replyRecord: props.replyRecord,
      hostRecord: props.hostRecord,
      ttl: props.ttl,
      mxPriority: props.mxPriority,
    };
  }
}
