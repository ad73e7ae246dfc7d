/**
 * Renders the first-boot script (lib/boot/ghes-email-boot.sh) with the
 * non-secret settings. Secrets are referenced, fetched on the appliance.
 * How it runs: docs/boot-script.md.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { IApplianceBootScript } from './boot-script-seam';
import { Problems, ValidationError } from '../core/problems';
import { SecretRef } from '../core/secret-ref';
import { SmtpSettings } from '../smtp/smtp-settings';
import { packUserData } from './user-data-packing';
import { checkIntRange } from '../core/value-rules';

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

/** EC2 accepts at most 16 KB of user data (before base64). */
export const MAX_USER_DATA_BYTES = 16384;
/** What the size check counts for each Terraform reference in the user data: room for a Secrets Manager ARN. */
export const TOKEN_BYTES = 128;
const TOKEN_IN_TEXT = /\$\{TfToken\[[a-zA-Z0-9:._-]+\]\}/g;

const BEGIN = '# @@GHES_EMAIL_SETTINGS_BEGIN@@';
const END = '# @@GHES_EMAIL_SETTINGS_END@@';

/**
 * The script sits beside this file in the source tree. Compiled code runs from dist/lib/boot, and the
 * app command's bundle from dist/app, so it also looks for lib/boot/ in the folders above.
 */
export const BOOT_SCRIPT_PATH = findBootScript(__dirname);

function findBootScript(start: string): string {
  const beside = join(start, 'ghes-email-boot.sh');
  if (existsSync(beside)) return beside;
  for (let dir = dirname(start); dir !== dirname(dir); dir = dirname(dir)) {
    const candidate = join(dir, 'lib', 'boot', 'ghes-email-boot.sh');
    if (existsSync(candidate)) return candidate;
  }
  return beside;
}

/** Records every problem with Management Console props under `p`. */
export function validateManagementConsoleProps(p: Problems, mc: ManagementConsoleProps): void {
  if (mc.password === undefined)
    p.add('password', 'required: a secret reference to the root site administrator password');
  mc.password?.validate(p.at('password'));
  mc.license?.validate(p.at('license'));
  if (mc.initialize && mc.license === undefined)
    p.add('license', 'required when initialize is true: config/init needs the license file');
  if (mc.license && mc.license.source.kind === 'ssm')
    p.add('license', 'expected a Secrets Manager (binary) secret: a license file does not fit an SSM parameter');
  checkIntRange(p, 'waitForInitMinutes', mc.waitForInitMinutes, 1, 10080, 'minutes');
}

export class BootScript implements IApplianceBootScript {
  public readonly secrets: readonly SecretRef[];

  constructor(private readonly props: BootScriptProps) {
    const p = new Problems('BootScript');
    validateManagementConsoleProps(p.at('managementConsole'), props.managementConsole);
    // Relay settings get their credentials from the relay construct; rendered before that, GHES would get none.
    if (props.smtp.relay)
      p.add(
        'smtp.relay',
        'these settings still wait for their relay: pass them to GhesEmail (it builds the SesRelay), or use SesRelay.smtpSettings()',
      );
    p.throwIfAny('Invalid BootScript props');
    const mc = props.managementConsole;
    this.secrets = [mc.password, ...(mc.initialize && mc.license ? [mc.license] : []), ...props.smtp.secrets];
  }

  /**
   * The user data: the script with the settings block filled in, comments stripped; packed
   * (gzip+base64 in a bash stub, lib/boot/user-data-packing.ts) when it would not fit plain.
   * Throws when even that is above 16,384 bytes.
   */
  render(): string {
    const script = this.script();
    const plain = userDataBytes(script);
    if (plain <= MAX_USER_DATA_BYTES) return script;
    // A Terraform reference inside would be compressed before Terraform could resolve it: such a script stays plain.
    const packed = script.includes('${TfToken[') ? undefined : packUserData(script);
    if (packed !== undefined && userDataBytes(packed) <= MAX_USER_DATA_BYTES) return packed;
    const tried =
      packed !== undefined
        ? ` (${userDataBytes(packed)} bytes even gzip-compressed)`
        : ' (not compressible: it holds a Terraform reference)';
    throw new ValidationError(
      [
        {
          path: 'BootScript.userData',
          message: `is ${plain} bytes${tried}; EC2 accepts at most ${MAX_USER_DATA_BYTES}. Shorten the smtp settings (extraSettings) or the boot script`,
        },
      ],
      'Boot script too large',
    );
  }

