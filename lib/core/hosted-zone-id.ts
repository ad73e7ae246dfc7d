/** The id of a hosted zone: as given, or looked up by name (a data source with construct id "zone"). */
import { Construct } from 'constructs';
import { DataAwsRoute53Zone } from '@cdktf/provider-aws/lib/data-aws-route53-zone';
import { HostedZoneRef } from './hosted-zone';

export function hostedZoneId(scope: Construct, zone: HostedZoneRef): string {
  return (
    zone.id ?? new DataAwsRoute53Zone(scope, 'zone', { name: zone.name!, privateZone: zone.private ?? false }).zoneId
  );
}
