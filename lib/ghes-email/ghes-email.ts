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
import { Problems, renamedProps } from '../core/problems';
import { Port25Monitor } from '../monitoring/port25-monitor';
import { checkHealthCheckAddress, validatePort25MonitorOptions } from '../monitoring/port25-monitor-props';
import { Route53HealthCheckerAccess, needsHealthCheckerRule } from '../monitoring/route53-health-checkers';
import { ReplyDnsRecords } from '../inbound/reply-dns-records';
import {
  ReplyDnsRecordsProps,
  validateDnsSettings,
  validateReplyDnsRecordsProps,
} from '../inbound/reply-dns-records-props';
import { SesRelay } from '../smtp/ses-relay';
import { checkSesRegion, validateSesRelayOptions } from '../smtp/ses-smtp';
import { stackRegion } from '../core/stack-region';
import { SmtpSettings } from '../smtp/smtp-settings';
import { GHES_EMAIL_RENAMED_PROPS, GhesEmailProps, validateExistingInstance } from './ghes-email-props';
import { SenderAuthRecords } from '../sender-auth/sender-auth-records';
import { senderAuthRecordsProps, validateSenderAuthProps } from '../sender-auth/sender-auth-records-props';

export class GhesEmail extends GhesConstruct {
  public readonly firewall: InboundMailFirewall;
  public readonly dns: ReplyDnsRecords;
  /** The boot script given to the appliance, if there is one. */
  public readonly bootScript?: BootScript;
  /** The port-25 health check, alarm and topic, with `monitoring.port25`. */
  public readonly port25Monitor?: Port25Monitor;
  /** The SMTP settings applied: `smtp`, completed by the SES relay when it has one. */
  public readonly smtp?: SmtpSettings;
  /** The SES identity, DNS records, IAM user and credentials secret, with `smtp.relay.ses`. */
  public readonly sesRelay?: SesRelay;
  /** SPF and DMARC for the no-reply address's domain, with `senderAuth`. */
  public readonly senderAuth?: SenderAuthRecords;

  constructor(scope: Construct, id: string, props: GhesEmailProps) {
    super(scope, id);
    const p = new Problems(this.node.path);
    renamedProps(p, props, GHES_EMAIL_RENAMED_PROPS);
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
        zoneName: props.hostedZone?.name,
        zonePrivate: props.hostedZone?.private,
      };
      validateSesRelayOptions(p.at('smtp').at('relay').at('ses'), ses, context, {
        p: p.at('smtp'),
        key: 'noreplyAddress',
      });
      checkSesRegion(p.at('smtp').at('relay').at('ses'), ses.region, stackRegion(this));
    }
    // `true` takes every default; the us-east-1 provider is derived from the stack's (us-east-1-provider.ts).
    const port25 = props.monitoring?.port25;
    const monitor = port25 === true ? {} : port25 || undefined;
    if (monitor) {
      validatePort25MonitorOptions(p.at('monitoring').at('port25'), monitor);
      checkHealthCheckAddress(p.at('existingInstance'), 'ipv4Address', props.existingInstance?.ipv4Address);
    }
    if (props.senderAuth && props.smtp === undefined) {
      p.add('senderAuth', "needs smtp: the records go at the domain of smtp's noreplyAddress");
    } else if (props.senderAuth) {
      validateSenderAuthProps(p.at('senderAuth'), props.senderAuth, props.smtp?.noreplyAddress, props.hostedZone);
    }
    // The record props share their names with ours, but for `dns`; addresses come from the instance (checked above).
    const { ipv4Address: _v4, ipv6Address: _v6, ttl: _ttl, mxPriority: _mx, ...dnsProps } = this.dnsProps(props);
    validateReplyDnsRecordsProps(p, dnsProps as ReplyDnsRecordsProps);
    if (props.dns) validateDnsSettings(p.at('dns'), props.dns);
    p.throwIfAny('Invalid GhesEmail props');

    // The SES relay completes the settings: address, port, login and the credentials secret. Its records
    // go in the reply records' zone, made below: a lazy id reuses that zone instead of looking it up twice.
    if (ses) {
      const hostedZone = { id: props.hostedZone.id ?? Lazy.stringValue({ produce: () => this.dns.zoneId }) };
      this.sesRelay = new SesRelay(this, 'ses-relay', {
        ...ses,
        hostname: props.hostname,
        hostedZone,
        noreplyAddress: props.smtp.noreplyAddress,
        ttl: props.dns?.ttl,
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
        securityGroupIds: ei!.securityGroupIds,
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
    cliSettingsOutput(this, { ...records, smtp: this.smtp, managementConsole: props.managementConsole });
    if (props.senderAuth && this.smtp) {
      const records = senderAuthRecordsProps(
        props.senderAuth,
        this.smtp.noreplyAddress,
        { id: this.dns.zoneId },
        props.dns?.ttl,
      );
      this.senderAuth = new SenderAuthRecords(this, 'sender-auth', records);
    }
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
      hostedZone: props.hostedZone,
      ipv4Address: props.appliance ? props.appliance.publicIp : (ei?.ipv4Address as string),
      ipv6Address: props.appliance ? props.appliance.ipv6Address : ei?.ipv6Address,
      replyRecord: props.replyRecord,
      hostRecord: props.dns?.hostRecord,
      ttl: props.dns?.ttl,
      mxPriority: props.dns?.mxPriority,
    };
  }
}
