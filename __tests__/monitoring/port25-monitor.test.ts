/** Port-25 monitoring (lib/monitoring/port25-monitor.ts): the facts that make the alarm mean something. */
import '../support/cdktf-matchers';
import { Testing, TerraformStack, TerraformVariable } from 'cdktf';
import { testApp } from '../support/test-app';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { CloudwatchMetricAlarm } from '@cdktf/provider-aws/lib/cloudwatch-metric-alarm';
import { Route53HealthCheck } from '@cdktf/provider-aws/lib/route53-health-check';
import { Port25Monitor } from '../../lib';
import { US_EAST_1_PROVIDER_ID } from '../../lib/monitoring/us-east-1-provider';
import { needsHealthCheckerRule } from '../../lib/monitoring/route53-health-checkers';
import { dataSources, exampleConfig, resources, synthConfig } from '../support/stack';
import {
  MONITOR_ALIAS,
  exampleMonitoredConfig,
  existingMonitoredConfig,
  providerUse,
  restrictedEuConfig,
  synthRestrictedEu,
  twoMonitoredHosts,
} from '../support/port25-stacks';
import { problems } from '../support/problems';

const MONITOR_TYPES = [
  'aws_route53_health_check',
  'aws_cloudwatch_metric_alarm',
  'aws_sns_topic',
  'aws_sns_topic_subscription',
];
const ref = (type: string) => new RegExp(`^\\$\\{${type}\\.[\\w-]+\\.(id|arn)\\}$`);

describe('a stack outside us-east-1', () => {
  const synth = synthRestrictedEu();
  const [alarm] = resources(synth, 'aws_cloudwatch_metric_alarm');

  test('the health check, alarm, topic and subscriptions all use one aliased us-east-1 provider', () => {
    const json = JSON.parse(synth);
    expect(json.provider.aws).toHaveLength(2);
    const aliased = json.provider.aws.find((p: { alias?: string }) => p.alias);
    expect(aliased).toMatchObject({ alias: 'ghes-email-us-east-1', region: 'us-east-1' });
    const { declared, used } = providerUse(synth);
    expect(declared).toEqual(['aws', MONITOR_ALIAS]);
    const monitorUse = Object.entries(used).filter(([address]) => MONITOR_TYPES.includes(address.split('.')[0]));
    expect(monitorUse).toHaveLength(5);
    expect(new Set(monitorUse.map(([, provider]) => provider))).toEqual(new Set([MONITOR_ALIAS]));
    // Everything else stays in the stack's region.
    expect(
      Object.entries(used)
        .filter(([, provider]) => provider !== 'aws')
        .map(([a]) => a.split('.')[0])
        .sort(),
    ).toEqual([...MONITOR_TYPES, 'aws_sns_topic_subscription'].sort());
  });

  test("the aliased provider carries the default provider's settings (default tags), only the region differs", () => {
    const [main, aliased] = JSON.parse(synth).provider.aws;
    const { alias: _alias, region, ...rest } = aliased;
    const { region: mainRegion, ...mainRest } = main;
    expect([mainRegion, region]).toEqual(['eu-west-1', 'us-east-1']);
    expect(rest).toEqual(mainRest);
    expect(rest.default_tags).toEqual([
      { tags: { 'managed-by': 'ghes-email', 'ghes-hostname': 'github.example.com' } },
    ]);
  });

  test('a TCP check of port 25 on the Elastic IP', () => {
    expect(synth).toHaveResourceWithProperties(Route53HealthCheck, {
      type: 'TCP',
      port: 25,
      failure_threshold: 3,
      request_interval: 30,
    });
    expect(resources(synth, 'aws_route53_health_check')[0].ip_address).toMatch(
      /^\$\{aws_eip\.appliance_eip_\w+\.public_ip\}$/,
    );
  });

  test('the alarm watches AWS/Route53 HealthCheckStatus of that check, below 1 for two minutes', () => {
    expect(synth).toHaveResourceWithProperties(CloudwatchMetricAlarm, {
      namespace: 'AWS/Route53',
      metric_name: 'HealthCheckStatus',
      statistic: 'Minimum',
      period: 60,
      comparison_operator: 'LessThanThreshold',
      threshold: 1,
      evaluation_periods: 2,
      datapoints_to_alarm: 2,
      treat_missing_data: 'breaching',
    });
    expect(Object.keys(alarm.dimensions)).toEqual(['HealthCheckId']);
    expect(alarm.dimensions.HealthCheckId).toMatch(ref('aws_route53_health_check'));
  });

  test('the alarm notifies the topic when it fires and when it clears; each address is subscribed by email', () => {
    expect(alarm.alarm_actions).toEqual([expect.stringMatching(ref('aws_sns_topic'))]);
    expect(alarm.ok_actions).toEqual(alarm.alarm_actions);
    const subs = resources(synth, 'aws_sns_topic_subscription');
    expect(subs.map((s) => `${s.protocol} ${s.endpoint} ${s.topic_arn === alarm.alarm_actions[0]}`).sort()).toEqual([
      'email mail-admins@example.com true',
      'email oncall@example.com true',
    ]);
    expect(resources(synth, 'aws_sns_topic')[0].name).toBe('ghes-email-github-example-com-port25');
  });

  test('the topic ARN is an output', () => {
    const outputs = Object.values<{ value: string }>(JSON.parse(synth).output);
    expect(outputs.filter((o) => o.value === alarm.alarm_actions[0])).toHaveLength(1);
  });

  test("restricted senders: one tcp/25 rule from the Route 53 health checkers' managed prefix list, in the mail group", () => {
    const [prefixList] = dataSources(synth, 'aws_ec2_managed_prefix_list');
    expect(prefixList.name).toMatch(/^com\.amazonaws\.\$\{data\.aws_region\.[\w-]+\.region\}\.route53-healthchecks$/);
    const rules = resources(synth, 'aws_vpc_security_group_ingress_rule').filter((r) => r.from_port === 25);
    expect(rules.map((r) => r.cidr_ipv4 ?? r.prefix_list_id)).toEqual([
      '198.51.100.0/24',
      expect.stringMatching(/^\$\{data\.aws_ec2_managed_prefix_list\.[\w-]+\.id\}$/),
    ]);
    expect(new Set(rules.map((r) => `${r.ip_protocol}/${r.to_port} ${r.security_group_id}`)).size).toBe(1);
  });
});

