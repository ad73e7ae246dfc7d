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
import type { GetAccountCommandOutput, GetEmailIdentityCommandOutput } from '@aws-sdk/client-sesv2';
import type { LoadedConfig } from '../../../config/config';
import { SES_MAIL_FROM_SPF, defaultMailFrom, sesFeedbackMx } from '../../../smtp/ses-smtp';
import { emailDomain } from '../../../core/value-rules';
import { classifyRelay, clip } from '../deliverability/dns';
import { Check } from '../report';

/** Where SES is asked, and about what. */
export interface SesTarget {
  readonly region: string;
  /** The SES identity: the no-reply address's domain. */
  readonly identity: string;
  readonly noreplyAddress: string;
  /** GHES's hostname, for the production-access request's website URL. */
  readonly hostname: string;
  /**
   * With smtp.relay.ses: the MAIL FROM domain the stack set up. @default - the relay was set up by hand: none expected
   */
  readonly expectedMailFrom?: string;
}

/**
 * The SES target of a config, or undefined when the relay is not SES (`smtp.relay.ses`, or `smtp.address`
 * email-smtp.REGION.amazonaws.com).
 */
export function sesTargetOf(loaded: LoadedConfig): SesTarget | undefined {
  const s = loaded.smtp;
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

interface AwsError {
  readonly name?: string;
  readonly message?: string;
  readonly $metadata?: { readonly httpStatusCode?: number };
}

const CREDENTIAL_ERRORS = new Set([
  'CredentialsProviderError',
  'UnrecognizedClientException',
  'InvalidClientTokenId',
  'ExpiredTokenException',
  'ExpiredToken',
  'InvalidSignatureException',
  'SignatureDoesNotMatch',
]);

function isCredentialsError(err: unknown): boolean {
  return CREDENTIAL_ERRORS.has((err as AwsError).name ?? '');
}

function isDenied(err: unknown): boolean {
  const e = err as AwsError;
  return (
    /AccessDenied|NotAuthorized|UnauthorizedOperation/i.test(e.name ?? '') ||
    (e.$metadata?.httpStatusCode === 403 && !isCredentialsError(err))
  );
}

/** The error as one line (AWS's text is untrusted: clipped here, escaped by the report). */
function describe(err: unknown): string {
  const e = err as AwsError;
  return `${e.name ?? 'Error'}: ${clip(e.message ?? String(err), 200)}`;
}

const SKIP = 'or skip these checks with --no-ses-checks';

function credentialsWarning(t: SesTarget, err: unknown): Check {
  return {
    id: 'ses.credentials',
    status: 'warn',
    message: `could not ask SES in ${t.region} about the account or ${t.identity}: no usable AWS credentials (${describe(err)})`,
    fix: `run with AWS credentials that allow ses:GetAccount and ses:GetEmailIdentity (e.g. aws-vault exec PROFILE -- ghes-email doctor smtp …, or AWS_PROFILE=…), ${SKIP}`,
    data: { region: t.region, error: (err as AwsError).name },
  };
}

/** A call that failed for another reason than "not found": which permission, or what else to check. */
function apiWarning(id: string, action: string, what: string, t: SesTarget, err: unknown, resource?: string): Check {
  const fix = isCredentialsError(err)
    ? `renew your AWS credentials (they were refused), ${SKIP}`
    : isDenied(err)
      ? `allow ${action}${resource ? ` on ${resource}` : ''} for your AWS credentials, ${SKIP}`
      : `check that this machine reaches the SES API in ${t.region} (email.${t.region}.amazonaws.com), ${SKIP}`;
  return {
    id,
    status: 'warn',
    message: `could not read ${what} in ${t.region} (${action}): ${describe(err)}`,
    fix,
    data: { action, region: t.region, error: (err as AwsError).name },
  };
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

/** SES's reasons for a failed verification (VerificationInfo.ErrorType), in DNS terms. */
const VERIFICATION_ERRORS: Readonly<Record<string, string>> = {
  DNS_SERVER_ERROR: "the domain's name servers did not answer",
  HOST_NOT_FOUND: 'SES found no record at the name',
  TYPE_NOT_FOUND: 'SES found the name but not a record of the expected type',
  INVALID_VALUE: 'a record has the wrong value',
  SERVICE_ERROR: 'an error inside SES',
};

/** What publishes the DKIM records: three CNAMEs for Easy DKIM, a TXT per selector for your own key (BYODKIM). */
function dkimRecords(t: SesTarget, identity: GetEmailIdentityCommandOutput): string {
  const d = identity.DkimAttributes;
  const tokens = (d?.Tokens ?? []).map((x) => clip(x, 80));
  if (d?.SigningAttributesOrigin === 'EXTERNAL')
    return `publish the TXT record of your own DKIM key at ${tokens.map((x) => `${x}._domainkey.${t.identity}`).join(', ') || `SELECTOR._domainkey.${t.identity}`}`;
  const cnames = tokens.map((x) => `${x}._domainkey.${t.identity} CNAME ${x}.dkim.amazonses.com`).join(', ');
  return `publish the ${tokens.length === 3 ? 'three ' : ''}DKIM CNAMEs${cnames ? ` ${cnames}` : ` (aws sesv2 get-email-identity --email-identity ${t.identity} --region ${t.region} lists them)`}`;
}

function identityChecks(t: SesTarget, result: PromiseSettledResult<GetEmailIdentityCommandOutput>): Check[] {
  if (result.status === 'rejected') {
    const err = result.reason as AwsError;
    if (err.name === 'NotFoundException') {
      return [
        {
          id: 'ses.identity',
          status: 'fail',
          message: `SES in ${t.region} has no identity ${t.identity}: it refuses mail from ${t.noreplyAddress} (554 Message rejected: Email address is not verified)`,
          fix: t.expectedMailFrom
            ? `cdktf deploy creates it (SesRelay); check that the stack's region is ${t.region}`
            : `create it: aws sesv2 create-email-identity --email-identity ${t.identity} --region ${t.region}, then publish the three DKIM CNAMEs it returns`,
          data: { region: t.region, identity: t.identity },
        },
      ];
    }
    return [
      apiWarning(
        'ses.identity',
        'ses:GetEmailIdentity',
        `the identity ${t.identity}`,
        t,
        err,
        `arn:aws:ses:${t.region}:<account>:identity/${t.identity}`,
      ),
    ];
  }
  const i = result.value;
  const checks: Check[] = [];
  const data = {
    region: t.region,
    identity: t.identity,
    verifiedForSending: i.VerifiedForSendingStatus,
    verificationStatus: i.VerificationStatus,
    errorType: i.VerificationInfo?.ErrorType,
  };
  if (i.VerifiedForSendingStatus) {
    checks.push({
      id: 'ses.identity',
      status: 'pass',
      message: `${t.identity} is verified for sending in ${t.region}`,
      data,
    });
  } else {
    const why = i.VerificationInfo?.ErrorType
      ? `; ${VERIFICATION_ERRORS[i.VerificationInfo.ErrorType] ?? i.VerificationInfo.ErrorType}`
      : '';
    checks.push({
      id: 'ses.identity',
      status: 'fail',
      message: `${t.identity} is not verified for sending in ${t.region} (verification ${i.VerificationStatus ?? 'status unknown'}${why}): SES refuses mail from ${t.noreplyAddress}`,
      // A domain identity is verified through its DKIM records; when the ses.dkim line lists them too, it is named
      // instead of repeating them.
      fix:
        i.DkimAttributes && i.DkimAttributes.Status !== 'SUCCESS'
          ? 'publish the DKIM records the ses.dkim line names (SES verifies a domain through them); verification can take up to 72 h'
          : `${dkimRecords(t, i)}; verification can take up to 72 h`,
      data,
    });
  }
  if (i.DkimAttributes) checks.push(dkimCheck(t, i));
  checks.push(mailFromCheck(t, i));
  return checks;
}

function dkimCheck(t: SesTarget, i: GetEmailIdentityCommandOutput): Check {
  const d = i.DkimAttributes!;
  const data = {
    status: d.Status,
    signingEnabled: d.SigningEnabled,
    origin: d.SigningAttributesOrigin,
    tokens: d.Tokens,
  };
  const records = dkimRecords(t, i);
  switch (d.Status) {
    case 'SUCCESS':
      return d.SigningEnabled === false
        ? {
            id: 'ses.dkim',
            status: 'warn',
            message: `DKIM for ${t.identity} is verified but signing is off: messages go out without a DKIM signature`,
            fix: `aws sesv2 put-email-identity-dkim-attributes --email-identity ${t.identity} --signing-enabled --region ${t.region}`,
            data,
          }
        : {
            id: 'ses.dkim',
            status: 'pass',
            message: `DKIM for ${t.identity} verified: SES signs with d=${t.identity}, aligned for DMARC`,
            data,
          };
    case 'PENDING':
      return {
        id: 'ses.dkim',
        status: 'warn',
        message: `DKIM for ${t.identity} is PENDING: SES has not found the records yet`,
        fix: `${records}; verification can take up to 72 h`,
        data,
      };
    case 'TEMPORARY_FAILURE':
      return {
        id: 'ses.dkim',
        status: 'warn',
        message: `DKIM for ${t.identity}: SES could not look the records up (TEMPORARY_FAILURE) and tries again`,
        fix: `check that the domain's name servers answer; ${records}`,
        data,
      };
    case 'FAILED':
      return {
        id: 'ses.dkim',
        status: 'fail',
        message: `DKIM for ${t.identity} FAILED: SES did not find the records, so messages are not DKIM-signed`,
        fix: `${records} (watch for a DNS provider that appends the domain a second time); ghes-email doctor deliverability --dkim-selector TOKEN shows what DNS answers; https://repost.aws/knowledge-center/ses-dkim-failing-verification`,
        data,
      };
    default:
      return {
        id: 'ses.dkim',
        status: 'warn',
        message: `DKIM for ${t.identity} is ${d.Status ?? 'not set up'}: messages go out without a DKIM signature`,
        fix: `aws sesv2 put-email-identity-dkim-signing-attributes --email-identity ${t.identity} --signing-attributes-origin AWS_SES --region ${t.region}`,
        data,
      };
  }
}

function mailFromCheck(t: SesTarget, i: GetEmailIdentityCommandOutput): Check {
  const m = i.MailFromAttributes;
  const domain = m?.MailFromDomain?.toLowerCase();
  const data = {
    mailFromDomain: m?.MailFromDomain,
    status: m?.MailFromDomainStatus,
    behaviorOnMxFailure: m?.BehaviorOnMxFailure,
    expected: t.expectedMailFrom,
  };
  const want = t.expectedMailFrom ?? defaultMailFrom(t.identity);
  const records = (name: string) =>
    `publish ${name} MX 10 ${sesFeedbackMx(t.region)} and ${name} TXT "${SES_MAIL_FROM_SPF}"`;
  if (!domain) {
    return {
      id: 'ses.mail-from',
      // Without one, SES's own amazonses.com is the envelope sender: mail flows, SPF just cannot align (DKIM still
      // can).
      status: t.expectedMailFrom ? 'warn' : 'info',
      message: `${t.identity} has no custom MAIL FROM domain: the envelope sender is amazonses.com, so SPF does not align for DMARC`,
      fix: t.expectedMailFrom
        ? `cdktf deploy sets ${want} (SesRelay)`
        : `aws sesv2 put-email-identity-mail-from-attributes --email-identity ${t.identity} --mail-from-domain ${want} --behavior-on-mx-failure USE_DEFAULT_VALUE --region ${t.region}, then ${records(want)}`,
      data,
    };
  }
  const shown = clip(domain, 120);
  if (t.expectedMailFrom && domain !== t.expectedMailFrom) {
    return {
      id: 'ses.mail-from',
      status: 'warn',
      message: `SES uses MAIL FROM ${shown} for ${t.identity}; the config says ${t.expectedMailFrom}`,
      fix: 'cdktf deploy sets the configured one (or change smtp.relay.ses.mailFromSubdomain)',
      data,
    };
  }
  const status = m!.MailFromDomainStatus;
  if (status === 'SUCCESS')
    return {
      id: 'ses.mail-from',
      status: 'pass',
      message: `MAIL FROM ${shown} verified: bounces come back through SES and SPF aligns for DMARC`,
      data,
    };
  // Until SES sees the MX it follows BehaviorOnMxFailure: amazonses.com as the sender, or refuse to send at all.
  const rejects = m!.BehaviorOnMxFailure === 'REJECT_MESSAGE';
  const effect = rejects
    ? 'SES refuses to send (MailFromDomainNotVerified, BehaviorOnMxFailure REJECT_MESSAGE)'
    : 'SES sends with amazonses.com as the envelope sender, so SPF does not align';
  const what =
    status === 'PENDING'
      ? 'SES has not found its MX yet'
      : status === 'FAILED'
        ? 'SES cannot find its MX record'
        : 'SES could not look its MX up';
  return {
    id: 'ses.mail-from',
    status: rejects ? 'fail' : 'warn',
    message: `MAIL FROM ${shown} is ${status ?? 'in an unknown state'}: ${what}; until then ${effect}`,
    fix: `${records(shown)}; SES can take up to 72 h to see it`,
    data,
  };
}
