/**
 * Reads and validates the JSON config file (see README "Config reference").
 * Pass 1 checks shape, types and unknown keys; pass 2 runs the constructs' own
 * value rules on whatever had the right type, so one run reports every problem.
 */
import { readFileSync } from 'node:fs';
import { ManagementConsoleProps, validateManagementConsoleProps } from '../boot/boot-script';
import { GhesEmailConfig, SecretRefJson, configSchema } from './config-schema';
import { CLI_SETTINGS_KIND } from '../ghes-email/cli-settings-kind';
import { validateExistingInstance } from '../ghes-email/ghes-email-props';
import { validateGhesApplianceProps } from '../appliance/ghes-appliance-props';
import { validateMailSources } from '../inbound/inbound-mail-firewall-props';
import { parseJsonDocument } from '../core/json-document';
import { outputsOfKind } from '../core/outputs-of-kind';
import { issueToProblems } from './zod-problems';
import { checkHealthCheckAddress, validatePort25MonitorOptions } from '../monitoring/port25-monitor-props';
import { Problem, Problems, ValidationError, isWithin, show } from '../core/problems';
import { validateHostedZone } from '../core/hosted-zone';
import { REPLY_RECORD_KINDS, validateDnsSettings } from '../inbound/reply-dns-records-props';
import { SecretRef } from '../core/secret-ref';
import { SES_RELAY_KIND, sesRelayFromConfig } from '../smtp/ses-smtp';
import { validateSenderAuthConfig } from './sender-auth-config';
import { SmtpSettings, SmtpSettingsProps, validateSmtpSettingsProps } from '../smtp/smtp-settings';
import { configText } from '../core/utf8-text';
import { checkHostname, checkOneOf, checkRegion } from '../core/value-rules';

export type { GhesEmailConfig } from './config-schema';

/** Thrown for a bad config file; its problems name dotted config paths. */
export class ConfigError extends ValidationError {
  constructor(problems: readonly Problem[], source: string) {
    super(problems, `Invalid config ${source}`);
    this.name = 'ConfigError';
  }
}

/** A validated config with its secret references and SMTP settings resolved to objects. */
export interface LoadedConfig {
  readonly config: GhesEmailConfig;
  /** The SMTP settings; absent for a firewall-and-DNS-only deployment (an existing instance, no `smtp`). */
  readonly smtp?: SmtpSettings;
  readonly managementConsole?: ManagementConsoleProps;
  /** Public addresses DNS should point at, where known (existingInstance, or a deployed stack's outputs). */
  readonly addresses?: { readonly ipv4?: string; readonly ipv6?: string };
  /** From a deployed stack's outputs: the SES relay's `ses-relay` output for the same no-reply address. */
  readonly sesRelayOutput?: SesRelayOutput;
}

/** What the doctor uses of a deployed SES relay's `ses-relay` output (names only, no secrets). */
export interface SesRelayOutput {
  readonly mailFromDomain?: string;
  /** The Easy DKIM selectors: `<token>._domainkey.<domain>`. */
  readonly dkimTokens?: readonly string[];
}

/**
 * The SMTP settings a command needs, or a ConfigError (exit 2) saying that this deployment has none: the firewall
 * and DNS records only, which `doctor inbound` checks.
 */
export function smtpOf(loaded: LoadedConfig, source: string, command: string): SmtpSettings {
  if (loaded.smtp) return loaded.smtp;
  const message = `${command} needs the SMTP settings, and there are none: a firewall-and-DNS-only deployment (existing instance without smtp); doctor inbound checks that`;
  throw new ConfigError([{ path: 'smtp', message }], source);
}

/** Help text of the CLI's --config and --hostname, shared by apply and doctor. */
export const CONFIG_HELP =
  'ghes-email config file, or the outputs of a deployed stack (cdktf output --outputs-file FILE, or terraform output -json > FILE)';
export const HOSTNAME_HELP = 'with an outputs file that holds several GhesEmail constructs: the hostname to use';

/**
 * Reads, parses and validates a config file, or the outputs of a deployed stack
 * (`cdktf output --outputs-file`, `terraform output -json`) that hold a GhesEmail's
 * `cli-settings` output; `hostname` picks one when there are several.
 * Throws ConfigError listing every problem.
 */
export function loadConfigFile(path: string, hostname?: string): LoadedConfig {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    throw new ConfigError([{ path: '(file)', message: `cannot read ${path}: ${(err as Error).message}` }], path);
  }
  const text = configText(bytes);
  if (!text.ok) throw new ConfigError([{ path: '(file)', message: text.problem }], path);
  const doc = parseJsonDocument(text.text, text.errors);
  if (!doc.ok) throw new ConfigError(doc.problems, path);
  const raw = doc.value;
  const settings = isConfigShaped(raw) ? [] : findCliSettings(raw);
  if (settings.length === 0) return validateConfig(raw, path, 'config', doc.problems);
  // An outputs document's paths are not config paths: its own problems come alone.
  if (doc.problems.length > 0) throw new ConfigError(doc.problems, path);
  const loaded = parseConfig(pickSettings(settings, hostname, path), path, 'outputs');
  const sesRelayOutput = loaded.smtp && findSesRelayOutput(raw, loaded.smtp.noreplyAddress);
  return sesRelayOutput ? { ...loaded, sesRelayOutput } : loaded;
}

