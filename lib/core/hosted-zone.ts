/**
 * A Route53 hosted zone named by id or looked up by name, and its value rules. Apart from the
 * lookup (hosted-zone-id.ts) so that config validation, and with it the CLI, loads no construct code.
 */
import { Problems, show } from './problems';
import { checkAwsIdLike, checkHostname, hostnameProblem, isToken } from './value-rules';

/** The hosted zone: by id, or looked up by name. */
export interface HostedZoneRef {
  /** Route53 hosted zone id, e.g. "Z0123456789ABCDEFGHIJ". @default - none; give this or name */
  readonly id?: string;
  /** Zone name to look up, e.g. "example.com". @default - none; give this or id */
  readonly name?: string;
  /** With name: look up a private zone. @default false */
  readonly private?: boolean;
}

/** Zone by id xor name; with a name, the hostname must lie inside the zone. */
export function validateHostedZone(p: Problems, zone: HostedZoneRef | undefined, hostname: string | undefined): void {
  if (zone === undefined) {
    p.add(undefined, 'required: { "id": "Z…" } or { "name": "example.com" }');
    return;
  }
  if ((zone.id === undefined) === (zone.name === undefined)) p.add(undefined, 'give exactly one of "id" or "name"');
  checkAwsIdLike(p, 'id', zone.id, /^Z[A-Z0-9]{1,31}$/, 'a Route53 zone id such as "Z0123456789ABCDEFGHIJ"');
  if (zone.name !== undefined && !isToken(zone.name)) {
    checkHostname(p, 'name', zone.name);
    if (
      hostname !== undefined &&
      !isToken(hostname) &&
      !hostnameProblem(hostname) &&
      !`.${hostname.toLowerCase()}`.endsWith(`.${zone.name.toLowerCase()}`)
    ) {
      p.add(
        'name',
        `got ${show(zone.name)}, which does not contain the hostname ${show(hostname)}; expected the zone the hostname lives in`,
      );
    }
  }
  if (zone.id !== undefined && zone.private !== undefined) p.add('private', 'applies only to a zone looked up by name');
}
