/**
 * The stack main.ts builds from a config file: AWS provider, optional S3
 * backend, and either a new appliance or an existing instance made ready for email.
 */
import { S3Backend, TerraformStack } from 'cdktf';
import { Construct } from 'constructs';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { LoadedConfig } from './config';
import { GhesAppliance } from '../appliance/ghes-appliance';
import { amiOwnerForRegion } from '../appliance/ghes-ami';
import { GhesEmail } from '../ghes-email/ghes-email';
import { ReplyRecordKind } from '../inbound/reply-dns-records-props';
import { senderAuthProps } from './sender-auth-config';
import { SenderAuthRecords } from '../sender-auth/sender-auth-records';
import { keepLiteralsVerbatim } from '../core/terraform-literals';

export class GhesEmailStack extends TerraformStack {
  public readonly email: GhesEmail;
  public readonly appliance?: GhesAppliance;
  /** DMARC/SPF records, with a `senderAuth` block in the config. */
  public readonly senderAuth?: SenderAuthRecords;

  constructor(scope: Construct, id: string, loaded: LoadedConfig) {
    super(scope, id);
    // The provider's tags and the backend's key come from the config too.
    keepLiteralsVerbatim(this);
    const c = loaded.config;
    new AwsProvider(this, 'aws', {
      region: c.region,
      defaultTags: [{ tags: { 'managed-by': 'ghes-email', 'ghes-hostname': c.hostname } }],
    });
    if (c.backend?.s3) new S3Backend(this, { ...c.backend.s3 });

    if (c.appliance) {
      this.appliance = new GhesAppliance(this, 'appliance', {
        ...c.appliance,
        amiOwner: amiOwnerForRegion(c.region),
        name: c.hostname,
      });
    }
    this.email = new GhesEmail(this, 'email', {
      hostname: c.hostname,
      hostedZone: c.hostedZone,
      smtp: loaded.smtp,
      appliance: this.appliance,
      existingInstance: c.existingInstance,
      managementConsole: loaded.managementConsole,
      replyRecord: c.replyRecord as ReplyRecordKind | undefined,
      dns: c.dns,
      inboundMail: c.inboundMail,
      monitoring: c.monitoring,
    });
    // SPF/DMARC for the no-reply address's domain, in the reply records' zone unless senderAuth.hostedZone says
    // otherwise. Made here rather than through GhesEmail's `senderAuth`, which would put them under "email/":
    // their Terraform addresses predate that prop, and a new address would make deploy replace the records.
    const senderAuth = loaded.smtp && senderAuthProps(c, loaded.smtp.noreplyAddress, this.email.dns.zoneId);
    if (senderAuth) this.senderAuth = new SenderAuthRecords(this, 'sender-auth', senderAuth);
  }
}