describe('when to open the firewall to the health checkers', () => {
  test.each([
    [undefined, false],
    [['0.0.0.0/0', '::/0'], false],
    [['198.51.100.0/24', '0.0.0.0/0'], false],
    [['198.51.100.0/24'], true],
    [['::/0'], true], // the check connects over IPv4
    [[], true],
  ])('allowedCidrs %j: rule needed = %s', (cidrs, expected) => {
    expect(needsHealthCheckerRule(cidrs)).toBe(expected);
  });

  test('a list token may hold anything: the rule is added', () => {
    const v = new TerraformVariable(new TerraformStack(testApp(), 's'), 'cidrs', { type: 'list(string)' });
    expect(needsHealthCheckerRule(v.listValue)).toBe(true);
  });

  test('open to all (the example) or allowHealthCheckers: false: no prefix list, no extra rule', () => {
    const c = restrictedEuConfig();
    c.monitoring.port25.allowHealthCheckers = false;
    for (const s of [synthConfig(exampleMonitoredConfig()), synthConfig(c)]) {
      expect(dataSources(s, 'aws_ec2_managed_prefix_list')).toEqual([]);
      expect(resources(s, 'aws_vpc_security_group_ingress_rule').filter((r) => r.prefix_list_id)).toEqual([]);
    }
  });

  test("an existing instance's own groups get the rule", () => {
    const s = synthConfig(existingMonitoredConfig());
    const rules = resources(s, 'aws_vpc_security_group_ingress_rule').filter((r) => r.prefix_list_id);
    expect(rules.map((r) => r.security_group_id)).toEqual(['sg-0123456789abcdef0']);
    expect(resources(s, 'aws_route53_health_check')[0]).toMatchObject({
      ip_address: '52.28.10.20',
      failure_threshold: 2,
      request_interval: 10,
    });
    expect(resources(s, 'aws_cloudwatch_metric_alarm')[0]).toMatchObject({
      evaluation_periods: 5,
      datapoints_to_alarm: 5,
    });
  });
});