/** The `ses-relay` output of the relay that sends as `noreplyAddress`, with its fields' types checked. */
function findSesRelayOutput(raw: unknown, noreplyAddress: string): SesRelayOutput | undefined {
  const found = outputsOfKind(raw, SES_RELAY_KIND).find((v) => v.noreplyAddress === noreplyAddress);
  if (found === undefined) return undefined;
  const { mailFromDomain, dkimTokens } = found;
  return {
    mailFromDomain: typeof mailFromDomain === 'string' ? mailFromDomain : undefined,
    dkimTokens: Array.isArray(dkimTokens) && dkimTokens.every((t) => typeof t === 'string') ? dkimTokens : undefined,
  };
}

function isConfigShaped(raw: unknown): boolean {
  return typeof raw === 'object' && raw !== null && 'hostname' in raw && 'smtp' in raw;
}

const findCliSettings = (raw: unknown) => outputsOfKind(raw, CLI_SETTINGS_KIND);

function pickSettings(
  all: Record<string, unknown>[],
  hostname: string | undefined,
  path: string,
): Record<string, unknown> {
  const hosts = all.map((s) => String(s.hostname));
  const chosen = hostname === undefined && all.length === 1 ? all[0] : all.find((s) => s.hostname === hostname);
  if (chosen) return chosen;
  const message =
    hostname === undefined
      ? `holds settings for ${hosts.length} hostnames (${hosts.join(', ')}); pick one with --hostname`
      : `has no settings for --hostname ${show(hostname)}; it has ${hosts.join(', ')}`;
  throw new ConfigError([{ path: '(file)', message }], path);
}

/**
 * Validates an already-parsed config object. `outputs` reads a GhesEmail's
 * cli-settings output instead: no zone or instance block, known addresses.
 */
export function parseConfig(raw: unknown, source = '(inline)', kind: 'config' | 'outputs' = 'config'): LoadedConfig {
  return validateConfig(raw, source, kind, []);
}

/**
 * parseConfig, after the problems found in the file itself (a key given twice,
 * a number out of range, bytes that are not UTF-8): the value JSON.parse kept
 * at such a path is not what the operator wrote, so nothing more is said about it.
 */
function validateConfig(
  raw: unknown,
  source: string,
  kind: 'config' | 'outputs',
  fromFile: readonly Problem[],
): LoadedConfig {
  let addresses: LoadedConfig['addresses'];
  if (kind === 'outputs') {
    const { kind: _kind, addresses: given, ...rest } = raw as Record<string, unknown>;
    addresses = given as LoadedConfig['addresses'];
    raw = rest;
  }
  const schema = kind === 'outputs' ? configSchema.partial({ hostedZone: true }) : configSchema;
  const parsed = schema.safeParse(raw);
  const structural = parsed.success ? [] : parsed.error.issues.flatMap(issueToProblems);
  // Semantic checks run on a copy without the values that failed the shape check.
  const cleaned = structuredClone(raw ?? {}) as Record<string, unknown>;
  for (const issue of parsed.success ? [] : parsed.error.issues) removeAt(cleaned, issue.path);
  const p = new Problems();
  const result = checkValues(p, cleaned as GhesEmailConfig, kind);
  const semantic = p.all.filter((s) => !structural.some((st) => isWithin(s.path, st.path)));
  const later = [...structural, ...semantic].filter((s) => !fromFile.some((f) => isWithin(s.path, f.path)));
  const problems = dedupe([...fromFile, ...later]);
  if (problems.length > 0 || !parsed.success) throw new ConfigError(problems, source);
  const config = parsed.data as GhesEmailConfig;
  const ei = config.existingInstance;
  return {
    config,
    smtp: result.smtpProps && new SmtpSettings(result.smtpProps, 'smtp'),
    managementConsole: result.managementConsole,
    addresses: addresses ?? (ei ? { ipv4: ei.ipv4Address, ipv6: ei.ipv6Address } : undefined),
  };
}

