/**
 * Watches port 25 from the internet, the way a sender's mail server reaches
 * it: a Route 53 TCP health check on the public IPv4 address, a CloudWatch
 * alarm on its `HealthCheckStatus` metric, and an SNS topic the alarm notifies.
 *
 * Route 53 publishes the metric only in us-east-1, and an alarm only sees
 * metrics of its own region, so the alarm, the topic (its action must be in
 * the alarm's region) and, to keep them in one account, the health check use a
 * us-east-1 provider (us-east-1-provider.ts), whatever the stack's region.
 * https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/monitoring-health-checks.html
 */
import * as ipaddr from 'ipaddr.js';
import { Fn, TerraformIterator, TerraformOutput, TerraformProvider, Token } from 'cdktf';
import { Construct } from 'constructs';
import { CloudwatchMetricAlarm } from '@cdktf/provider-aws/lib/cloudwatch-metric-alarm';
import { Route53HealthCheck } from '@cdktf/provider-aws/lib/route53-health-check';
import { SnsTopic } from '@cdktf/provider-aws/lib/sns-topic';
import { SnsTopicSubscription } from '@cdktf/provider-aws/lib/sns-topic-subscription';
import { SMTP_PORT } from './inbound-mail-firewall';
import { Problems, show } from './problems';
import { GhesConstruct } from './terraform-literals';
import { US_EAST_1, literalRegion, usEast1Provider } from './us-east-1-provider';
import { checkEmail, checkIntRange, checkIpAddress, isToken } from './value-rules';

/** What can be tuned; shared by the construct, GhesEmail's `port25Monitor` and the config's `monitoring.port25`. */
export interface Port25MonitorOptions {
  /** Addresses subscribed to the alarm topic (each gets a confirmation mail from AWS first). @default - none: subscribe to the topic ARN output yourself */
  readonly emails?: string[];
  /** Consecutive failed checks before one health checker calls the port down (1-10). @default 3 */
  readonly failureThreshold?: number;
  /** Seconds between two checks of one health checker: 30, or 10 (billed as a "fast" check). @default 30 */
  readonly requestInterval?: number;
  /** One-minute periods the health check must be unhealthy before the alarm fires (1-1440). @default 2 */
  readonly evaluationPeriods?: number;
  /** AWS provider for us-east-1, in the account of the stack's default provider. @default - the stack's default AWS provider if its region is us-east-1, else one aliased copy of it per stack */
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
  /** Add a tcp/25 rule for the Route 53 health checkers' prefix list when inboundMail.allowedCidrs does not admit 0.0.0.0/0. @default true */
  readonly allowHealthCheckers?: boolean;
}

export const DEFAULT_FAILURE_THRESHOLD = 3;
export const DEFAULT_REQUEST_INTERVAL = 30;
export const DEFAULT_EVALUATION_PERIODS = 2;

// Route 53 cannot check these ("local, private, non-routable, or multicast ranges"):
// https://docs.aws.amazon.com/Route53/latest/APIReference/API_HealthCheckConfig.html (IPAddress).
const UNCHECKABLE = new Set(['private', 'loopback', 'linkLocal', 'carrierGradeNat', 'multicast', 'unspecified', 'broadcast']);

