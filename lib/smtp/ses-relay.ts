/**
 * Amazon SES as GHES's SMTP relay: an SESv2 domain identity for the no-reply
 * address's domain with Easy DKIM, a custom MAIL FROM domain (so SPF aligns
 * for DMARC), their DNS records, an IAM user that may only send as the no-reply
 * address, and an empty Secrets Manager secret for its SMTP credentials.
 * `ghes-email relay-credentials` fills the secret, so the SMTP password never
 * passes through Terraform state (unless smtpPasswordInState opts in).
 * https://docs.aws.amazon.com/ses/latest/dg/send-email-smtp.html
 */
import { createHash } from 'node:crypto';
import { Fn, Op, TerraformOutput, TerraformResourceLifecycle, Token } from 'cdktf';
import { Construct } from 'constructs';
import { IamAccessKey } from '@cdktf/provider-aws/lib/iam-access-key';
import { IamUser } from '@cdktf/provider-aws/lib/iam-user';
import { IamUserPolicy } from '@cdktf/provider-aws/lib/iam-user-policy';
import { Route53Record } from '@cdktf/provider-aws/lib/route53-record';
import { SecretsmanagerSecret } from '@cdktf/provider-aws/lib/secretsmanager-secret';
import { SecretsmanagerSecretVersion } from '@cdktf/provider-aws/lib/secretsmanager-secret-version';
import { Sesv2EmailIdentity } from '@cdktf/provider-aws/lib/sesv2-email-identity';
import { Sesv2EmailIdentityMailFromAttributes } from '@cdktf/provider-aws/lib/sesv2-email-identity-mail-from-attributes';
import { Problems, ValidationError, renamedProps } from '../core/problems';
import { HostedZoneRef, validateHostedZone } from '../core/hosted-zone';
import { SecretRef } from '../core/secret-ref';
import {
  SES_DKIM_TARGET_DOMAIN,
  SES_DKIM_TOKEN_COUNT,
  SES_MAIL_FROM_SPF,
  SES_CREDENTIALS_TAG,
  SES_RELAY_KIND,
  SES_SMTP_PORT,
  SesRelayOptions,
  defaultMailFrom,
  sesFeedbackMx,
  sesSmtpEndpoint,
  checkSesRegion,
  validateSesRelayOptions,
} from './ses-smtp';
import { SmtpSettings, SmtpSettingsProps } from './smtp-settings';
import { GhesConstruct } from '../core/terraform-literals';
import { hostedZoneId } from '../core/hosted-zone-id';
import { stackRegion, stackRegionExpression } from '../core/stack-region';
import { checkEmail, checkHostname, checkIntRange, emailDomain, isToken } from '../core/value-rules';

export interface SesRelayProps extends SesRelayOptions {
  /**
   * The GHES hostname: reply.<hostname> and noreply.<hostname> keep their MX records, so the MAIL FROM domain may not
   * be one of them.
   */
  readonly hostname: string;
  /** Route53 hosted zone that holds the no-reply address's domain: the DKIM and MAIL FROM records go there. */
  readonly hostedZone: HostedZoneRef;
  /**
   * The no-reply address GHES sends from: its domain becomes the SES identity, and the IAM user may send as this
   * address only.
   */
  readonly noreplyAddress: string;
  /** TTL of the records in seconds. @default 300 */
  readonly ttl?: number;
}

/** The settings SesRelay.smtpSettings completes: everything but the relay's own fields. */
export type SesSmtpSettingsProps = Omit<
  SmtpSettingsProps,
  | 'address'
  | 'port'
  | 'authentication'
  | 'username'
  | 'password'
  | 'credentials'
  | 'enableStarttlsAuto'
  | 'relay'
  | 'noreplyAddress'
> & {
  /** Must be the relay's no-reply address. @default - the relay's */
  readonly noreplyAddress?: string;
};

/** Records every problem with the props under `p`. */
export function validateSesRelayProps(p: Problems, props: SesRelayProps): void {
  checkHostname(p, 'hostname', props.hostname);
  // The zone must hold the sending domain, which validateSesRelayOptions checks against noreplyAddress.
  renamedProps(p, props, { zone: 'hostedZone' });
  validateHostedZone(p.at('hostedZone'), props.hostedZone, undefined);
  checkEmail(p, 'noreplyAddress', props.noreplyAddress);
  checkIntRange(p, 'ttl', props.ttl, 0, 2147483647, 'a TTL in seconds');
  validateSesRelayOptions(
    p,
    props,
    {
      hostname: props.hostname,
      noreplyAddress: props.noreplyAddress,
      zoneName: props.hostedZone?.name,
      zonePrivate: props.hostedZone?.private,
    },
    { p, key: 'noreplyAddress' },
  );
}