describe('the us-east-1 provider', () => {
  test('a stack already in us-east-1 uses its default provider: no alias, no second configuration', () => {
    const s = synthConfig(exampleMonitoredConfig());
    expect(JSON.parse(s).provider.aws).toHaveLength(1);
    expect(Object.values(providerUse(s).used)).not.toContain(MONITOR_ALIAS);
    expect(resources(s, 'aws_cloudwatch_metric_alarm')).toHaveLength(1);
  });

  test('two monitors in one stack share one aliased provider', () => {
    const synth = Testing.synth(twoMonitoredHosts());
    const aws = JSON.parse(synth).provider.aws;
    expect(aws.filter((p: { region: string }) => p.region === 'us-east-1')).toHaveLength(1);
    expect(resources(synth, 'aws_cloudwatch_metric_alarm').map((a) => a.provider)).toEqual([
      MONITOR_ALIAS,
      MONITOR_ALIAS,
    ]);
    expect(new Set(resources(synth, 'aws_sns_topic').map((t) => t.name))).toEqual(
      new Set(['ghes-email-github-example-com-port25', 'ghes-email-ghe-eu-example-com-port25']),
    );
  });

  test('an assumed role is copied: the alarm lands in the account that owns the health check', () => {
    const stack = new TerraformStack(testApp(), 's');
    new AwsProvider(stack, 'aws', {
      region: 'ap-southeast-2',
      assumeRole: [{ roleArn: 'arn:aws:iam::111122223333:role/deploy' }],
    });
    new Port25Monitor(stack, 'm', { ipAddress: '52.62.0.1', name: 'github.example.com' });
    const aliased = JSON.parse(Testing.synth(stack)).provider.aws[1];
    expect(aliased).toEqual({
      alias: 'ghes-email-us-east-1',
      region: 'us-east-1',
      assume_role: [{ role_arn: 'arn:aws:iam::111122223333:role/deploy' }],
    });
  });

  test('a provider given is used as is; none is added', () => {
    const stack = new TerraformStack(testApp(), 's');
    new AwsProvider(stack, 'aws', { region: 'eu-north-1' });
    const mine = new AwsProvider(stack, 'virginia', { region: 'us-east-1', alias: 'virginia' });
    new Port25Monitor(stack, 'm', { ipAddress: '13.48.0.1', name: 'git.example.org', provider: mine });
    const synth = Testing.synth(stack);
    expect(JSON.parse(synth).provider.aws.map((p: { alias?: string }) => p.alias)).toEqual([undefined, 'virginia']);
    expect(new Set(Object.values(providerUse(synth).used))).toEqual(new Set(['aws.virginia']));
  });

  test('the well-known id, taken by something else, is an error rather than a silent second provider', () => {
    const stack = new TerraformStack(testApp(), 's');
    new TerraformVariable(stack, US_EAST_1_PROVIDER_ID, { type: 'string' });
    expect(() => new Port25Monitor(stack, 'm', { ipAddress: '52.62.0.1', name: 'x.example.com' })).toThrow(
      /not a provider/,
    );
  });

  test('a list token of addresses becomes one iterated subscription', () => {
    const stack = new TerraformStack(testApp(), 's');
    new AwsProvider(stack, 'aws', { region: 'us-east-1' });
    const emails = new TerraformVariable(stack, 'emails', { type: 'list(string)' });
    new Port25Monitor(stack, 'm', { ipAddress: '52.62.0.1', name: 'x.example.com', emails: emails.listValue });
    const [sub] = resources(Testing.synth(stack), 'aws_sns_topic_subscription');
    expect(sub).toMatchObject({ for_each: '${toset(var.emails)}', endpoint: '${each.value}', protocol: 'email' });
  });
});

