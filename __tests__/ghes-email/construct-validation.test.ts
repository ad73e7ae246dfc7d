/** The constructs validate their props from code: same rules, paths named after the construct. */
import { Testing, TerraformStack, TerraformVariable } from 'cdktf';
import { testApp } from '../support/test-app';
import {
  GhesAppliance,
  GhesEmail,
  InboundMailFirewall,
  ReplyDnsRecords,
  SecretRef,
  SmtpSettings,
  SmtpSettingsProps,
} from '../../lib';
import { secretReadStatements } from '../../lib/appliance/instance-role-policy';
import { resources } from '../support/stack';
import { problems } from '../support/problems';

const smtpProps: SmtpSettingsProps = {
  address: 'smtp.example.com',
  domain: 'example.com',
  username: 'ghes',
  password: SecretRef.fromSsmParameter('/ghes/smtp'),
  noreplyAddress: 'noreply@github.example.com',
  support: { type: 'url', url: 'https://support.example.com' },
};

const stack = () => new TerraformStack(testApp(), 's');

describe('SmtpSettings', () => {
  test('reports every problem at once, under the given path', () => {
    expect(
      problems(
        () =>
          new SmtpSettings(
            {
              ...smtpProps,
              port: 0,
              domain: 'x',
              noreplyAddress: 'nope',
              username: undefined,
              support: { type: 'url', url: 'mailto:x' },
            },
            'smtp',
          ),
      ),
    ).toEqual([
      { path: 'smtp.port', message: 'got 0; expected a TCP port from 1 to 65535' },
      { path: 'smtp.domain', message: expect.stringContaining('"x"') },
      { path: 'smtp.username', message: expect.stringContaining('required when authentication is "plain"') },
      { path: 'smtp.noreplyAddress', message: expect.stringContaining('"nope"') },
      { path: 'smtp.support.url', message: expect.stringContaining('"http://" or "https://"') },
    ]);
  });

  test('renders the documented payload: port as a string, hyphenated discard key, support type', () => {
    const s = new SmtpSettings({
      ...smtpProps,
      port: 465,
      authentication: 'login',
      discardToNoreplyAddress: false,
      extraSettings: { openssl_verify_mode: 'peer' },
    });
    expect(s.toManagePayload()).toEqual({
      enabled: true,
      address: 'smtp.example.com',
      port: '465',
      domain: 'example.com',
      authentication: 'login',
      username: 'ghes',
      user_name: 'ghes',
      enable_starttls_auto: true,
      noreply_address: 'noreply@github.example.com',
      'discard-to-noreply-address': false,
      support_address: 'https://support.example.com',
      support_address_type: 'url',
      openssl_verify_mode: 'peer',
    });
    expect(s.enforceTls).toBe(true);
  });

  test('authentication none sends no credentials; an email support contact has type email', () => {
    const s = new SmtpSettings({
      ...smtpProps,
      authentication: 'none',
      username: undefined,
      password: undefined,
      support: { type: 'email', address: 'help@example.com' },
    });
    const payload = s.toManagePayload();
    expect(payload).not.toHaveProperty('username');
    expect(payload).not.toHaveProperty('password');
    expect(payload).toMatchObject({
      authentication: 'none',
      support_address: 'help@example.com',
      support_address_type: 'email',
    });
    expect(s.needsPassword).toBe(false);
  });

  test('tokens are not rejected for not looking like literals', () => {
    const st = stack();
    const address = new TerraformVariable(st, 'relay', { type: 'string' }).stringValue;
    const port = new TerraformVariable(st, 'port', { type: 'number' }).numberValue;
    expect(new SmtpSettings({ ...smtpProps, address, port }).toManagePayload().address).toBe(address);
  });
});