function checkValues(
  p: Problems,
  c: GhesEmailConfig,
  kind: 'config' | 'outputs',
): { smtpProps?: SmtpSettingsProps; managementConsole?: ManagementConsoleProps } {
  if (typeof c !== 'object' || c === null) return {};
  checkRegion(p, 'region', c.region);
  checkRegion(p.at('backend').at('s3'), 'region', c.backend?.s3?.region);
  if (c.backend?.s3?.bucket !== undefined && !/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(c.backend.s3.bucket)) {
    p.at('backend')
      .at('s3')
      .add(
        'bucket',
        `got ${show(c.backend.s3.bucket)}; expected an S3 bucket name (3-63 lowercase letters, digits, "." or "-")`,
      );
  }
  checkHostname(p, 'hostname', c.hostname);
  checkOneOf(p, 'replyRecord', c.replyRecord, REPLY_RECORD_KINDS);
  if (kind === 'config') validateHostedZone(p.at('hostedZone'), c.hostedZone, c.hostname);
  if (c.dns) validateDnsSettings(p.at('dns'), c.dns);
  validateSenderAuthConfig(p, c, kind);

  if (kind === 'config' && (c.appliance === undefined) === (c.existingInstance === undefined)) {
    p.add(
      undefined,
      'give exactly one of "appliance" (build a GHES instance) or "existingInstance" (point DNS and port 25 at one you run)',
    );
  }
  if (c.appliance) validateGhesApplianceProps(p.at('appliance'), c.appliance);
  if (c.existingInstance) validateExistingInstance(p.at('existingInstance'), c.existingInstance);
  if (c.inboundMail) validateMailSources(p.at('inboundMail'), c.inboundMail.allowedCidrs, c.inboundMail.prefixListIds);
  const port25 = c.monitoring?.port25;
  if (typeof port25 === 'object') validatePort25MonitorOptions(p.at('monitoring').at('port25'), port25);
  if (port25 && c.existingInstance)
    checkHealthCheckAddress(p.at('existingInstance'), 'ipv4Address', c.existingInstance.ipv4Address);

  let smtpProps: SmtpSettingsProps | undefined;
  if (c.smtp && typeof c.smtp === 'object') {
    const sp = p.at('smtp');
    const password = secretFromConfig(sp.at('password'), c.smtp.password);
    const credentials = secretFromConfig(sp.at('credentials'), c.smtp.credentials);
    const relay = sesRelayFromConfig(p, c);
    smtpProps = {
      ...(c.smtp as unknown as SmtpSettingsProps),
      password: password.ref,
      credentials: credentials.ref,
      relay,
    };
    validateSmtpSettingsProps(sp, { ...smtpProps, password: password.forChecks, credentials: credentials.forChecks });
  }

  let managementConsole: ManagementConsoleProps | undefined;
  const mc = c.managementConsole;
  if (mc && typeof mc === 'object') {
    const mp = p.at('managementConsole');
    const password = secretFromConfig(mp.at('password'), mc.password);
    const license = secretFromConfig(mp.at('license'), mc.license);
    const props = { initialize: mc.initialize, waitForInitMinutes: mc.waitForInitMinutes };
    validateManagementConsoleProps(mp, { ...props, password: password.forChecks!, license: license.forChecks });
    if (password.ref) managementConsole = { ...props, password: password.ref, license: license.ref };
  } else if (c.appliance) {
    p.add(
      'managementConsole',
      'required with "appliance": { "password": { "secretsManagerArn": … } } (the root site administrator password the boot script uses)',
    );
  }
  if (kind === 'config' && c.appliance && c.smtp === undefined) {
    p.add('smtp', 'required with "appliance": the email settings its boot script applies');
  }
  if (c.senderAuth !== undefined && c.smtp === undefined) {
    p.add('senderAuth', 'needs "smtp": the records go at the domain of smtp.noreplyAddress');
  }
  return { smtpProps, managementConsole };
}

/**
 * A secret reference from the config, plus what the construct rules should see:
 * a reference given in the wrong shape is reported once here, so the rules get a
 * stand-in instead of "missing".
 */
function secretFromConfig(p: Problems, value: SecretRefJson | undefined): { ref?: SecretRef; forChecks?: SecretRef } {
  const ref = SecretRef.fromConfig(p, value);
  return { ref, forChecks: ref ?? (value !== undefined ? SecretRef.fromSecretsManager(STAND_IN_ARN) : undefined) };
}
const STAND_IN_ARN = 'arn:aws:secretsmanager:us-east-1:000000000000:secret:already-reported';

function dedupe(problems: Problem[]): Problem[] {
  const seen = new Set<string>();
  return problems.filter((x) => !seen.has(`${x.path}\n${x.message}`) && !!seen.add(`${x.path}\n${x.message}`));
}

/** Deletes the value at `path` (so pass 2 does not trip over a wrongly typed value). */
function removeAt(obj: Record<string, unknown>, path: (string | number)[]): void {
  if (path.length === 0) return;
  let cur: unknown = obj;
  for (const key of path.slice(0, -1)) {
    if (typeof cur !== 'object' || cur === null) return;
    cur = (cur as Record<string | number, unknown>)[key];
  }
  if (typeof cur === 'object' && cur !== null) delete (cur as Record<string | number, unknown>)[path[path.length - 1]];
}
