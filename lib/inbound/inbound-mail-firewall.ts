/**
 * Inbound SMTP (tcp/25) for reply-by-email. Every mail server on the internet
 * that delivers to reply@reply.<hostname> connects here, so the default source
 * is the whole internet: 0.0.0.0/0 and ::/0. Narrow it only if all inbound mail
 * passes through a known gateway (e.g. a filtering service).
 */
import { Construct } from 'constructs';
import { SecurityGroup } from '@cdktf/provider-aws/lib/security-group';
import { VpcSecurityGroupIngressRule } from '@cdktf/provider-aws/lib/vpc-security-group-ingress-rule';
import { GhesConstruct } from '../core/terraform-literals';
import { addIngressRules } from './ingress-rules';
import { Problems } from '../core/problems';
import { isToken, sourceSlug } from '../core/value-rules';
import {
  InboundMailFirewallProps,
  DEFAULT_INBOUND_MAIL_CIDRS,
  SMTP_PORT,
  validateInboundMailFirewallProps,
} from './inbound-mail-firewall-props';

/** Construct id for a rule, derived from its source so that adding a CIDR does not renumber the others. */
function ruleId(source: string, index: number): string {
  return isToken(source) ? `smtp-source-${index}` : `smtp-from-${sourceSlug(source)}`;
}

export class InboundMailFirewall extends GhesConstruct {
  /** The created security group's id; undefined when rules were added to existing groups. */
  public readonly securityGroupId?: string;
  /** The security groups that hold the tcp/25 rules. */
  public readonly securityGroupIds: string[];
  /** The rules: one per (group, source) for literal lists, one iterated rule per list token. */
  public readonly rules: VpcSecurityGroupIngressRule[];

  constructor(scope: Construct, id: string, props: InboundMailFirewallProps) {
    super(scope, id);
    const p = new Problems(this.node.path);
    validateInboundMailFirewallProps(p, props);
    p.throwIfAny('Invalid InboundMailFirewall props');

    if (props.vpcId !== undefined) {
      const sg = new SecurityGroup(this, 'group', {
        namePrefix: 'ghes-inbound-smtp-',
        description: 'GHES reply-by-email: inbound SMTP (tcp/25) from sending mail servers',
        vpcId: props.vpcId,
        tags: { Name: 'ghes-inbound-smtp', ...(props.tags ?? {}) },
        lifecycle: { createBeforeDestroy: true },
      });
      this.securityGroupId = sg.id;
      this.securityGroupIds = [sg.id];
    } else {
      this.securityGroupIds = props.securityGroupIds!;
    }

    this.rules = addIngressRules(this, {
      port: SMTP_PORT,
      securityGroupIds: this.securityGroupIds,
      cidrs: props.allowedCidrs ?? DEFAULT_INBOUND_MAIL_CIDRS,
      prefixListIds: props.prefixListIds,
      ruleId,
      describe: (source, kind) =>
        `SMTP for GHES reply-by-email from ${kind === 'prefix-list' ? 'prefix list ' : ''}${source}`,
    });
  }
}