describe('SecretRef', () => {
  test('never reveals a plain-text value when serialized or logged', () => {
    const canary = `canary-${Math.random().toString(36).slice(2)}`;
    const ref = SecretRef.unsafePlainText(canary);
    expect(JSON.stringify({ ref })).not.toContain(canary);
    expect(String(ref)).not.toContain(canary);
    expect(require('node:util').inspect(ref)).not.toContain(canary);
    expect(ref.unsafeValue()).toBe(canary);
    expect(() => SecretRef.fromSsmParameter('/x').unsafeValue()).toThrow(/fetched at run time/);
  });
});

describe('instance role policy', () => {
  const env = { ssmArn: (name: string) => `ARN(${name})`, region: 'REGION', dnsSuffix: 'SUFFIX' };
  test('SSM names become parameter ARNs, KMS keys get Decrypt, duplicates collapse, plain text grants nothing', () => {
    const refs = [
      SecretRef.fromSsmParameter('/ghes/smtp', { kmsKeyArn: 'arn:aws:kms:us-east-1:111122223333:key/k1' }),
      SecretRef.fromSsmParameter('ghes/root'),
      SecretRef.fromSsmParameter('arn:aws:ssm:us-east-1:111122223333:parameter/ghes/other'),
      SecretRef.fromSecretsManager('arn:aws:secretsmanager:us-east-1:111122223333:secret:a-AbCdEf'),
      SecretRef.fromSecretsManager('arn:aws:secretsmanager:us-east-1:111122223333:secret:a-AbCdEf', {
        jsonKey: 'password',
      }),
      SecretRef.unsafePlainText('x'),
    ];
    expect(secretReadStatements(refs, env)).toEqual([
      {
        Sid: 'ReadSecrets',
        Effect: 'Allow',
        Action: 'secretsmanager:GetSecretValue',
        Resource: ['arn:aws:secretsmanager:us-east-1:111122223333:secret:a-AbCdEf'],
      },
      {
        Sid: 'ReadParameters',
        Effect: 'Allow',
        Action: 'ssm:GetParameter',
        Resource: ['ARN(/ghes/smtp)', 'ARN(ghes/root)', 'arn:aws:ssm:us-east-1:111122223333:parameter/ghes/other'],
      },
      {
        Sid: 'DecryptSecrets',
        Effect: 'Allow',
        Action: 'kms:Decrypt',
        Resource: ['arn:aws:kms:us-east-1:111122223333:key/k1'],
        Condition: { StringEquals: { 'kms:ViaService': ['ssm.REGION.SUFFIX'] } },
      },
    ]);
  });

  test("a Secrets Manager ARN without its random suffix is matched with AWS's documented -?????? pattern", () => {
    const refs = [
      SecretRef.fromSecretsManager('arn:aws:secretsmanager:us-east-1:111122223333:secret:ghes-smtp'),
      SecretRef.fromSecretsManager('arn:aws:secretsmanager:us-east-1:111122223333:secret:ghes/root-AbCdEf'),
      SecretRef.fromSecretsManager('arn:aws:secretsmanager:us-east-1:111122223333:secret:short'),
    ];
    expect(secretReadStatements(refs, env)).toEqual([
      {
        Sid: 'ReadSecrets',
        Effect: 'Allow',
        Action: 'secretsmanager:GetSecretValue',
        Resource: [
          'arn:aws:secretsmanager:us-east-1:111122223333:secret:ghes-smtp-??????',
          'arn:aws:secretsmanager:us-east-1:111122223333:secret:ghes/root-AbCdEf',
          'arn:aws:secretsmanager:us-east-1:111122223333:secret:short-??????',
        ],
      },
    ]);
  });

  test('kms:Decrypt only through the services, in the regions, of the secrets that name the key', () => {
    const key = { kmsKeyArn: 'arn:aws:kms:eu-west-1:111122223333:key/k1' };
    const refs = [
      SecretRef.fromSecretsManager('arn:aws:secretsmanager:eu-west-1:111122223333:secret:a-AbCdEf', key),
      SecretRef.fromSsmParameter('arn:aws:ssm:eu-central-1:111122223333:parameter/ghes/x', key),
      SecretRef.fromSsmParameter('/ghes/y', key),
    ];
    expect(secretReadStatements(refs, env).find((s) => (s as { Sid: string }).Sid === 'DecryptSecrets')).toEqual({
      Sid: 'DecryptSecrets',
      Effect: 'Allow',
      Action: 'kms:Decrypt',
      Resource: ['arn:aws:kms:eu-west-1:111122223333:key/k1'],
      Condition: {
        StringEquals: {
          'kms:ViaService': ['secretsmanager.eu-west-1.SUFFIX', 'ssm.eu-central-1.SUFFIX', 'ssm.REGION.SUFFIX'],
        },
      },
    });
  });

  test('a KMS alias ARN is rejected: a policy cannot grant kms:Decrypt through an alias', () => {
    const password = SecretRef.fromSsmParameter('/ghes/smtp', {
      kmsKeyArn: 'arn:aws:kms:us-east-1:111122223333:alias/ghes',
    });
    expect(problems(() => new SmtpSettings({ ...smtpProps, password }))).toEqual([
      { path: 'SmtpSettings.password.kmsKeyArn', message: expect.stringMatching(/alias.*cannot grant kms:Decrypt/) },
    ]);
  });
});

