/** All doubles started together, with the env that points the boot script (or the CLI) at them. */
import { randomBytes } from 'node:crypto';
import { BootScript, ManagementConsoleProps } from '../../../lib/boot/boot-script';
import { SecretRef } from '../../../lib/core/secret-ref';
import { SmtpSettings, SmtpSettingsProps } from '../../../lib/smtp/smtp-settings';
import { AwsDouble, canary, ImdsDouble } from './aws-doubles';
import { ManageDouble, ManageFaults, SmtpObject } from './manage-double';
import { testCert, TestCert } from './tls';

export const ROOT_ARN = 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:ghes-root-AbCdEf';
export const SMTP_ARN = 'arn:aws:secretsmanager:us-east-2:111122223333:secret:ghes-smtp-AbCdEf';
export const LICENSE_ARN = 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:ghes-license-AbCdEf';
export const SMTP_PARAM = '/ghes/smtp-password';

export interface Canaries {
  readonly rootPassword: string;
  readonly smtpPassword: string;
  /** Bytes of a binary license, with a canary string inside and every byte value. */
  readonly license: Buffer;
  readonly licenseCanary: string;
}

export function canaries(): Canaries {
  const licenseCanary = canary('license');
  const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
  return {
    rootPassword: canary('root'),
    smtpPassword: canary('smtp'),
    license: Buffer.concat([Buffer.from(`GHL1 ${licenseCanary}\n`), all, randomBytes(64)]),
    licenseCanary,
  };
}

export interface Rig {
  readonly cert: TestCert;
  readonly imds: ImdsDouble;
  readonly aws: AwsDouble;
  readonly manage: ManageDouble;
  readonly secrets: Canaries;
  /** Env that points the boot script at the doubles. */
  readonly env: Record<string, string>;
  stop(): Promise<void>;
}

export interface RigOptions {
  readonly initialized?: boolean;
  readonly faults?: ManageFaults;
  readonly smtp?: SmtpObject;
  readonly secrets?: Partial<Canaries>;
  /** The root password the appliance actually has. @default - the stored one */
  readonly applianceRootPassword?: string;
}

export async function rig(opts: RigOptions = {}): Promise<Rig> {
  const cert = await testCert();
  const secrets = { ...canaries(), ...opts.secrets };
  const imds = await new ImdsDouble().start();
  const aws = await new AwsDouble(cert, imds.credentials).start();
  aws.secrets.set(ROOT_ARN, { string: secrets.rootPassword });
  aws.secrets.set(SMTP_ARN, {
    string: JSON.stringify({ username: 'ghes@example.com', password: secrets.smtpPassword }),
  });
  aws.secrets.set(LICENSE_ARN, { binary: secrets.license });
  aws.parameters.set(SMTP_PARAM, secrets.smtpPassword);
  const manage = await new ManageDouble(cert, {
    initialized: opts.initialized ?? true,
    rootPassword: opts.applianceRootPassword ?? secrets.rootPassword,
    smtp: opts.smtp,
    faults: opts.faults,
  }).start();
  return {
    cert,
    imds,
    aws,
    manage,
    secrets,
    env: {
      GHES_EMAIL_IMDS_ENDPOINT: imds.url,
      GHES_EMAIL_SECRETSMANAGER_ENDPOINT: aws.url,
      GHES_EMAIL_SSM_ENDPOINT: aws.url,
      GHES_EMAIL_CA_BUNDLE: cert.caFile,
      GHES_EMAIL_MANAGE_URL: manage.url,
    },
    stop: async () => {
      await Promise.all([imds.stop(), aws.stop(), manage.stop()]);
    },
  };
}

export const BASE_SMTP: SmtpSettingsProps = {
  address: 'smtp.example.com',
  port: 587,
  domain: 'github.example.com',
  authentication: 'login',
  username: 'ghes@example.com',
  noreplyAddress: 'noreply@github.example.com',
  support: { type: 'email', address: 'help@example.com' },
};

/** The SMTP password from the JSON secret SMTP_ARN (key "password"), unless `password` says otherwise. */
export function smtp(overrides: Partial<SmtpSettingsProps> = {}): SmtpSettings {
  return new SmtpSettings({
    ...BASE_SMTP,
    password: SecretRef.fromSecretsManager(SMTP_ARN, { jsonKey: 'password' }),
    ...overrides,
  });
}

export function bootScript(s: SmtpSettings = smtp(), mc: Partial<ManagementConsoleProps> = {}): BootScript {
  return new BootScript({ smtp: s, managementConsole: { password: SecretRef.fromSecretsManager(ROOT_ARN), ...mc } });
}
