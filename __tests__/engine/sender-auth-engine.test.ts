/**
 * SenderAuthRecords through the real Terraform CLI (validate + offline plan,
 * support/engine): the TXT values Terraform would hand the AWS provider are
 * the records as rendered, split strings and escapes included, and a template
 * sequence in a TXT value stays literal text.
 */
import { Testing } from 'cdktf';
import { testApp } from '../support/test-app';
import { parseConfig } from '../../lib/config/config';
import { GhesEmailStack } from '../../lib/config/ghes-email-stack';
import { EngineResult, engineCheckAhead, errorLines } from '../support/engine/run-engine';
import { Json, exampleConfig } from '../support/stack';

const LONG = `google-site-verification=${'v'.repeat(300)}`;
const HOSTILE = 'note=${path.cwd} %{if true}x%{endif} "quoted" back\\slash';

let stack: GhesEmailStack;
let result: Promise<EngineResult>;
beforeAll(() => {
  const c: Json = exampleConfig();
  c.senderAuth = {
    dmarc: { policy: 'quarantine', pct: 50, rua: ['dmarc@example.com'] },
    spf: { include: ['spf.protection.outlook.com'], ip4: ['203.0.113.5'], otherTxtValues: [LONG, HOSTILE] },
  };
  stack = new GhesEmailStack(testApp(), 'sender-auth', parseConfig(c));
  result = engineCheckAhead(Testing.synth(stack));
});

/** Planned inputs of the TXT records, by name. */
function plannedTxt(r: EngineResult): Record<string, Json> {
  const records = Object.keys(r.mapped.addressMap)
    .filter((a) => a.startsWith('aws_route53_record.'))
    .map((a) => r.planned(a));
  return Object.fromEntries(records.filter((x) => x.type === 'TXT').map((x) => [x.name as string, x]));
}

test('Terraform validates and plans the stack with DMARC and SPF records', async () => {
  const r = await result;
  expect(errorLines(r)).toEqual([]);
  expect(r.plan).toBeDefined();
});

test('the planned values are the rendered records: split at 255 with "", quotes and backslashes escaped, templates literal', async () => {
  const txt = plannedTxt(await result);
  expect(Object.keys(txt).sort()).toEqual(['_dmarc.github.example.com', 'github.example.com']);
  expect(txt['_dmarc.github.example.com']).toMatchObject({
    records: ['v=DMARC1; p=quarantine; pct=50; rua=mailto:dmarc@example.com'],
    allow_overwrite: false,
    ttl: 300,
  });
  const spf = txt['github.example.com'];
  expect(spf.allow_overwrite).toBe(false);
  expect(spf.records).toEqual([
    'v=spf1 ip4:203.0.113.5 include:spf.protection.outlook.com ~all',
    `${LONG.slice(0, 255)}""${LONG.slice(255)}`,
    'note=${path.cwd} %{if true}x%{endif} \\"quoted\\" back\\\\slash',
  ]);
  expect(stack.senderAuth?.spfValue).toBe('v=spf1 ip4:203.0.113.5 include:spf.protection.outlook.com ~all');
});
