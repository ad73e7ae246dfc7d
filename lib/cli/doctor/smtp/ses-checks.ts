/**
 * `doctor smtp` with Amazon SES as the relay: what the SMTP conversation cannot
 * show. An account in the SES sandbox takes AUTH and MAIL FROM and then refuses
 * every recipient that is not verified; an unverified identity refuses the sender;
 * DKIM and the custom MAIL FROM decide whether DMARC passes. SESv2 GetAccount and
 * GetEmailIdentity tell, read with the operator's AWS credentials (the SDK's
 * default chain; AWS_ENDPOINT_URL_SESV2 points it elsewhere, as tests do).
 * An API failure is a warning that names the permission: the conversation's
 * own checks stay the verdict on the relay.
 */
import type { GetAccountCommandOutput } from '@aws-sdk/client-sesv2';
import type { LoadedConfig } from '../../../config/config';
import { emailDomain } from '../../../core/value-rules';
import { classifyRelay } from '../deliverability/dns';
import { defaultMailFrom } from '../../../smtp/ses-smtp';
import { Check } from '../report';
import { identityChecks } from './ses-identity-checks';
import { SesTarget, apiWarning, credentialsWarning, isCredentialsError } from './ses-api';

/**
 * The SES target of a config, or undefined when the relay is not SES (`smtp.relay.ses`, or `smtp.address`
 * email-smtp.REGION.amazonaws.com).
 */
export function sesTargetOf(loaded: LoadedConfig): SesTarget | undefined {
  const s = loaded.smtp;
  if (s === undefined) return undefined;
  const relay = classifyRelay(s.address);
  const ses = s.relay?.ses;
  const region = relay.kind === 'ses' ? relay.region : ses ? (ses.region ?? loaded.config.region) : undefined;
  if (region === undefined) return undefined;
  const identity = emailDomain(s.noreplyAddress);
  const expectedMailFrom = ses ? (ses.mailFromSubdomain ?? defaultMailFrom(identity)).toLowerCase() : undefined;
  return { region, identity, noreplyAddress: s.noreplyAddress, hostname: loaded.config.hostname, expectedMailFrom };
}

export interface SesCheckOptions {
  /** Connect and per-request timeout of each API call. */
  readonly timeoutMs: number;
  readonly progress: (line: string) => void;
}

/** The account (sandbox, sending) and identity (verified, DKIM, MAIL FROM) checks; never throws. */
export async function runSesChecks(t: SesTarget, opts: SesCheckOptions): Promise<Check[]> {
  opts.progress(
    `doctor smtp: the relay is Amazon SES: reading the account and the identity ${t.identity} in ${t.region} with your AWS credentials …`,
  );
  // Loaded only when the relay is SES, as resolve-secret does for its clients: the CLI starts faster.
  const { SESv2Client, GetAccountCommand, GetEmailIdentityCommand } = await import('@aws-sdk/client-sesv2');
  const client = new SESv2Client({
    region: t.region,
    requestHandler: { connectionTimeout: opts.timeoutMs, requestTimeout: opts.timeoutMs },
  });
  try {
    const [account, identity] = await Promise.allSettled([
      client.send(new GetAccountCommand({})),
      client.send(new GetEmailIdentityCommand({ EmailIdentity: t.identity })),
    ]);
    // No credentials at all fails both calls alike: one line says so, instead of two.
    if (account.status === 'rejected' && identity.status === 'rejected' && isCredentialsError(account.reason))
      return [credentialsWarning(t, account.reason)];
    return [...accountChecks(t, account), ...identityChecks(t, identity)];
  } finally {
    client.destroy();
  }
}

function accountChecks(t: SesTarget, result: PromiseSettledResult<GetAccountCommandOutput>): Check[] {
  if (result.status === 'rejected')
    return [apiWarning('ses.account', 'ses:GetAccount', 'the SES account', t, result.reason)];
  const a = result.value;
  const q = a.SendQuota ?? {};
  // SES documents -1 as an unlimited 24-hour quota.
  const max = q.Max24HourSend === undefined ? 'unknown' : q.Max24HourSend < 0 ? 'unlimited' : String(q.Max24HourSend);
  const quota = `${max} messages per 24 h, ${q.MaxSendRate ?? 'unknown'} per second`;
  const data = {
    region: t.region,
    productionAccessEnabled: a.ProductionAccessEnabled,
    sendingEnabled: a.SendingEnabled,
    enforcementStatus: a.EnforcementStatus,
    sendQuota: q,
  };
  const checks: Check[] = [];
  if (a.ProductionAccessEnabled) {
    checks.push({
      id: 'ses.sandbox',
      status: 'pass',
      message: `production access in ${t.region}: SES delivers to any address (${quota})`,
      data,
    });
  } else {
    const review = a.Details?.ReviewDetails;
    const caseNote = review?.CaseId ? ` (case ${review.CaseId})` : '';
    const pending = review?.Status === 'PENDING';
    checks.push({
      id: 'ses.sandbox',
      status: 'fail',
      message:
        `the SES account is in the sandbox in ${t.region}: it delivers only to verified addresses and domains (${quota}), so notifications to anyone else are refused` +
        (review?.Status ? `; the request for production access is ${review.Status}${caseNote}` : ''),
      fix: pending
        ? `wait for AWS's answer to the production access request${caseNote}`
        : `request production access: aws sesv2 put-account-details --production-access-enabled --mail-type TRANSACTIONAL --website-url https://${t.hostname} --use-case-description "GitHub Enterprise Server notifications" --region ${t.region} (or SES console → Get set up → Request production access)`,
      data: { ...data, review },
    });
  }
  checks.push(sendingCheck(t, a, data));
  return checks;
}

function sendingCheck(t: SesTarget, a: GetAccountCommandOutput, data: Record<string, unknown>): Check {
  const q = a.SendQuota ?? {};
  if (a.EnforcementStatus === 'SHUTDOWN') {
    return {
      id: 'ses.sending',
      status: 'fail',
      message: `AWS paused sending for the account in ${t.region} (enforcement status SHUTDOWN, over bounces or complaints)`,
      fix: "see SES console → Reputation metrics and AWS's message, fix the cause, then ask AWS Support to resume sending",
      data,
    };
  }
  if (a.SendingEnabled === false) {
    return {
      id: 'ses.sending',
      status: 'fail',
      message: `sending is disabled for the account in ${t.region}`,
      fix: `aws sesv2 put-account-sending-attributes --sending-enabled --region ${t.region}`,
      data,
    };
  }
  if (a.EnforcementStatus === 'PROBATION') {
    return {
      id: 'ses.sending',
      status: 'warn',
      message: `the account in ${t.region} is under review (enforcement status PROBATION): bounce or complaint rates are too high`,
      fix: 'see SES console → Reputation metrics and fix the cause before AWS pauses sending',
      data,
    };
  }
  if (q.Max24HourSend !== undefined && q.Max24HourSend > 0 && (q.SentLast24Hours ?? 0) >= q.Max24HourSend) {
    return {
      id: 'ses.sending',
      status: 'warn',
      message: `the 24-hour quota in ${t.region} is used up (${q.SentLast24Hours} of ${q.Max24HourSend} sent): SES refuses more until older messages age out`,
      fix: 'ask for a higher sending quota (Service Quotas → Amazon SES → Sending quota)',
      data,
    };
  }
  return {
    id: 'ses.sending',
    status: 'pass',
    message: `sending enabled in ${t.region} (enforcement status ${a.EnforcementStatus ?? 'unknown'}; ${q.SentLast24Hours ?? 0} sent in the last 24 h)`,
    data,
  };
}
