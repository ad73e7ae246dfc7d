/**
 * The terraform_data mapping behind the engine tests (support/engine): the template
 * scanner, reference rewriting, and the harness's Terraform prerequisite. The last
 * test checks the scanner's reading of templates against Terraform itself.
 */
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { engineCheck } from '../support/engine/run-engine';
import { rewriteTemplate } from '../support/engine/template';
import { TERRAFORM_PREREQUISITE } from '../support/engine/terraform-cli';
import { JsonObject, toTerraformData } from '../support/engine/terraform-data';

/** A two-resource stack (+ a data source) around one attribute value under test. */
function stackWith(records: unknown, extra: JsonObject = {}): JsonObject {
  return {
    terraform: { required_providers: { aws: { source: 'aws', version: '6.25.0' } } },
    provider: { aws: [{ region: 'us-east-1' }] },
    data: { aws_route53_zone: { zone: { name: 'example.com' } } },
    resource: {
      aws_eip: { x: { domain: 'vpc' } },
      aws_route53_record: {
        r: { name: 'reply', type: 'A', records, zone_id: '${data.aws_route53_zone.zone.zone_id}', ...extra },
      },
    },
  };
}

const mappedRecords = (records: unknown, extra?: JsonObject): unknown =>
  (
    (toTerraformData(stackWith(records, extra)).json.resource as JsonObject).terraform_data as Record<
      string,
      JsonObject
    >
  ).aws_route53_record__r;
const inputOf = (records: unknown): JsonObject => (mappedRecords(records) as { input: JsonObject }).input;

describe('template scanner', () => {
  const upper = (code: string) => code.toUpperCase();

  test.each([
    ['plain text', 'plain text'],
    ['a ${b} c', 'a ${B} c'],
    ['$${b}', '$${b}'],
    ['%%{b}', '%%{b}'],
    ['$$${b}', '$$${b}'], // `$` then the escape `$${`: no interpolation
    ['$$$${b}', '$$$${b}'],
    ['%${b}', '%${B}'],
    ['${a}${b}', '${A}${B}'],
    ['%{if a}x%{endif}', '%{IF A}x%{ENDIF}'],
    ['${f("s")}', '${F("s")}'], // string literals in code are data
    ['${f("}")} t', '${F("}")} t'],
    ['${f("q\\"${a}\\"")}', '${F("q\\"${A}\\"")}'], // an interpolation inside a string inside an interpolation
    ['${f("$${a}")}', '${F("$${a}")}'],
    ['${ {a = 1}.a }', '${ {A = 1}.A }'],
    ['${unterminated', '${unterminated'],
    ['${f("unterminated}', '${f("unterminated}'],
    ['Grüße ✉ ${a}\n\\', 'Grüße ✉ ${A}\n\\'],
  ])('%j → %j', (input, expected) => {
    expect(rewriteTemplate(input, upper)).toBe(expected);
  });

  test('a megabyte of escapes and lookalikes comes through unchanged, the rewriter never called', () => {
    let calls = 0;
    const text = '$${aws_eip.x.id} %%{if y} $$$${z} aws_eip.x.id '.repeat(20_000);
    expect(rewriteTemplate(text, (code) => (calls++, code))).toBe(text);
    expect(calls).toBe(0);
  });
});