/** An IPv4 literal that a health check cannot reach (its format is checked where it is given; a token passes). */
export function checkHealthCheckAddress(p: Problems, key: string, value: string | undefined): void {
  if (value === undefined || isToken(value) || !ipaddr.IPv4.isValidFourPartDecimal(value)) return;
  const range = ipaddr.IPv4.parse(value).range();
  if (UNCHECKABLE.has(range)) {
    p.add(key, `got ${show(value)}, a ${range} address; Route 53 health checkers connect from the internet, so port-25 monitoring needs the public address`);
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
  if (o.requestInterval !== undefined && !isToken(o.requestInterval) && o.requestInterval !== 10 && o.requestInterval !== 30) {
    p.add('requestInterval', `got ${show(o.requestInterval)}; expected 30 (standard) or 10 (fast) seconds, the only intervals Route 53 offers`);
  }
  checkIntRange(p, 'evaluationPeriods', o.evaluationPeriods, 1, 1440, 'a number of one-minute periods');
  if (o.provider !== undefined) {
    const region = literalRegion(o.provider);
    if (o.provider.terraformResourceType !== 'aws') p.add('provider', `got a ${show(o.provider.terraformResourceType)} provider; expected an AWS provider for ${US_EAST_1}`);
    else if (region !== undefined && region !== US_EAST_1) {
      p.add('provider', `got a provider for ${show(region)}; expected one for ${US_EAST_1}, the only region where Route 53 publishes health-check metrics`);
    }
  }
}

/** Problems with the props, under `p`. */
export function validatePort25MonitorProps(p: Problems, props: Port25MonitorProps): void {
  if (props.ipAddress === undefined) p.add('ipAddress', 'required: the public IPv4 address whose port 25 is checked');
  checkIpAddress(p, 'ipAddress', props.ipAddress, 'ipv4');
  checkHealthCheckAddress(p, 'ipAddress', props.ipAddress);
  if (props.name === undefined || (!isToken(props.name) && !/^[A-Za-z0-9][A-Za-z0-9._-]{0,229}$/.test(props.name))) {
    p.add('name', `got ${show(props.name)}; expected a name of letters, digits, ".", "_" or "-" (at most 230), e.g. the GHES hostname`);
  }
  validatePort25MonitorOptions(p, props);
}

/** An SNS topic name from the monitor's name: letters, digits, "-" and "_" only. */
function topicName(name: string): string {
  const safe = isToken(name) ? Fn.replace(name, '/[^A-Za-z0-9_-]/', '-') : name.replace(/[^A-Za-z0-9_-]/g, '-');
  return `ghes-email-${safe}-port25`;
}

export class Port25Monitor extends GhesConstruct {
  public readonly healthCheck: Route53HealthCheck;
  public readonly alarm: CloudwatchMetricAlarm;
  public readonly topic: SnsTopic;
  /** The provider the health check, alarm and topic use (us-east-1). */
  public readonly provider: TerraformProvider;

  constructor(scope: Construct, id: string, props: Port25MonitorProps) {
    super(scope, id);
    const p = new Problems(this.node.path);
    validatePort25MonitorProps(p, props);
    p.throwIfAny('Invalid Port25Monitor props');

    this.provider = props.provider ?? usEast1Provider(this);
    const provider = this.provider;
    const evaluationPeriods = props.evaluationPeriods ?? DEFAULT_EVALUATION_PERIODS;

    this.healthCheck = new Route53HealthCheck(this, 'health-check', {
      provider,
      type: 'TCP',
      ipAddress: props.ipAddress,
      port: SMTP_PORT,
      failureThreshold: props.failureThreshold ?? DEFAULT_FAILURE_THRESHOLD,
      requestInterval: props.requestInterval ?? DEFAULT_REQUEST_INTERVAL,
      tags: { Name: `${props.name} port 25` },
    });

    this.topic = new SnsTopic(this, 'topic', { provider, name: topicName(props.name), tags: { Name: `${props.name} port 25` } });

    this.alarm = new CloudwatchMetricAlarm(this, 'alarm', {
      provider,
      alarmName: `ghes-email ${props.name} port 25`,
      alarmDescription:
        `Route 53 health checkers cannot open a TCP connection to port 25 of ${props.name} (${props.ipAddress}): ` +
        'reply-by-email is down; senders queue replies and retry for days. Check that the instance runs, its tcp/25 ' +
        'security group rules, and postfix on the appliance; run `ghes-email doctor inbound`. See the ghes-email README, "Port-25 monitoring".',
      namespace: 'AWS/Route53',
      metricName: 'HealthCheckStatus',
      dimensions: { HealthCheckId: this.healthCheck.id },
      // 1 while more than 18% of the checkers reach the port, else 0; Minimum catches any unhealthy minute.
      statistic: 'Minimum',
      period: 60,
      evaluationPeriods,
      datapointsToAlarm: evaluationPeriods,
      comparisonOperator: 'LessThanThreshold',
      threshold: 1,
      // No data means the check stopped reporting: that is no proof the port is up.
      treatMissingData: 'breaching',
      alarmActions: [this.topic.arn],
      okActions: [this.topic.arn],
    });

    this.subscribe(props.emails ?? []);
    new TerraformOutput(this, 'alarm-topic-arn', {
      value: this.topic.arn,
      description: `SNS topic (${US_EAST_1}) notified when port 25 of ${props.name} becomes unreachable and again when it recovers`,
    });
  }

  private subscribe(emails: string[]): void {
    const base = { provider: this.provider, topicArn: this.topic.arn, protocol: 'email' };
    if (isToken(emails)) {
      const each = TerraformIterator.fromList(emails);
      new SnsTopicSubscription(this, 'email-list', { ...base, forEach: each, endpoint: Token.asString(each.value) });
      return;
    }
    // Ids follow the address, so adding one renumbers nothing; a token address keeps its place in the list.
    emails.forEach((email, i) => new SnsTopicSubscription(this, isToken(email) ? `email-${i}` : `email-${email.toLowerCase()}`, { ...base, endpoint: email }));
  }
}
