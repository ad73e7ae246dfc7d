/**
 * Tokens where a user passes them: list tokens for security groups and CIDRs
 * become Terraform iteration; a token CIDR picks cidr_ipv4 or cidr_ipv6 at plan.
 * engine.test.ts runs these stacks through Terraform as well.
 */
import { TerraformStack, TerraformVariable, Testing } from 'cdktf';
import { testApp } from '../support/test-app';
import { InboundMailFirewall } from '../../lib';
import { Json, resources } from '../support/stack';
import { listTokenStack } from '../support/token-stacks';

const rules = (synth: string) => Object.entries<Json>(JSON.parse(synth).resource.aws_vpc_security_group_ingress_rule);
/** The rules whose construct path is `path` (the logical id adds an 8-digit hash). */
const byPrefix = (synth: string, path: string) =>
  rules(synth)
    .filter(([k]) => k.replace(/_[0-9A-F]{8}$/, '') === path)
    .map(([, v]) => v);
const PICK_V4 = '${strcontains(each.value, ":") ? null : each.value}';
const PICK_V6 = '${strcontains(each.value, ":") ? each.value : null}';

test('list tokens synthesize (they used to crash with "encoded list token string in a scalar string context")', () => {
  expect(() => listTokenStack().synth()).not.toThrow();
});

test('CIDR list token on a created group: one rule iterated over the CIDRs, family chosen at plan', () => {
  const [rule] = byPrefix(listTokenStack().synth(), 'email_inbound-smtp_smtp-from-cidr-list');
  expect(rule).toMatchObject({
    for_each: '${toset(var.mail_cidrs)}',
    cidr_ipv4: PICK_V4,
    cidr_ipv6: PICK_V6,
    from_port: 25,
    to_port: 25,
  });
  expect(rule.security_group_id).toMatch(/^\$\{aws_security_group\.email_inbound-smtp_group_[0-9A-F]+\.id\}$/);
});

test('group list token × CIDR list token: one rule per pair, by count', () => {
  const [rule] = byPrefix(listTokenStack().synth(), 'existing-email_inbound-smtp_group-list_smtp-from-cidr-list');
  // vpc_security_group_ids is a set: cdktf reads it through tolist().
  const groups = 'tolist(data.aws_instance.existing.vpc_security_group_ids)';
  expect(rule.count).toBe(`\${(length(${groups}) * length(var.mail_cidrs))}`);
  expect(rule.security_group_id).toBe(`\${element(${groups}, floor((count.index / length(var.mail_cidrs))))}`);
  expect(rule.cidr_ipv4).toBe(
    '${strcontains(element(var.mail_cidrs, count.index), ":") ? null : element(var.mail_cidrs, count.index)}',
  );
});

test('group list token × literal CIDRs: one rule per CIDR, iterated over the groups, ids from the CIDR', () => {
  const stack = new TerraformStack(testApp(), 's');
  const groups = new TerraformVariable(stack, 'groups', { type: 'list(string)' }).listValue;
  new InboundMailFirewall(stack, 'fw', { securityGroupIds: groups, prefixListIds: ['pl-0123456789abcdef0'] });
  const synth = Testing.synth(stack);
  const ids = rules(synth)
    .map(([k]) => k.replace(/_[0-9A-F]{8}$/, ''))
    .sort();
  expect(ids).toEqual([
    'fw_group-list_smtp-from-0-0-0-0-0',
    'fw_group-list_smtp-from-ipv6-0',
    'fw_group-list_smtp-from-pl-0123456789abcdef0',
  ]);
  for (const [, rule] of rules(synth))
    expect(rule).toMatchObject({ for_each: '${toset(var.groups)}', security_group_id: '${each.value}' });
  expect(
    rules(synth)
      .map(([, r]) => r.cidr_ipv6 ?? r.cidr_ipv4 ?? r.prefix_list_id)
      .sort(),
  ).toEqual(['0.0.0.0/0', '::/0', 'pl-0123456789abcdef0']);
});

test('appliance admin CIDRs as a list token: one iterated rule per port; literal user CIDRs keep one rule each', () => {
  const synth = listTokenStack().synth();
  for (const port of [8443, 122]) {
    const [rule] = byPrefix(synth, `appliance_admin-${port}-from-cidr-list`);
    expect(rule).toMatchObject({
      for_each: '${toset(var.admin_cidrs)}',
      from_port: port,
      cidr_ipv4: PICK_V4,
      cidr_ipv6: PICK_V6,
    });
  }
  // A scalar token inside a literal list: its place in the list names it, its family is decided at plan.
  const [office] = byPrefix(synth, 'appliance_user-443-from-1');
  expect(office.cidr_ipv4).toBe('${strcontains(var.office, ":") ? null : var.office}');
  expect(byPrefix(synth, 'appliance_user-443-from-10-0-0-0-8')[0].cidr_ipv4).toBe('10.0.0.0/8');
});

test('the existing instance DNS points at the data source address; no smtp settings are needed there', () => {
  const synth = listTokenStack().synth();
  const a = resources(synth, 'aws_route53_record').find((r) => r.name === 'reply.git.example.org' && r.type === 'A');
  expect(a?.records).toEqual(['${data.aws_instance.existing.public_ip}']);
});
