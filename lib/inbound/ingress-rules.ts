/**
 * Security group ingress rules from a list of sources, shared by the tcp/25
 * firewall and the appliance's admin/user ports. A literal list gives one rule
 * per source with an id derived from the source (adding a CIDR renumbers
 * nothing). A list token (a TerraformVariable's listValue, a data source's
 * list) gives one rule resource iterated by Terraform, since its length is
 * only known at plan.
 */
import { Fn, IResolvable, Op, TerraformCount, TerraformIterator, Token } from 'cdktf';
import { Construct } from 'constructs';
import { VpcSecurityGroupIngressRule } from '@cdktf/provider-aws/lib/vpc-security-group-ingress-rule';
import { fullIpv6Cidr } from '../core/cidr';
import { cidrFamily, isToken } from '../core/value-rules';

/**
 * `cidr_ipv4` or `cidr_ipv6` for one CIDR. A literal goes by its family; a
 * token never lands in `cidr_ipv4` blindly: Terraform picks the attribute at
 * plan (an IPv6 CIDR contains ":"), so a token list may mix both families.
 */
export function cidrAttributes(cidr: string): { cidrIpv4?: string; cidrIpv6?: string } {
  if (!isToken(cidr)) return cidrFamily(cidr) === 'ipv6' ? { cidrIpv6: cidr } : { cidrIpv4: cidr };
  const ipv6 = Fn.strcontains(cidr, ':');
  return {
    cidrIpv4: Fn.conditional(ipv6, Token.nullValue(), cidr) as string,
    cidrIpv6: Fn.conditional(ipv6, cidr, Token.nullValue()) as string,
  };
}

/** One literal source of traffic: a CIDR or a managed prefix list, with its place in its own list. */
interface IngressSource {
  readonly kind: 'cidr' | 'prefix-list';
  readonly value: string;
  readonly index: number;
}

export interface IngressRulesProps {
  /** TCP port to open. */
  readonly port: number;
  /** The groups that get the rules: a literal list or a list token. */
  readonly securityGroupIds: string[];
  /** Allowed CIDRs: a literal list (each item may be a token) or a list token. */
  readonly cidrs: string[];
  /** Allowed managed prefix lists (literal list). @default - none */
  readonly prefixListIds?: string[];
  /** Construct id of the rule for one literal source (`index` is its place in its list). */
  ruleId(source: string, index: number, kind: 'cidr' | 'prefix-list'): string;
  /** Rule description for one source (a token renders as a Terraform expression). */
  describe(source: string, kind: 'cidr' | 'prefix-list'): string;
}

/** Creates the rules under `scope`; a literal group list of more than one group gets a `group-<i>` scope per group. */
export function addIngressRules(scope: Construct, props: IngressRulesProps): VpcSecurityGroupIngressRule[] {
  const rules: VpcSecurityGroupIngressRule[] = [];
  const base = { ipProtocol: 'tcp', fromPort: props.port, toPort: props.port };
  const rule = (s: Construct, id: string, config: Record<string, unknown> & { securityGroupId: string }) => {
    rules.push(new VpcSecurityGroupIngressRule(s, id, { ...base, ...config }));
  };
  const sources: IngressSource[] = [
    ...(isToken(props.cidrs) ? [] : props.cidrs.map((value, index) => ({ kind: 'cidr' as const, value, index }))),
    ...(props.prefixListIds ?? []).map((value, index) => ({ kind: 'prefix-list' as const, value, index })),
  ];
  const taken = new Map<Construct, Set<string>>();
  /**
   * The rule's construct id (its Terraform address). Two IPv6 blocks can have one id, 1::2:3/128 and 1:2::3/128 both
   * reading "1-2-3-128": the later one then takes the id of its address written out in full (1:2:0:0:0:0:0:3/128), so
   * every id that synthesized before stays as it was.
   */
  const idFor = (s: Construct, source: IngressSource): string => {
    const ids = taken.get(s) ?? new Set<string>();
    taken.set(s, ids);
    let id = props.ruleId(source.value, source.index, source.kind);
    if (ids.has(id) && source.kind === 'cidr' && !isToken(source.value))
      id = props.ruleId(fullIpv6Cidr(source.value), source.index, source.kind);
    ids.add(id);
    return id;
  };
  const literalRule = (s: Construct, source: IngressSource, group: string, extra: object = {}) => {
    const target = source.kind === 'cidr' ? cidrAttributes(source.value) : { prefixListId: source.value };
    rule(s, idFor(s, source), {
      securityGroupId: group,
      ...target,
      description: props.describe(source.value, source.kind),
      ...extra,
    });
  };

  if (!isToken(props.securityGroupIds)) {
    const groups = props.securityGroupIds;
    groups.forEach((group, g) => {
      const s = groups.length === 1 ? scope : new Construct(scope, `group-${g}`);
      for (const source of sources) literalRule(s, source, group);
      if (isToken(props.cidrs)) {
        const each = TerraformIterator.fromList(props.cidrs);
        const cidr = Token.asString(each.value);
        rule(s, props.ruleId('cidr-list', -1, 'cidr'), {
          forEach: each,
          securityGroupId: group,
          ...cidrAttributes(cidr),
          description: props.describe(cidr, 'cidr'),
        });
      }
    });
    return rules;
  }

  // The groups are a list token: every literal source is one rule iterated over the groups.
  const groupsScope = new Construct(scope, 'group-list');
  for (const source of sources) {
    const each = TerraformIterator.fromList(props.securityGroupIds);
    literalRule(groupsScope, source, Token.asString(each.value), { forEach: each });
  }
  if (isToken(props.cidrs)) {
    // Both lists are tokens: one rule per (group, CIDR) pair, by count (for_each cannot iterate pairs).
    const cidrCount = Fn.lengthOf(props.cidrs);
    const count = TerraformCount.of(Op.mul(Fn.lengthOf(props.securityGroupIds), cidrCount));
    const index = count.index as unknown as IResolvable;
    const group = Token.asString(Fn.element(props.securityGroupIds, Fn.floor(Op.div(index, cidrCount))));
    const cidr = Token.asString(Fn.element(props.cidrs, index as unknown as number));
    rule(groupsScope, props.ruleId('cidr-list', -1, 'cidr'), {
      count,
      securityGroupId: group,
      ...cidrAttributes(cidr),
      description: props.describe(cidr, 'cidr'),
    });
  }
  return rules;
}
