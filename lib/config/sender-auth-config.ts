/**
 * The config file's `senderAuth` block: its value rules (with config paths)
 * and the SenderAuthRecords props it becomes. Kept apart from config.ts and
 * ghes-email-stack.ts so those only gain one call each.
 */
import { GhesEmailConfig } from './config-schema';
import { DmarcPolicy } from '../records/dmarc-record';
import { Problems } from '../core/problems';
import {
  SenderAuthProps,
  SenderAuthRecordsProps,
  senderAuthRecordsProps,
  validateSenderAuthProps,
} from '../sender-auth/sender-auth-records-props';
import { SpfAll } from '../records/spf-record';

/** Problems with `senderAuth`, under `senderAuth.…` (see validateSenderAuthProps). */
export function validateSenderAuthConfig(p: Problems, c: GhesEmailConfig, kind: 'config' | 'outputs'): void {
  const sa = c.senderAuth;
  if (sa === undefined || typeof sa !== 'object' || sa === null) return;
  const hostedZone = kind === 'config' ? c.hostedZone : undefined;
  validateSenderAuthProps(p.at('senderAuth'), senderAuthOf(sa), c.smtp?.noreplyAddress, hostedZone);
}

/**
 * SenderAuthRecords props for a validated config; `defaultZoneId` is the zone of the reply records (reused, not looked
 * up twice).
 */
export function senderAuthProps(
  c: GhesEmailConfig,
  noreplyAddress: string,
  defaultZoneId: string,
): SenderAuthRecordsProps | undefined {
  if (!c.senderAuth) return undefined;
  return senderAuthRecordsProps(senderAuthOf(c.senderAuth), noreplyAddress, { id: defaultZoneId }, c.dns?.ttl);
}

/** The config's block with its string enums narrowed (their values are checked by the props' own rules). */
function senderAuthOf(sa: NonNullable<GhesEmailConfig['senderAuth']>): SenderAuthProps {
  return {
    hostedZone: sa.hostedZone,
    dmarc: sa.dmarc && { ...sa.dmarc, policy: sa.dmarc.policy as DmarcPolicy | undefined },
    spf: sa.spf && { ...sa.spf, all: sa.spf.all as SpfAll | undefined },
  };
}