/**
 * IAM user names are global to the account, at most 64 characters of [\w+=,.@-]:
 * the region and domain name the identity, shortened with a hash when too long.
 */
export function sesSmtpUserName(region: string, domain: string): string {
  const prefix = `ghes-email-ses-${isToken(region) ? '' : `${region}-`}`;
  const room = 64 - prefix.length - (isToken(region) ? 16 : 0);
  const name =
    domain.length <= room
      ? domain
      : `${domain.slice(0, room - 9)}-${createHash('sha256').update(domain).digest('hex').slice(0, 8)}`;
  return isToken(region) ? `${prefix}${name}-${region}` : `${prefix}${name}`;
}

/**
 * With the provider's region known only at plan and a literal `region`, Terraform checks at plan that they are the
 * same: the identity is made in the provider's region, while GHES is told email-smtp.<region>.amazonaws.com.
 */
function regionPrecondition(
  scope: Construct,
  providerRegion: string | undefined,
  region: string,
): TerraformResourceLifecycle | undefined {
  const expression = providerRegion === undefined ? stackRegionExpression(scope) : undefined;
  if (expression === undefined || !isToken(expression) || isToken(region)) return undefined;
  return {
    precondition: [
      {
        condition: Op.eq(expression, region),
        errorMessage: `ghes-email: smtp.relay.ses.region is ${region}, but the AWS provider's region is another: the SES identity would be made there while GHES is told ${sesSmtpEndpoint(region)}. Make them the same.`,
      },
    ],
  };
}

export class SesRelay extends GhesConstruct {
  /** The sending domain: the domain of the no-reply address. */
  public readonly domain: string;
  public readonly mailFromDomain: string;
  public readonly noreplyAddress: string;
  public readonly region: string;
  public readonly identity: Sesv2EmailIdentity;
  public readonly user: IamUser;
  /**
   * Holds {"username": …, "password": …}: empty until `ghes-email relay-credentials` runs (or Terraform fills it with
   * smtpPasswordInState).
   */
  public readonly secret: SecretsmanagerSecret;
  /** The secret as the SMTP settings' credentials. */
  public readonly credentials: SecretRef;
  /** Every record created, by role. */
  public readonly records: Record<string, Route53Record> = {};

