/**
 * The DMARC lines of `doctor deliverability` (RFC 7489): the record
 * (dmarc.record), what it asks receivers to do (dmarc.policy), whether SPF or
 * DKIM can align with the From domain (dmarc.alignment), and where reports go
 * (dmarc.rua). The record is looked up at `_dmarc.<From domain>`, then at the
 * organizational domain (§6.6.3), approximated without the Public Suffix List.
 */
import { DmarcPolicy, ParsedDmarc, isDmarcRecord, parseDmarc, ruaDomain } from '../../../records/dmarc-record';
import { DeliverabilityDns, Relay, clip, orgDomain, txtRecord } from './dns';
import { serverFix } from '../dns-lookup';
import { Check } from '../report';

export interface DmarcInput {
  readonly fromDomain: string;
  /** The envelope domain when it differs from the From domain. @default - the From domain (SES: amazonses.com) */
  readonly mailFromDomain?: string;
  readonly relay: Relay;
  /** What SPF and DKIM found: alignment needs one of them. */
  readonly spfCovered?: boolean;
  readonly dkim: 'found' | 'missing' | 'unknown';
  /** The record senderAuth.dmarc publishes. @default - none configured */
  readonly configured?: string;
}

const EFFECT: Readonly<Record<DmarcPolicy, string>> = {
  none: 'deliver it and only report it',
  quarantine: 'put it in spam',
  reject: 'refuse it',
};

export async function checkDmarc(dns: DeliverabilityDns, input: DmarcInput): Promise<Check[]> {
  const domain = input.fromDomain;
  const exact = input.configured ?? `v=DMARC1; p=none; rua=mailto:dmarc-reports@${domain}`;
  const add = `publish ${txtRecord(`_dmarc.${domain}`, exact)}${input.configured ? ' (senderAuth.dmarc creates it on deploy)' : ' (rua: an address that can receive the daily reports)'}`;
  const found = await lookup(dns, domain);
  if (found.kind === 'error')
    return [
      {
        id: 'dmarc.record',
        status: 'fail',
        message: `DMARC _dmarc.${domain}: could not be looked up: ${found.text}`,
        fix: found.fix,
      },
    ];
  if (found.kind === 'none') {
    const where = found.tried.map((d) => `_dmarc.${d}`).join(' or ');
    return [
      {
        id: 'dmarc.record',
        status: 'fail',
        message: `DMARC ${domain}: no record at ${where}: receivers apply no policy, and Gmail and Yahoo require one from bulk senders`,
        fix: add,
        data: { tried: found.tried },
      },
    ];
  }
  if (found.texts.length > 1) {
    return [
      {
        id: 'dmarc.record',
        status: 'fail',
        message: `DMARC _dmarc.${found.at}: ${found.texts.length} records: receivers apply none of them (RFC 7489 §6.6.3)`,
        fix: 'keep exactly one TXT string that starts with "v=DMARC1"',
        data: { seen: found.texts },
      },
    ];
  }
  const text = found.texts[0];
  const d = parseDmarc(text);
  const inherited = found.at !== domain;
  const checks: Check[] = [];
  const rel = inherited ? ` (inherited from _dmarc.${found.at}: ${domain} has none of its own)` : '';
  // RFC 7489 §6.6.3: without a valid p=, a record with a usable rua= counts as p=none; without one, as no record.
  const usable = d.policy !== undefined || d.rua.length > 0;
  checks.push({
    id: 'dmarc.record',
    status: d.problems.length === 0 ? 'pass' : usable ? 'warn' : 'fail',
    message: `DMARC _dmarc.${found.at}: "${clip(text)}"${rel}${
      d.problems.length
        ? `: ${d.problems
            .slice(0, 3)
            .map((x) => clip(x, 200))
            .join('; ')}`
        : ''
    }`,
    fix: d.problems.length === 0 ? undefined : `correct it, e.g. ${txtRecord(`_dmarc.${found.at}`, exact)}`,
    data: { name: `_dmarc.${found.at}`, seen: text, tags: Object.fromEntries(d.tags) },
  });
  const policy: DmarcPolicy = (inherited ? (d.subdomainPolicy ?? d.policy) : d.policy) ?? 'none';
  checks.push(policyCheck(domain, policy, d, inherited));
  checks.push(alignmentCheck(input, d, policy));
  checks.push(await ruaCheck(dns, found.at, d, text));
  return checks;
}

type Found =
  | { kind: 'error'; text: string; fix: string }
  | { kind: 'none'; tried: string[] }
  | { kind: 'record'; at: string; texts: string[] };

async function lookup(dns: DeliverabilityDns, domain: string): Promise<Found> {
  const org = orgDomain(domain);
  const tried: string[] = [];
  for (const at of org === domain ? [domain] : [domain, org]) {
    tried.push(at);
    const answer = await dns.txt(`_dmarc.${at}`);
    if (answer.problem && !answer.problem.missing)
      return { kind: 'error', text: answer.problem.text, fix: serverFix(answer.problem, dns.ctx) };
    const texts = answer.records.filter(isDmarcRecord);
    if (texts.length > 0) return { kind: 'record', at, texts };
  }
  return { kind: 'none', tried };
}

