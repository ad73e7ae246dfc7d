/**
 * The public surface of ghes-email: the constructs and their props, the value types they take, the config
 * loader and its stack, and the SES SMTP password function. docs/api.md lists it; __tests__/api.test.ts and
 * the consumer check hold it to that list. Everything else is internal: tests reach it by path.
 */

// The facade: everything a GHES host needs for email, in one construct.
export { GhesEmail } from './ghes-email/ghes-email';
export type {
  ExistingInstance,
  GhesEmailDnsProps,
  GhesEmailProps,
  InboundMailProps,
  MonitoringProps,
} from './ghes-email/ghes-email-props';

// The appliance and what its boot script needs.
export { GhesAppliance } from './appliance/ghes-appliance';
export type { GhesApplianceProps } from './appliance/ghes-appliance-props';
export type { IApplianceBootScript } from './boot/boot-script-seam';
export type { ManagementConsoleProps } from './boot/boot-script';

// Port 25 and reply-by-email DNS.
export { InboundMailFirewall } from './inbound/inbound-mail-firewall';
export type { InboundMailFirewallProps } from './inbound/inbound-mail-firewall-props';
export { ReplyDnsRecords } from './inbound/reply-dns-records';
export type { ReplyDnsRecordsProps, ReplyRecordKind } from './inbound/reply-dns-records-props';
export type { HostedZoneRef } from './core/hosted-zone';

// SMTP settings and the Amazon SES relay.
export { SmtpSettings } from './smtp/smtp-settings';
export type {
  ExtraSmtpValue,
  SmtpAuthentication,
  SmtpRelay,
  SmtpSettingsProps,
  SupportContact,
} from './smtp/smtp-settings';
export { SesRelay } from './smtp/ses-relay';
export type { SesRelayProps, SesSmtpSettingsProps } from './smtp/ses-relay';
export { sesSmtpPassword } from './smtp/ses-smtp';
export type { SesRelayOptions } from './smtp/ses-smtp';

// SPF and DMARC for the no-reply address's domain.
export { SenderAuthRecords } from './sender-auth/sender-auth-records';
export type { SenderAuthProps, SenderAuthRecordsProps, SenderSpfProps } from './sender-auth/sender-auth-records-props';
export type { SpfAll, SpfProps } from './records/spf-record';
export type { DmarcPolicy, DmarcProps } from './records/dmarc-record';

// Watching port 25 from the internet.
export { Port25Monitor } from './monitoring/port25-monitor';
export type {
  Port25MonitorOptions,
  Port25MonitorProps,
  Port25MonitoringProps,
} from './monitoring/port25-monitor-props';

// Secrets: references only, never values.
export { SecretRef } from './core/secret-ref';
export type { SecretsManagerOptions, SsmParameterOptions } from './core/secret-ref';

// The config file and the stack built from it (what main.ts runs), and the errors both throw.
export { ConfigError, loadConfigFile, parseConfig } from './config/config';
export type { GhesEmailConfig, LoadedConfig } from './config/config';
export { GhesEmailStack } from './config/ghes-email-stack';
export { ValidationError } from './core/problems';
export type { Problem } from './core/problems';