  constructor(scope: Construct, id: string, props: SesRelayProps) {
    super(scope, id);
    const p = new Problems(this.node.path);
    const providerRegion = stackRegion(this);
    validateSesRelayProps(p, props);
    checkSesRegion(p, props.region, providerRegion);
    p.throwIfAny('Invalid SesRelay props');

    const region = props.region ?? providerRegion!;
    this.region = region;
    this.noreplyAddress = props.noreplyAddress;
    this.domain = emailDomain(props.noreplyAddress);
    this.mailFromDomain = (props.mailFromSubdomain ?? defaultMailFrom(this.domain)).toLowerCase();
    const ttl = props.ttl ?? 300;
    const zoneId = hostedZoneId(this, props.hostedZone);
    const record = (rid: string, name: string, type: string, values: string[]) => {
      this.records[rid] = new Route53Record(this, rid, { zoneId, name, type, ttl, records: values });
    };

    // Easy DKIM is on by default for an SESv2 domain identity; its CNAMEs also verify the domain.
    this.identity = new Sesv2EmailIdentity(this, 'identity', {
      emailIdentity: this.domain,
      lifecycle: regionPrecondition(this, providerRegion, region),
    });
    const tokens = this.identity.dkimSigningAttributes.tokens;
    for (let i = 0; i < SES_DKIM_TOKEN_COUNT; i++) {
      const token = Token.asString(Fn.element(tokens, i));
      record(`dkim-${i}`, `${token}._domainkey.${this.domain}`, 'CNAME', [`${token}.${SES_DKIM_TARGET_DOMAIN}`]);
    }

    // Bounces come back to the MAIL FROM domain; until its MX is seen, SES falls back to its own (mail still flows).
    new Sesv2EmailIdentityMailFromAttributes(this, 'mail-from', {
      emailIdentity: this.identity.emailIdentity,
      mailFromDomain: this.mailFromDomain,
      behaviorOnMxFailure: 'USE_DEFAULT_VALUE',
    });
    record('mail-from-mx', this.mailFromDomain, 'MX', [`10 ${sesFeedbackMx(region)}`]);
    record('mail-from-spf', this.mailFromDomain, 'TXT', [SES_MAIL_FROM_SPF]);

    // Access keys are made outside Terraform (relay-credentials): force_destroy lets a destroy delete them.
    this.user = new IamUser(this, 'smtp-user', {
      name: sesSmtpUserName(region, this.domain),
      path: '/ghes-email/',
      forceDestroy: true,
    });
    new IamUserPolicy(this, 'smtp-user-policy', {
      name: 'ses-send-as-noreply',
      user: this.user.name,
      // SMTP sends go through ses:SendRawEmail (https://docs.aws.amazon.com/ses/latest/dg/control-user-access.html).
      policy: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            Sid: 'SendAsNoReplyOnly',
            Effect: 'Allow',
            Action: 'ses:SendRawEmail',
            Resource: this.identity.arn,
            Condition: { StringEquals: { 'ses:FromAddress': props.noreplyAddress } },
          },
        ],
      }),
    });

    // No version: the secret stays empty, so no password reaches Terraform state.
    this.secret = new SecretsmanagerSecret(this, 'smtp-credentials', {
      // Short and domain-free: the ARN lands in the user data, whose size EC2 caps (BootScript counts it).
      namePrefix: 'ghes-email-ses-smtp-',
      description: `SES SMTP credentials {username, password} of ${this.user.name} for GHES; written by ghes-email relay-credentials`,
      // Who writes the value: relay-credentials refuses a secret that Terraform manages (smtpPasswordInState).
      tags: { [SES_CREDENTIALS_TAG]: props.smtpPasswordInState ? 'terraform' : 'relay-credentials' },
    });
    this.credentials = SecretRef.fromSecretsManager(this.secret.arn);
    if (props.smtpPasswordInState) {
      // Opt-in: the provider derives the password, and Terraform state then holds it (README: "SES relay").
      const key = new IamAccessKey(this, 'smtp-access-key', { user: this.user.name });
      new SecretsmanagerSecretVersion(this, 'smtp-credentials-value', {
        secretId: this.secret.id,
        secretString: Fn.jsonencode({ username: key.id, password: key.sesSmtpPasswordV4 }),
      });
    }

    new TerraformOutput(this, 'ses-relay', {
      value: {
        kind: SES_RELAY_KIND,
        region,
        domain: this.domain,
        noreplyAddress: props.noreplyAddress,
        mailFromDomain: this.mailFromDomain,
        smtpEndpoint: sesSmtpEndpoint(region),
        iamUserName: this.user.name,
        secretArn: this.secret.arn,
        credentials: props.smtpPasswordInState ? 'terraform' : 'relay-credentials',
        // The Easy DKIM selectors: `doctor deliverability` checks <token>._domainkey.<domain> without being told.
        dkimTokens: this.identity.dkimSigningAttributes.tokens,
      },
      description: `${this.domain}: SES relay for ghes-email relay-credentials --config (names only, no secrets)`,
    });
  }

  /**
   * SMTP settings that relay through this identity: `base`'s own fields plus the relay's address, port 587, STARTTLS,
   * login and credentials.
   */
  smtpSettings(base: SesSmtpSettingsProps | SmtpSettings, path = 'SmtpSettings'): SmtpSettings {
    const given = base.noreplyAddress ?? this.noreplyAddress;
    if (given !== this.noreplyAddress) {
      throw new ValidationError(
        [
          {
            path: `${path}.noreplyAddress`,
            message: `got ${JSON.stringify(given)}; the SES relay's IAM user may send as ${JSON.stringify(this.noreplyAddress)} only`,
          },
        ],
        'Invalid SMTP settings',
      );
    }
    return new SmtpSettings(
      {
        enabled: base.enabled,
        domain: base.domain,
        noreplyAddress: this.noreplyAddress,
        discardToNoreplyAddress: base.discardToNoreplyAddress,
        support: base.support,
        enforceTls: base.enforceTls,
        extraSettings: base.extraSettings,
        address: sesSmtpEndpoint(this.region),
        port: SES_SMTP_PORT,
        authentication: 'login',
        enableStarttlsAuto: true,
        credentials: this.credentials,
      },
      path,
    );
  }
}
