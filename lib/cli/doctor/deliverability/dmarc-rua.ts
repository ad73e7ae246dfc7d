/**
 * dmarc.rua of `doctor deliverability`: where aggregate reports go. Reports to another organization's domain need
 * its consent record `<domain>._report._dmarc.<report domain>` (RFC 7489 §7.1), or receivers drop them; a consent
 * record that could not be looked up is said as such, never taken for a refusal.
 */
import { ParsedDmarc, isDmarcRecord, ruaDomain } from '../../../records/dmarc-record';
import { DeliverabilityDns, OrgDomain, clip, txtRecord } from './dns';
import { serverFix } from '../dns-lookup';
import { Check } from '../report';

/** `fix`: the one corrected record for `_dmarc.<at>` (the same the dmarc.record line names). */
export async function ruaCheck(
  dns: DeliverabilityDns,
  at: string,
  d: ParsedDmarc,
  org: OrgDomain,
  fix: () => Promise<string>,
): Promise<Check> {
  const name = `_dmarc.${at}`;
  if (d.rua.length === 0)
    return {
      id: 'dmarc.rua',
      status: 'warn',
      message: `DMARC ${name}: ${d.tags.has('rua') ? `rua=${clip(d.tags.get('rua')!, 80)} holds no mailto: address receivers can use` : 'no rua='}: nobody receives the aggregate reports, so a stricter policy cannot be tried safely`,
      fix: `add a report address: ${await fix()}`,
    };
  const external = [...new Set(d.rua.map(ruaDomain))].filter((r) => org(r) !== org(at));
  const missing: string[] = [];
  const unknown: { domain: string; text: string; fix: string }[] = [];
  for (const r of external.slice(0, 5)) {
    const answer = await dns.txt(`${at}._report._dmarc.${r}`);
    if (answer.records.some(isDmarcRecord)) continue;
    if (answer.problem && !answer.problem.missing)
      unknown.push({ domain: r, text: answer.problem.text, fix: serverFix(answer.problem, dns.ctx) });
    else missing.push(r);
  }
  const said = [
    ...(missing.length
      ? [`${missing.join(', ')} has not agreed to receive reports for ${at}, so receivers drop them (RFC 7489 §7.1)`]
      : []),
    ...unknown.map((u) => `the consent record ${at}._report._dmarc.${u.domain} could not be looked up: ${u.text}`),
  ];
  return {
    id: 'dmarc.rua',
    status: said.length ? 'warn' : 'pass',
    message: `DMARC ${name}: reports go to ${d.rua.map((u) => clip(u, 80)).join(', ')}${said.length ? `; ${said.join('; ')}` : ''}`,
    fix: missing.length
      ? `the owner of ${missing[0]} publishes ${txtRecord(`${at}._report._dmarc.${missing[0]}`, 'v=DMARC1')}`
      : unknown[0]?.fix,
    data: { rua: d.rua, unauthorized: missing, notLookedUp: unknown.map((u) => u.domain) },
  };
}
