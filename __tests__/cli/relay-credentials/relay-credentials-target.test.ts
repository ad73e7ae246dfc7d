/**
 * Whose secret, which region (issue 17 items 6 and 11): the secret's ghes-email:credentials tag says who writes its
 * value, a Terraform-managed one is refused; --region must match the relay's; a secret that cannot be read is bad
 * input (exit 2), as in doctor. Every refusal happens before anything is created.
 */
import { SES_CREDENTIALS_TAG } from '../../../lib/smtp/ses-smtp';
import { SECRET_ARN, USER, useRelayHarness } from '../../support/relay/relay-harness';

const h = useRelayHarness();
const names = { config: undefined, userName: USER, secretArn: SECRET_ARN };

test('--user-name/--secret-arn of a secret tagged for Terraform (smtpPasswordInState): exit 2, nothing changed', async () => {
  h.aws.secretTags.set(SECRET_ARN, { [SES_CREDENTIALS_TAG]: 'terraform' });
  const r = await h.run(names);
  expect(r.code).toBe(2);
  expect(h.events).toEqual(['secretsmanager DescribeSecret']);
  expect(h.aws.keyIds(USER)).toEqual([]);
  expect(r.err).toContain(
    `${SECRET_ARN} is tagged ${SES_CREDENTIALS_TAG}=terraform: the relay has smtpPasswordInState, so Terraform owns its access key and secret value`,
  );
  expect(r.err).toContain('Rotate with Terraform');
});

test('an outputs file that says relay-credentials but a secret tagged terraform: the tag wins, exit 2', async () => {
  h.aws.secretTags.set(SECRET_ARN, { [SES_CREDENTIALS_TAG]: 'terraform' });
  const r = await h.run();
  expect(r.code).toBe(2);
  expect(h.aws.keyIds(USER)).toEqual([]);
  expect(r.err).toContain(`is tagged ${SES_CREDENTIALS_TAG}=terraform`);
});

test('--user-name/--secret-arn of an untagged secret: cannot tell who writes it, exit 2 with the way out', async () => {
  h.aws.secretTags.set(SECRET_ARN, {});
  const r = await h.run(names);
  expect(r.code).toBe(2);
  expect(h.aws.keyIds(USER)).toEqual([]);
  expect(r.err).toContain(`${SECRET_ARN} has no ${SES_CREDENTIALS_TAG} tag`);
  expect(r.err).toContain('--config outputs.json');
});

test('--region that differs from the relay region in the outputs: exit 2 naming both, nothing called', async () => {
  const r = await h.run({ region: 'us-east-1' });
  expect(r.code).toBe(2);
  expect(r.err).toContain('--region: got "us-east-1", but the SES relay is in eu-west-1 (the outputs file)');
  expect(h.events).toEqual([]);
});

test("--region that differs from the secret ARN's region: exit 2 naming both, nothing called", async () => {
  const r = await h.run({ ...names, region: 'us-east-1' });
  expect(r.code).toBe(2);
  expect(r.err).toContain(`--region: got "us-east-1", but the SES relay is in eu-west-1 (the region of --secret-arn)`);
  expect(h.events).toEqual([]);
});

test('--region equal to the relay region is accepted', async () => {
  const r = await h.run({ region: 'eu-west-1' });
  expect(r.code).toBe(0);
});

test('an unreadable secret (DescribeSecret denied) is bad input: exit 2, as in doctor; nothing created', async () => {
  h.aws.failNext.DescribeSecret = ['AccessDeniedException'];
  const r = await h.run();
  expect(r.code).toBe(2);
  expect(h.aws.keyIds(USER)).toEqual([]);
  expect(h.events.filter((e) => e.startsWith('iam'))).toEqual([]);
  expect(r.err).toContain(`cannot read ${SECRET_ARN}: AccessDeniedException`);
  expect(r.err).toContain('nothing changed');
});

test('a secret that does not exist: exit 2, nothing created', async () => {
  h.aws.secretTags.delete(SECRET_ARN);
  const r = await h.run();
  expect(r.code).toBe(2);
  expect(h.aws.keyIds(USER)).toEqual([]);
  expect(r.err).toContain(`cannot read ${SECRET_ARN}: ResourceNotFoundException`);
});
