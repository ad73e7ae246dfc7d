/**
 * The DMARC lines of `doctor deliverability` (RFC 7489): the record
 * (dmarc.record), what it asks receivers to do (dmarc.policy), whether SPF or
 * DKIM can align with the From domain (dmarc.alignment), and where reports go
 * (dmarc.rua, dmarc-rua.ts). The record is looked up at `_dmarc.<From domain>`, then at the
 * organizational domain (§6.6.3) from the Public Suffix List. A record receivers discard is quoted with the reason,
 * and every line that suggests a record for a name suggests the same one: the operator's, corrected.
 */
import {
  DmarcPolicy,
  ParsedDmarc,
  correctDmarc,
  isDmarcRecord,
  looksLikeDmarc,
  parseDmarc,
  whyIgnored,
} from '../../../records/dmarc-record';
import { DeliverabilityDns, OrgDomain, Relay, clip, loadOrgDomain } from './dns';
import { ruaCheck } from './dmarc-rua';
import { publishTxt } from './fix-records';
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
  const org = await loadOrgDomain();
  const exact = input.configured ?? `v=DMARC1; p=none; rua=mailto:dmarc-reports@${domain}`;
  const found = await lookup(dns, domain, org);
  if (found.kind === 'error')
    return [
      {
        id: 'dmarc.record',
        status: 'fail',
        message: `DMARC _dmarc.${domain}: could not be looked up: ${found.text}`,
        fix: found.fix,
      },
    ];
  const checks: Check[] = [];
  if (found.ignored)
    checks.push(await ignoredCheck(dns, found.ignored, found.kind === 'record' ? found.at : undefined));
  if (found.kind === 'none') {
    if (found.ignored) return checks;
    const where = found.tried.map((d) => `_dmarc.${d}`).join(' or ');
    const add = await publishTxt(dns, `_dmarc.${domain}`, exact, undefined);
    return [
      {
        id: 'dmarc.record',
        status: 'fail',
        message: `DMARC ${domain}: no record at ${where}: receivers apply no policy, and Gmail and Yahoo require one from bulk senders`,
        fix: `${add}${input.configured ? ' (senderAuth.dmarc creates it on deploy)' : ' (rua: an address that can receive the daily reports)'}`,
        data: { tried: found.tried },
      },
    ];
  }
  const name = `_dmarc.${found.at}`;
  // One suggested record for the name, whichever line needs it: the operator's own, corrected.
  let fixText: Promise<string> | undefined;
  const fix = () =>
    (fixText ??= (async () => {
      const c = correctDmarc(found.texts.join('; '), found.at);
      const line = await publishTxt(dns, name, c.record, found.texts.length > 1 ? 'all of them' : 'the current one');
      const merged = found.texts.length > 1 ? [`merged the ${found.texts.length} records into one`] : [];
      return `${line}${[...merged, ...c.changes].length ? ` (changes: ${[...merged, ...c.changes].join('; ')})` : ''}`;
    })());
  if (found.texts.length > 1) {
    checks.push({
      id: 'dmarc.record',
      status: 'fail',
      message: `DMARC ${name}: ${found.texts.length} records (${found.texts.map((x) => `"${clip(x, 120)}"`).join(' | ')}): receivers apply none of them (RFC 7489 §6.6.3)`,
      fix: `keep one: ${await fix()}`,
      data: { seen: found.texts },
    });
    return checks;
  }
  const text = found.texts[0];
  const d = parseDmarc(text);
  const inherited = found.at !== domain;
  const rel = inherited ? ` (inherited from _dmarc.${found.at}: ${domain} has none of its own)` : '';
  // RFC 7489 §6.6.3: without a valid p=, a record with a usable rua= counts as p=none; without one, as no record.
  const usable = d.policy !== undefined || d.rua.length > 0;
  if (!found.ignored)
    checks.push({
      id: 'dmarc.record',
      status: d.problems.length === 0 ? 'pass' : usable ? 'warn' : 'fail',
      message: `DMARC ${name}: "${clip(text)}"${rel}${
        d.problems.length
          ? `: ${d.problems
              .slice(0, 3)
              .map((x) => clip(x, 200))
              .join('; ')}`
          : ''
      }`,
      fix: d.problems.length === 0 ? undefined : await fix(),
      data: { name, seen: text, tags: Object.fromEntries(d.tags) },
    });
  const policy: DmarcPolicy = (inherited ? (d.subdomainPolicy ?? d.policy) : d.policy) ?? 'none';
  checks.push(policyCheck(domain, policy, d, inherited));
  checks.push(alignmentCheck(input, d, policy, org));
  checks.push(await ruaCheck(dns, found.at, d, org, fix));
  return checks;
}

interface Ignored {
  readonly at: string;
  readonly texts: readonly string[];
}

type Found =
  | { kind: 'error'; text: string; fix: string }
  | { kind: 'none'; tried: string[]; ignored?: Ignored }
  | { kind: 'record'; at: string; texts: string[]; ignored?: Ignored };

async function lookup(dns: DeliverabilityDns, domain: string, org: OrgDomain): Promise<Found> {
  const organizational = org(domain);
  const tried: string[] = [];
  let ignored: Ignored | undefined;
  for (const at of organizational === domain ? [domain] : [domain, organizational]) {
    tried.push(at);
    const answer = await dns.txt(`_dmarc.${at}`);
    if (answer.problem && !answer.problem.missing)
      return { kind: 'error', text: answer.problem.text, fix: serverFix(answer.problem, dns.ctx) };
    const texts = answer.records.filter(isDmarcRecord);
    if (texts.length > 0) return { kind: 'record', at, texts, ignored };
    const discarded = answer.records.filter(looksLikeDmarc);
    if (discarded.length > 0) ignored ??= { at, texts: discarded };
  }
  return { kind: 'none', tried, ignored };
}

/** A record that was meant as DMARC but that receivers discard: quoted, why, and the record it should be. */
async function ignoredCheck(dns: DeliverabilityDns, ignored: Ignored, instead: string | undefined): Promise<Check> {
  const name = `_dmarc.${ignored.at}`;
  const c = correctDmarc(ignored.texts.join('; '), ignored.at);
  const line = await publishTxt(dns, name, c.record, ignored.texts.length > 1 ? 'all of them' : 'the current one');
  return {
    id: 'dmarc.record',
    status: 'fail',
    message: `DMARC ${name}: a record exists, but receivers ignore it: "${clip(ignored.texts[0])}": ${whyIgnored(ignored.texts[0])}${instead ? `; they apply _dmarc.${instead}'s policy instead` : '; so no DMARC policy applies'}`,
    fix: `${line}${c.changes.length ? ` (changes: ${c.changes.join('; ')})` : ''}`,
    data: { name, seen: ignored.texts },
  };
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

function alignmentCheck(input: DmarcInput, d: ParsedDmarc, policy: DmarcPolicy, org: OrgDomain): Check {
  // Same organizational domain, or the same name when the mode is strict (RFC 7489 §3.1).
  const aligned = (a: string, b: string, mode: 'r' | 's') => (mode === 's' ? a === b : org(a) === org(b));
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
