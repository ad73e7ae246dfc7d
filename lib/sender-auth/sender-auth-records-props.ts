/**
 * The props of SenderAuthRecords and their checks, apart from the construct so that config
 * validation (and with it the CLI) loads no construct code.
 */
import { DmarcProps, validateDmarcProps } from '../records/dmarc-record';
import { Problems, renamedProps, show } from '../core/problems';
import { HostedZoneRef, validateHostedZone } from '../core/hosted-zone';
import { SpfProps, checkRenderedSpf, isSpfRecord, renderSpf, validateSpfProps } from '../records/spf-record';
import { checkHostname, checkIntRange, emailDomain, hostnameProblem, isToken } from '../core/value-rules';

/** SPF for the sending domain, plus the other TXT values that share its record set. */
export interface SenderSpfProps extends SpfProps {
  /**
   * Other TXT values at the domain (e.g. "google-site-verification=…"), published in the same
   * record set: Route53 has one TXT set per name, so taking over the domain's TXT means taking all of it.
   * @default - none
   */
  readonly otherTxtValues?: string[];
}

export interface SenderAuthRecordsProps {
  /** The domain mail is sent from: the domain of the no-reply address, e.g. "github.example.com". */
  readonly domain: string;
  /** Route53 hosted zone that holds the domain. */
  readonly hostedZone: HostedZoneRef;
  /** Publish a DMARC policy at _dmarc.<domain>. @default - no DMARC record */
  readonly dmarc?: DmarcProps;
  /**
   * Publish an SPF record at <domain> (not for Amazon SES: it uses its own MAIL FROM domain). @default - no SPF record
   */
  readonly spf?: SenderSpfProps;
  /** TTL in seconds of both records. @default 300 */
  readonly ttl?: number;
}

/**
 * One TXT record value as the AWS provider passes it to Route53: the provider
 * wraps the value in quotes, and a character-string holds at most 255 bytes
 * (RFC 1035 §3.3), so a longer value must be split into quoted strings, written
 * `part1""part2` in Terraform (aws_route53_record docs). Receivers join the strings
 * without a separator (RFC 7208 §3.3). Quotes and backslashes are escaped as
 * Route53's TXT format wants (the provider does not escape them).
 */
