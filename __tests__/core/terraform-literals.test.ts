/**
 * Literal strings reach Terraform verbatim; tokens stay expressions. The engine tests prove the same with Terraform
 * itself.
 */
import { Construct } from 'constructs';
import { TerraformOutput, TerraformStack, TerraformVariable, Testing } from 'cdktf';
import { testApp } from '../support/test-app';
import { SecurityGroup } from '@cdktf/provider-aws/lib/security-group';
import * as lib from '../../lib';
import { exampleConfig, synthConfig } from '../support/stack';
import { GhesConstruct, escapeLiteralString, escapeLiterals } from '../../lib/core/terraform-literals';

const stringVar = (scope: Construct, id = 'v') => new TerraformVariable(scope, id, { type: 'string' }).stringValue;

describe('escapeLiteralString', () => {
  test.each([
    ['${path.cwd}', '$${path.cwd}'],
    ['%{for x in y}', '%%{for x in y}'],
    ['$${already}', '$$${already}'],
    ['%%{already}', '%%%{already}'],
    ["curl -w '%{http_code}' ${A:-b} ${#x} ${x%%y}", "curl -w '%%{http_code}' $${A:-b} $${#x} $${x%%y}"],
    ['$ % {} $x %x', '$ % {} $x %x'],
    ['Grüße ✉ "q" \\ \n', 'Grüße ✉ "q" \\ \n'],
  ])('%j → %j', (input, expected) => {
    expect(escapeLiteralString(input)).toBe(expected);
  });

  test('tokens stay expressions; literal parts around them are escaped', () => {
    const stack = new TerraformStack(testApp(), 's');
    const v = stringVar(stack);
    const out = escapeLiteralString(`a\${b}${v}%{c}`);
    expect(out.startsWith('a$${b}')).toBe(true);
    expect(out.endsWith('%%{c}')).toBe(true);
    expect(out).toContain(v);
  });

  test('a run of "$" right before a token is written as ${"$"} per "$", so the token is not escaped away', () => {
    const stack = new TerraformStack(testApp(), 's');
    const v = stringVar(stack);
    expect(escapeLiteralString(`x$$${v}`)).toBe(`x\${"$"}\${"$"}${v}`);
    new TerraformOutput(new LiteralHolder(stack, 'h'), 'o', { value: `price: $${v}` });
    const [output] = Object.values<any>(JSON.parse(Testing.synth(stack)).output);
    expect(output.value).toBe('price: ${"$"}${var.v}');
  });

  test('is linear: a megabyte of "$" and "${" is escaped in one pass', () => {
    const hostile = '$'.repeat(500_000) + '${'.repeat(250_000);
    const out = escapeLiteralString(hostile);
    expect(out.length).toBe(hostile.length + 250_000);
  });
});

test('escapeLiterals walks arrays and object keys, and leaves numbers, booleans and null alone', () => {
  expect(escapeLiterals({ 'k${x}': ['${y}', 1, true, null, { z: '%{w}' }] })).toEqual({
    'k$${x}': ['$${y}', 1, true, null, { z: '%%{w}' }],
  });
});

class LiteralHolder extends GhesConstruct {}

test('only elements under a library construct are escaped: a user resource keeps its raw "${…}" expression', () => {
  const stack = new TerraformStack(testApp(), 's');
  new SecurityGroup(stack, 'theirs', { description: '${var.raw}' });
  new SecurityGroup(new LiteralHolder(stack, 'ours'), 'sg', { description: '${var.raw}' });
  const groups = JSON.parse(Testing.synth(stack)).resource.aws_security_group;
  expect(groups.theirs.description).toBe('${var.raw}');
  expect(Object.entries<any>(groups).find(([k]) => k.startsWith('ours'))![1].description).toBe('$${var.raw}');
});

test('escaping is applied once per element, however many library constructs are above it', () => {
  const stack = new TerraformStack(testApp(), 's');
  const inner = new LiteralHolder(new LiteralHolder(stack, 'outer'), 'inner');
  new SecurityGroup(inner, 'sg', { description: '${x}' });
  expect(Object.values<any>(JSON.parse(Testing.synth(stack)).resource.aws_security_group)[0].description).toBe('$${x}');
});

test('every construct the library exports extends GhesConstruct', () => {
  const constructs = (Object.values(lib) as unknown[]).filter(
    (x): x is abstract new (...args: never[]) => unknown => typeof x === 'function' && x.prototype instanceof Construct,
  );
  const names = constructs.map((c) => c.name).sort();
  expect(names).toEqual(
    expect.arrayContaining(['GhesAppliance', 'GhesEmail', 'InboundMailFirewall', 'ReplyDnsRecords']),
  );
  for (const c of constructs) {
    // GhesEmailStack escapes its own provider and backend (tested below).
    if (c.prototype instanceof TerraformStack) continue;
    expect([c.name, c === GhesConstruct || c.prototype instanceof GhesConstruct]).toEqual([c.name, true]);
  }
});

test('GhesEmailStack escapes its provider; backend arguments and output descriptions are plain text to Terraform and stay as given', () => {
  const c = exampleConfig();
  c.backend = { s3: { bucket: 'ghes-tfstate', key: 'state/${x}/%{y}.tfstate', region: 'us-east-1' } };
  const json = JSON.parse(synthConfig(c));
  expect(json.terraform.backend.s3.key).toBe('state/${x}/%{y}.tfstate');
  const stack = new TerraformStack(testApp(), 's');
  new TerraformOutput(new LiteralHolder(stack, 'h'), 'o', { value: 'v${x}', description: 'd${x}' });
  const [output] = Object.values<any>(JSON.parse(Testing.synth(stack)).output);
  expect(output).toEqual({ value: 'v$${x}', description: 'd${x}' });
});
