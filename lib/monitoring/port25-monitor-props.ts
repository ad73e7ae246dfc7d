/**
 * The props of Port25Monitor (and of GhesEmail's port25Monitor) and their checks, apart from the
 * construct so that config validation (and with it the CLI) loads no construct code.
 */
import * as ipaddr from 'ipaddr.js';
import type { TerraformProvider } from 'cdktf';
import { Problems, show } from '../core/problems';
import { US_EAST_1, literalRegion } from '../core/provider-region';
import { checkEmail, checkIntRange, checkIpAddress, isToken } from '../core/value-rules';

/** What can be tuned; shared by the construct, GhesEmail's `port25Monitor` and the config's `monitoring.port25`. */
export interface Port25MonitorOptions {
  /**
   * Addresses subscribed to the alarm topic (each gets a confirmation mail from AWS first). @default - none: subscribe
   * to the topic ARN output yourself
   */
  readonly emails?: string[];
  /** Consecutive failed checks before one health checker calls the port down (1-10). @default 3 */
  readonly failureThreshold?: number;
  /** Seconds between two checks of one health checker: 30, or 10 (billed as a "fast" check). @default 30 */
  readonly requestInterval?: number;
  /** One-minute periods the health check must be unhealthy before the alarm fires (1-1440). @default 2 */
  readonly evaluationPeriods?: number;
  /**
   * AWS provider for us-east-1, in the account of the stack's default provider. @default - the stack's default AWS
   * provider if its region is us-east-1, else one aliased copy of it per stack
   */
  readonly provider?: TerraformProvider;
}

export interface Port25MonitorProps extends Port25MonitorOptions {
  /** The public IPv4 address to check, e.g. an Elastic IP's `publicIp`. */
  readonly ipAddress: string;
  /** Names the health check, alarm and topic, e.g. the GHES hostname. */
  readonly name: string;
}

/** GhesEmail's `port25Monitor`: the options, plus the firewall rule for the health checkers. */
export interface Port25MonitoringProps extends Port25MonitorOptions {
  /**
   * Add a tcp/25 rule for the Route 53 health checkers' prefix list when inboundMail.allowedCidrs does not admit
   * 0.0.0.0/0. @default true
   */
  readonly allowHealthCheckers?: boolean;
}

export const DEFAULT_FAILURE_THRESHOLD = 3;
export const DEFAULT_REQUEST_INTERVAL = 30;
export const DEFAULT_EVALUATION_PERIODS = 2;

// Route 53 cannot check these ("local, private, non-routable, or multicast ranges"):
// https://docs.aws.amazon.com/Route53/latest/APIReference/API_HealthCheckConfig.html (IPAddress).
const UNCHECKABLE = new Set([
  'private',
  'loopback',
  'linkLocal',
  'carrierGradeNat',
  'multicast',
  'unspecified',
  'broadcast',
]);

/** An IPv4 literal that a health check cannot reach (its format is checked where it is given; a token passes). */
export function checkHealthCheckAddress(p: Problems, key: string, value: string | undefined): void {
  if (value === undefined || isToken(value) || !ipaddr.IPv4.isValidFourPartDecimal(value)) return;
  const range = ipaddr.IPv4.parse(value).range();
  if (UNCHECKABLE.has(range)) {
    p.add(
      key,
      `got ${show(value)}, a ${range} address; Route 53 health checkers connect from the internet, so port-25 monitoring needs the public address`,
    );
  }
}

/** Problems with the tunable options. */
export function validatePort25MonitorOptions(p: Problems, o: Port25MonitorOptions): void {
  if (o.emails !== undefined && !isToken(o.emails)) {
    const seen = new Map<string, number>();
    o.emails.forEach((email, i) => {
      checkEmail(p.at('emails'), i, email);
      if (isToken(email)) return;
      const key = email.toLowerCase();
      const earlier = seen.get(key);
      if (earlier === undefined) seen.set(key, i);
      else p.at('emails').add(i, `got ${show(email)} twice (also at [${earlier}]); remove one`);
    });
  }
  checkIntRange(p, 'failureThreshold', o.failureThreshold, 1, 10, 'a number of consecutive checks');
  if (
    o.requestInterval !== undefined &&
    !isToken(o.requestInterval) &&
    o.requestInterval !== 10 &&
    o.requestInterval !== 30
  ) {
    p.add(
      'requestInterval',
      `got ${show(o.requestInterval)}; expected 30 (standard) or 10 (fast) seconds, the only intervals Route 53 offers`,
    );
  }
  checkIntRange(p, 'evaluationPeriods', o.evaluationPeriods, 1, 1440, 'a number of one-minute periods');
  if (o.provider !== undefined) {
    const region = literalRegion(o.provider);
    if (o.provider.terraformResourceType !== 'aws')
      p.add(
        'provider',
        `got a ${show(o.provider.terraformResourceType)} provider; expected an AWS provider for ${US_EAST_1}`,
      );
    else if (region !== undefined && region !== US_EAST_1) {
      p.add(
        'provider',
        `got a provider for ${show(region)}; expected one for ${US_EAST_1}, the only region where Route 53 publishes health-check metrics`,
      );
    }
  }
}

/** Problems with the props, under `p`. */
export function validatePort25MonitorProps(p: Problems, props: Port25MonitorProps): void {
  if (props.ipAddress === undefined) p.add('ipAddress', 'required: the public IPv4 address whose port 25 is checked');
  checkIpAddress(p, 'ipAddress', props.ipAddress, 'ipv4');
  checkHealthCheckAddress(p, 'ipAddress', props.ipAddress);
  if (props.name === undefined || (!isToken(props.name) && !/^[A-Za-z0-9][A-Za-z0-9._-]{0,229}$/.test(props.name))) {
    p.add(
      'name',
      `got ${show(props.name)}; expected a name of letters, digits, ".", "_" or "-" (at most 230), e.g. the GHES hostname`,
    );
  }
  validatePort25MonitorOptions(p, props);
}
