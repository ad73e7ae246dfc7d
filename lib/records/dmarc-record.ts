/**
 * DMARC policy records (RFC 7489): the `_dmarc.<domain>` TXT this library
 * publishes, and a parser the doctor runs on whatever DNS returns. Tag-value
 * pairs are split on ";" and "=" (RFC 7489 §6.4): linear, no regex over the record.
 */
import { Problems, show } from '../core/problems';
import { checkEmail, checkIntRange, checkOneOf, isToken } from '../core/value-rules';

/** none: monitor only; quarantine: failing mail goes to spam; reject: failing mail is refused. */
export const DMARC_POLICIES = ['none', 'quarantine', 'reject'] as const;
export type DmarcPolicy = (typeof DMARC_POLICIES)[number];

export interface DmarcProps {
  /**
   * What receivers do with mail that fails DMARC. 'none' only reports, so a first deploy cannot make mail disappear.
   * @default 'none'
   */
  readonly policy?: DmarcPolicy;
  /** Where aggregate reports go: addresses, with or without "mailto:". @default - no reports */
  readonly rua?: string[];
  /** Percentage of failing mail the policy applies to, 0-100. @default - the tag is left out (receivers apply 100) */
  readonly pct?: number;
}

/** `rua=` entries as the record carries them. */
function mailto(address: string): string {
  return /^mailto:/i.test(address) ? `mailto:${address.slice(7)}` : `mailto:${address}`;
}

/** The record text, e.g. "v=DMARC1; p=none; rua=mailto:dmarc@example.com". */
export function renderDmarc(props: DmarcProps): string {
  const tags = ['v=DMARC1', `p=${props.policy ?? 'none'}`];
  if (props.pct !== undefined) tags.push(`pct=${props.pct}`);
  if (props.rua && props.rua.length > 0) tags.push(`rua=${props.rua.map(mailto).join(',')}`);
  return tags.join('; ');
}

/** Records every problem with the DMARC props under `p`. */
export function validateDmarcProps(p: Problems, props: DmarcProps): void {
  checkOneOf(p, 'policy', props.policy, DMARC_POLICIES);
  checkIntRange(p, 'pct', props.pct, 0, 100, 'a percentage');
  if (props.rua === undefined || isToken(props.rua)) return;
  props.rua.forEach((entry, i) => {
    if (isToken(entry)) return;
    const address = /^mailto:/i.test(entry) ? entry.slice(7) : entry;
    // "," separates URIs and "!" starts a size limit in rua (RFC 7489 §6.4): inside an address they would change the
    // list.
    if (/[,!;\s]/.test(address))
      p.at('rua').add(i, `got ${show(entry)}; expected one address without ",", "!", ";" or spaces`);
    else {
      // checkEmail keys by name; the problem belongs at rua[i].
      const one = new Problems();
      checkEmail(one, 'address', address);
      for (const problem of one.all) p.at('rua').add(i, problem.message);
    }
  });
}

export interface ParsedDmarc {
  /** Tags as written, names lower-cased; unknown tags are kept (receivers ignore them). */
  readonly tags: ReadonlyMap<string, string>;
  /** `p`, when valid. */
  readonly policy?: DmarcPolicy;
  /** `sp` (policy for subdomains), when valid. @default - the policy */
  readonly subdomainPolicy?: DmarcPolicy;
  /** `pct`, when valid. @default 100 */
  readonly pct: number;
  /** `rua` URIs that receivers can use (mailto:), without any "!size" suffix. */
  readonly rua: readonly string[];
  /** `adkim` / `aspf`: relaxed (organizational domain match) or strict (exact match). */
  readonly adkim: 'r' | 's';
  readonly aspf: 'r' | 's';
  /** Syntax problems, in the record's order. */
  readonly problems: readonly string[];
}

/** A TXT string is a DMARC record when it starts with the "v=DMARC1" tag (RFC 7489 §6.6.3); others are discarded. */
export function isDmarcRecord(text: string): boolean {
  const first = text.split(';', 1)[0];
  const eq = first.indexOf('=');
  return eq > 0 && first.slice(0, eq).trim() === 'v' && first.slice(eq + 1).trim() === 'DMARC1';
}

