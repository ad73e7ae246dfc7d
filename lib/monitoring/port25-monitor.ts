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
import { Fn, TerraformIterator, TerraformOutput, TerraformProvider, Token } from 'cdktf';
import { Construct } from 'constructs';
import { CloudwatchMetricAlarm } from '@cdktf/provider-aws/lib/cloudwatch-metric-alarm';
import { Route53HealthCheck } from '@cdktf/provider-aws/lib/route53-health-check';
import { SnsTopic } from '@cdktf/provider-aws/lib/sns-topic';
import { SnsTopicSubscription } from '@cdktf/provider-aws/lib/sns-topic-subscription';
import { SMTP_PORT } from '../inbound/inbound-mail-firewall-props';
import { Problems } from '../core/problems';
import { GhesConstruct } from '../core/terraform-literals';
import { stackRegion } from '../core/stack-region';
import { US_EAST_1, usEast1Provider } from './us-east-1-provider';
import { isToken } from '../core/value-rules';
import {
  DEFAULT_EVALUATION_PERIODS,
  DEFAULT_FAILURE_THRESHOLD,
  DEFAULT_REQUEST_INTERVAL,
  Port25MonitorProps,
  validatePort25MonitorProps,
} from './port25-monitor-props';

/** The partition of a region outside the aws partition (GovCloud, China, the ISO regions); undefined for aws. */
function otherPartition(region: string): string | undefined {
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  if (region.startsWith('cn-')) return 'aws-cn';
  const iso = /^[a-z]{2}-iso([a-z]?)-/.exec(region);
  if (iso) return `aws-iso${iso[1] ? `-${iso[1]}` : ''}`;
  return undefined;
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
    const region = props.provider === undefined ? stackRegion(this) : undefined;
    const partition = region !== undefined ? otherPartition(region) : undefined;
    if (partition !== undefined) {
      // A copy of the stack's provider in us-east-1 would sign with credentials that partition does not know: the plan
      // would fail on authentication, far from the reason.
      p.add(
        'provider',
        `the stack's region ${region} is in the ${partition} partition; the port-25 monitor is made for the aws partition, where Route 53 publishes health-check metrics in ${US_EAST_1} only, and where ${partition} publishes them is not confirmed: leave the monitor (monitoring.port25) off`,
      );
    }
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

    this.topic = new SnsTopic(this, 'topic', {
      provider,
      name: topicName(props.name),
      tags: { Name: `${props.name} port 25` },
    });

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
    emails.forEach(
      (email, i) =>
        new SnsTopicSubscription(this, isToken(email) ? `email-${i}` : `email-${email.toLowerCase()}`, {
          ...base,
          endpoint: email,
        }),
    );
  }
}
