/**
 * `doctor smtp` with Amazon SES: where SES is asked, and what a failed SESv2 call means (no credentials,
 * a missing permission, something else), as a warning that names the permission.
 */
import { clip } from '../deliverability/dns';
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

export interface AwsError {
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

export function isCredentialsError(err: unknown): boolean {
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

export function credentialsWarning(t: SesTarget, err: unknown): Check {
  return {
    id: 'ses.credentials',
    status: 'warn',
    message: `could not ask SES in ${t.region} about the account or ${t.identity}: no usable AWS credentials (${describe(err)})`,
    fix: `run with AWS credentials that allow ses:GetAccount and ses:GetEmailIdentity (e.g. aws-vault exec PROFILE -- ghes-email doctor smtp …, or AWS_PROFILE=…), ${SKIP}`,
    data: { region: t.region, error: (err as AwsError).name },
  };
}

/** A call that failed for another reason than "not found": which permission, or what else to check. */
export function apiWarning(
  id: string,
  action: string,
  what: string,
  t: SesTarget,
  err: unknown,
  resource?: string,
): Check {
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
