/**
 * The Management Console "Email" settings, as a validated value object that
 * renders the Manage API `smtp` payload exactly as documented
 * (https://docs.github.com/en/enterprise-server@latest/rest/enterprise-admin/manage-ghes#set-settings).
 */
import { Problems, show } from '../core/problems';
import { SecretRef } from '../core/secret-ref';
import { SES_SMTP_PORT, SesRelayOptions, sesSmtpEndpoint } from './ses-smtp';
import {
  checkEmail,
  checkHostOrIp,
  checkHostname,
  checkHttpUrl,
  checkIntRange,
  checkOneOf,
  checkRegion,
  isToken,
} from '../core/value-rules';

export const SMTP_AUTHENTICATIONS = ['plain', 'login', 'cram_md5', 'none'] as const;
/** SMTP AUTH mechanism GHES uses with the relay. `none` sends no credentials. */
export type SmtpAuthentication = (typeof SMTP_AUTHENTICATIONS)[number];

/** Where users are sent for help: an email address or an http(s) URL. */
export type SupportContact =
  { readonly type: 'email'; readonly address: string } | { readonly type: 'url'; readonly url: string };

/** A relay this library sets up itself; it fills in the relay fields (address, port, authentication, credentials). */
export interface SmtpRelay {
  /** Amazon SES: GhesEmail creates a SesRelay (identity, DKIM, MAIL FROM, IAM user, credentials secret). */
  readonly ses: SesRelayOptions;
}

/** A scalar raw `smtp` key read off an appliance's `GET /manage/v1/config/settings`. */
export type ExtraSmtpValue = string | number | boolean;

export interface SmtpSettingsProps {
  /** "Enable email": outbound notifications and inbound reply-by-email. @default true */
  readonly enabled?: boolean;
  /**
   * "Server address": the SMTP relay's hostname, or its IPv4 or IPv6 address. @default - none; required unless relay
   */
  readonly address?: string;
  /** "Port" of the relay. @default 587 */
  readonly port?: number;
  /** "Domain": the HELO/EHLO name GHES announces. */
  readonly domain: string;
  /** "Authentication" mechanism. @default 'plain' */
  readonly authentication?: SmtpAuthentication;
  /** SMTP login. @default - none; required unless authentication is 'none' */
  readonly username?: string;
  /**
   * SMTP password, fetched at boot from its store. @default - none; required unless authentication is 'none' or
   * credentials is given
   */
  readonly password?: SecretRef;
  /**
   * Username and password together: a Secrets Manager JSON secret with the keys "username" and "password", read at boot
   * (instead of username and password). @default - none
   */
  readonly credentials?: SecretRef;
  /**
   * Let this library set up the relay (Amazon SES) and fill in address, port, authentication, STARTTLS and credentials.
   * @default - none: the fields above name the relay
   */
  readonly relay?: SmtpRelay;
  /** "No-reply email address": From/To of notification mail. */
  readonly noreplyAddress: string;
  /** "Discard email addressed to the no-reply email address". @default true */
  readonly discardToNoreplyAddress?: boolean;
  /** "Support": an email address or an http(s) URL. */
  readonly support: SupportContact;
  /** "Enforce TLS auth (recommended)" for inbound SMTP. No documented API field: see README. @default true */
  readonly enforceTls?: boolean;
  /** Use STARTTLS towards the relay when it offers it (`enable_starttls_auto`). @default true */
  readonly enableStarttlsAuto?: boolean;
  /** Raw `smtp` keys read off your appliance, for settings the public schema lacks; scalars only. @default - none */
  readonly extraSettings?: Readonly<Record<string, ExtraSmtpValue>>;
}

/** The `smtp` object of `PUT /manage/v1/config/settings`, minus the password (inserted at run time). */
export type SmtpPayload = Record<string, string | boolean | number>;

/** Keys this module renders itself; `extraSettings` may not override them. */
export const RENDERED_SMTP_KEYS = [
  'enabled',
  'address',
  'port',
  'domain',
  'authentication',
  'username',
  'user_name',
  'password',
  'enable_starttls_auto',
  'noreply_address',
  'discard-to-noreply-address',
  'support_address',
  'support_address_type',
] as const;

/** What a relay fills in, and so may not be given next to it. */
const RELAY_FIELDS = [
  'address',
  'port',
  'authentication',
  'username',
  'password',
  'credentials',
  'enableStarttlsAuto',
] as const;

