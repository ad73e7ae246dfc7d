/** Construct users have no config file: the CLI reads a deployed stack's cli-settings output instead. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { TerraformStack, Testing } from 'cdktf';
import { testApp } from '../support/test-app';
import { ConfigError, GhesAppliance, GhesEmail, SecretRef, SmtpSettings, loadConfigFile } from '../../lib';
import { CLI_SETTINGS_KIND } from '../../lib/ghes-email/cli-settings-output';
import { Json } from '../support/stack';

const dir = mkdtempSync(join(tmpdir(), 'ghes-outputs-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function smtp(host: string, password: SecretRef): SmtpSettings {
  return new SmtpSettings({
    address: 'email-smtp.eu-west-1.amazonaws.com',
    port: 2587,
    domain: host,
    authentication: 'login',
    username: 'AKIAEXAMPLE',
    password,
    noreplyAddress: `noreply@${host}`,
    support: { type: 'email', address: `help@${host}` },
    extraSettings: { openssl_verify_mode: 'peer' },
  });
}

/**
 * Two hostnames in one stack; returns the synthesized cli-settings values, with Terraform's references replaced as
 * apply would.
 */
function deployedOutputs(rootPassword: SecretRef): Json[] {
  const stack = new TerraformStack(testApp(), 'ghes');
  const appliance = new GhesAppliance(stack, 'appliance', {
    vpcId: 'vpc-0123456789abcdef0',
    subnetId: 'subnet-0123456789abcdef0',
    adminCidrs: ['10.0.0.0/8'],
    ghesVersion: '3.17.4',
  });
  new GhesEmail(stack, 'email', {
    hostname: 'github.example.com',
    hostedZone: { id: 'Z0123456789ABCDEFGHIJ' },
    appliance,
    smtp: smtp('github.example.com', SecretRef.fromSsmParameter('/ghes/smtp')),
    managementConsole: { password: rootPassword, waitForInitMinutes: 30 },
    dns: { mxPriority: 20 },
  });
  new GhesEmail(stack, 'eu', {
    hostname: 'ghe-eu.example.com',
    hostedZone: { id: 'Z0123456789ABCDEFGHIJ' },
    existingInstance: { ipv4Address: '203.0.113.7', securityGroupIds: ['sg-0123456789abcdef0'] },
    smtp: smtp(
      'ghe-eu.example.com',
      SecretRef.fromSecretsManager('arn:aws:secretsmanager:eu-west-1:111122223333:secret:eu-smtp-AbCdEf', {
        jsonKey: 'password',
      }),
    ),
  });
  const synth = Testing.synth(stack);
  const resolved = synth
    .replace(/\$\{data\.aws_region\.[^}]+\.region\}/g, 'eu-west-1')
    .replace(/\$\{aws_eip\.[^}]+\.public_ip\}/g, '198.51.100.20');
  return Object.values<Json>(JSON.parse(resolved).output)
    .filter((o) => o.value?.kind === CLI_SETTINGS_KIND)
    .map((o) => o.value);
}

const write = (name: string, content: unknown) => {
  const path = join(dir, name);
  writeFileSync(path, JSON.stringify(content));
  return path;
};

test('an outputs file from cdktf (nested by construct path) loads like a config file', () => {
  const [github] = deployedOutputs(
    SecretRef.fromSecretsManager('arn:aws:secretsmanager:eu-west-1:111122223333:secret:root-AbCdEf'),
  );
  const path = write('cdktf-outputs.json', { ghes: { email: { 'cli-settings': github } } });
  const loaded = loadConfigFile(path);
  expect(loaded.config).toMatchObject({ region: 'eu-west-1', hostname: 'github.example.com', dns: { mxPriority: 20 } });
  expect(loaded.addresses).toEqual({ ipv4: '198.51.100.20' });
  expect(loaded.smtp!.toManagePayload()).toMatchObject({
    address: 'email-smtp.eu-west-1.amazonaws.com',
    port: '2587',
    authentication: 'login',
    openssl_verify_mode: 'peer',
  });
  expect(loaded.smtp!.password?.describe()).toBe('SSM parameter /ghes/smtp');
  expect(loaded.managementConsole?.password.describe()).toContain('secret:root-AbCdEf');
  expect(loaded.managementConsole?.waitForInitMinutes).toBe(30);
});

test('terraform output -json ({ name: { value } }) with several hostnames: --hostname picks one, and is required', () => {
  const values = deployedOutputs(SecretRef.fromSsmParameter('/ghes/root'));
  const path = write(
    'tf-outputs.json',
    Object.fromEntries(values.map((v, i) => [`out_${i}`, { sensitive: false, type: 'object', value: v }])),
  );
  expect(loadConfigFile(path, 'ghe-eu.example.com').smtp!.password?.describe()).toContain(
    'eu-smtp-AbCdEf (JSON key "password")',
  );
  expect(loadConfigFile(path, 'ghe-eu.example.com').addresses).toEqual({ ipv4: '203.0.113.7' });
  expect(() => loadConfigFile(path)).toThrow(
    /holds settings for 2 hostnames \(github\.example\.com, ghe-eu\.example\.com\); pick one with --hostname/,
  );
  expect(() => loadConfigFile(path, 'nope.example.com')).toThrow(ConfigError);
});

test('a bad value in an outputs file is reported with its config path', () => {
  const [github] = deployedOutputs(SecretRef.fromSsmParameter('/ghes/root'));
  const path = write('bad.json', { x: { ...github, smtp: { ...github.smtp, port: 70000 } } });
  expect(() => loadConfigFile(path)).toThrow(/smtp\.port: got 70000/);
});

test('the output carries references, never a secret: a plain-text canary stays out of it', () => {
  const canary = `canary-${randomBytes(12).toString('hex')}`;
  const values = deployedOutputs(SecretRef.unsafePlainText(canary));
  expect(JSON.stringify(values)).not.toContain(canary);
  expect(values[0].managementConsole).toBeUndefined();
});
