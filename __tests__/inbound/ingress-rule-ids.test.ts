/**
 * A rule's construct id is its Terraform address, derived from its source. Two IPv6 blocks whose compressed spellings
 * read alike once the colons are gone (1::2:3 and 1:2::3 both give "1-2-3") used to stop synth with "There is already
 * a Construct with name …"; the later one now takes the id of its address written in full, and every id that
 * synthesized before is unchanged.
 */
import { TerraformStack, TerraformVariable, Testing } from 'cdktf';
import { InboundMailFirewall } from '../../lib';
import { fullIpv6Cidr } from '../../lib/core/cidr';
import { Json } from '../support/stack';
import { testApp } from '../support/test-app';

function ruleIds(build: (stack: TerraformStack) => void): Record<string, string> {
  const stack = new TerraformStack(testApp(), 's');
  build(stack);
  const rules = Object.entries<Json>(JSON.parse(Testing.synth(stack)).resource.aws_vpc_security_group_ingress_rule);
  return Object.fromEntries(rules.map(([k, r]) => [k.replace(/_[0-9A-F]{8}$/, ''), r.cidr_ipv6 ?? r.cidr_ipv4]));
}

test('1::2:3/128 and 1:2::3/128 get a rule each: the first keeps its id, the second is named in full', () => {
  const ids = ruleIds(
    (s) =>
      new InboundMailFirewall(s, 'fw', {
        vpcId: 'vpc-0123456789abcdef0',
        allowedCidrs: ['1::2:3/128', '1:2::3/128', '2001:db8::/32'],
      }),
  );
  expect(ids).toEqual({
    'fw_smtp-from-ipv6-1-2-3-128': '1::2:3/128',
    'fw_smtp-from-ipv6-1-2-0-0-0-0-0-3-128': '1:2::3/128',
    // Unaffected: the id every deployed rule already has.
    'fw_smtp-from-ipv6-2001-db8-32': '2001:db8::/32',
  });
});

test('the same in existing groups given as a list token (one scope for all groups)', () => {
  const ids = ruleIds((s) => {
    const groups = new TerraformVariable(s, 'groups', { type: 'list(string)' }).listValue;
    new InboundMailFirewall(s, 'fw', { securityGroupIds: groups, allowedCidrs: ['1:2::3/128', '1::2:3/128'] });
  });
  expect(ids).toEqual({
    'fw_group-list_smtp-from-ipv6-1-2-3-128': '1:2::3/128',
    'fw_group-list_smtp-from-ipv6-1-0-0-0-0-0-2-3-128': '1::2:3/128',
  });
});

test.each([
  ['1::2:3/128', '1:0:0:0:0:0:2:3/128'],
  ['2001:DB8::/32', '2001:db8:0:0:0:0:0:0/32'],
  ['::/0', '0:0:0:0:0:0:0:0/0'],
  ['10.0.0.0/8', '10.0.0.0/8'],
  ['not-a-cidr', 'not-a-cidr'],
])('fullIpv6Cidr(%j) = %j', (input, expected) => {
  expect(fullIpv6Cidr(input)).toBe(expected);
});
