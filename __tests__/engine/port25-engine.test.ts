/**
 * The port-25 monitoring stacks through the real Terraform CLI (validate + offline plan,
 * provider resources and provider configurations as terraform_data: support/engine).
 * Terraform evaluates the alarm's dimension, the prefix-list name, the copied provider
 * settings and the topic output; a reference it cannot resolve is a deploy that fails.
 */
import { Testing } from 'cdktf';
import { EngineResult, engineCheckAhead, errorLines, plannedOfType } from '../support/engine/run-engine';
import {
  exampleMonitoredConfig,
  existingMonitoredConfig,
  restrictedEuConfig,
  twoMonitoredHosts,
} from '../support/port25-stacks';
import { synthConfig } from '../support/stack';

const stacks = {
  restrictedEu: () => synthConfig(restrictedEuConfig()),
  existing: () => synthConfig(existingMonitoredConfig()),
  exampleUsEast1: () => synthConfig(exampleMonitoredConfig()),
  twoHosts: () => Testing.synth(twoMonitoredHosts()),
};
type StackName = keyof typeof stacks;

const checks = {} as Record<StackName, Promise<EngineResult>>;
beforeAll(() => {
  for (const name of Object.keys(stacks) as StackName[]) {
    checks[name] = engineCheckAhead(stacks[name]());
  }
});

test.each(Object.keys(stacks) as StackName[])('%s: Terraform validates and plans it without an error', async (name) => {
  const r = await checks[name];
  expect(errorLines(r)).toEqual([]);
  expect(r.plan).toBeDefined();
});

test("the aliased provider plans as us-east-1 with the default provider's tags", async () => {
  const r = await checks.restrictedEu;
  const main = r.planned('provider.aws');
  const aliased = r.planned('provider.aws.ghes-email-us-east-1');
  expect([main.region, aliased.region]).toEqual(['eu-west-1', 'us-east-1']);
  expect(aliased.default_tags).toEqual(main.default_tags);
});

test('the alarm, as Terraform plans it: HealthCheckStatus < 1, Minimum over 60 s, for the configured periods', async () => {
  const r = await checks.existing;
  const [alarm] = plannedOfType(r, 'aws_cloudwatch_metric_alarm');
  expect(alarm).toMatchObject({
    namespace: 'AWS/Route53',
    metric_name: 'HealthCheckStatus',
    statistic: 'Minimum',
    period: 60,
    threshold: 1,
    comparison_operator: 'LessThanThreshold',
    evaluation_periods: 5,
    datapoints_to_alarm: 5,
    treat_missing_data: 'breaching',
  });
  // A literal address: the description reaches AWS as written, hostname and address included.
  expect(alarm.alarm_description).toMatch(
    /^Route 53 health checkers cannot open a TCP connection to port 25 of github\.example\.com \(52\.28\.10\.20\): /,
  );
  expect(plannedOfType(r, 'aws_route53_health_check')).toEqual([
    {
      type: 'TCP',
      ip_address: '52.28.10.20',
      port: 25,
      failure_threshold: 2,
      request_interval: 10,
      tags: { Name: 'github.example.com port 25' },
    },
  ]);
});

test("the health checkers' rule joins the instance's own group on tcp/25; the topic ARN output is known after apply", async () => {
  const r = await checks.existing;
  const rules = plannedOfType(r, 'aws_vpc_security_group_ingress_rule').filter((x) =>
    x.description?.toString().includes('Route 53 health checkers'),
  );
  expect(
    rules.map(({ security_group_id, ip_protocol, from_port, to_port }) => ({
      security_group_id,
      ip_protocol,
      from_port,
      to_port,
    })),
  ).toEqual([{ security_group_id: 'sg-0123456789abcdef0', ip_protocol: 'tcp', from_port: 25, to_port: 25 }]);
  expect(r.unknownOutputs.filter((o) => o.includes('alarm-topic-arn'))).toHaveLength(1);
});

test('two hosts: two alarms and topics, one us-east-1 provider configuration', async () => {
  const r = await checks.twoHosts;
  expect(Object.keys(r.mapped.addressMap).filter((a) => a.startsWith('provider.'))).toEqual([
    'provider.aws',
    'provider.aws.ghes-email-us-east-1',
  ]);
  expect(plannedOfType(r, 'aws_sns_topic').map((t) => t.name)).toEqual([
    'ghes-email-ghe-eu-example-com-port25',
    'ghes-email-github-example-com-port25',
  ]);
  expect(plannedOfType(r, 'aws_sns_topic_subscription').map((s) => s.endpoint)).toEqual([
    'oncall@ghe-eu.example.com',
    'oncall@github.example.com',
  ]);
});