  /** The boot script itself, settings filled in and comments stripped: what runs on the appliance. */
  script(): string {
    const template = readFileSync(BOOT_SCRIPT_PATH, 'utf8');
    const start = template.indexOf(BEGIN);
    const end = template.indexOf(END);
    if (start < 0 || end < start) throw new Error(`${BOOT_SCRIPT_PATH}: the settings markers are missing`);
    const settings = renderSettings(this.props);
    const script = template.slice(0, start) + settings + template.slice(end + END.length);
    return stripComments(script);
  }
}

/**
 * Bytes of user data as EC2 will count them: a Terraform reference (e.g. the SES relay's secret ARN, ~110 bytes)
 * becomes its value only at apply.
 */
function userDataBytes(userData: string): number {
  return Buffer.byteLength(userData.replace(TOKEN_IN_TEXT, 'x'.repeat(TOKEN_BYTES)), 'utf8');
}

/** The settings block: bash assignments, one per setting, each value single-quoted. */
export function renderSettings(props: BootScriptProps): string {
  const mc = props.managementConsole;
  const smtp = props.smtp;
  const lines = [
    `SMTP_JSON=${shellQuote(JSON.stringify(smtp.toManagePayload()))}`,
    `ENFORCE_TLS=${smtp.enforceTls}`,
    `INITIALIZE=${mc.initialize === true}`,
    `WAIT_INIT_MIN=${mc.waitForInitMinutes ?? 240}`,
    `ROOT_PW_REF=${secretArray(mc.password)}`,
    `SMTP_PW_REF=${secretArray(smtp.needsPassword ? smtp.password : undefined, smtp.usernameSecret)}`,
    `LICENSE_REF=${secretArray(mc.initialize ? mc.license : undefined)}`,
  ];
  // Names the settings in the log and in the "already applied" marker.
  const sha = createHash('sha256').update(lines.join('\n')).digest('hex').slice(0, 16);
  return [...lines, `SETTINGS_SHA=${sha}`].join('\n');
}

/**
 * A secret reference as a bash array: (kind id [jsonKey [usernameKey]]); the
 * literal only for unsafePlainText. `username` is a key of the same JSON secret
 * (SmtpSettings credentials): the script reads both from one GetSecretValue.
 */
function secretArray(ref: SecretRef | undefined, username?: SecretRef): string {
  if (ref === undefined) return '()';
  const s = ref.source;
  const u = username?.source.kind === 'secretsmanager' ? username.source.jsonKey : undefined;
  switch (s.kind) {
    case 'secretsmanager':
      return `(secretsmanager ${shellQuote(s.arn)}${s.jsonKey !== undefined ? ` ${shellQuote(s.jsonKey)}` : ''}${u !== undefined ? ` ${shellQuote(u)}` : ''})`;
    case 'ssm':
      return `(ssm ${shellQuote(s.parameter)})`;
    default:
      return `(plaintext ${ansiQuote(ref.unsafeValue())})`;
  }
}

/**
 * Drops full-line comments, blank lines and indentation (keeps the shebang) so
 * the script fits EC2's user-data limit; the script has no multi-line strings.
 */
export function stripComments(script: string): string {
  const [first, ...rest] = script.split('\n');
  const kept = rest.map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));
  return (
    [
      first,
      '# ghes-email boot script; commented source: lib/boot/ghes-email-boot.sh in the ghes-email package',
      ...kept,
    ].join('\n') + '\n'
  );
}

/** A bash $'…' literal on one line: any character survives, including newlines. */
export function ansiQuote(value: string): string {
  const body = value.replace(/[\\'\x00-\x1f\x7f]/g, (c) =>
    c === '\\' || c === "'" ? `\\${c}` : `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`,
  );
  return `$'${body}'`;
}

/** Single-quotes a value for bash. */
export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}
