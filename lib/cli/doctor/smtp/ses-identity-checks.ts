/**
 * `doctor smtp` with Amazon SES: the identity checks (verified, DKIM, custom MAIL FROM) of GetEmailIdentity.
 * ses-checks.ts asks SES and decides what a failed call means.
 */
import type { GetEmailIdentityCommandOutput } from '@aws-sdk/client-sesv2';
import { SES_MAIL_FROM_SPF, defaultMailFrom, sesFeedbackMx } from '../../../smtp/ses-smtp';
import { clip } from '../deliverability/dns';
import { Check } from '../report';
import { AwsError, SesTarget, apiWarning } from './ses-api';

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

export function identityChecks(t: SesTarget, result: PromiseSettledResult<GetEmailIdentityCommandOutput>): Check[] {
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
