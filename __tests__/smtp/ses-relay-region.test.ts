/**
 * `relay.ses.region` has the config's shape in the constructs too: optional, taken from the stack's AWS
 * provider, which is where the SES identity is made. A region that contradicts the provider would tell GHES
 * email-smtp.<given>.amazonaws.com while the identity, the MAIL FROM records and the IAM user's permissions
 * belong to the provider's region: refused, naming both.
 */
import { TerraformStack, TerraformVariable, Testing } from 'cdktf';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { GhesEmail, GhesEmailProps, SesRelay, SmtpSettings } from '../../lib';
import { problems, problemsOf } from '../support/problems';
import { sesConfig } from '../support/relay/ses-config';
import { Json, resources } from '../support/stack';
import { testApp } from '../support/test-app';
import { engineCheck, errorLines } from '../support/engine/run-engine';

/** A stack whose AWS provider is in `region`, or in a variable's region for 'token'. */
const stackIn = (region: string) => {
  const s = new TerraformStack(testApp(), 'ses');
  const value = region === 'token' ? new TerraformVariable(s, 'region', { type: 'string' }).stringValue : region;
  new AwsProvider(s, 'aws', { region: value });
  return s;
};
const emailProps = (ses: { region?: string }): GhesEmailProps => ({
  hostname: 'github.example.com',
  hostedZone: { id: 'Z0123456789ABCDEFGHIJ' },
  existingInstance: { ipv4Address: '203.0.113.10', securityGroupIds: ['sg-0123456789abcdef0'] },
  smtp: new SmtpSettings({
    domain: 'github.example.com',
    noreplyAddress: 'noreply@github.example.com',
    support: { type: 'email', address: 'help@example.com' },
    relay: { ses },
  }),
});

test("relay: { ses: {} } takes the provider's region for the endpoint, the feedback MX and the IAM user", () => {
  const s = stackIn('eu-west-1');
  const email = new GhesEmail(s, 'email', emailProps({}));
  expect(email.sesRelay!.region).toBe('eu-west-1');
  expect(email.smtp!.address).toBe('email-smtp.eu-west-1.amazonaws.com');
  const synth = Testing.synth(s);
  const mx = resources(synth, 'aws_route53_record').find((r: Json) => r.type === 'MX' && /bounce/.test(r.name));
  expect(mx?.records).toEqual(['10 feedback-smtp.eu-west-1.amazonses.com']);
  expect(resources(synth, 'aws_iam_user')[0].name).toContain('eu-west-1');
});

test("a region that contradicts the provider's is refused, naming both, by GhesEmail and by SesRelay", () => {
  expect(problems(() => new GhesEmail(stackIn('eu-west-1'), 'email', emailProps({ region: 'us-east-1' })))).toEqual([
    {
      path: 'ses/email.smtp.relay.ses.region',
      message: expect.stringMatching(/got "us-east-1", but the stack's AWS provider is in "eu-west-1"/),
    },
  ]);
  const relay = { hostname: 'github.example.com', hostedZone: { id: 'Z0123456789ABCDEFGHIJ' } };
  const props = { ...relay, noreplyAddress: 'noreply@github.example.com', region: 'us-east-1' };
  expect(problems(() => new SesRelay(stackIn('eu-west-1'), 'relay', props))).toEqual([
    { path: 'ses/relay.region', message: expect.stringContaining('email-smtp.us-east-1.amazonaws.com') },
  ]);
});

test('the same region as the provider is accepted, given or not', () => {
  expect(new GhesEmail(stackIn('eu-west-1'), 'email', emailProps({ region: 'eu-west-1' })).sesRelay!.region).toBe(
    'eu-west-1',
  );
});

test('with a provider region known only at plan, region is required (there is nothing to take) and then used', () => {
  expect(problems(() => new GhesEmail(stackIn('token'), 'email', emailProps({})))).toEqual([
    { path: 'ses/email.smtp.relay.ses.region', message: expect.stringContaining('required here') },
  ]);
  const email = new GhesEmail(stackIn('token'), 'email', emailProps({ region: 'ap-southeast-2' }));
  expect(email.smtp!.address).toBe('email-smtp.ap-southeast-2.amazonaws.com');
});

test('the config may repeat the top-level region in smtp.relay.ses, not contradict it', () => {
  const same = sesConfig();
  same.smtp.relay.ses.region = same.region;
  expect(() => problemsOf(same)).toThrow('expected the config to be rejected');
  const other = sesConfig();
  other.smtp.relay.ses.region = 'us-east-1';
  expect(problemsOf(other)).toEqual([
    {
      path: 'smtp.relay.ses.region',
      message: expect.stringMatching(/got "us-east-1", but the stack's AWS provider is in "eu-west-1"/),
    },
  ]);
});

describe('a provider region known only at plan, with a literal relay region', () => {
  const synthWith = () => {
    const s = stackIn('token');
    new GhesEmail(s, 'email', emailProps({ region: 'eu-west-1' }));
    return Testing.synth(s);
  };

  test('Terraform checks at plan that the two are the same (a precondition on the SES identity)', async () => {
    const synth = synthWith();
    const identity = resources(synth, 'aws_sesv2_email_identity')[0];
    expect(identity.lifecycle.precondition).toEqual([
      {
        condition: '${(var.region == "eu-west-1")}',
        error_message: expect.stringContaining('smtp.relay.ses.region is eu-west-1'),
      },
    ]);
    const same = await engineCheck(synth, { vars: { region: 'eu-west-1' } });
    expect(errorLines(same)).toEqual([]);
    const other = await engineCheck(synth, { vars: { region: 'us-east-1' } });
    expect(errorLines(other).join('\n')).toContain("smtp.relay.ses.region is eu-west-1, but the AWS provider's region");
  });

  test('a literal provider region needs no precondition: synth already compared them', () => {
    const s = stackIn('eu-west-1');
    new GhesEmail(s, 'email', emailProps({ region: 'eu-west-1' }));
    expect(resources(Testing.synth(s), 'aws_sesv2_email_identity')[0].lifecycle).toBeUndefined();
  });
});
