/**
 * "Every fix it prints works once published": read the records a `doctor deliverability` report tells the operator
 * to publish, put them into the zone as an operator would, and hand back the zone to run the doctor on again.
 *
 * The records are read from the fix text people see (`name TXT "value"`, `name CNAME target`), not from a field
 * made for the test: what is checked is the advice itself.
 */
import { AuthRecords, zoneLoadProblem } from './auth-dns-server';

type Zone = Record<string, AuthRecords>;

export interface Suggested {
  readonly name: string;
  readonly type: 'TXT' | 'CNAME';
  readonly value: string;
  /** The fix says the CNAME at the name is to be replaced by this record. */
  readonly replacesCname: boolean;
}

const TXT = /(?:^|[\s(:])([A-Za-z0-9_.-]+\.[A-Za-z0-9_-]+) TXT "([^"]*)"/g;
const CNAME = /(?:^|[\s(:])([A-Za-z0-9_.-]+\.[A-Za-z0-9_-]+) CNAME ([A-Za-z0-9_.-]+[A-Za-z0-9_-])/g;

/** Every record a fix line names, in order. */
export function suggestedRecords(fix: string | undefined): Suggested[] {
  if (!fix) return [];
  const replacesCname = /replace the CNAME/i.test(fix);
  const out: Suggested[] = [];
  for (const m of fix.matchAll(TXT)) out.push({ name: m[1].toLowerCase(), type: 'TXT', value: m[2], replacesCname });
  for (const m of fix.matchAll(CNAME))
    out.push({ name: m[1].toLowerCase(), type: 'CNAME', value: m[2].toLowerCase(), replacesCname: true });
  return out;
}

/** What a TXT string is, for "the new one replaces the old one of the same kind". */
function kind(value: string): string {
  const v = value.replace(/\s+/g, '').toLowerCase();
  if (v.startsWith('v=spf1')) return 'spf';
  if (v.startsWith('v=dmarc')) return 'dmarc';
  if (v.startsWith('v=dkim') || v.includes('p=')) return 'dkim';
  return value;
}

/**
 * The zone with the records published: a TXT replaces the strings of its kind at that name (an SPF record the old
 * SPF record, a DMARC record every DMARC-looking one) and keeps the others; a CNAME, or a record whose fix says to
 * replace the CNAME, replaces the name's CNAME. `fill` replaces placeholders (e.g. a DKIM key the relay would hand
 * out). Throws when the zone would not load, as an authoritative server refuses it.
 */
export function publish(zone: Zone, records: readonly Suggested[], fill: (v: string) => string = (v) => v): Zone {
  const out: Record<string, { -readonly [K in keyof AuthRecords]: AuthRecords[K] }> = {};
  for (const [name, r] of Object.entries(zone)) out[name.toLowerCase()] = { ...r };
  for (const s of records) {
    const r = (out[s.name] ??= {});
    if (s.type === 'CNAME') {
      r.CNAME = s.value;
      continue;
    }
    if (s.replacesCname) delete r.CNAME;
    const value = fill(s.value);
    const keep = (r.TXT ?? []).filter((t) => kind(Array.isArray(t) ? t.join('') : t) !== kind(value));
    r.TXT = [...keep, value];
  }
  const problem = zoneLoadProblem(out);
  if (problem) throw new Error(`the suggested records make a zone that does not load: ${problem}`);
  return out;
}

/** The fixes of every check that did not pass, with the records each names. */
export function fixesOf(checks: readonly { id: string; status: string; fix?: string }[]): Suggested[] {
  return checks.filter((c) => c.status !== 'pass').flatMap((c) => suggestedRecords(c.fix));
}
