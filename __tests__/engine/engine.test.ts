/**
 * Representative stacks through the real Terraform CLI (validate + offline plan, provider
 * resources as terraform_data: support/engine). A string Terraform cannot parse, or
 * evaluates instead of reading literally, is a deploy that fails or an appliance
 * configured with something else than the config said.
 */
import { Testing, TerraformStack } from 'cdktf';
import { testApp } from '../support/test-app';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { GhesAppliance, GhesEmail, SecretRef, SmtpSettings } from '../../lib';
import { parseConfig } from '../../lib/config/config';
import { GhesEmailStack } from '../../lib/config/ghes-email-stack';
import { unpackUserData } from '../../lib/boot/user-data-packing';
import { EngineResult, engineCheckAhead, errorLines, plannedOfType } from '../support/engine/run-engine';
import { Json, exampleConfig, existingInstanceConfig } from '../support/stack';

interface Built {
  readonly synth: string;
  /** The user data each appliance's BootScript renders, in instance order. */
  readonly userData: string[];
}

function fromConfig(config: Json): Built {
  const stack = new GhesEmailStack(testApp(), 'test', parseConfig(config));
  const boot = stack.email.bootScript;
  return { synth: Testing.synth(stack), userData: boot ? [boot.render()] : [] };
}

/** Two hostnames in one stack, from the constructs (as in composition.test.ts). */
function twoAppliances(): Built {
  const stack = new TerraformStack(testApp(), 'two');
  new AwsProvider(stack, 'aws', { region: 'us-east-1' });
  const userData: string[] = [];
  for (const host of ['github.example.com', 'ghe-eu.example.com']) {
    const appliance = new GhesAppliance(stack, `${host}-appliance`, {
      vpcId: 'vpc-0123456789abcdef0',
      subnetId: 'subnet-0123456789abcdef0',
      adminCidrs: ['10.0.0.0/8'],
      ghesVersion: '3.17.4',
      name: host,
    });
    const email = new GhesEmail(stack, `${host}-email`, {
      hostname: host,
      hostedZone: { id: 'Z0123456789ABCDEFGHIJ' },
      smtp: new SmtpSettings({
        address: 'smtp.example.com',
        domain: host,
        username: `ghes@${host}`,
        noreplyAddress: `noreply@${host}`,
        support: { type: 'email', address: `help@${host}` },
        password: SecretRef.fromSecretsManager(
          `arn:aws:secretsmanager:us-east-1:111122223333:secret:${host.split('.')[0]}-smtp-AbCdEf`,
        ),
      }),
      appliance,
      managementConsole: { password: SecretRef.fromSsmParameter(`/${host}/root-password`) },
    });
    userData.push(email.bootScript!.render());
  }
  return { synth: Testing.synth(stack), userData };
}

/** Free text from the config, in every field that takes it. */
const HOSTILE = {
  username: '${path.cwd}',
  extraSettings: {
    directive: '%{for x in ["a"]}${x}%{endfor}',
    escapes: '$${literal} %%{literal} $$${x}',
    quotes: `"double" 'single' back\\slash`,
    newline: 'line one\nline two',
    unicode: 'Grüße ✉',
  },
  backendKey: 'ghes/${path.cwd}/%{if true}x%{endif}/$${y}/terraform.tfstate',
};

const stacks = {
  example: () => fromConfig(exampleConfig()),
  wildcardIpv6ZoneId: () => {
    const c = exampleConfig();
    c.replyRecord = 'wildcard';
    c.appliance.ipv6 = true;
    c.hostedZone = { id: 'Z0123456789ABCDEFGHIJ' };
    return fromConfig(c);
  },
  existingInstance: () => fromConfig(existingInstanceConfig()),
  backendPrivateZoneSsmKms: () => {
    const c = exampleConfig();
    c.backend = {
      s3: {
        bucket: 'ghes-tfstate',
        key: 'ghes/github.example.com/terraform.tfstate',
        region: 'us-east-1',
        dynamodbTable: 'ghes-locks',
        encrypt: true,
      },
    };
    c.hostedZone = { name: 'example.com', private: true };
    c.smtp.password = {
      ssmParameter: '/ghes/smtp-password',
      kmsKeyArn: 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab',
    };
    return fromConfig(c);
  },
  twoAppliances,
  hostile: () => {
    const c = exampleConfig();
    c.smtp.username = HOSTILE.username;
    c.smtp.extraSettings = HOSTILE.extraSettings;
    c.backend = { s3: { bucket: 'ghes-tfstate', key: HOSTILE.backendKey, region: 'us-east-1' } };
    return fromConfig(c);
  },
};
type StackName = keyof typeof stacks;

const built = {} as Record<StackName, Built>;
const checks = {} as Record<StackName, Promise<EngineResult>>;
beforeAll(() => {
  // All stacks at once: each check is a chain of short terraform processes, mostly waiting on each other.
  for (const name of Object.keys(stacks) as StackName[]) {
    built[name] = stacks[name]();
    checks[name] = engineCheckAhead(built[name].synth);
  }
});

/** The planned user data of each instance, in the order the stack was built. */
function plannedUserData(r: EngineResult, b: Built): string[] {
  const planned = plannedOfType(r, 'aws_instance').map((i) => i.user_data as string);
  return b.userData.map((ud) => planned.find((p) => p === ud) ?? planned.join('\n---\n'));
}