describe('toTerraformData', () => {
  test('resources and data sources become terraform_data carrying their attributes', () => {
    const { json, addressMap } = toTerraformData(stackWith(['1.2.3.4']));
    expect(addressMap).toEqual({
      'aws_eip.x': 'terraform_data.aws_eip__x',
      'aws_route53_record.r': 'terraform_data.aws_route53_record__r',
      'data.aws_route53_zone.zone': 'terraform_data.data__aws_route53_zone__zone',
      'provider.aws': 'terraform_data.provider__aws',
    });
    expect(json).toEqual({
      resource: {
        terraform_data: {
          aws_eip__x: { input: { domain: 'vpc' } },
          aws_route53_record__r: {
            input: {
              name: 'reply',
              type: 'A',
              records: ['1.2.3.4'],
              zone_id: '${terraform_data.data__aws_route53_zone__zone.output.zone_id}',
            },
          },
          data__aws_route53_zone__zone: { input: { name: 'example.com', zone_id: null } },
          provider__aws: { input: { region: 'us-east-1' } },
        },
      },
    });
  });

  test.each([
    ['${aws_eip.x.public_ip}', '${terraform_data.aws_eip__x.output.public_ip}'],
    ['${aws_eip.x.id}', '${terraform_data.aws_eip__x.id}'],
    ['${aws_eip.x}', '${terraform_data.aws_eip__x}'],
    ['${aws_eip.x[0].public_ip}', '${terraform_data.aws_eip__x[0].output.public_ip}'],
    ['${aws_eip.x[each.key].id}', '${terraform_data.aws_eip__x[each.key].id}'],
    ['${aws_eip.x["k"].public_ip}', '${terraform_data.aws_eip__x["k"].output.public_ip}'],
    ['${aws_eip.x[*].public_ip}', '${terraform_data.aws_eip__x[*].output.public_ip}'],
    ['${aws_eip.x.tags["Name"]}', '${terraform_data.aws_eip__x.output.tags["Name"]}'],
    ['${data.aws_route53_zone.zone.zone_id}', '${terraform_data.data__aws_route53_zone__zone.output.zone_id}'],
    [
      'https://${aws_eip.x.public_ip}:8443/${aws_eip.x.id}',
      'https://${terraform_data.aws_eip__x.output.public_ip}:8443/${terraform_data.aws_eip__x.id}',
    ],
    ['%{for ip in aws_eip.x.ips}${ip}%{endfor}', '%{for ip in terraform_data.aws_eip__x.output.ips}${ip}%{endfor}'],
    ['${"a-${aws_eip.x.id}"}', '${"a-${terraform_data.aws_eip__x.id}"}'],
  ])('rewrites the reference in %j', (value, expected) => {
    expect(inputOf([value]).records).toEqual([expected]);
  });

  test.each([
    'uses aws_eip.x.public_ip and data.aws_route53_zone.zone.zone_id as words',
    '$${aws_eip.x.id}',
    '%%{if aws_eip.x.id}',
    '$$${aws_eip.x.id}',
    '${"aws_eip.x.id"}',
    '${var.aws_eip.x.id}',
    '${aws_eip.y.id}', // not declared: Terraform reports it
    '${aws_eip.x.id',
    '${not_aws_eip.x.id}',
  ])('leaves %j untouched', (value) => {
    expect(inputOf([value]).records).toEqual([value]);
  });

  test('object keys are templates too; attribute names are not', () => {
    const input = (
      mappedRecords([], { tags: { '${aws_eip.x.id}': 'a', 'k$${aws_eip.x.id}': 'b' } }) as { input: JsonObject }
    ).input;
    expect(input.tags).toEqual({ '${terraform_data.aws_eip__x.id}': 'a', 'k$${aws_eip.x.id}': 'b' });
  });

  test('an attribute read but not given is added as null; given ones and id are not', () => {
    const stack = stackWith([
      '${aws_eip.x.public_ip}',
      '${aws_eip.x.domain}',
      '${aws_eip.x.id}',
      '${aws_eip.x.public_ip}',
    ]);
    const mapped = (toTerraformData(stack).json.resource as { terraform_data: Record<string, { input: JsonObject }> })
      .terraform_data;
    expect(mapped.aws_eip__x.input).toEqual({ domain: 'vpc', public_ip: null });
  });

  test('an attribute read only by an output or a local gets its placeholder too', () => {
    const stack = {
      ...stackWith([]),
      output: { o: { value: { nested: '${aws_eip.x.public_ip}' } } },
      locals: { l: '${aws_eip.x.allocation_id}' },
    };
    const mapped = (toTerraformData(stack).json.resource as { terraform_data: Record<string, { input: JsonObject }> })
      .terraform_data;
    expect(mapped.aws_eip__x.input).toEqual({ domain: 'vpc', public_ip: null, allocation_id: null });
  });

  test('meta-arguments: count, for_each and depends_on kept and rewritten; lifecycle mapped; provider dropped', () => {
    const block = mappedRecords([], {
      count: '${length(aws_eip.x.ips)}',
      depends_on: ['aws_eip.x', 'data.aws_route53_zone.zone'],
      provider: 'aws.west',
      lifecycle: { create_before_destroy: true, ignore_changes: ['records', 'tags["Name"]'], prevent_destroy: false },
    }) as JsonObject;
    expect(block).toEqual({
      input: expect.not.objectContaining({ provider: expect.anything() }),
      count: '${length(terraform_data.aws_eip__x.output.ips)}',
      depends_on: ['terraform_data.aws_eip__x', 'terraform_data.data__aws_route53_zone__zone'],
      lifecycle: { create_before_destroy: true, ignore_changes: ['input.records', 'input.tags["Name"]'] },
    });
    expect(Object.keys(block.input as JsonObject)).toEqual(['name', 'type', 'records', 'zone_id']);
  });

  test('top level: providers dropped, backend and variables kept verbatim, output descriptions literal', () => {
    const stack: JsonObject = {
      ...stackWith([]),
      '//': { metadata: { version: '0.21.0' } },
      terraform: {
        backend: { s3: { bucket: 'b', key: 'a/${x}/$${y}', region: 'us-east-1' } },
        required_providers: { aws: {} },
      },
      variable: { v: { default: '${aws_eip.x.id}', description: 'd' } },
      locals: { l: '${aws_eip.x.id}' },
      output: { o: { value: '${aws_eip.x.public_ip}', description: 'see ${aws_eip.x.id}', sensitive: false } },
    };
    const { json } = toTerraformData(stack);
    expect(json['//']).toEqual(stack['//']);
    expect(json.terraform).toEqual({ backend: { s3: { bucket: 'b', key: 'a/${x}/$${y}', region: 'us-east-1' } } });
    expect(json.provider).toBeUndefined();
    expect(json.variable).toEqual(stack.variable);
    expect(json.locals).toEqual({ l: '${terraform_data.aws_eip__x.id}' });
    expect(json.output).toEqual({
      o: {
        value: '${terraform_data.aws_eip__x.output.public_ip}',
        description: 'see ${aws_eip.x.id}',
        sensitive: false,
      },
    });
  });
});

