/** Stacks with port-25 monitoring, shared by the port-25 facts, snapshot and engine tests. */
import { TerraformStack } from 'cdktf';
import { testApp } from './test-app';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { GhesEmail, SecretRef, SmtpSettings } from '../../lib';
import { Json, exampleConfig, existingInstanceConfig, synthConfig } from './stack';

export const MONITOR_ALIAS = 'aws.ghes-email-us-east-1';

/** An appliance in eu-west-1 whose port 25 only takes a mail gateway's range, monitored with two subscribers. */
export function restrictedEuConfig(): Json {
  const c = exampleConfig();
  c.region = 'eu-west-1';
  c.inboundMail = { allowedCidrs: ['198.51.100.0/24'] };
  c.monitoring = { port25: { emails: ['oncall@example.com', 'mail-admins@example.com'] } };
  return c;
}

/** The bundled example (us-east-1, port 25 open to all) with `"port25": true`. */
export function exampleMonitoredConfig(): Json {
  const c = exampleConfig();
  c.monitoring = { port25: true };
  return c;
}

/** An existing instance (public address, its own group) with a restricted source list, monitored. */
export function existingMonitoredConfig(): Json {
  const c = existingInstanceConfig();
  c.region = 'eu-central-1';
  c.existingInstance.ipv4Address = '52.28.10.20';
  c.inboundMail = { allowedCidrs: ['198.51.100.0/24'] };
  c.monitoring = { port25: { failureThreshold: 2, requestInterval: 10, evaluationPeriods: 5 } };
  return c;
}

export const synthRestrictedEu = (): string => synthConfig(restrictedEuConfig());

/** Two hostnames, both monitored, in one eu-west-1 stack built from the constructs (no provider given). */
export function twoMonitoredHosts(): TerraformStack {
  const stack = new TerraformStack(testApp(), 'two');
  new AwsProvider(stack, 'aws', { region: 'eu-west-1', defaultTags: [{ tags: { team: 'git' } }] });
  for (const [host, ip] of [
    ['github.example.com', '52.48.0.10'],
    ['ghe-eu.example.com', '52.48.0.11'],
  ]) {
    new GhesEmail(stack, `${host}-email`, {
      hostname: host,
      hostedZone: { id: 'Z0123456789ABCDEFGHIJ' },
      existingInstance: { ipv4Address: ip, securityGroupIds: ['sg-0123456789abcdef0'] },
      smtp: new SmtpSettings({
        address: 'smtp.example.com',
        domain: host,
        username: `ghes@${host}`,
        noreplyAddress: `noreply@${host}`,
        support: { type: 'email', address: `help@${host}` },
        password: SecretRef.fromSsmParameter(`/${host}/smtp`),
      }),
      monitoring: { port25: { emails: [`oncall@${host}`] } },
    });
  }
  return stack;
}

/**
 * Every `provider` meta-argument in a synthesized stack, and the provider configurations it declares (`aws`,
 * `aws.ALIAS`).
 */
export function providerUse(synth: string): { declared: string[]; used: Record<string, string> } {
  const json = JSON.parse(synth);
  const declared = Object.entries<Json[]>(json.provider ?? {}).flatMap(([type, configs]) =>
    configs.map((c) => (c.alias ? `${type}.${c.alias}` : type)),
  );
  const used: Record<string, string> = {};
  for (const kind of ['resource', 'data'] as const) {
    for (const [type, byName] of Object.entries<Json>(json[kind] ?? {})) {
      for (const [name, block] of Object.entries<Json>(byName))
        used[`${kind === 'data' ? 'data.' : ''}${type}.${name}`] = block.provider ?? 'aws';
    }
  }
  return { declared, used };
}
