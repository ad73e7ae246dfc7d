/**
 * The config file's `senderAuth` block: its value rules (with config paths)
 * and the SenderAuthRecords props it becomes. Kept apart from config.ts and
 * ghes-email-stack.ts so those only gain one call each.
 */
import { GhesEmailConfig } from './config-schema';
import { DmarcPolicy, validateDmarcProps } from '../records/dmarc-record';
import { Problems, show } from '../core/problems';
import { HostedZoneRef, validateHostedZone } from '../inbound/reply-dns-records-props';
import {
  SenderAuthRecordsProps,
  senderDomainOf,
  validateSenderSpfProps,
} from '../sender-auth/sender-auth-records-props';
import { SpfAll } from '../records/spf-record';
import { hostnameProblem, isToken } from '../core/value-rules';

/**
 * Problems with `senderAuth`, under `senderAuth.…`. The records go in the zone
 * of `senderAuth.hostedZone`, or else of `hostedZone`: the no-reply address's
 * domain must lie inside it, which is checked when the zone is given by name.
 */
export function validateSenderAuthConfig(p: Problems, c: GhesEmailConfig, kind: 'config' | 'outputs'): void {
  const sa = c.senderAuth;
  if (sa === undefined || typeof sa !== 'object' || sa === null) return;
  const sp = p.at('senderAuth');
  if (sa.dmarc === undefined && sa.spf === undefined)
    sp.add(undefined, 'give "dmarc", "spf" or both: there is nothing to publish');
  if (sa.dmarc) validateDmarcProps(sp.at('dmarc'), sa.dmarc as { policy?: DmarcPolicy });
  if (sa.spf) validateSenderSpfProps(sp.at('spf'), sa.spf as { all?: SpfAll });

  const address = c.smtp?.noreplyAddress;
  const domain = typeof address === 'string' && address.includes('@') ? senderDomainOf(address) : undefined;
  // A bad address is smtp.noreplyAddress's problem, reported there once.
  const known = domain !== undefined && !isToken(domain) && hostnameProblem(domain) === undefined ? domain : undefined;
  if (sa.hostedZone) {
    validateHostedZone(sp.at('hostedZone'), sa.hostedZone, known);
  } else if (
    kind === 'config' &&
    known &&
    c.hostedZone?.name &&
    !isToken(c.hostedZone.name) &&
    !`.${known}`.endsWith(`.${c.hostedZone.name.toLowerCase()}`)
  ) {
    sp.add(
      'hostedZone',
      `required here: the records go at the no-reply address's domain ${show(known)}, which is not in hostedZone ${show(c.hostedZone.name)}; give the zone that holds ${show(known)}`,
    );
  }
}

/** SenderAuthRecords props for a validated config; `defaultZoneId` is the zone of the reply records (reused, not looked up twice). */
export function senderAuthProps(
  c: GhesEmailConfig,
  noreplyAddress: string,
  defaultZoneId: string,
): SenderAuthRecordsProps | undefined {
  const sa = c.senderAuth;
  if (!sa) return undefined;
  const zone: HostedZoneRef = sa.hostedZone ?? { id: defaultZoneId };
  return {
    domain: senderDomainOf(noreplyAddress),
    zone,
    ttl: c.dns?.ttl,
    dmarc: sa.dmarc && { policy: sa.dmarc.policy as DmarcPolicy | undefined, rua: sa.dmarc.rua, pct: sa.dmarc.pct },
    spf: sa.spf && {
      include: sa.spf.include,
      ip4: sa.spf.ip4,
      ip6: sa.spf.ip6,
      all: sa.spf.all as SpfAll | undefined,
      otherTxtValues: sa.spf.otherTxtValues,
    },
  };
}
