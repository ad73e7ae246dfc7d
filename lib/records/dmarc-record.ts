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
