/** The facts that matter in the synthesized stack, one assertion each. */
import '../support/cdktf-matchers';
import { Route53Record } from '@cdktf/provider-aws/lib/route53-record';
import { Instance } from '@cdktf/provider-aws/lib/instance';
import { DataAwsRoute53Zone } from '@cdktf/provider-aws/lib/data-aws-route53-zone';
import { DataAwsAmi } from '@cdktf/provider-aws/lib/data-aws-ami';
import { Testing } from 'cdktf';
import { testApp } from '../support/test-app';
import { parseConfig } from '../../lib/config/config';
import { GhesEmailStack } from '../../lib/config/ghes-email-stack';
import { dataSources, exampleConfig, existingInstanceConfig, resources, synthConfig } from '../support/stack';

const HOST = 'github.example.com';

describe('reply-by-email DNS', () => {
  const synth = synthConfig(exampleConfig());
  const records = resources(synth, 'aws_route53_record');

  test('MX reply.<host> points at reply.<host> with the priority', () => {
    expect(synth).toHaveResourceWithProperties(Route53Record, {
      name: `reply.${HOST}`,
      type: 'MX',
      records: [`10 reply.${HOST}`],
      ttl: 300,
    });
  });

  test('MX noreply.<host> points at <host>', () => {
    expect(synth).toHaveResourceWithProperties(Route53Record, {
      name: `noreply.${HOST}`,
      type: 'MX',
      records: [`10 ${HOST}`],
    });
  });

  test('A reply.<host> is the Elastic IP; no wildcard, no host record, no AAAA by default', () => {
    const a = records.filter((r) => r.type === 'A');
    expect(a.map((r) => r.name)).toEqual([`reply.${HOST}`]);
    expect(a[0].records).toEqual([expect.stringMatching(/^\$\{aws_eip\.\w+\.public_ip\}$/)]);
    expect(records.filter((r) => r.type === 'AAAA')).toEqual([]);
    expect(records).toHaveLength(3);
  });

  test('the zone is looked up by name, public by default', () => {
    expect(synth).toHaveDataSourceWithProperties(DataAwsRoute53Zone, { name: 'example.com', private_zone: false });
  });

  test('wildcard + IPv6: A and AAAA *.<host>, and still A/AAAA reply.<host> (its MX makes the wildcard not apply)', () => {
    const c = exampleConfig();
    c.replyRecord = 'wildcard';
    c.appliance.ipv6 = true;
    const s = synthConfig(c);
    const names = resources(s, 'aws_route53_record')
      .map((r) => `${r.type} ${r.name}`)
      .sort();
    expect(names).toEqual([
      `A *.${HOST}`,
      `A reply.${HOST}`,
      `AAAA *.${HOST}`,
      `AAAA reply.${HOST}`,
      `MX noreply.${HOST}`,
      `MX reply.${HOST}`,
    ]);
    for (const aaaa of resources(s, 'aws_route53_record').filter((r) => r.type === 'AAAA')) {
      expect(aaaa.records).toEqual([expect.stringContaining('ipv6_addresses')]);
    }
    expect(resources(s, 'aws_instance')[0].ipv6_address_count).toBe(1);
  });

  test('hostRecord adds A <host>; custom TTL and priority reach every record', () => {
    const c = existingInstanceConfig();
    c.dns = { ttl: 60, mxPriority: 5, hostRecord: true };
    const s = synthConfig(c);
    const rs = resources(s, 'aws_route53_record');
    expect(rs.map((r) => `${r.type} ${r.name} ${r.records.join(',')}`).sort()).toEqual([
      `A ${HOST} 203.0.113.10`,
      `A reply.${HOST} 203.0.113.10`,
      `AAAA ${HOST} 2001:db8::10`,
      `AAAA reply.${HOST} 2001:db8::10`,
      `MX noreply.${HOST} 5 ${HOST}`,
      `MX reply.${HOST} 5 reply.${HOST}`,
    ]);
    expect(new Set(rs.map((r) => r.ttl))).toEqual(new Set([60]));
  });

  test('a zone id is used as is, with no lookup', () => {
    const c = existingInstanceConfig();
    c.hostedZone = { id: 'Z0123456789ABCDEFGHIJ' };
    const s = synthConfig(c);
    expect(dataSources(s, 'aws_route53_zone')).toEqual([]);
    expect(new Set(resources(s, 'aws_route53_record').map((r) => r.zone_id))).toEqual(
      new Set(['Z0123456789ABCDEFGHIJ']),
    );
  });
});

