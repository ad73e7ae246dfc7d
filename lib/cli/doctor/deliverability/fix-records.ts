/**
 * Fix lines that name a record to publish, written so that the zone still loads once it is: a name that is a CNAME
 * holds nothing else (RFC 1034 §3.6.2; Knot, BIND and Route53 refuse a TXT beside it), so the line then says to
 * change the record at the CNAME's target or to replace the CNAME.
 */
import { DeliverabilityDns, txtRecord } from './dns';

/**
 * "publish NAME TXT "value"" (`replacing`: in place of the record of that kind there now), or, when NAME is a CNAME,
 * the two ways to do it that a zone can hold.
 */
export async function publishTxt(
  dns: DeliverabilityDns,
  name: string,
  value: string,
  replacing: string | undefined,
): Promise<string> {
  const cname = await dns.cname(name);
  if (cname.target)
    return `${name} is a CNAME to ${cname.target}, and nothing else can sit beside a CNAME (RFC 1034 §3.6.2): change the record at ${cname.target}, or replace the CNAME with ${txtRecord(name, value)}`;
  return `publish ${txtRecord(name, value)}${replacing ? ` in place of ${replacing}` : ''}`;
}