test.each(Object.keys(stacks) as StackName[])('%s: Terraform validates and plans it without an error', async (name) => {
  const r = await checks[name];
  expect(errorLines(r)).toEqual([]);
  expect(r.valid).toBe(true);
  expect(r.plan).toBeDefined();
});

test.each(['example', 'wildcardIpv6ZoneId', 'backendPrivateZoneSsmKms', 'twoAppliances', 'hostile'] as StackName[])(
  '%s: the planned user data is the rendered boot script, byte for byte',
  async (name) => {
    const r = await checks[name];
    expect(plannedUserData(r, built[name])).toEqual(built[name].userData);
  },
);

test('example: MX records, tcp/25 rules and provider tags reach the plan', async () => {
  const r = await checks.example;
  const records = plannedOfType(r, 'aws_route53_record').map(
    (x) => `${x.type} ${x.name} ${(x.records as unknown[]).join()}`,
  );
  expect(records.filter((x) => x.startsWith('MX')).sort()).toEqual([
    'MX noreply.github.example.com 10 github.example.com',
    'MX reply.github.example.com 10 reply.github.example.com',
  ]);
  const smtpRules = plannedOfType(r, 'aws_vpc_security_group_ingress_rule').filter((x) => x.from_port === 25);
  expect(
    smtpRules.map(({ cidr_ipv4, cidr_ipv6, ip_protocol, from_port, to_port }) => ({
      cidr_ipv4,
      cidr_ipv6,
      ip_protocol,
      from_port,
      to_port,
    })),
  ).toEqual([
    { cidr_ipv4: '0.0.0.0/0', cidr_ipv6: undefined, ip_protocol: 'tcp', from_port: 25, to_port: 25 },
    { cidr_ipv4: undefined, cidr_ipv6: '::/0', ip_protocol: 'tcp', from_port: 25, to_port: 25 },
  ]);
  expect(r.planned('provider.aws').default_tags).toEqual([
    { tags: { 'managed-by': 'ghes-email', 'ghes-hostname': 'github.example.com' } },
  ]);
  expect(r.unknownOutputs.some((o) => o.startsWith('appliance_management-console-url'))).toBe(true);
});

test('wildcard, IPv6, zone by id: A and AAAA records for reply and *, in the given zone', async () => {
  const r = await checks.wildcardIpv6ZoneId;
  const records = plannedOfType(r, 'aws_route53_record');
  expect(records.map((x) => `${x.type} ${x.name}`).sort()).toEqual([
    'A *.github.example.com',
    'A reply.github.example.com',
    'AAAA *.github.example.com',
    'AAAA reply.github.example.com',
    'MX noreply.github.example.com',
    'MX reply.github.example.com',
  ]);
  expect(new Set(records.map((x) => x.zone_id))).toEqual(new Set(['Z0123456789ABCDEFGHIJ']));
});

test('existing instance: records point at the given addresses; tcp/25 rules join the given group', async () => {
  const r = await checks.existingInstance;
  const records = plannedOfType(r, 'aws_route53_record').filter((x) => x.type !== 'MX');
  expect(records.map((x) => `${x.type} ${x.name} ${(x.records as string[]).join()}`).sort()).toEqual([
    'A reply.github.example.com 203.0.113.10',
    'AAAA reply.github.example.com 2001:db8::10',
  ]);
  const rules = plannedOfType(r, 'aws_vpc_security_group_ingress_rule');
  expect(new Set(rules.map((x) => `${x.security_group_id} ${x.ip_protocol}/${x.from_port}`))).toEqual(
    new Set(['sg-0123456789abcdef0 tcp/25']),
  );
});

test('S3 backend, private zone, SSM secret with a KMS key: the key arrives as written; the boot script reads the parameter', async () => {
  const r = await checks.backendPrivateZoneSsmKms;
  expect(r.backendKey).toBe('ghes/github.example.com/terraform.tfstate');
  expect(plannedOfType(r, 'data.aws_route53_zone')).toEqual([
    expect.objectContaining({ name: 'example.com', private_zone: true }),
  ]);
  // (The role policy is not checked here: it is built from data sources, unknown at plan in this harness.)
  expect(plannedUserData(r, built.backendPrivateZoneSsmKms)[0]).toContain("SMTP_PW_REF=(ssm '/ghes/smtp-password')");
});

test('hostile strings reach the boot script and the backend verbatim, never evaluated', async () => {
  const r = await checks.hostile;
  // Near EC2's plain limit: unpacked first, so one more byte of script cannot fail this test for no reason.
  const userData = unpackUserData(plannedUserData(r, built.hostile)[0]);
  // The settings are JSON in a single-quoted bash string.
  const inScript = (value: string) => JSON.stringify(value).replace(/'/g, `'\\''`);
  expect(userData).toContain(`"username":${inScript(HOSTILE.username)}`);
  for (const [key, value] of Object.entries(HOSTILE.extraSettings))
    expect(userData).toContain(`"${key}":${inScript(value)}`);
  // path.cwd would have been Terraform's working directory, a temporary one.
  expect(userData).not.toMatch(/ghes-email-engine-/);
  // Terraform reads backend arguments literally (they are not templates), so the key must not be escaped.
  expect(r.backendKey).toBe(HOSTILE.backendKey);
});