function policyCheck(domain: string, policy: DmarcPolicy, d: ParsedDmarc, inherited: boolean): Check {
  const tag = inherited && d.subdomainPolicy ? 'sp' : 'p';
  const pct =
    d.pct < 100 && policy !== 'none'
      ? ` for ${d.pct}% of failing mail (pct=${d.pct}; the rest is treated one step milder)`
      : '';
  return {
    id: 'dmarc.policy',
    status: policy === 'none' ? 'info' : 'pass',
    message: `DMARC ${domain}: ${tag}=${policy}: mail from ${domain} that fails DMARC: receivers ${EFFECT[policy]}${pct}`,
    fix:
      policy === 'none'
        ? 'monitoring only, a safe start: once the reports show every sender of the domain aligned, move to p=quarantine, then p=reject'
        : undefined,
    data: { policy, pct: d.pct },
  };
}

/** Same organizational domain, or the same name when the mode is strict (RFC 7489 §3.1). */
function aligned(a: string, b: string, mode: 'r' | 's'): boolean {
  return mode === 's' ? a === b : orgDomain(a) === orgDomain(b);
}

function alignmentCheck(input: DmarcInput, d: ParsedDmarc, policy: DmarcPolicy): Check {
  const from = input.fromDomain;
  const envelope = input.mailFromDomain ?? (input.relay.kind === 'ses' ? 'amazonses.com' : from);
  const spfAligns = input.spfCovered === true && aligned(envelope, from, d.aspf);
  const spfWhy = !aligned(envelope, from, d.aspf)
    ? `SPF cannot align: the envelope domain ${envelope} is not ${d.aspf === 's' ? 'exactly' : 'under the same organization as'} ${from}${d.aspf === 's' ? ' (aspf=s)' : ''}`
    : input.spfCovered === true
      ? `SPF aligns (MAIL FROM ${envelope})`
      : input.spfCovered === false
        ? `SPF does not pass for the relay at ${envelope}`
        : `SPF at ${envelope} not confirmed`;
  // The keys checked live under <selector>._domainkey.<From domain>: a signature with them has d=<From domain>, aligned
  // in either mode.
  const dkimWhy =
    input.dkim === 'found'
      ? `DKIM aligns (a key for ${from} is published)`
      : input.dkim === 'missing'
        ? `no DKIM key for ${from} at the selectors given`
        : 'DKIM not confirmed (no selector known)';
  const ok = spfAligns || input.dkim === 'found';
  const unknown = !ok && (input.dkim === 'unknown' || input.spfCovered === undefined);
  return {
    id: 'dmarc.alignment',
    status: ok ? 'pass' : unknown ? 'warn' : 'fail',
    message: `DMARC ${from}: ${spfWhy}; ${dkimWhy}${ok ? '' : `: mail from ${from} would fail DMARC, and receivers ${EFFECT[policy]}`}`,
    fix: ok
      ? undefined
      : input.relay.kind === 'ses'
        ? `verify ${from} in SES with Easy DKIM and publish its three CNAMEs (the stack's SES relay does), then run again with --dkim-selector for each token`
        : `turn on DKIM signing for ${from} at the relay and publish its key (DKIM survives forwarding; SPF does not), and authorize the relay in SPF of ${envelope}`,
    data: { envelope, aspf: d.aspf, adkim: d.adkim, spf: spfAligns, dkim: input.dkim },
  };
}

/** Reports to another organization's domain need its consent record (RFC 7489 §7.1), or receivers drop them. */
async function ruaCheck(dns: DeliverabilityDns, at: string, d: ParsedDmarc, text: string): Promise<Check> {
  const name = `_dmarc.${at}`;
  if (d.rua.length === 0) {
    // Trailing ";" and spaces trimmed by hand: /[;\s]+$/ backtracks quadratically on a long inner run of them.
    let end = text.length;
    while (end > 0 && (text[end - 1] === ';' || text[end - 1] === ' ' || text[end - 1] === '\t')) end--;
    const withRua = `${text.slice(0, end)}; rua=mailto:dmarc-reports@${at}`;
    return {
      id: 'dmarc.rua',
      status: 'warn',
      message: `DMARC ${name}: no rua=: nobody receives the aggregate reports, so a stricter policy cannot be tried safely`,
      fix: `add a report address: ${txtRecord(name, clip(withRua, 400))}`,
    };
  }
  const external = [...new Set(d.rua.map(ruaDomain))].filter((r) => orgDomain(r) !== orgDomain(at));
  const missing: string[] = [];
  for (const r of external.slice(0, 5)) {
    const answer = await dns.txt(`${at}._report._dmarc.${r}`);
    if (!answer.records.some((x) => x.startsWith('v=DMARC1'))) missing.push(r);
  }
  return {
    id: 'dmarc.rua',
    status: missing.length ? 'warn' : 'pass',
    message: `DMARC ${name}: reports go to ${d.rua.map((u) => clip(u, 80)).join(', ')}${missing.length ? `; ${missing.join(', ')} has not agreed to receive reports for ${at}, so receivers drop them (RFC 7489 §7.1)` : ''}`,
    fix: missing.length
      ? `the owner of ${missing[0]} publishes ${txtRecord(`${at}._report._dmarc.${missing[0]}`, 'v=DMARC1')}`
      : undefined,
    data: { rua: d.rua, unauthorized: missing },
  };
}
