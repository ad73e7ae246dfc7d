/**
 * The props of InboundMailFirewall and their checks, apart from the construct so that config
 * validation (and with it the CLI) loads no construct code.
 */
import { Problems, renamedProps, show } from '../core/problems';
import { checkAwsId, checkCidrList, checkNonEmpty, isToken } from '../core/value-rules';

export const SMTP_PORT = 25;
export const DEFAULT_INBOUND_MAIL_CIDRS = ['0.0.0.0/0', '::/0'];

export interface InboundMailFirewallProps {
  /** VPC in which to create the security group. @default - none; give this or securityGroupIds */
  readonly vpcId?: string;
  /**
   * Add the tcp/25 rules to these existing groups instead of creating one. @default - a new group is created in vpcId
   */
  readonly securityGroupIds?: string[];
  /** IPv4 and IPv6 CIDR blocks allowed to connect to port 25. @default ['0.0.0.0/0', '::/0'] */
  readonly allowedCidrs?: string[];
  /** Managed prefix lists allowed to connect to port 25. @default - none */
  readonly prefixListIds?: string[];
  /** Tags for the security group. @default - a Name tag only */
  readonly tags?: Record<string, string>;
}

/** Records every problem with the props under `p`. */
export function validateInboundMailFirewallProps(p: Problems, props: InboundMailFirewallProps): void {
  renamedProps(p, props, { existingSecurityGroupIds: 'securityGroupIds' });
  const hasVpc = props.vpcId !== undefined;
  const hasExisting = props.securityGroupIds !== undefined;
  if (hasVpc === hasExisting)
    p.add(undefined, 'give exactly one of vpcId (create a security group) or securityGroupIds (add rules to them)');
  checkAwsId(p, 'vpcId', props.vpcId, 'vpc');
  checkNonEmpty(p, 'securityGroupIds', props.securityGroupIds, 'security group id');
  if (props.securityGroupIds && !isToken(props.securityGroupIds)) {
    props.securityGroupIds.forEach((id, i) => checkAwsId(p.at('securityGroupIds'), i, id, 'sg'));
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
      else if (!isToken(id))
        p.at('prefixListIds').add(
          i,
          `got ${show(id)} twice (also at [${earlier}]); AWS rejects duplicate rules: remove one`,
        );
    });
  }
  if (allowedCidrs && !isToken(allowedCidrs) && allowedCidrs.length === 0 && (prefixListIds ?? []).length === 0) {
    p.add(
      'allowedCidrs',
      'got an empty list and no prefixListIds; nothing could deliver replies. Expected at least one source',
    );
  }
}