/** Parses a DMARC record. Values of unknown tags are kept but not judged. */
export function parseDmarc(text: string): ParsedDmarc {
  const tags = new Map<string, string>();
  const problems: string[] = [];
  if (!isDmarcRecord(text)) problems.push('does not start with "v=DMARC1"');
  for (const part of text.split(';')) {
    const pair = part.trim();
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    if (eq <= 0) {
      problems.push(`${show(pair)} is not a tag=value pair`);
      continue;
    }
    const name = pair.slice(0, eq).trim().toLowerCase();
    if (tags.has(name)) problems.push(`tag "${name}" appears twice`);
    else tags.set(name, pair.slice(eq + 1).trim());
  }
  const policyOf = (tag: string): DmarcPolicy | undefined => {
    const value = tags.get(tag)?.toLowerCase();
    if (value === undefined) return undefined;
    if ((DMARC_POLICIES as readonly string[]).includes(value)) return value as DmarcPolicy;
    problems.push(`${tag}=${tags.get(tag)} is not one of none, quarantine, reject`);
    return undefined;
  };
  const policy = policyOf('p');
  if (!tags.has('p')) problems.push('the required "p" tag is missing');
  const subdomainPolicy = policyOf('sp');
  let pct = 100;
  const pctText = tags.get('pct');
  if (pctText !== undefined) {
    if (/^\d{1,3}$/.test(pctText) && Number(pctText) <= 100) pct = Number(pctText);
    else problems.push(`pct=${pctText} is not a whole number from 0 to 100`);
  }
  const alignment = (tag: string): 'r' | 's' => {
    const value = tags.get(tag)?.toLowerCase();
    if (value !== undefined && value !== 'r' && value !== 's')
      problems.push(`${tag}=${tags.get(tag)} is not "r" (relaxed) or "s" (strict)`);
    return value === 's' ? 's' : 'r';
  };
  const rua: string[] = [];
  for (const uri of (tags.get('rua') ?? '').split(',')) {
    const trimmed = uri.trim();
    if (trimmed === '') continue;
    const bang = trimmed.indexOf('!');
    const bare = bang < 0 ? trimmed : trimmed.slice(0, bang);
    const at = bare.indexOf('@');
    if (bare.slice(0, 7).toLowerCase() === 'mailto:' && at > 7 && at < bare.length - 1) rua.push(bare);
    else problems.push(`rua entry ${show(trimmed)} is not a mailto: address`);
  }
  return { tags, policy, subdomainPolicy, pct, rua, adkim: alignment('adkim'), aspf: alignment('aspf'), problems };
}

/** The domain of a `mailto:` rua URI, lower-case. */
export function ruaDomain(uri: string): string {
  return uri.slice(uri.lastIndexOf('@') + 1).toLowerCase();
}

/**
 * A TXT string that was meant as a DMARC record: it starts with "v=DMARC" in any case and spacing. Receivers discard
 * it unless it is one (isDmarcRecord), so the doctor says why rather than "no record".
 */
export function looksLikeDmarc(text: string): boolean {
  let compact = '';
  for (let i = 0; i < text.length && compact.length < 7; i++)
    if (text[i] !== ' ' && text[i] !== '\t') compact += text[i];
  return compact.toLowerCase() === 'v=dmarc';
}

/** Why receivers discard a string that looksLikeDmarc but is not a record (RFC 7489 §6.4, §6.6.3). */
export function whyIgnored(text: string): string {
  const first = text.split(';', 1)[0];
  const version = first.slice(first.indexOf('=') + 1).trim();
  if (version.includes(' ') || version.includes('='))
    return `its first tag is not "v=DMARC1" followed by ";": the tags are separated by spaces, and receivers read "v=${version}" as the version (RFC 7489 §6.4 separates tags with ";")`;
  return `it does not start with the tag "v=DMARC1" (exactly that, upper-case), and receivers discard every record that does not (RFC 7489 §6.6.3)`;
}

/** Tag order of a corrected record: the version and the policy first, then the rest as RFC 7489 §6.3 lists them. */
const ORDER = ['v', 'p', 'sp', 'pct', 'adkim', 'aspf', 'rua', 'ruf', 'fo', 'rf', 'ri'];