describe('engineCheck prerequisite', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'engine-path-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  test('fails, naming the prerequisite, when terraform is not on PATH', async () => {
    await expect(engineCheck(stackWith([]), { env: { PATH: dir } })).rejects.toThrow(TERRAFORM_PREREQUISITE);
  });

  test('fails, naming the prerequisite and the version found, when terraform is older than 1.5', async () => {
    writeFileSync(join(dir, 'terraform'), '#!/bin/sh\necho \'{"terraform_version": "1.4.6"}\'\n');
    chmodSync(join(dir, 'terraform'), 0o755);
    await expect(engineCheck(stackWith([]), { env: { PATH: dir } })).rejects.toThrow(
      `${TERRAFORM_PREREQUISITE}: ${join(dir, 'terraform')}: found 1.4.6`,
    );
  });
});

test('Terraform reads templates the way the scanner does (planned values)', async () => {
  const values: Record<string, string> = {
    escapes: '$${aws_eip.x.id} %%{y}',
    dollarThenEscape: '$$${x}',
    dollarsThenEscape: '$$$${x}',
    percentThenEscape: '%%%{y}',
    dollarToken: 'a${"$"}${var.v}',
    lookalike: 'uses aws_eip.x.public_ip',
    stringInCode: '${upper("aws_eip.x.id")}',
    braceInString: '${jsonencode({"k" = "}"})}',
    directive: '%{for s in ["a", "b"]}${s}-%{endfor}',
    reference: '${length([aws_eip.x.public_ip, data.aws_route53_zone.zone.zone_id])}',
  };
  // A computed attribute (a null placeholder) passes through functions that need a list: known after apply.
  const stack = stackWith(['${element(concat(aws_eip.x.ips, ["z"]), 0)}'], { tags: { ...values, 'k$${x}': 'key' } });
  stack.variable = { v: { type: 'string' } };
  const result = await engineCheck(stack, { vars: { v: 'VV' } });
  expect(result.errors).toEqual([]);
  expect(result.planned('aws_route53_record.r').tags).toEqual({
    escapes: '${aws_eip.x.id} %{y}',
    dollarThenEscape: '$${x}',
    dollarsThenEscape: '$$${x}',
    percentThenEscape: '%%{y}',
    dollarToken: 'a$VV',
    lookalike: 'uses aws_eip.x.public_ip',
    stringInCode: 'AWS_EIP.X.ID',
    braceInString: '{"k":"}"}',
    directive: 'a-b-',
    reference: 2, // a lone interpolation keeps its type; `input` is dynamic, so nothing converts it to a string
    'k${x}': 'key',
  });
});

test('count and for_each instances are planned one by one', async () => {
  const stack = stackWith(['${aws_eip.x[0].public_ip}'], {
    for_each: '${toset(["a", "b"])}',
    name: '${each.key}.reply',
  });
  ((stack.resource as JsonObject).aws_eip as Record<string, JsonObject>).x.count = 2;
  const result = await engineCheck(stack);
  expect(result.errors).toEqual([]);
  expect([...result.instances('aws_route53_record.r')].map(([key, input]) => [key, input.name])).toEqual([
    ['a', 'a.reply'],
    ['b', 'b.reply'],
  ]);
  expect(result.planned('aws_route53_record.r["b"]').name).toBe('b.reply');
  expect([...result.instances('aws_eip.x').keys()]).toEqual([0, 1]);
});