/** Records every problem with SMTP settings props under `p` (paths are the prop names). */
export function validateSmtpSettingsProps(p: Problems, props: SmtpSettingsProps): void {
  if (props.relay !== undefined) validateRelayChoice(p, props);
  else validateRelayFields(p, props);
  checkEmail(p, 'noreplyAddress', props.noreplyAddress);
  const support = props.support as SupportContact | undefined;
  if (support === undefined) {
    p.add('support', 'required: { "type": "email", "address": … } or { "type": "url", "url": … }');
  } else if (support.type === 'email') {
    checkEmail(p.at('support'), 'address', support.address);
  } else if (support.type === 'url') {
    checkHttpUrl(p.at('support'), 'url', support.url);
  } else {
    p.at('support').add('type', `got ${show((support as { type: unknown }).type)}; expected "email" or "url"`);
  }
  for (const [key, value] of Object.entries(props.extraSettings ?? {})) {
    const at = p.at('extraSettings');
    if ((RENDERED_SMTP_KEYS as readonly string[]).includes(key)) {
      at.add(key, 'is rendered from a typed setting; set that setting instead of overriding it here');
    } else if (!/^[a-z][a-z0-9_-]{0,63}$/.test(key)) {
      at.add(key, 'expected a Manage API key: lowercase letters, digits, "_" or "-"');
    } else if (!['string', 'number', 'boolean'].includes(typeof value)) {
      at.add(key, `got ${show(value)}; expected a string, number or boolean`);
    }
  }
}

/** With a relay, the fields it fills in must be unset; the relay's own options are checked by the relay. */
function validateRelayChoice(p: Problems, props: SmtpSettingsProps): void {
  checkHostname(p, 'domain', props.domain);
  const relay = props.relay as Partial<SmtpRelay> | null;
  if (typeof relay !== 'object' || relay === null || relay.ses === undefined) {
    p.add('relay', 'expected { "ses": { … } }: Amazon SES is the relay this library sets up');
    return;
  }
  const given = props as unknown as Record<string, unknown>;
  for (const key of RELAY_FIELDS) {
    if (given[key] !== undefined)
      p.add(
        key,
        `is filled in by relay.ses (${sesSmtpEndpoint('<region>')}, port ${SES_SMTP_PORT}, STARTTLS, login, credentials from its secret); remove it, or remove relay`,
      );
  }
  checkRegion(p.at('relay').at('ses'), 'region', relay.ses.region);
}

/** The relay named field by field: address, and credentials unless authentication is "none". */
function validateRelayFields(p: Problems, props: SmtpSettingsProps): void {
  if (props.address === undefined)
    p.add(
      'address',
      "required: the relay's hostname or IP address (or let ghes-email set up Amazon SES with relay: { ses: {} })",
    );
  checkHostOrIp(p, 'address', props.address);
  checkIntRange(p, 'port', props.port, 1, 65535, 'a TCP port');
  checkHostname(p, 'domain', props.domain);
  const authOk = checkOneOf(p, 'authentication', props.authentication, SMTP_AUTHENTICATIONS);
  const auth = props.authentication ?? 'plain';
  const credentials = props.credentials;
  if (credentials !== undefined) {
    for (const key of ['username', 'password'] as const) {
      if (props[key] !== undefined)
        p.add(key, 'must be unset with credentials: the username and password both come from that secret');
    }
    if (auth === 'none') p.add('credentials', 'must be unset when authentication is "none"');
    const s = credentials.source;
    if (s.kind !== 'secretsmanager')
      p.add('credentials', 'expected a Secrets Manager secret holding {"username": …, "password": …}');
    else if (s.jsonKey !== undefined)
      p.at('credentials').add('jsonKey', 'must be unset: the keys are "username" and "password"');
    credentials.validate(p.at('credentials'));
  } else if (authOk && auth !== 'none') {
    if (props.username === undefined || (!isToken(props.username) && props.username.trim() === '')) {
      p.add('username', `required when authentication is ${show(auth)}; set it, or set authentication to "none"`);
    }
    if (props.password === undefined)
      p.add('password', `required when authentication is ${show(auth)}: a secret reference`);
  }
  if (auth === 'none' && props.password !== undefined) p.add('password', 'must be unset when authentication is "none"');
  props.password?.validate(p.at('password'));
}

export class SmtpSettings {
  /** Validated props with defaults applied. */
  public readonly enabled: boolean;
  public readonly address: string;
  public readonly port: number;
  public readonly domain: string;
  public readonly authentication: SmtpAuthentication;
  public readonly username?: string;
  /** The password's reference: `password`, or the "password" key of `credentials`. */
  public readonly password?: SecretRef;
  /** The username's reference when it is not a literal: the "username" key of `credentials`. */
  public readonly usernameSecret?: SecretRef;
  public readonly credentials?: SecretRef;
  /** Set until the relay is built (GhesEmail does it): these settings have no credentials yet. */
  public readonly relay?: SmtpRelay;
  public readonly noreplyAddress: string;
  public readonly discardToNoreplyAddress: boolean;
  public readonly support: SupportContact;
  public readonly enforceTls: boolean;
  public readonly enableStarttlsAuto: boolean;
  public readonly extraSettings: Readonly<Record<string, ExtraSmtpValue>>;

