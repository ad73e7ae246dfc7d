/** Two hostnames in one stack, built from the constructs directly (as another team's stack would). */
import { Testing, TerraformStack } from 'cdktf';
import { testApp } from '../support/test-app';
import { GhesAppliance, GhesEmail, SecretRef, SmtpSettings } from '../../lib';
import { resources } from '../support/stack';

function smtpFor(host: string): SmtpSettings {
  return new SmtpSettings({
    address: 'smtp.example.com',
    domain: host,
    username: `ghes@${host}`,
    password: SecretRef.fromSecretsManager(
      `arn:aws:secretsmanager:us-east-1:111122223333:secret:${host.split('.')[0]}-smtp-AbCdEf`,
    ),
    noreplyAddress: `noreply@${host}`,
    support: { type: 'email', address: `help@${host}` },
  });
}

/** An appliance and its email setup for `host`; `name` as given (undefined: the default). */
function applianceWithEmail(stack: TerraformStack, host: string, name?: string): void {
  const appliance = new GhesAppliance(stack, `${host}-appliance`, {
    vpcId: 'vpc-0123456789abcdef0',
    subnetId: 'subnet-0123456789abcdef0',
    adminCidrs: ['10.0.0.0/8'],
    ghesVersion: '3.17.4',
    name,
  });
  new GhesEmail(stack, `${host}-email`, {
    hostname: host,
    hostedZone: { id: 'Z0123456789ABCDEFGHIJ' },
    smtp: smtpFor(host),
    appliance,
    managementConsole: { password: SecretRef.fromSsmParameter(`/${host}/root-password`) },
  });
}

test('two GhesEmail/GhesAppliance pairs synthesize distinct resources', () => {
  const app = testApp();
  const stack = new TerraformStack(app, 'two');
  for (const host of ['github.example.com', 'ghe-eu.example.com']) {
    applianceWithEmail(stack, host, host);
  }
  const synth = Testing.synth(stack);
  expect(resources(synth, 'aws_instance')).toHaveLength(2);
  // Each A record points at its own appliance's Elastic IP.
  const eipOf = (value: string) =>
    value.replace(/^\$\{aws_eip\.([a-z-]+)examplecom-appliance_eip_[0-9A-F]{8}\.public_ip\}$/, 'eip:$1');
  const names = resources(synth, 'aws_route53_record')
    .map((r) => `${r.type} ${r.name} ${r.records.map(eipOf).join()}`)
    .sort();
  expect(names).toEqual([
    'A reply.ghe-eu.example.com eip:ghe-eu',
    'A reply.github.example.com eip:github',
    'MX noreply.ghe-eu.example.com 10 ghe-eu.example.com',
    'MX noreply.github.example.com 10 github.example.com',
    'MX reply.ghe-eu.example.com 10 reply.ghe-eu.example.com',
    'MX reply.github.example.com 10 reply.github.example.com',
  ]);
  // Each appliance gets its own mail group and reads only its own secrets.
  const instances = resources(synth, 'aws_instance');
  expect(instances[0].vpc_security_group_ids).not.toEqual(instances[1].vpc_security_group_ids);
  const policies = resources(synth, 'aws_iam_role_policy').map((p) => p.policy);
  expect(policies).toHaveLength(2);
  expect(policies.find((p) => p.includes('github-smtp'))).not.toContain('ghe-eu');
  expect(resources(synth, 'aws_security_group')).toHaveLength(4);
});

test('appliances without a name are named after the hostname their GhesEmail serves', () => {
  const stack = new TerraformStack(testApp(), 'named');
  for (const host of ['github.example.com', 'ghe-eu.example.com']) {
    applianceWithEmail(stack, host);
  }
  const synth = Testing.synth(stack);
  expect(
    resources(synth, 'aws_instance')
      .map((i) => i.tags.Name)
      .sort(),
  ).toEqual(['ghe-eu.example.com', 'github.example.com']);
  expect(
    resources(synth, 'aws_eip')
      .map((i) => i.tags.Name)
      .sort(),
  ).toEqual(['ghe-eu.example.com', 'github.example.com']);
  expect(
    resources(synth, 'aws_iam_role')
      .map((r) => r.name_prefix)
      .sort(),
  ).toEqual(['ghe-eu.example.com-', 'github.example.com-']);
  const descriptions = Object.values<{ description: string }>(JSON.parse(synth).output).map((o) => o.description);
  expect(descriptions.filter((d) => d.endsWith('EC2 instance id')).sort()).toEqual([
    'ghe-eu.example.com: EC2 instance id',
    'github.example.com: EC2 instance id',
  ]);
  expect(
    resources(synth, 'aws_security_group')
      .map((g) => g.tags.Name)
      .sort(),
  ).toEqual([
    'ghe-eu.example.com-access',
    'ghe-eu.example.com-inbound-smtp',
    'github.example.com-access',
    'github.example.com-inbound-smtp',
  ]);
});

test('an appliance alone is named after its construct id; an explicit name wins over the hostname', () => {
  const stack = new TerraformStack(testApp(), 'ids');
  const base = {
    vpcId: 'vpc-0123456789abcdef0',
    subnetId: 'subnet-0123456789abcdef0',
    adminCidrs: ['10.0.0.0/8'],
    ghesVersion: '3.17.4',
  };
  new GhesAppliance(stack, 'lonely', base);
  const named = new GhesAppliance(stack, 'named', { ...base, name: 'prod-ghes' });
  new GhesEmail(stack, 'email', {
    hostname: 'github.example.com',
    hostedZone: { id: 'Z0123456789ABCDEFGHIJ' },
    smtp: smtpFor('github.example.com'),
    appliance: named,
    managementConsole: { password: SecretRef.fromSsmParameter('/ghes/root') },
  });
  expect(
    resources(Testing.synth(stack), 'aws_instance')
      .map((i) => i.tags.Name)
      .sort(),
  ).toEqual(['lonely', 'prod-ghes']);
});

test('smtp is required with an appliance and not with an existing instance', () => {
  const stack = new TerraformStack(testApp(), 'smtp');
  const appliance = new GhesAppliance(stack, 'a', {
    vpcId: 'vpc-0123456789abcdef0',
    subnetId: 'subnet-0123456789abcdef0',
    adminCidrs: ['10.0.0.0/8'],
    ghesVersion: '3.17.4',
  });
  const common = { hostname: 'github.example.com', hostedZone: { id: 'Z0123456789ABCDEFGHIJ' } };
  expect(
    () =>
      new GhesEmail(stack, 'e1', {
        ...common,
        appliance,
        managementConsole: { password: SecretRef.fromSsmParameter('/r') },
      }),
  ).toThrow(/e1\.smtp: required with an appliance/);
  new GhesEmail(stack, 'e2', {
    ...common,
    existingInstance: { ipv4Address: '203.0.113.10', securityGroupIds: ['sg-0123456789abcdef0'] },
  });
  expect(
    resources(Testing.synth(stack), 'aws_vpc_security_group_ingress_rule').filter((r) => r.from_port === 25),
  ).toHaveLength(2);
});