describe('InboundMailFirewall', () => {
  test('needs exactly one target, valid CIDRs and prefix lists; names the construct path', () => {
    expect(
      problems(() => new InboundMailFirewall(stack(), 'fw', { allowedCidrs: ['1.2.3.4/33'], prefixListIds: ['pl-x'] })),
    ).toEqual([
      { path: 's/fw', message: expect.stringContaining('exactly one of vpcId') },
      { path: 's/fw.allowedCidrs[0]', message: expect.stringContaining('"1.2.3.4/33"') },
      { path: 's/fw.prefixListIds[0]', message: expect.stringContaining('"pl-x"') },
    ]);
  });

  test('the same CIDR twice, in any IPv6 spelling, is one problem, not a construct id collision', () => {
    expect(
      problems(
        () =>
          new InboundMailFirewall(stack(), 'fw', {
            vpcId: 'vpc-0123456789abcdef0',
            allowedCidrs: ['2001:db8::/32', '2001:DB8::/32'],
          }),
      ),
    ).toEqual([
      { path: 's/fw.allowedCidrs[1]', message: expect.stringMatching(/the same block as \[0\] "2001:db8::\/32"/) },
    ]);
  });

  test('non-canonical and host-bit CIDRs name the canonical form', () => {
    expect(
      problems(
        () =>
          new InboundMailFirewall(stack(), 'fw', {
            vpcId: 'vpc-0123456789abcdef0',
            allowedCidrs: ['0x0a.0.0.0/8', '198.51.100.7/24'],
          }),
      ),
    ).toEqual([
      { path: 's/fw.allowedCidrs[0]', message: expect.stringMatching(/expected "10\.0\.0\.0\/8"/) },
      { path: 's/fw.allowedCidrs[1]', message: expect.stringMatching(/expected "198\.51\.100\.0\/24"/) },
    ]);
  });

  test('token CIDRs are not judged; only the same reference twice is a duplicate', () => {
    const st = stack();
    const v = new TerraformVariable(st, 'cidr', { type: 'string' }).stringValue;
    const w = new TerraformVariable(st, 'other', { type: 'string' }).stringValue;
    new InboundMailFirewall(st, 'fw', { vpcId: 'vpc-0123456789abcdef0', allowedCidrs: [v, w, '0.0.0.0/0'] });
    expect(resources(Testing.synth(st), 'aws_vpc_security_group_ingress_rule')).toHaveLength(3);
    expect(
      problems(
        () => new InboundMailFirewall(st, 'fw2', { vpcId: 'vpc-0123456789abcdef0', allowedCidrs: [v, '0.0.0.0/0', v] }),
      ),
    ).toEqual([
      {
        path: 's/fw2.allowedCidrs[2]',
        message: expect.stringMatching(/the same Terraform reference twice \(also at \[0\]\)/),
      },
    ]);
  });

  test('defaults to the whole internet on port 25', () => {
    const st = stack();
    new InboundMailFirewall(st, 'fw', { vpcId: 'vpc-0123456789abcdef0' });
    const rules = resources(Testing.synth(st), 'aws_vpc_security_group_ingress_rule');
    expect(rules.map((r) => [r.from_port, r.to_port, r.cidr_ipv4 ?? r.cidr_ipv6])).toEqual([
      [25, 25, '0.0.0.0/0'],
      [25, 25, '::/0'],
    ]);
  });
});