  /** Throws a ValidationError listing every problem; `path` prefixes the problem paths (e.g. "smtp"). */
  constructor(props: SmtpSettingsProps, path = 'SmtpSettings') {
    const p = new Problems(path);
    validateSmtpSettingsProps(p, props);
    p.throwIfAny('Invalid SMTP settings');
    this.enabled = props.enabled ?? true;
    const ses = props.relay?.ses;
    this.relay = props.relay;
    // Until the relay completes these settings, its address may wait for the provider's region.
    this.address = ses ? sesSmtpEndpoint(ses.region ?? '<the AWS provider region>') : props.address!;
    this.port = ses ? SES_SMTP_PORT : (props.port ?? 587);
    this.domain = props.domain;
    this.authentication = ses ? 'login' : (props.authentication ?? 'plain');
    this.username = props.username;
    this.password = props.password;
    const c = props.credentials?.source;
    if (c?.kind === 'secretsmanager') {
      // One secret, two keys: the boot script reads it once (docs/boot-script.md).
      this.credentials = props.credentials;
      this.password = SecretRef.fromSecretsManager(c.arn, { jsonKey: 'password', kmsKeyArn: c.kmsKeyArn });
      this.usernameSecret = SecretRef.fromSecretsManager(c.arn, { jsonKey: 'username', kmsKeyArn: c.kmsKeyArn });
    }
    this.noreplyAddress = props.noreplyAddress;
    this.discardToNoreplyAddress = props.discardToNoreplyAddress ?? true;
    this.support = props.support;
    this.enforceTls = props.enforceTls ?? true;
    this.enableStarttlsAuto = ses ? true : (props.enableStarttlsAuto ?? true);
    this.extraSettings = { ...(props.extraSettings ?? {}) };
  }

  /** The config file's `smtp` block for these settings: secrets as references, never values. */
  toConfig(): Record<string, unknown> {
    const password = this.credentials ? undefined : this.password?.toConfig();
    const credentials = this.credentials?.toConfig();
    const ses = this.relay?.ses;
    // The config's relay block takes its region from the top-level region.
    const relay = ses && {
      relay: {
        ses: {
          ...(ses.mailFromSubdomain !== undefined ? { mailFromSubdomain: ses.mailFromSubdomain } : {}),
          ...(ses.smtpPasswordInState !== undefined ? { smtpPasswordInState: ses.smtpPasswordInState } : {}),
        },
      },
    };
    return {
      enabled: this.enabled,
      ...(relay ?? { address: this.address, port: this.port }),
      domain: this.domain,
      ...(relay ? {} : { authentication: this.authentication }),
      ...(this.username !== undefined ? { username: this.username } : {}),
      ...(password ? { password } : {}),
      ...(credentials ? { credentials } : {}),
      noreplyAddress: this.noreplyAddress,
      discardToNoreplyAddress: this.discardToNoreplyAddress,
      support: this.support,
      enforceTls: this.enforceTls,
      ...(relay ? {} : { enableStarttlsAuto: this.enableStarttlsAuto }),
      ...(Object.keys(this.extraSettings).length > 0 ? { extraSettings: this.extraSettings } : {}),
    };
  }

  /**
   * The documented `smtp` payload without the password. Port is a string, the
   * discard key is hyphenated, and both `username` and `user_name` are sent
   * (the schema has both; which one GHES reads is undocumented).
   */
  toManagePayload(): SmtpPayload {
    const payload: SmtpPayload = {
      enabled: this.enabled,
      address: this.address,
      port: String(this.port),
      domain: this.domain,
      authentication: this.authentication,
    };
    if (this.authentication !== 'none' && this.username !== undefined) {
      payload.username = this.username;
      payload.user_name = this.username;
    }
    payload.enable_starttls_auto = this.enableStarttlsAuto;
    payload.noreply_address = this.noreplyAddress;
    payload['discard-to-noreply-address'] = this.discardToNoreplyAddress;
    if (this.support.type === 'email') {
      payload.support_address = this.support.address;
      payload.support_address_type = 'email';
    } else {
      payload.support_address = this.support.url;
      payload.support_address_type = 'url';
    }
    return { ...payload, ...this.extraSettings };
  }

  /** True when the payload needs a password inserted at run time. */
  get needsPassword(): boolean {
    return this.authentication !== 'none' && this.password !== undefined;
  }

  /** Every secret these settings reference. */
  get secrets(): SecretRef[] {
    return this.password ? [this.password] : [];
  }
}
