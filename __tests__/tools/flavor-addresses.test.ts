/**
 * Moving a stack from cdktf to cdktn (tools/flavor.js) must not move a Terraform address, or
 * `cdktn deploy` would destroy and recreate the appliance. Both flavors run this test against
 * one committed list (fixtures/stack-addresses.json), so their addresses are equal to each other.
 * Regenerate the list only for a reviewed address change: UPDATE_ADDRESSES=1 npx jest flavor-addresses.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { exampleConfig, existingInstanceConfig, synthConfig } from '../support/stack';
import { listTokenStack } from '../support/token-stacks';

const FIXTURE = join(__dirname, 'fixtures', 'stack-addresses.json');

/** Every address a stack declares: resources, data sources, outputs, variables. */
function addresses(synth: string): string[] {
  const json = JSON.parse(synth);
  const out: string[] = [];
  for (const kind of ['resource', 'data'] as const) {
    for (const [type, blocks] of Object.entries<Record<string, unknown>>(json[kind] ?? {})) {
      for (const name of Object.keys(blocks)) out.push(`${kind === 'data' ? 'data.' : ''}${type}.${name}`);
    }
  }
  for (const kind of ['output', 'variable'] as const)
    for (const name of Object.keys(json[kind] ?? {})) out.push(`${kind}.${name}`);
  return out.sort();
}

function stacks(): Record<string, string[]> {
  const wildcard = exampleConfig();
  wildcard.replyRecord = 'wildcard';
  wildcard.appliance.ipv6 = true;
  return {
    example: addresses(synthConfig(exampleConfig())),
    wildcardIpv6: addresses(synthConfig(wildcard)),
    existingInstance: addresses(synthConfig(existingInstanceConfig())),
    listTokens: addresses(listTokenStack().synth()),
  };
}

test('the synthesized addresses are the committed ones (the same in every flavor)', () => {
  const actual = stacks();
  if (process.env.UPDATE_ADDRESSES) writeFileSync(FIXTURE, `${JSON.stringify(actual, null, 2)}\n`);
  expect(actual).toEqual(JSON.parse(readFileSync(FIXTURE, 'utf8')));
  expect(actual.example.length).toBeGreaterThan(20);
});