describe('ReplyDnsRecords', () => {
  test('rejects bad addresses, record kinds, TTL and priority at once', () => {
    expect(
      problems(
        () =>
          new ReplyDnsRecords(stack(), 'dns', {
            hostname: 'github.example.com',
            hostedZone: { name: 'example.com' },
            ipv4Address: '::1',
            ipv6Address: '10.0.0.1',
            replyRecord: 'all' as never,
            ttl: -5,
            mxPriority: 1.5,
          }),
      ).map((p) => p.path),
    ).toEqual(['s/dns.ipv4Address', 's/dns.ipv6Address', 's/dns.replyRecord', 's/dns.ttl', 's/dns.mxPriority']);
  });

  test('accepts a token address', () => {
    const st = stack();
    const ip = new TerraformVariable(st, 'ip', { type: 'string' }).stringValue;
    new ReplyDnsRecords(st, 'dns', {
      hostname: 'github.example.com',
      hostedZone: { id: 'Z0123456789ABCDEFGHIJ' },
      ipv4Address: ip,
    });
    const a = resources(Testing.synth(st), 'aws_route53_record').find((r) => r.type === 'A');
    expect(a?.records).toEqual(['${var.ip}']);
  });
});

describe('GhesAppliance', () => {
  test('adminCidrs has no default; ids, sizes and versions are checked', () => {
    expect(
      problems(
        () =>
          new GhesAppliance(stack(), 'ghes', {
            vpcId: 'vpc-1',
            subnetId: 'subnet-0123456789abcdef0',
            adminCidrs: undefined as never,
            dataVolumeGiB: 10,
          }),
      ).map((p) => p.path),
    ).toEqual(['s/ghes.vpcId', 's/ghes.adminCidrs', 's/ghes.ghesVersion', 's/ghes.dataVolumeGiB']);
  });

  const base = { vpcId: 'vpc-0123456789abcdef0', subnetId: 'subnet-0123456789abcdef0', amiId: 'ami-0123456789abcdef0' };
  const warningsOf = (a: GhesAppliance) => a.node.metadata.filter((m) => m.type === '@cdktf/warn').map((m) => m.data);

  test('the same CIDR twice is one problem per list, not a construct id collision', () => {
    expect(
      problems(
        () =>
          new GhesAppliance(stack(), 'ghes', {
            ...base,
            adminCidrs: ['10.0.0.0/8', '10.0.0.0/8'],
            userCidrs: ['2001:db8::/32', '2001:0DB8::/32'],
          }),
      ),
    ).toEqual([
      { path: 's/ghes.adminCidrs[1]', message: expect.stringMatching(/"10\.0\.0\.0\/8" twice \(also at \[0\]\)/) },
      { path: 's/ghes.userCidrs[1]', message: expect.stringMatching(/the same block as \[0\]/) },
    ]);
  });

  test('admin ports open to the internet are refused without allowPublicAdmin', () => {
    expect(problems(() => new GhesAppliance(stack(), 'ghes', { ...base, adminCidrs: ['0.0.0.0/0', '::/0'] }))).toEqual([
      {
        path: 's/ghes.adminCidrs[0]',
        message: expect.stringMatching(/"0\.0\.0\.0\/0".*whole internet.*allowPublicAdmin/),
      },
      { path: 's/ghes.adminCidrs[1]', message: expect.stringMatching(/"::\/0".*whole internet/) },
    ]);
  });

  test('allowPublicAdmin accepts them with a synth warning; without a public CIDR there is no warning', () => {
    const st = stack();
    const open = new GhesAppliance(st, 'open', { ...base, adminCidrs: ['0.0.0.0/0'], allowPublicAdmin: true });
    expect(warningsOf(open)).toEqual([
      expect.stringMatching(/0\.0\.0\.0\/0.*8443.*122.*whole internet.*allowPublicAdmin/),
    ]);
    const closed = new GhesAppliance(st, 'closed', { ...base, adminCidrs: ['10.0.0.0/8'], allowPublicAdmin: true });
    expect(warningsOf(closed)).toEqual([]);
    const rules = resources(Testing.synth(st), 'aws_vpc_security_group_ingress_rule').filter(
      (r) => r.from_port === 8443,
    );
    expect(rules.map((r) => r.cidr_ipv4).sort()).toEqual(['0.0.0.0/0', '10.0.0.0/8']);
  });

  test('a token admin list is not judged', () => {
    const st = stack();
    const list = new TerraformVariable(st, 'admin', { type: 'list(string)' }).listValue;
    const a = new GhesAppliance(st, 'ghes', { ...base, adminCidrs: list });
    expect(warningsOf(a)).toEqual([]);
  });

  test('takes one boot script only', () => {
    const st = stack();
    const a = new GhesAppliance(st, 'ghes', {
      vpcId: 'vpc-0123456789abcdef0',
      subnetId: 'subnet-0123456789abcdef0',
      adminCidrs: ['10.0.0.0/8'],
      amiId: 'ami-0123456789abcdef0',
    });
    const script = { render: () => '#!/bin/bash\ntrue\n', secrets: [] };
    a.useBootScript(script);
    expect(resources(Testing.synth(st), 'aws_instance')[0].user_data).toBe('#!/bin/bash\ntrue\n');
    expect(() => a.useBootScript(script)).toThrow(/already set/);
  });

  test('a plain-text secret in the boot script adds a synth warning', () => {
    const st = stack();
    const a = new GhesAppliance(st, 'ghes', {
      vpcId: 'vpc-0123456789abcdef0',
      subnetId: 'subnet-0123456789abcdef0',
      adminCidrs: ['10.0.0.0/8'],
      amiId: 'ami-0123456789abcdef0',
    });
    a.useBootScript({ render: () => '#!/bin/bash\n', secrets: [SecretRef.unsafePlainText('x')] });
    const warnings = a.node.metadata.filter((m) => m.type === '@cdktf/warn').map((m) => m.data);
    expect(warnings).toEqual([expect.stringContaining('plain text into user data and Terraform state')]);
  });
});

