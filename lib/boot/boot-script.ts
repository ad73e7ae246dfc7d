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
import { BootFeature, cutFeatures } from './boot-features';
import { packUserData } from './user-data-packing';
import {
  MAX_USER_DATA_BYTES,
  SizePart,
  holdsReference,
  linePart,
  tooLargeMessage,
  userDataBytes,
} from './user-data-size';
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

export { MAX_USER_DATA_BYTES, TOKEN_BYTES } from './user-data-size';

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
   * Throws when even that is above 16,384 bytes, naming what the bytes are.
   */
  render(): string {
    const script = this.script();
    const plain = userDataBytes(script);
    if (plain <= MAX_USER_DATA_BYTES) return script;
    // A Terraform reference (in the settings only) is resolved at apply, after packing: such settings stay plain.
    const settings = settingsLines(this.props);
    const settingsPlain = holdsReference(script);
    const packed = packUserData(script, settingsPlain ? joinSettings(settings) : '');
    if (userDataBytes(packed) <= MAX_USER_DATA_BYTES) return packed;
    const parts = sizeParts(this.props, settings, plain);
    throw new ValidationError(
      [{ path: 'BootScript.userData', message: tooLargeMessage(plain, userDataBytes(packed), settingsPlain, parts) }],
      'Boot script too large',
    );
  }

  /** The boot script itself, settings filled in and comments stripped: what runs on the appliance. */
  script(): string {
    // Parts cut before the settings go in: a setting's value may hold any text, a marker's included.
    const template = cutFeatures(readFileSync(BOOT_SCRIPT_PATH, 'utf8'), this.features());
    const start = template.indexOf(BEGIN);
    const end = template.indexOf(END);
    if (start < 0 || end < start) throw new Error(`${BOOT_SCRIPT_PATH}: the settings markers are missing`);
    const settings = renderSettings(this.props);
    const script = template.slice(0, start) + settings + template.slice(end + END.length);
    return stripComments(script);
  }

  /** The parts of the script (lib/boot/boot-features.ts) these settings make live; the others are cut out. */
  features(): Set<BootFeature> {
    const kinds = new Set(this.secrets.map((r) => r.source.kind));
    const on: [BootFeature, boolean][] = [
      ['initialize', this.props.managementConsole.initialize === true],
      ['ssm', kinds.has('ssm')],
      ['plaintext', kinds.has('plaintext')],
      ['enforceTls', this.props.smtp.enforceTls],
    ];
    return new Set(on.filter(([, yes]) => yes).map(([f]) => f));
  }
}

/** The settings block's lines, by variable name, in their order. */
type SettingsLines = Readonly<
  Record<
    | 'SMTP_JSON'
    | 'ENFORCE_TLS'
    | 'INITIALIZE'
    | 'WAIT_INIT_MIN'
    | 'ROOT_PW_REF'
    | 'SMTP_PW_REF'
    | 'LICENSE_REF'
    | 'SETTINGS_SHA',
    string
  >
>;

function settingsLines(props: BootScriptProps): SettingsLines {
  const mc = props.managementConsole;
  const smtp = props.smtp;
  const lines = {
    SMTP_JSON: `SMTP_JSON=${shellQuote(JSON.stringify(smtp.toManagePayload()))}`,
    ENFORCE_TLS: `ENFORCE_TLS=${smtp.enforceTls}`,
    INITIALIZE: `INITIALIZE=${mc.initialize === true}`,
    WAIT_INIT_MIN: `WAIT_INIT_MIN=${mc.waitForInitMinutes ?? 240}`,
    ROOT_PW_REF: `ROOT_PW_REF=${secretArray(mc.password)}`,
    SMTP_PW_REF: `SMTP_PW_REF=${secretArray(smtp.needsPassword ? smtp.password : undefined, smtp.usernameSecret)}`,
    LICENSE_REF: `LICENSE_REF=${secretArray(mc.initialize ? mc.license : undefined)}`,
  };
  // Names the settings in the log and in the "already applied" marker.
  const sha = createHash('sha256').update(Object.values(lines).join('\n')).digest('hex').slice(0, 16);
  return { ...lines, SETTINGS_SHA: `SETTINGS_SHA=${sha}` };
}

const joinSettings = (lines: SettingsLines): string => Object.values(lines).join('\n');

/** The settings block: bash assignments, one per setting, each value single-quoted. */
export function renderSettings(props: BootScriptProps): string {
  return joinSettings(settingsLines(props));
}

/**
 * What the plain user data's bytes are, adding up to `plain`: the boot script itself, then each settings line the
 * config decides, extraSettings apart from the rest of the smtp payload they are part of.
 */
function sizeParts(props: BootScriptProps, lines: SettingsLines, plain: number): SizePart[] {
  const smtp = props.smtp;
  const extra = new Set(Object.keys(smtp.extraSettings));
  const base = Object.fromEntries(Object.entries(smtp.toManagePayload()).filter(([k]) => !extra.has(k)));
  const smtpPart = linePart('smtp settings', `SMTP_JSON=${shellQuote(JSON.stringify(base))}`);
  const parts: SizePart[] = [smtpPart];
  if (extra.size > 0)
    parts.push({ what: 'extraSettings', bytes: linePart('', lines.SMTP_JSON).bytes - smtpPart.bytes, yours: true });
  parts.push(linePart('managementConsole.password reference', lines.ROOT_PW_REF));
  if (lines.SMTP_PW_REF !== 'SMTP_PW_REF=()')
    parts.push(linePart(`smtp.${smtp.credentials ? 'credentials' : 'password'} reference`, lines.SMTP_PW_REF));
  if (lines.LICENSE_REF !== 'LICENSE_REF=()')
    parts.push(linePart('managementConsole.license reference', lines.LICENSE_REF));
  const settings = Object.values(lines).reduce((n, l) => n + linePart('', l).bytes, 0);
  const listed = parts.reduce((n, p) => n + p.bytes, 0);
  return [
    { what: 'the boot script', bytes: plain - settings, yours: false },
    ...parts,
    { what: 'other settings', bytes: settings - listed, yours: false },
  ];
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
    [first, '# ghes-email boot script; commented source: lib/boot/ghes-email-boot.sh in the package', ...kept].join(
      '\n',
    ) + '\n'
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
