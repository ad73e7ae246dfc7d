/**
 * Renders the first-boot script (lib/boot/ghes-email-boot.sh) with the
 * non-secret settings. Secrets are referenced, fetched on the appliance.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { IApplianceBootScript } from './boot-script-seam';
import { SecretRef } from './secret-ref';
import { SmtpSettings } from './smtp-settings';

export interface ManagementConsoleProps {
  /** Root site administrator password: authenticates to the Manage API as `api_key`. */
  readonly password: SecretRef;
  /** GHES license (.ghl) in a Secrets Manager binary secret; needed only with initialize. @default - none */
  readonly license?: SecretRef;
  /** Initialize a fresh appliance (config/init) when it is not yet. @default false: wait for an operator */
  readonly initialize?: boolean;
  /** How long to wait for an operator to initialize the appliance, in minutes. @default 240 */
  readonly waitForInitMinutes?: number;
}

export interface BootScriptProps {
  /** The settings to apply. */
  readonly smtp: SmtpSettings;
  /** Management Console access. */
  readonly managementConsole: ManagementConsoleProps;
}

/** The script lives in lib/boot; compiled code runs from dist/lib, so look in both places. */
export const BOOT_SCRIPT_PATH = [join(__dirname, 'boot', 'ghes-email-boot.sh'), join(__dirname, '..', '..', 'lib', 'boot', 'ghes-email-boot.sh')].find(
  (path) => existsSync(path),
) ?? join(__dirname, 'boot', 'ghes-email-boot.sh');

export class BootScript implements IApplianceBootScript {
  public readonly secrets: readonly SecretRef[];

  constructor(private readonly props: BootScriptProps) {
    const mc = props.managementConsole;
    this.secrets = [mc.password, ...(mc.license ? [mc.license] : []), ...props.smtp.secrets];
  }

  render(): string {
    const template = readFileSync(BOOT_SCRIPT_PATH, 'utf8');
    const payload = JSON.stringify({ smtp: this.props.smtp.toManagePayload() });
    const settings = `GHES_EMAIL_SMTP_PAYLOAD=${shellQuote(payload)}`;
    return template.replace('# @@GHES_EMAIL_SETTINGS@@', settings);
  }
}

/** Single-quotes a value for bash. */
export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}
