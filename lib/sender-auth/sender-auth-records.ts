/**
 * Sender authentication for the domain GHES sends from (the domain of the
 * no-reply address): a DMARC policy at `_dmarc.<domain>` (RFC 7489) and an
 * SPF record at `<domain>` (RFC 7208) for relays other than Amazon SES (SES
 * publishes SPF on its own MAIL FROM subdomain).
 *
 * Route53 holds one TXT record set per name, so a TXT record someone else
 * manages at `<domain>` (an SPF record, a site-verification string) or at
 * `_dmarc.<domain>` makes our record fail at apply ("…but it already exists").
 * That failure is the point: `allow_overwrite` is always false here, because
 * overwriting would silently drop the other senders an existing SPF record
 * authorizes and let mail from them fail. README "Sender authentication" says how to merge.
 */
import { Construct } from 'constructs';
import { Route53Record } from '@cdktf/provider-aws/lib/route53-record';
import { renderDmarc } from '../records/dmarc-record';
import { Problems } from '../core/problems';
import { renderSpf } from '../records/spf-record';
import { GhesConstruct } from '../core/terraform-literals';
import { hostedZoneId } from '../core/hosted-zone-id';
import { SenderAuthRecordsProps, route53TxtValue, validateSenderAuthRecordsProps } from './sender-auth-records-props';

export class SenderAuthRecords extends GhesConstruct {
  /** The zone id used (a token when looked up). */
  public readonly zoneId: string;
  /** The DMARC record text, when published. */
  public readonly dmarcValue?: string;
  /** The SPF record text, when published. */
  public readonly spfValue?: string;
  /** Records created, by role: "dmarc", "spf". */
  public readonly records: Record<string, Route53Record> = {};

  constructor(scope: Construct, id: string, props: SenderAuthRecordsProps) {
    super(scope, id);
    const p = new Problems(this.node.path);
    validateSenderAuthRecordsProps(p, props);
    p.throwIfAny('Invalid SenderAuthRecords props');

    const domain = props.domain.toLowerCase();
    const ttl = props.ttl ?? 300;
    this.zoneId = hostedZoneId(this, props.hostedZone);
    const txt = (rid: string, name: string, values: string[]) => {
      // Never allow_overwrite: an existing TXT set at this name belongs to someone (see the file comment).
      this.records[rid] = new Route53Record(this, rid, {
        zoneId: this.zoneId,
        name,
        type: 'TXT',
        ttl,
        records: values.map(route53TxtValue),
        allowOverwrite: false,
      });
    };

    if (props.dmarc) {
      this.dmarcValue = renderDmarc(props.dmarc);
      txt('dmarc', `_dmarc.${domain}`, [this.dmarcValue]);
    }
    if (props.spf) {
      this.spfValue = renderSpf(props.spf);
      txt('spf', domain, [this.spfValue, ...(props.spf.otherTxtValues ?? [])]);
    }
  }
}
