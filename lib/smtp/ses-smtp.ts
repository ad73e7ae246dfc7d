/**
 * Amazon SES as GHES's SMTP relay: the fixed names AWS documents, the SMTP
 * password derivation, and the rules for the relay options. Pure functions
 * (no cdktf resources), shared by the SesRelay construct, the config loader
 * and `ghes-email relay-credentials`.
 */
import { createHmac } from 'node:crypto';
import { Problems, show } from '../core/problems';
import { unknownKeyMessage } from '../core/unknown-key';
import { checkRegion, emailDomain, hostnameProblem, isRegion, isToken } from '../core/value-rules';

/** Options of the SES relay, as the config's `smtp.relay.ses` block gives them (plus the region). */
export interface SesRelayOptions {
  /**
   * AWS region of the SES identity; the relay is email-smtp.<region>.amazonaws.com. The identity is made by the
   * stack's AWS provider, so this must be that provider's region. @default - the AWS provider's region; give it
   * when that region is not a literal (a variable, say)
   */
  readonly region?: string;
  /**
   * Custom MAIL FROM domain, a subdomain of the no-reply address's domain (e.g. "bounce.example.com"), so SPF aligns
   * for DMARC. @default "bounce.<domain of noreplyAddress>"
   */
  readonly mailFromSubdomain?: string;
  /**
   * Let Terraform create the access key and write its SMTP password (ses_smtp_password_v4) to the secret: the password
   * is then in Terraform state. @default false: run `ghes-email relay-credentials` after deploy
   */
  readonly smtpPasswordInState?: boolean;
}

/** SES SMTP interface of a region (https://docs.aws.amazon.com/ses/latest/dg/smtp-connect.html). */
export function sesSmtpEndpoint(region: string): string {
  return `email-smtp.${region}.amazonaws.com`;
}

/** The MX target a custom MAIL FROM domain needs (https://docs.aws.amazon.com/ses/latest/dg/mail-from.html). */
export function sesFeedbackMx(region: string): string {
  return `feedback-smtp.${region}.amazonses.com`;
}

/** SPF for the MAIL FROM domain: SES sends with that envelope sender. */
export const SES_MAIL_FROM_SPF = 'v=spf1 include:amazonses.com ~all';

/** Easy DKIM: token._domainkey.<domain> CNAME token.dkim.amazonses.com (three tokens per identity). */
export const SES_DKIM_TOKEN_COUNT = 3;
export const SES_DKIM_TARGET_DOMAIN = 'dkim.amazonses.com';

/** Marks the SesRelay's `ses-relay` output, so `ghes-email relay-credentials --config outputs.json` finds it. */
export const SES_RELAY_KIND = 'ghes-email/ses-relay';
/** Tag of the relay's credentials secret: who writes its value, "terraform" or "relay-credentials". */
export const SES_CREDENTIALS_TAG = 'ghes-email:credentials';

/** The SES relay's fixed settings: STARTTLS on 587 with AUTH LOGIN. */
export const SES_SMTP_PORT = 587;

/** The default MAIL FROM domain. */
export function defaultMailFrom(domain: string): string {
  return `bounce.${domain}`;
}

/**
 * AWS's documented conversion of an IAM secret access key into an SES SMTP
 * password (https://docs.aws.amazon.com/ses/latest/dg/smtp-credentials.html#smtp-credentials-convert):
 * an HMAC-SHA256 chain keyed with "AWS4" + key over the fixed date "11111111",
 * the region, "ses", "aws4_request" and "SendRawEmail"; version byte 0x04
 * prepended; base64. The password only works in that region.
 */
export function sesSmtpPassword(secretAccessKey: string, region: string): string {
  let key: Buffer = Buffer.from(`AWS4${secretAccessKey}`, 'utf8');
  for (const part of ['11111111', region, 'ses', 'aws4_request', 'SendRawEmail'])
    key = createHmac('sha256', key).update(part, 'utf8').digest();
  return Buffer.concat([Buffer.from([0x04]), key]).toString('base64');
}

/**
 * The SES identity's region against the stack's AWS provider, which creates the identity: without a region the
 * provider's is taken, and a different one would send GHES to a relay where the identity does not exist.
 * `providerRegion` is undefined when the provider's region is not a literal.
 */
export function checkSesRegion(p: Problems, given: string | undefined, providerRegion: string | undefined): void {
  // A malformed region is checkRegion's to report; a token is Terraform's to resolve.
  if (given === undefined && providerRegion === undefined) {
    p.add(
      'region',
      "required here: the stack's AWS provider has no literal region to take; give the SES identity's region (the provider's)",
    );
  } else if (given !== undefined && providerRegion !== undefined && isRegion(given) && given !== providerRegion) {
    p.add(
      'region',
      `got ${show(given)}, but the stack's AWS provider is in ${show(providerRegion)}: the SES identity would be made there while GHES is told ${sesSmtpEndpoint(given)}. Remove region to take the provider's, or give a provider in ${show(given)}`,
    );
  }
}

/** What the relay's names are checked against. */
export interface SesRelayContext {
  /** The GHES hostname: reply.<host> and noreply.<host> carry the reply-by-email MX records. */
  readonly hostname?: string;
  /** The no-reply address: its domain is the SES identity. */
  readonly noreplyAddress?: string;
  /** The hosted zone's name, when known: every SES record goes in it. */
  readonly zoneName?: string;
  /** The zone is private: SES and receiving servers would never see the records. */
  readonly zonePrivate?: boolean;
}

/**
 * Problems with the relay options under `p` (e.g. `smtp.relay.ses`); the
 * no-reply address's zone problem goes to `addressAt` (e.g. `smtp.noreplyAddress`).
 */
