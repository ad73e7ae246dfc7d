/**
 * Lets Route 53 health checkers reach port 25 when `inboundMail.allowedCidrs`
 * does not admit the whole IPv4 internet. AWS maintains their addresses as the
 * AWS-managed prefix list `com.amazonaws.<region>.route53-healthchecks`
 * (https://docs.aws.amazon.com/vpc/latest/userguide/working-with-aws-managed-prefix-lists.html,
 * https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/dns-failover-router-firewall-rules.html):
 * one rule that follows AWS's changes, instead of a copy of ip-ranges.json
 * (service ROUTE53_HEALTHCHECKS) that goes stale. The check targets the IPv4
 * address, so the IPv4 list is enough (the IPv6 one is `...ipv6.route53-healthchecks`).
 *
 * A prefix list counts as its weight, 25, against the group's rules quota.
 */
import { Construct } from 'constructs';
import { DataAwsEc2ManagedPrefixList } from '@cdktf/provider-aws/lib/data-aws-ec2-managed-prefix-list';
import { DataAwsRegion } from '@cdktf/provider-aws/lib/data-aws-region';
import { VpcSecurityGroupIngressRule } from '@cdktf/provider-aws/lib/vpc-security-group-ingress-rule';
import { isWholeInternet, readCidr } from '../core/cidr';
import { SMTP_PORT } from '../inbound/inbound-mail-firewall-props';
import { addIngressRules } from '../inbound/ingress-rules';
import { GhesConstruct } from '../core/terraform-literals';
import { isToken } from '../core/value-rules';

/** The prefix list's name in a region. */
export function healthCheckerPrefixListName(region: string): string {
  return `com.amazonaws.${region}.route53-healthchecks`;
}

/**
 * True when these tcp/25 sources may not admit the health checkers: a literal
 * list without 0.0.0.0/0, or a list token (unknown until plan; an extra rule
 * is harmless). Undefined means the default, which admits everyone.
 */
export function needsHealthCheckerRule(allowedCidrs: string[] | undefined): boolean {
  if (allowedCidrs === undefined) return false;
  if (isToken(allowedCidrs)) return true;
  return !allowedCidrs.some((cidr) => {
    const reading = isToken(cidr) ? undefined : readCidr(cidr);
    return reading !== undefined && reading.family === 'ipv4' && isWholeInternet(reading);
  });
}

/**
 * Allows the health checkers to connect to tcp/25 in each group: the prefix
 * list is looked up in the region of the provider that manages the groups
 * (a security group can only reference a prefix list of its own region).
 */
export class Route53HealthCheckerAccess extends GhesConstruct {
  /** The AWS-managed prefix list, looked up by name. */
  public readonly prefixList: DataAwsEc2ManagedPrefixList;
  public readonly rules: VpcSecurityGroupIngressRule[];

  constructor(scope: Construct, id: string, securityGroupIds: string[]) {
    super(scope, id);
    const region = new DataAwsRegion(this, 'region');
    this.prefixList = new DataAwsEc2ManagedPrefixList(this, 'prefix-list', {
      name: healthCheckerPrefixListName(region.region),
    });
    this.rules = addIngressRules(this, {
      port: SMTP_PORT,
      securityGroupIds,
      cidrs: [],
      prefixListIds: [this.prefixList.id],
      ruleId: () => 'smtp-from-route53-health-checkers',
      describe: () => 'SMTP from Route 53 health checkers (ghes-email port-25 monitoring)',
    });
  }
}
