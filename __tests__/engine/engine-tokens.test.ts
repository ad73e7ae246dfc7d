/**
 * List tokens through the real Terraform CLI: the iterated rules validate, and
 * with the variables given, an offline plan expands one rule per CIDR (per group
 * and CIDR) with the family picked from the value.
 */
import { engineCheck } from '../support/engine/run-engine';
import { Json } from '../support/stack';
import { listTokenStack } from '../support/token-stacks';

const VARS = {
  mail_cidrs: ['0.0.0.0/0', '2001:db8::/32'],
  admin_cidrs: ['10.0.0.0/8', 'fd00::/8'],
  office: '192.0.2.0/24',
  groups: ['sg-0123456789abcdef0', 'sg-0fedcba9876543210'],
};

/** Planned instances of the rule whose construct path is `path`, keyed by for_each key / count index. */
function instancesOf(r: Awaited<ReturnType<typeof engineCheck>>, path: string): Json[] {
  const address = Object.keys(r.mapped.addressMap).find(
    (a) => a.replace(/_[0-9A-F]{8}$/, '') === `aws_vpc_security_group_ingress_rule.${path}`,
  );
  if (!address) throw new Error(`no rule ${path}`);
  return [...r.instances(address).values()];
}
const family = (rule: Json) => `${rule.cidr_ipv4 ?? '-'} ${rule.cidr_ipv6 ?? '-'}`;

test('groups from a data source: the stack validates (its plan needs the data source read, which only a real provider does)', async () => {
  const r = await engineCheck(listTokenStack().synth(), { plan: false });
  expect(r.errors).toEqual([]);
  expect(r.valid).toBe(true);
});

test('groups and CIDRs from variables: the plan has one rule per CIDR, per group and CIDR, each in its family', async () => {
  const r = await engineCheck(listTokenStack(true).synth(), { vars: VARS });
  expect(r.errors).toEqual([]);
  // A created group × a CIDR list: for_each over the CIDRs.
  expect(instancesOf(r, 'email_inbound-smtp_smtp-from-cidr-list').map(family).sort()).toEqual([
    '- 2001:db8::/32',
    '0.0.0.0/0 -',
  ]);
  // Group list × CIDR list: count over the pairs, every pair once.
  const pairs = instancesOf(r, 'existing-email_inbound-smtp_group-list_smtp-from-cidr-list').map(
    (x) => `${x.security_group_id} ${family(x)}`,
  );
  expect(pairs.sort()).toEqual([
    'sg-0123456789abcdef0 - 2001:db8::/32',
    'sg-0123456789abcdef0 0.0.0.0/0 -',
    'sg-0fedcba9876543210 - 2001:db8::/32',
    'sg-0fedcba9876543210 0.0.0.0/0 -',
  ]);
  // Admin ports from a list variable; a scalar token inside a literal list.
  expect(instancesOf(r, 'appliance_admin-8443-from-cidr-list').map(family).sort()).toEqual([
    '- fd00::/8',
    '10.0.0.0/8 -',
  ]);
  expect(instancesOf(r, 'appliance_user-443-from-1').map(family)).toEqual(['192.0.2.0/24 -']);
});