/** Tag name → what a valid value looks like; a tag not listed is kept as written (receivers ignore unknown tags). */
const VALID: Readonly<Record<string, (v: string) => boolean>> = {
  p: (v) => (DMARC_POLICIES as readonly string[]).includes(v.toLowerCase()),
  sp: (v) => (DMARC_POLICIES as readonly string[]).includes(v.toLowerCase()),
  pct: (v) => /^\d{1,3}$/.test(v) && Number(v) <= 100,
  adkim: (v) => v === 'r' || v === 's',
  aspf: (v) => v === 'r' || v === 's',
  fo: (v) => /^[01ds](:[01ds])*$/.test(v),
  rf: (v) => v.toLowerCase() === 'afrf',
  ri: (v) => /^\d{1,10}$/.test(v),
};

/**
 * The operator's DMARC record (or several, joined with ";"), corrected and otherwise kept: one record that parses,
 * with what changed said in words. An invalid p= becomes p=none (what receivers apply to such a record when it has a
 * report address, §6.6.3), other invalid tags are dropped (their defaults apply), a bare rua address gets its
 * "mailto:", and a record without a usable rua= gets `mailto:dmarc-reports@<reportDomain>`.
 */
export function correctDmarc(text: string, reportDomain: string): { record: string; changes: string[] } {
  const tags = new Map<string, string>();
  const changes: string[] = [];
  const add = (name: string, value: string) => {
    if (tags.has(name)) changes.push(`dropped the second ${name}=${value}`);
    else tags.set(name, value);
  };
  for (const part of text.split(';')) {
    const pairs = part.trim().split(/[ \t]+/);
    // "v=DMARC1 p=reject": tags separated by spaces instead of ";".
    if (pairs.length > 1 && pairs.every((x) => x.indexOf('=') > 0)) {
      for (const x of pairs) add(x.slice(0, x.indexOf('=')).toLowerCase(), x.slice(x.indexOf('=') + 1));
      changes.push(`separated ${pairs.join(' ')} with ";"`);
      continue;
    }
    const eq = part.indexOf('=');
    if (eq > 0) add(part.slice(0, eq).trim().toLowerCase(), part.slice(eq + 1).trim());
    else if (part.trim() !== '') changes.push(`dropped ${show(part.trim())}: not a tag=value pair`);
  }
  if (tags.get('v') !== 'DMARC1')
    changes.push(`wrote the version as v=DMARC1${tags.has('v') ? ` (was v=${tags.get('v')})` : ''}`);
  tags.set('v', 'DMARC1');
  for (const [name, valid] of Object.entries(VALID)) {
    const value = tags.get(name);
    if (value === undefined || valid(value)) continue;
    tags.delete(name);
    changes.push(
      name === 'p'
        ? `p=${value} is not a policy, p=none here: at most what receivers apply now; choose quarantine or reject once the reports show every sender aligned`
        : `dropped ${name}=${value}: not a valid value, the default applies`,
    );
  }
  if (!tags.has('p')) {
    tags.set('p', 'none');
    if (!changes.some((c) => c.startsWith('p='))) changes.push('added the required p=none');
  }
  for (const name of ['rua', 'ruf']) {
    const value = tags.get(name);
    if (value === undefined) continue;
    const kept: string[] = [];
    for (const raw of value.split(',')) {
      const uri = raw.trim();
      if (uri === '') continue;
      const bare = uri.split('!')[0];
      const at = bare.indexOf('@');
      if (bare.slice(0, 7).toLowerCase() === 'mailto:' && at > 7 && at < bare.length - 1) kept.push(uri);
      else if (at > 0 && at < bare.length - 1 && !bare.includes(':')) {
        kept.push(`mailto:${uri}`);
        changes.push(`wrote ${name}=${uri} as mailto:${uri}`);
      } else changes.push(`dropped ${name} entry ${show(uri)}: not a mailto: address`);
    }
    if (kept.length > 0) tags.set(name, kept.join(','));
    else tags.delete(name);
  }
  if (!tags.has('rua')) {
    tags.set('rua', `mailto:dmarc-reports@${reportDomain}`);
    changes.push(`added rua=mailto:dmarc-reports@${reportDomain}: use an address that can receive the daily reports`);
  }
  const names = [...ORDER.filter((n) => tags.has(n)), ...[...tags.keys()].filter((n) => !ORDER.includes(n))];
  return { record: names.map((n) => `${n}=${tags.get(n)}`).join('; '), changes };
}