describe('validation', () => {
  test('the construct reports every problem at once', () => {
    const stack = new TerraformStack(testApp(), 's');
    const paris = new AwsProvider(stack, 'paris', { region: 'eu-west-3', alias: 'paris' });
    expect(
      problems(
        () =>
          new Port25Monitor(stack, 'm', {
            ipAddress: '10.1.2.3',
            name: 'bad name',
            emails: ['ops@example.com', 'nope', 'OPS@example.com'],
            failureThreshold: 0,
            requestInterval: 15,
            evaluationPeriods: 0,
            provider: paris,
          }),
      ),
    ).toEqual([
      { path: 's/m.ipAddress', message: expect.stringContaining('"10.1.2.3", a private address') },
      { path: 's/m.name', message: expect.stringContaining('"bad name"') },
      { path: 's/m.emails[1]', message: expect.stringContaining('"nope"') },
      { path: 's/m.emails[2]', message: expect.stringContaining('twice (also at [0])') },
      { path: 's/m.failureThreshold', message: 'got 0; expected a number of consecutive checks from 1 to 10' },
      { path: 's/m.requestInterval', message: expect.stringContaining('30 (standard) or 10 (fast)') },
      { path: 's/m.evaluationPeriods', message: 'got 0; expected a number of one-minute periods from 1 to 1440' },
      { path: 's/m.provider', message: expect.stringContaining('"eu-west-3"; expected one for us-east-1') },
    ]);
  });

  test('tokens are not judged', () => {
    const stack = new TerraformStack(testApp(), 's');
    new AwsProvider(stack, 'aws', { region: 'us-east-1' });
    const ip = new TerraformVariable(stack, 'ip', { type: 'string' });
    const n = new TerraformVariable(stack, 'n', { type: 'number' });
    expect(
      () =>
        new Port25Monitor(stack, 'm', {
          ipAddress: ip.stringValue,
          name: 'x.example.com',
          failureThreshold: n.numberValue,
          emails: [ip.stringValue],
        }),
    ).not.toThrow();
  });

  test('config: a typo inside monitoring.port25 is named; a wrong kind says what is accepted', () => {
    const typo = exampleConfig();
    typo.monitoring = { port25: { email: ['ops@example.com'] } };
    expect(problems(() => synthConfig(typo))).toEqual([
      { path: 'monitoring.port25.email', message: expect.stringContaining('unknown key') },
    ]);
    const range = exampleConfig();
    range.monitoring = { port25: { emails: ['ops@example.com', 'ops'], failureThreshold: 11 } };
    expect(problems(() => synthConfig(range))).toEqual([
      { path: 'monitoring.port25.emails[1]', message: expect.stringContaining('"ops"') },
      {
        path: 'monitoring.port25.failureThreshold',
        message: 'got 11; expected a number of consecutive checks from 1 to 10',
      },
    ]);
    const kind = exampleConfig();
    kind.monitoring = { port25: 'yes' };
    expect(problems(() => synthConfig(kind))).toEqual([
      { path: 'monitoring.port25', message: expect.stringContaining('expected true, false or an object') },
    ]);
  });

  test('config: an existing instance watched at a private address is refused, at its own path', () => {
    const c = existingMonitoredConfig();
    c.existingInstance.ipv4Address = '172.31.5.9';
    expect(problems(() => synthConfig(c))).toEqual([
      { path: 'existingInstance.ipv4Address', message: expect.stringContaining('a private address') },
    ]);
  });

  test.each([
    ['us-gov-west-1', 'aws-us-gov'],
    ['cn-north-1', 'aws-cn'],
    ['us-isob-east-1', 'aws-iso-b'],
  ])(
    'config: a stack in %s (the %s partition) is refused with what to do, not planned into a credentials error',
    (region, partition) => {
      const c = exampleMonitoredConfig();
      c.region = region;
      expect(problems(() => synthConfig(c))).toEqual([
        {
          path: 'test/email/port25-monitor.provider',
          message: `the stack's region ${region} is in the ${partition} partition; the port-25 monitor is made for the aws partition, where Route 53 publishes health-check metrics in us-east-1 only, and where ${partition} publishes them is not confirmed: leave the monitor (monitoring.port25) off`,
        },
      ]);
    },
  );

  test("outside the aws partition, a provider given is the caller's decision: used as is", () => {
    const stack = new TerraformStack(testApp(), 's');
    new AwsProvider(stack, 'aws', { region: 'us-gov-west-1' });
    const mine = new AwsProvider(stack, 'virginia', { region: 'us-east-1', alias: 'virginia' });
    new Port25Monitor(stack, 'm', { ipAddress: '13.48.0.1', name: 'git.example.org', provider: mine });
    expect(new Set(Object.values(providerUse(Testing.synth(stack)).used))).toEqual(new Set(['aws.virginia']));
  });

  test('config: "port25": false builds nothing', () => {
    const c = exampleConfig();
    c.monitoring = { port25: false };
    expect(resources(synthConfig(c), 'aws_route53_health_check')).toEqual([]);
  });
});