describe('inbound SMTP firewall', () => {
  test('one tcp/25 rule per source, in a group of its own, described', () => {
    const synth = synthConfig(exampleConfig());
    const rules = resources(synth, 'aws_vpc_security_group_ingress_rule').filter((r) => r.from_port === 25);
    expect(rules.map((r) => [r.ip_protocol, r.to_port, r.cidr_ipv4 ?? r.cidr_ipv6])).toEqual([
      ['tcp', 25, '0.0.0.0/0'],
      ['tcp', 25, '::/0'],
    ]);
    expect(rules.every((r) => /reply-by-email/.test(r.description))).toBe(true);
    const groups = new Set(rules.map((r) => r.security_group_id));
    expect(groups.size).toBe(1);
    const group = [...groups][0];
    expect(group).toMatch(/^\$\{aws_security_group\.email_inbound-smtp_group_\w+\.id\}$/);
    // No other ingress in the mail group.
    expect(
      resources(synth, 'aws_vpc_security_group_ingress_rule').filter((r) => r.security_group_id === group),
    ).toHaveLength(2);
    // And it is attached to the instance.
    expect(resources(synth, 'aws_instance')[0].vpc_security_group_ids).toContain(group);
  });

  test('prefix lists and narrowed CIDRs each get a rule', () => {
    const c = exampleConfig();
    c.inboundMail = { allowedCidrs: ['198.51.100.0/24'], prefixListIds: ['pl-0123456789abcdef0'] };
    const rules = resources(synthConfig(c), 'aws_vpc_security_group_ingress_rule').filter((r) => r.from_port === 25);
    expect(rules.map((r) => r.cidr_ipv4 ?? r.prefix_list_id)).toEqual(['198.51.100.0/24', 'pl-0123456789abcdef0']);
  });

  test('existing instance with security groups: rules go into each of them, no group is created', () => {
    const c = existingInstanceConfig();
    c.existingInstance.securityGroupIds = ['sg-0123456789abcdef0', 'sg-0fedcba9876543210'];
    const s = synthConfig(c);
    expect(resources(s, 'aws_security_group')).toEqual([]);
    const rules = resources(s, 'aws_vpc_security_group_ingress_rule');
    expect(rules.map((r) => `${r.security_group_id} ${r.cidr_ipv4 ?? r.cidr_ipv6}`).sort()).toEqual([
      'sg-0123456789abcdef0 0.0.0.0/0',
      'sg-0123456789abcdef0 ::/0',
      'sg-0fedcba9876543210 0.0.0.0/0',
      'sg-0fedcba9876543210 ::/0',
    ]);
  });

  test('existing instance with a network interface: a new group in its VPC, attached to it', () => {
    const c = existingInstanceConfig();
    c.existingInstance = { ipv4Address: '203.0.113.10', networkInterfaceId: 'eni-0123456789abcdef0' };
    const s = synthConfig(c);
    const [sg] = resources(s, 'aws_security_group');
    expect(sg.vpc_id).toMatch(/^\$\{data\.aws_network_interface\.\w+\.vpc_id\}$/);
    const [attachment] = resources(s, 'aws_network_interface_sg_attachment');
    expect(attachment.network_interface_id).toBe('eni-0123456789abcdef0');
    expect(attachment.security_group_id).toMatch(/aws_security_group\.email_inbound-smtp_group_\w+\.id/);
  });
});

