/**
 * Route53 records for reply-by-email, as the GHES docs ask
 * (https://docs.github.com/en/enterprise-server@latest/admin/configuring-settings/configuring-user-applications-for-your-enterprise/configuring-email-for-notifications#configuring-dns-records):
 * A reply.<host> (or *.<host>), MX reply.<host> → reply.<host>, MX noreply.<host> → <host>.
 */
import { Construct } from 'constructs';
import { Route53Record } from '@cdktf/provider-aws/lib/route53-record';
import { GhesConstruct } from '../core/terraform-literals';
import { hostedZoneId } from '../core/hosted-zone-id';
import { Problems } from '../core/problems';
import { ReplyDnsRecordsProps, validateReplyDnsRecordsProps } from './reply-dns-records-props';

export class ReplyDnsRecords extends GhesConstruct {
  /** The zone id used (a token when looked up). */
  public readonly zoneId: string;
  /** Every record created, by role. */
  public readonly records: Record<string, Route53Record> = {};

  constructor(scope: Construct, id: string, props: ReplyDnsRecordsProps) {
    super(scope, id);
    const p = new Problems(this.node.path);
    validateReplyDnsRecordsProps(p, props);
    p.throwIfAny('Invalid ReplyDnsRecords props');

    const host = props.hostname.toLowerCase();
    const ttl = props.ttl ?? 300;
    const priority = props.mxPriority ?? 10;
    this.zoneId = hostedZoneId(this, props.hostedZone);

    const record = (rid: string, name: string, type: string, records: string[]) => {
      this.records[rid] = new Route53Record(this, rid, { zoneId: this.zoneId, name, type, ttl, records });
    };
    const addresses = (rid: string, name: string) => {
      record(`${rid}-a`, name, 'A', [props.ipv4Address]);
      if (props.ipv6Address !== undefined) record(`${rid}-aaaa`, name, 'AAAA', [props.ipv6Address]);
    };

    if (props.hostRecord) addresses('host', host);
    if ((props.replyRecord ?? 'reply') === 'wildcard') addresses('wildcard', `*.${host}`);
    // Always an explicit A reply.<host>, wildcard or not: the MX below makes reply.<host> an
    // existing name, and a wildcard only answers names that do not exist (RFC 4592 §2.2.1),
    // so with "*.<host>" alone an A query for reply.<host> gets no address and mail bounces.
    addresses('reply', `reply.${host}`);
    // Senders look up MX reply.<host> and deliver to the host it names on port 25.
    record('reply-mx', `reply.${host}`, 'MX', [`${priority} reply.${host}`]);
    // Replies that cc the no-reply address go to the appliance itself.
    record('noreply-mx', `noreply.${host}`, 'MX', [`${priority} ${host}`]);
  }
}
