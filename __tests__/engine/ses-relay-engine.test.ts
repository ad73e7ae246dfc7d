/**
 * The SES relay stacks through the real Terraform CLI (validate + offline plan,
 * provider resources as terraform_data: support/engine): every reference
 * (DKIM tokens by index, identity ARN in the IAM policy, jsonencode of the
 * access key) parses and type-checks, and the literal values reach the plan.
 */
import { EngineResult, engineCheckAhead, errorLines, plannedOfType } from '../support/engine/run-engine';
import { synthConfig } from '../support/stack';
import { sesConfig } from '../support/relay/ses-config';

const stacks = {
  credentialsOutsideState: () => synthConfig(sesConfig()),
  passwordInState: () => {
    const c = sesConfig();
    c.smtp.relay.ses = { smtpPasswordInState: true, mailFromSubdomain: 'mail-from.github.example.com' };
    c.hostedZone = { id: 'Z0123456789ABCDEFGHIJ' };
    return synthConfig(c);
  },
};
type Name = keyof typeof stacks;

const checks = {} as Record<Name, Promise<EngineResult>>;
beforeAll(() => {
  for (const name of Object.keys(stacks) as Name[]) {
    checks[name] = engineCheckAhead(stacks[name]());
  }
});

test.each(Object.keys(stacks) as Name[])('%s: Terraform validates and plans it without an error', async (name) => {
  const r = await checks[name];
  expect(errorLines(r)).toEqual([]);
  expect(r.valid).toBe(true);
  expect(r.plan).toBeDefined();
});

test('the MAIL FROM records and the sending policy reach the plan as written', async () => {
  const r = await checks.credentialsOutsideState;
  const known = plannedOfType(r, 'aws_route53_record').filter((x) => x.name === 'bounce.github.example.com');
  expect(known.map((x) => `${x.type} ${(x.records as string[]).join()}`)).toEqual([
    'MX 10 feedback-smtp.eu-west-1.amazonses.com',
    'TXT v=spf1 include:amazonses.com ~all',
  ]);
  expect(plannedOfType(r, 'aws_sesv2_email_identity_mail_from_attributes')[0]).toMatchObject({
    mail_from_domain: 'bounce.github.example.com',
    behavior_on_mx_failure: 'USE_DEFAULT_VALUE',
  });
  expect(plannedOfType(r, 'aws_iam_user')).toEqual([
    expect.objectContaining({ name: 'ghes-email-ses-eu-west-1-github.example.com', force_destroy: true }),
  ]);
  // No value for the secret: nothing in the plan (or the state) holds a credential.
  expect(Object.keys(r.mapped.addressMap).filter((a) => /secret_version|access_key/.test(a))).toEqual([]);
});

test('smtpPasswordInState: an access key and a secret version are planned; the records go in the zone given by id', async () => {
  const r = await checks.passwordInState;
  expect(
    Object.keys(r.mapped.addressMap)
      .filter((a) => /secret_version|access_key/.test(a))
      .map((a) => a.split('.')[0]),
  ).toEqual(['aws_iam_access_key', 'aws_secretsmanager_secret_version']);
  const records = plannedOfType(r, 'aws_route53_record').filter((x) => x.name === 'mail-from.github.example.com');
  expect(records.map((x) => [x.type, x.zone_id])).toEqual([
    ['MX', 'Z0123456789ABCDEFGHIJ'],
    ['TXT', 'Z0123456789ABCDEFGHIJ'],
  ]);
});