describe('appliance', () => {
  const synth = synthConfig(exampleConfig());
  const [instance] = resources(synth, 'aws_instance');

  test('IMDSv2 required', () => {
    expect(synth).toHaveResourceWithProperties(Instance, {
      metadata_options: { http_tokens: 'required', http_endpoint: 'enabled', http_put_response_hop_limit: 1 },
    });
  });

  test('root and data volumes encrypted; the data volume outlives the instance', () => {
    expect(instance.root_block_device).toMatchObject({ encrypted: true, volume_size: 200 });
    expect(instance.ebs_block_device).toEqual([
      { device_name: '/dev/xvdf', volume_size: 300, encrypted: true, volume_type: 'gp3', delete_on_termination: false },
    ]);
  });

  test('user data changes neither replace nor touch the instance', () => {
    expect(instance.lifecycle.ignore_changes).toEqual(expect.arrayContaining(['user_data', 'ami']));
    expect(instance.user_data_replace_on_change).toBe(false);
    expect(typeof instance.user_data).toBe('string');
  });

  test('an Elastic IP is associated with the instance', () => {
    const [assoc] = resources(synth, 'aws_eip_association');
    expect(assoc.allocation_id).toMatch(/^\$\{aws_eip\.\w+\.allocation_id\}$/);
    expect(assoc.instance_id).toMatch(/^\$\{aws_instance\.\w+\.id\}$/);
    expect(resources(synth, 'aws_eip')[0].domain).toBe('vpc');
  });

  test("the AMI is looked up in GitHub's account by version", () => {
    expect(synth).toHaveDataSourceWithProperties(DataAwsAmi, { owners: ['895557238572'], most_recent: true });
    const [ami] = dataSources(synth, 'aws_ami');
    expect(ami.filter).toContainEqual({ name: 'name', values: ['GitHub Enterprise Server 3.17.4*'] });
    expect(instance.ami).toMatch(/data\.aws_ami/);
  });

  test("GovCloud regions use GitHub's GovCloud account; an explicit amiId skips the lookup", () => {
    const gov = exampleConfig();
    gov.region = 'us-gov-west-1';
    expect(dataSources(synthConfig(gov), 'aws_ami')[0].owners).toEqual(['025577942450']);
    const explicit = exampleConfig();
    explicit.appliance.amiId = 'ami-0123456789abcdef0';
    const s = synthConfig(explicit);
    expect(dataSources(s, 'aws_ami')).toEqual([]);
    expect(resources(s, 'aws_instance')[0].ami).toBe('ami-0123456789abcdef0');
  });

  test('admin ports only to adminCidrs, user ports only to userCidrs', () => {
    const c = exampleConfig();
    c.appliance.adminCidrs = ['192.0.2.0/24'];
    c.appliance.userCidrs = ['198.51.100.0/24', '2001:db8::/32'];
    const rules = resources(synthConfig(c), 'aws_vpc_security_group_ingress_rule').filter((r) => r.from_port !== 25);
    const byPort = (port: number) => rules.filter((r) => r.from_port === port).map((r) => r.cidr_ipv4 ?? r.cidr_ipv6);
    expect(byPort(8443)).toEqual(['192.0.2.0/24']);
    expect(byPort(122)).toEqual(['192.0.2.0/24']);
    for (const port of [443, 80, 22, 9418]) expect(byPort(port)).toEqual(['198.51.100.0/24', '2001:db8::/32']);
    expect(rules).toHaveLength(2 + 4 * 2);
  });

  test('without userCidrs, no user port is open', () => {
    const c = exampleConfig();
    delete c.appliance.userCidrs;
    const ports = resources(synthConfig(c), 'aws_vpc_security_group_ingress_rule').map((r) => r.from_port);
    expect([...new Set(ports)].sort((a, b) => a - b)).toEqual([25, 122, 8443]);
  });

  test('the instance role may read exactly the referenced secrets', () => {
    const [policy] = resources(synth, 'aws_iam_role_policy');
    const doc = JSON.parse(policy.policy);
    expect(doc.Statement).toEqual([
      {
        Sid: 'ReadSecrets',
        Effect: 'Allow',
        Action: 'secretsmanager:GetSecretValue',
        Resource: [
          'arn:aws:secretsmanager:us-east-1:111122223333:secret:ghes-root-AbCdEf',
          'arn:aws:secretsmanager:us-east-1:111122223333:secret:ghes-smtp-AbCdEf',
        ],
      },
    ]);
  });

  test("kms:Decrypt is granted only through SSM in the stack's region", () => {
    const c = exampleConfig();
    c.smtp.password = {
      ssmParameter: '/ghes/smtp-password',
      kmsKeyArn: 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab',
    };
    const doc = JSON.parse(resources(synthConfig(c), 'aws_iam_role_policy')[0].policy);
    expect(doc.Statement.find((s: { Sid: string }) => s.Sid === 'DecryptSecrets')).toEqual({
      Sid: 'DecryptSecrets',
      Effect: 'Allow',
      Action: 'kms:Decrypt',
      Resource: ['arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab'],
      Condition: {
        StringEquals: {
          'kms:ViaService': [
            expect.stringMatching(
              /^ssm\.\$\{data\.aws_region\.\S+\.region\}\.\$\{data\.aws_partition\.\S+\.dns_suffix\}$/,
            ),
          ],
        },
      },
    });
  });

  test('a secret ARN without its random suffix reaches the policy as NAME-??????', () => {
    const c = exampleConfig();
    c.smtp.password = { secretsManagerArn: 'arn:aws:secretsmanager:us-east-1:111122223333:secret:ghes-smtp' };
    const doc = JSON.parse(resources(synthConfig(c), 'aws_iam_role_policy')[0].policy);
    expect(doc.Statement[0].Resource).toContain(
      'arn:aws:secretsmanager:us-east-1:111122223333:secret:ghes-smtp-??????',
    );
  });

  test('appliance.allowPublicAdmin: the admin ports open to the internet, with a synth warning', () => {
    const c = exampleConfig();
    c.appliance.adminCidrs = ['0.0.0.0/0'];
    c.appliance.allowPublicAdmin = true;
    const stack = new GhesEmailStack(testApp(), 'test', parseConfig(c));
    const rules = resources(Testing.synth(stack), 'aws_vpc_security_group_ingress_rule').filter(
      (r) => r.from_port === 8443 || r.from_port === 122,
    );
    expect(rules.map((r) => r.cidr_ipv4)).toEqual(['0.0.0.0/0', '0.0.0.0/0']);
    const warnings = stack.appliance!.node.metadata.filter((m) => m.type === '@cdktf/warn').map((m) => m.data);
    expect(warnings).toEqual([expect.stringMatching(/whole internet/)]);
  });

  test('the instance profile uses the role, whose trust is EC2 only', () => {
    const [role] = resources(synth, 'aws_iam_role');
    expect(JSON.parse(role.assume_role_policy).Statement).toEqual([
      { Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' },
    ]);
    expect(resources(synth, 'aws_iam_instance_profile')[0].role).toMatch(/aws_iam_role\.\w+\.name/);
  });
});

test('IAM name prefixes stay within 38 characters for long hostnames', () => {
  const c = exampleConfig();
  c.hostname = 'github-enterprise-server-production.eu-central.example.com';
  c.smtp.noreplyAddress = `noreply@${c.hostname}`;
  const s = synthConfig(c);
  const prefixes = [...resources(s, 'aws_iam_role'), ...resources(s, 'aws_iam_instance_profile')].map(
    (r) => r.name_prefix,
  );
  expect(prefixes).toEqual(['github-enterprise-server-production.e-', 'github-enterprise-server-production.e-']);
  expect(prefixes.every((p) => p.length <= 38)).toBe(true);
});
