/**
 * spf.managed of `doctor deliverability`: with senderAuth.spf in the config, the TXT set at the From domain must be
 * the one this stack publishes, or deploy fails (Route53 keeps one TXT set per name).
 */
import { DeliverabilityDns, clip } from './dns';
import { serverFix } from '../dns-lookup';
import { Check } from '../report';

/** The record senderAuth.spf publishes, and the other TXT values that go with it. */
export interface ConfiguredSpf {
  readonly record: string;
  readonly otherTxtValues: readonly string[];
}

/** With senderAuth.spf: the TXT set at the domain must be ours, or deploy fails (one TXT set per name in Route53). */
export async function managedCheck(dns: DeliverabilityDns, domain: string, configured: ConfiguredSpf): Promise<Check> {
  const answer = await dns.txt(domain);
  const want = [configured.record, ...configured.otherTxtValues];
  const seen = answer.records;
  const data = { domain, expected: want, seen };
  if (answer.problem && !answer.problem.missing)
    return {
      id: 'spf.managed',
      status: 'warn',
      message: `TXT ${domain}: could not be looked up: ${answer.problem.text}`,
      fix: serverFix(answer.problem, dns.ctx),
      data,
    };
  if (seen.length === 0)
    return {
      id: 'spf.managed',
      status: 'info',
      message: `TXT ${domain}: none yet; cdktf deploy publishes senderAuth.spf's record`,
      data,
    };
  const same = seen.length === want.length && want.every((w) => seen.includes(w));
  if (same)
    return {
      id: 'spf.managed',
      status: 'pass',
      message: `TXT ${domain} is exactly what senderAuth.spf publishes`,
      data,
    };
  const others = seen.filter((s) => !want.includes(s)).map((s) => clip(s, 120));
  return {
    id: 'spf.managed',
    status: 'warn',
    message: `TXT ${domain} holds values senderAuth.spf does not publish: ${others.join(' | ')}. Route53 keeps one TXT set per name: if this stack does not manage it yet, cdktf deploy fails ("already exists") and never overwrites it`,
    fix: 'merge: copy the other SPF mechanisms into senderAuth.spf (include/ip4/ip6) and other TXT values into senderAuth.spf.otherTxtValues, then delete the existing record set before deploying (or import it); or leave senderAuth.spf out and add the relay to the existing record yourself',
    data,
  };
}
