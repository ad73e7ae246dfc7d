/**
 * What `ghes-email doctor` and `apply` need, as a Terraform output, for stacks
 * built from the constructs (no config file). After `cdktf deploy`:
 *   cdktf output --outputs-file outputs.json
 *   ghes-email doctor inbound --outputs outputs.json
 * The value holds settings and secret references, never a secret.
 */
import { TerraformOutput } from 'cdktf';
import { Construct } from 'constructs';
import { DataAwsRegion } from '@cdktf/provider-aws/lib/data-aws-region';
import { ManagementConsoleProps } from '../boot/boot-script';
import { SmtpSettings } from '../smtp/smtp-settings';
import { CLI_SETTINGS_KIND } from './cli-settings-kind';

export { CLI_SETTINGS_KIND };

export interface CliSettingsOutputProps {
  readonly hostname: string;
  /** @default - none: a firewall-and-DNS-only deployment (doctor inbound still has what it needs) */
  readonly smtp?: SmtpSettings;
  readonly managementConsole?: ManagementConsoleProps;
  readonly replyRecord?: string;
  readonly ttl?: number;
  readonly mxPriority?: number;
  /** The public addresses DNS points at (tokens for an appliance built here). */
  readonly ipv4Address: string;
  readonly ipv6Address?: string;
}

/** Adds the `cli-settings` output under `scope`. */
export function cliSettingsOutput(scope: Construct, props: CliSettingsOutputProps): TerraformOutput {
  const mc = props.managementConsole;
  const password = mc?.password.toConfig();
  const license = mc?.license?.toConfig();
  const value = {
    kind: CLI_SETTINGS_KIND,
    // The provider's region, as Terraform knows it: SSM parameter names resolve there.
    region: new DataAwsRegion(scope, 'region').region,
    hostname: props.hostname,
    ...(props.replyRecord !== undefined ? { replyRecord: props.replyRecord } : {}),
    dns: {
      ...(props.ttl !== undefined ? { ttl: props.ttl } : {}),
      ...(props.mxPriority !== undefined ? { mxPriority: props.mxPriority } : {}),
    },
    addresses: { ipv4: props.ipv4Address, ...(props.ipv6Address !== undefined ? { ipv6: props.ipv6Address } : {}) },
    ...(props.smtp ? { smtp: props.smtp.toConfig() } : {}),
    // A plain-text password (unsafePlainText) has no reference to write: apply then asks for --password-stdin.
    ...(password
      ? {
          managementConsole: {
            password,
            ...(license ? { license } : {}),
            ...(mc!.initialize !== undefined ? { initialize: mc!.initialize } : {}),
            ...(mc!.waitForInitMinutes !== undefined ? { waitForInitMinutes: mc!.waitForInitMinutes } : {}),
          },
        }
      : {}),
  };
  return new TerraformOutput(scope, 'cli-settings', {
    value,
    description: `${props.hostname}: settings for ghes-email doctor/apply --outputs (references only, no secrets)`,
  });
}