export function validateSesRelayOptions(
  p: Problems,
  options: SesRelayOptions,
  context: SesRelayContext,
  addressAt?: { p: Problems; key: string },
): void {
  checkRegion(p, 'region', options.region);
  const address = context.noreplyAddress;
  const domain = address !== undefined && !isToken(address) && address.includes('@') ? emailDomain(address) : undefined;
  const known = domain !== undefined && hostnameProblem(domain) === undefined ? domain : undefined;
  const zone =
    context.zoneName !== undefined && !isToken(context.zoneName) ? context.zoneName.toLowerCase() : undefined;
  if (known && zone && !`.${known}`.endsWith(`.${zone}`) && addressAt) {
    addressAt.p.add(
      addressAt.key,
      `got ${show(address)}, whose domain is not in the hosted zone ${show(zone)}; the SES relay publishes its DKIM and MAIL FROM records there. Send from an address in that zone`,
    );
  }
  if (context.zonePrivate) {
    p.add(
      undefined,
      'needs a public hosted zone: SES verifies the DKIM records, and receiving servers check them and the MAIL FROM records, from the internet',
    );
  }
  const mailFrom = options.mailFromSubdomain;
  if (mailFrom === undefined || isToken(mailFrom)) {
    if (known) checkMailFromClash(p, 'mailFromSubdomain', defaultMailFrom(known), context.hostname, true);
    return;
  }
  const problem = hostnameProblem(mailFrom);
  if (problem) {
    p.add(
      'mailFromSubdomain',
      !mailFrom.includes('.') && known
        ? `got ${show(mailFrom)}; expected the full domain name, e.g. ${show(`${mailFrom}.${known}`)}`
        : problem,
    );
    return;
  }
  const name = mailFrom.toLowerCase();
  if (known && !name.endsWith(`.${known}`)) {
    // https://docs.aws.amazon.com/ses/latest/dg/mail-from.html#mail-from-requirements
    p.add(
      'mailFromSubdomain',
      `got ${show(mailFrom)}; SES requires a subdomain of the sending domain ${show(known)}, e.g. ${show(defaultMailFrom(known))}`,
    );
    return;
  }
  checkMailFromClash(p, 'mailFromSubdomain', name, context.hostname, false);
}

/** The MAIL FROM domain gets an MX and a TXT record: on a reply-by-email name, replies would go to SES. */
function checkMailFromClash(
  p: Problems,
  key: string,
  name: string,
  hostname: string | undefined,
  isDefault: boolean,
): void {
  if (hostname === undefined || isToken(hostname) || hostnameProblem(hostname)) return;
  const host = hostname.toLowerCase();
  const taken: Record<string, string> = {
    [`reply.${host}`]: 'the reply-by-email MX record',
    [`noreply.${host}`]: 'the MX record for replies that cc the no-reply address',
    [host]: 'the GHES hostname',
  };
  const what = taken[name];
  if (what === undefined) return;
  p.add(
    key,
    `${isDefault ? `the default ${show(name)}` : `got ${show(name)}, which`} is ${what}: its MX record must keep pointing at GHES. Pick another subdomain, e.g. ${show(`bounce-mail.${name.split('.').slice(1).join('.')}`)}`,
  );
}

/** The config file's `smtp.relay.ses` block. */
type SesRelayBlock = SesRelayOptions;

/** What sesRelayFromConfig reads of the config file. */
export interface SesRelayConfig {
  readonly region?: string;
  readonly hostname?: string;
  readonly hostedZone?: { readonly name?: string; readonly private?: boolean };
  readonly smtp?: { readonly noreplyAddress?: string; readonly relay?: { readonly ses?: SesRelayBlock } };
}

/**
 * The SmtpSettings `relay` for a config's `smtp.relay` (region from the top-level
 * `region`), with its problems under `smtp.relay.ses` / `smtp.noreplyAddress`.
 */
export function sesRelayFromConfig(p: Problems, c: SesRelayConfig): { ses: SesRelayOptions } | undefined {
  const relay = c.smtp?.relay as Record<string, unknown> | undefined;
  if (typeof relay !== 'object' || relay === null) return undefined;
  const at = p.at('smtp').at('relay');
  const unknown = (obj: object, known: string[], where: Problems) => {
    for (const key of Object.keys(obj)) if (!known.includes(key)) where.add(key, unknownKeyMessage(key, known));
  };
  unknown(relay, ['ses'], at);
  const ses = (relay.ses ?? {}) as SesRelayBlock;
  if (relay.ses === undefined) at.add('ses', 'required: { "ses": { … } } (Amazon SES is the relay ghes-email sets up)');
  unknown(ses, ['region', 'mailFromSubdomain', 'smtpPasswordInState'], at.at('ses'));
  // A bad top-level region is reported at "region"; a stand-in keeps it from being reported twice.
  const region = typeof c.region === 'string' && isRegion(c.region) ? c.region : 'us-east-1';
  // The stack's provider is in the top-level region: the block may repeat it, not contradict it.
  if (typeof c.region === 'string' && isRegion(c.region)) checkSesRegion(at.at('ses'), ses.region, c.region);
  const options: SesRelayOptions = {
    mailFromSubdomain: ses.mailFromSubdomain,
    smtpPasswordInState: ses.smtpPasswordInState,
    region,
  };
  const context = {
    hostname: c.hostname,
    noreplyAddress: c.smtp?.noreplyAddress,
    zoneName: c.hostedZone?.name,
    zonePrivate: c.hostedZone?.private,
  };
  validateSesRelayOptions(at.at('ses'), options, context, { p: p.at('smtp'), key: 'noreplyAddress' });
  return { ses: options };
}
