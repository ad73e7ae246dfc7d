/** Builds stacks from config objects for tests, and reads the synthesized JSON. */
import { Testing } from 'cdktf';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseConfig } from '../../lib/config/config';
import { GhesEmailStack } from '../../lib/config/ghes-email-stack';
import { testApp } from './test-app';

export type Json = Record<string, any>;

/** The bundled example config, parsed fresh each call so tests can mutate it. */
export function exampleConfig(): Json {
  return JSON.parse(readFileSync(join(__dirname, '..', '..', 'examples', 'ghes-email.config.json'), 'utf8'));
}

/** An existing-instance config (no appliance) derived from the example. */
export function existingInstanceConfig(): Json {
  const c = exampleConfig();
  delete c.appliance;
  delete c.managementConsole;
  c.existingInstance = {
    ipv4Address: '203.0.113.10',
    ipv6Address: '2001:db8::10',
    securityGroupIds: ['sg-0123456789abcdef0'],
  };
  return c;
}

/** Synthesizes the stack for a config object; returns the JSON string cdktf's matchers take. */
export function synthConfig(config: Json): string {
  const app = testApp();
  const stack = new GhesEmailStack(app, 'test', parseConfig(config));
  return Testing.synth(stack);
}

/** Resources of one Terraform type, by logical name. */
export function resources(synth: string, type: string): Json[] {
  return Object.values(JSON.parse(synth).resource?.[type] ?? {});
}

export function dataSources(synth: string, type: string): Json[] {
  return Object.values(JSON.parse(synth).data?.[type] ?? {});
}

/** The synthesized stack with the boot script replaced by a marker: boot tests pin the script itself. */
export function forSnapshot(synth: string): Json {
  const json = JSON.parse(synth);
  for (const instance of Object.values<Json>(json.resource?.aws_instance ?? {})) {
    if (typeof instance.user_data === 'string') instance.user_data = '<boot script: see __tests__/boot-* tests>';
  }
  return json;
}

/**
 * The value Terraform plans for a synthesized string that holds no expression:
 * `$${` → `${`, `%%{` → `%{`. Throws on a real `${…}`/`%{…}`, which only the
 * engine (engine.test.ts) can evaluate.
 */
export function literalValue(synthesized: string): string {
  return synthesized.replace(/([$%])(\1?)\{/g, (_all, sigil: string, doubled: string) => {
    if (!doubled) throw new Error(`not a literal: holds a template sequence ${sigil}{ that Terraform would evaluate`);
    return `${sigil}{`;
  });
}
