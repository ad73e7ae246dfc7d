/** Two hostnames in one stack, built from the constructs directly (as another team's stack would). */
import { Testing, TerraformStack } from 'cdktf';
import { GhesAppliance, GhesEmail, SecretRef, SmtpSettings } from '../lib';
import { resources } from './support/stack';

function smtpFor(host: string): SmtpSettings {
  return new SmtpSettings({
    address: 'smtp.example.com',
    domain: host,
    username: `ghes@${host}`,
    password: SecretRef.fromSecretsManager(`arn:aws:secretsmanager:us-east-1:111122223333:secret:${host.split('.')[0]}-smtp-AbCdEf`),
    noreplyAddress: `noreply@${host}`,
    support: { type: 'email', address: `help@${host}` },
  });
}

test('two GhesEmail/GhesAppliance pairs synthesize distinct resources', () => {
  const app = Testing.app();
  const stack = new TerraformStack(app, 'two');
  for (const host of ['github.example.com', 'ghe-eu.example.com']) {
    const appliance = new GhesAppliance(stack, `${host}-appliance`, {
      vpcId: 'vpc-0123456789abcdef0',
      subnetId: 'subnet-0123456789abcdef0',
      adminCidrs: ['10.0.0.0/8'],
      ghesVersion: '3.17.4',
      name: host,
    });
    new GhesEmail(stack, `${host}-email`, {
      hostname: host,
      zone: { id: 'Z0123456789ABCDEFGHIJ' },
      smtp: smtpFor(host),
      appliance,
      managementConsole: { password: SecretRef.fromSsmParameter(`/${host}/root-password`) },
    });
  }
  const synth = Testing.synth(stack);
  expect(resources(synth, 'aws_instance')).toHaveLength(2);
  // Each A record points at its own appliance's Elastic IP.
  const eipOf = (value: string) => value.replace(/^\$\{aws_eip\.([a-z-]+)examplecom-appliance_eip_[0-9A-F]{8}\.public_ip\}$/, 'eip:$1');
  const names = resources(synth, 'aws_route53_record').map((r) => `${r.type} ${r.name} ${r.records.map(eipOf).join()}`).sort();
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