export function route53TxtValue(text: string): string {
  // A Terraform reference's length is unknown until apply: it cannot be split here (nor cut in half).
  if (isToken(text)) return text;
  const parts: string[] = [];
  for (let i = 0; i < text.length; i += 255) parts.push(text.slice(i, i + 255).replace(/[\\"]/g, (c) => `\\${c}`));
  return parts.join('""');
}

/**
 * SPF and DMARC for the no-reply address's domain, as GhesEmail's `senderAuth` and the config's
 * `senderAuth` take them: the domain comes from `smtp.noreplyAddress`.
 */
export interface SenderAuthProps {
  /** Route53 hosted zone that holds the no-reply address's domain. @default - the hostname's hostedZone */
  readonly hostedZone?: HostedZoneRef;
  /** Publish a DMARC policy at _dmarc.<domain>. @default - no DMARC record */
  readonly dmarc?: DmarcProps;
  /** Publish an SPF record at <domain>. @default - no SPF record */
  readonly spf?: SenderSpfProps;
}

/**
 * Problems with `senderAuth`, under `p`. The records go in the zone of `senderAuth.hostedZone`, or else
 * of `hostedZone` (the hostname's): the no-reply address's domain must lie inside it, which is checked
 * when the zone is given by name. `hostedZone` is undefined where the default zone is not known by name.
 */
export function validateSenderAuthProps(
  p: Problems,
  sa: SenderAuthProps,
  noreplyAddress: string | undefined,
  hostedZone: HostedZoneRef | undefined,
): void {
  if (sa.dmarc === undefined && sa.spf === undefined)
    p.add(undefined, 'give "dmarc", "spf" or both: there is nothing to publish');
  if (sa.dmarc) validateDmarcProps(p.at('dmarc'), sa.dmarc);
  if (sa.spf) validateSenderSpfProps(p.at('spf'), sa.spf);
  const address = noreplyAddress;
  const domain = typeof address === 'string' && address.includes('@') ? emailDomain(address) : undefined;
  // A bad address is smtp.noreplyAddress's problem, reported there once.
  const known = domain !== undefined && !isToken(domain) && hostnameProblem(domain) === undefined ? domain : undefined;
  if (sa.hostedZone) {
    validateHostedZone(p.at('hostedZone'), sa.hostedZone, known);
  } else if (
    known &&
    hostedZone?.name &&
    !isToken(hostedZone.name) &&
    !`.${known}`.endsWith(`.${hostedZone.name.toLowerCase()}`)
  ) {
    p.add(
      'hostedZone',
      `required here: the records go at the no-reply address's domain ${show(known)}, which is not in hostedZone ${show(hostedZone.name)}; give the zone that holds ${show(known)}`,
    );
  }
}

/** The SenderAuthRecords props for `senderAuth`; `defaultZone` holds the hostname (reused, not looked up twice). */
export function senderAuthRecordsProps(
  sa: SenderAuthProps,
  noreplyAddress: string,
  defaultZone: HostedZoneRef,
  ttl: number | undefined,
): SenderAuthRecordsProps {
  return {
    domain: emailDomain(noreplyAddress),
    hostedZone: sa.hostedZone ?? defaultZone,
    ttl,
    dmarc: sa.dmarc,
    spf: sa.spf,
  };
}

/** Route53's TXT format takes printable ASCII; other bytes would need octal escapes nobody reviews. */
const PRINTABLE = /^[\x20-\x7e]*$/;

/** Records every problem with the props under `p`. */
export function validateSenderAuthRecordsProps(p: Problems, props: SenderAuthRecordsProps): void {
  checkHostname(p, 'domain', props.domain);
  renamedProps(p, props, { zone: 'hostedZone' });
  validateHostedZone(p.at('hostedZone'), props.hostedZone, props.domain);
  checkIntRange(p, 'ttl', props.ttl, 0, 2147483647, 'a TTL in seconds');
  if (props.dmarc === undefined && props.spf === undefined)
    p.add(undefined, 'give "dmarc", "spf" or both: there is nothing to publish');
  if (props.dmarc) validateDmarcProps(p.at('dmarc'), props.dmarc);
  if (props.spf) validateSenderSpfProps(p.at('spf'), props.spf);
}

/** The SPF rules, and the other TXT values that share the record set. */
export function validateSenderSpfProps(p: Problems, spf: SenderSpfProps): void {
  const before = p.all.length;
  validateSpfProps(p, spf);
  checkOtherTxt(p, spf.otherTxtValues);
  // Only a record built from valid parts is worth parsing: the rules above already named what is wrong.
  if (p.all.length === before) checkRenderedSpf(p, renderSpf(spf));
}

function checkOtherTxt(p: Problems, values: string[] | undefined): void {
  if (values === undefined || isToken(values)) return;
  const seen = new Set<string>();
  values.forEach((value, i) => {
    if (isToken(value)) return;
    if (value === '' || !PRINTABLE.test(value))
      p.at('otherTxtValues').add(i, `got ${show(value)}; expected non-empty printable ASCII text`);
    // Two SPF records at one name are a permerror (RFC 7208 §3.2): receivers would ignore both.
    else if (isSpfRecord(value))
      p.at('otherTxtValues').add(
        i,
        `got an SPF record ${show(value)}; put its mechanisms into "include", "ip4" and "ip6" instead: two SPF records at one name make receivers ignore both`,
      );
    else if (seen.has(value))
      p.at('otherTxtValues').add(i, `got ${show(value)} twice; Route53 rejects duplicate values`);
    seen.add(value);
  });
}
