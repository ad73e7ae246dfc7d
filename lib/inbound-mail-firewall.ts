/**
 * Inbound SMTP (tcp/25) for reply-by-email. Every mail server on the internet
 * that delivers to reply@reply.<hostname> connects here, so the default source
 * is the whole internet: 0.0.0.0/0 and ::/0. Narrow it only if all inbound mail
 * passes through a known gateway (e.g. a filtering service).
 */
import { Construct } from 'constructs';
import { SecurityGroup } from '@cdktf/provider-aws/lib/security-group';
import { VpcSecurityGroupIngressRule } from '@cdktf/provider-aws/lib/vpc-security-group-ingress-rule';
import { GhesConstruct } from './terraform-literals';
import { addIngressRules } from './ingress-rules';
import { Problems, show } from './problems';
import { checkAwsId, checkCidrList, checkNonEmpty, isToken, sourceSlug } from './value-rules';

export const SMTP_PORT = 25;
export const DEFAULT_INBOUND_MAIL_CIDRS = ['0.0.0.0/0', '::/0'];

export interface InboundMailFirewallProps {
  /** VPC in which to create the security group. @default - none; give this or existingSecurityGroupIds */
  readonly vpcId?: string;
  /** Add the tcp/25 rules to these existing groups instead of creating one. @default - a new group is created in vpcId */
  readonly existingSecurityGroupIds?: string[];
  /** IPv4 and IPv6 CIDR blocks allowed to connect to port 25. @default ['0.0.0.0/0', '::/0'] */
  readonly allowedCidrs?: string[];
  /** Managed prefix lists allowed to connect to port 25. @default - none */
  readonly prefixListIds?: string[];
  /** Tags for the security group. @default - a Name tag only */
  readonly tags?: Record<string, string>;
}

/** Records every problem with the props under `p`. */
export function validateInboundMailFirewallProps(p: Problems, props: InboundMailFirewallProps): void {
  const hasVpc = props.vpcId !== undefined;
  const hasExisting = props.existingSecurityGroupIds !== undefined;
  if (hasVpc === hasExisting) p.add(undefined, 'give exactly one of vpcId (create a security group) or existingSecurityGroupIds (add rules to them)');
  checkAwsId(p, 'vpcId', props.vpcId, 'vpc');
  checkNonEmpty(p, 'existingSecurityGroupIds', props.existingSecurityGroupIds, 'security group id');
  if (props.existingSecurityGroupIds && !isToken(props.existingSecurityGroupIds)) {
    props.existingSecurityGroupIds.forEach((id, i) => checkAwsId(p.at('existingSecurityGroupIds'), i, id, 'sg'));
  }
  validateMailSources(p, props.allowedCidrs, props.prefixListIds);
}

/** Checks the CIDR and prefix-list sources (shared with the config loader's `inboundMail`). */
export function validateMailSources(p: Problems, allowedCidrs?: string[], prefixListIds?: string[]): void {
  checkCidrList(p, 'allowedCidrs', allowedCidrs);
  if (prefixListIds && !isToken(prefixListIds)) {
    // The same list twice would be a duplicate rule too (and a construct id collision).
    const first = new Map<string, number>();
    prefixListIds.forEach((id, i) => {
      checkAwsId(p.at('prefixListIds'), i, id, 'pl');
      const earlier = first.get(id);
      if (earlier === undefined) first.set(id, i);
      else if (!isToken(id)) p.at('prefixListIds').add(i, `got ${show(id)} twice (also at [${earlier}]); AWS rejects duplicate rules: remove one`);
    });
  }
  if (allowedCidrs && !isToken(allowedCidrs) && allowedCidrs.length === 0 && (prefixListIds ?? []).length === 0) {
    p.add('allowedCidrs', 'got an empty list and no prefixListIds; nothing could deliver replies. Expected at least one source');
  }
}

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
      this.securityGroupIds = props.existingSecurityGroupIds!;
    }

    this.rules = addIngressRules(this, {
      port: SMTP_PORT,
      securityGroupIds: this.securityGroupIds,
      cidrs: props.allowedCidrs ?? DEFAULT_INBOUND_MAIL_CIDRS,
      prefixListIds: props.prefixListIds,
      ruleId,
      describe: (source, kind) => `SMTP for GHES reply-by-email from ${kind === 'prefix-list' ? 'prefix list ' : ''}${source}`,
    });
  }
}