describe('GhesEmail', () => {
  const smtp = new SmtpSettings(smtpProps);

  test('needs exactly one of appliance or existingInstance, and reports DNS problems with them', () => {
    expect(
      problems(
        () =>
          new GhesEmail(stack(), 'mail', {
            hostname: 'bad_host',
            hostedZone: { id: 'Z0123456789ABCDEFGHIJ' },
            smtp,
            dns: { ttl: -1 },
          }),
      ),
    ).toEqual([
      { path: 's/mail', message: 'give exactly one of "appliance" or "existingInstance"' },
      { path: 's/mail.hostname', message: expect.stringContaining('"bad_host"') },
      { path: 's/mail.dns.ttl', message: expect.stringContaining('-1') },
    ]);
  });

  test('an appliance needs managementConsole', () => {
    const st = stack();
    const appliance = new GhesAppliance(st, 'ghes', {
      vpcId: 'vpc-0123456789abcdef0',
      subnetId: 'subnet-0123456789abcdef0',
      adminCidrs: ['10.0.0.0/8'],
      amiId: 'ami-0123456789abcdef0',
    });
    expect(
      problems(
        () =>
          new GhesEmail(st, 'mail', {
            hostname: 'github.example.com',
            hostedZone: { id: 'Z0123456789ABCDEFGHIJ' },
            smtp,
            appliance,
          }),
      ),
    ).toEqual([
      { path: 's/mail.managementConsole', message: expect.stringContaining('root site administrator password') },
    ]);
  });
});
