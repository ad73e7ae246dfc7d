/**
 * The syntax of SPF macro-strings (RFC 7208 §7.1): the parser of spf-record.ts checks every domain-spec with it,
 * and the doctor expands what it returns. One forward scan, no regex over the value: DNS answers are untrusted
 * text, and the cost stays linear in their length.
 */
import { show } from '../core/problems';

/** A piece of a macro-string: literal text, or a macro to expand. */
export type MacroPiece =
  | { readonly kind: 'literal'; readonly text: string }
  | {
      readonly kind: 'macro';
      /** s l o d i p h c r t v, lower-case. */
      readonly letter: string;
      /** An upper-case letter: the expansion is URL-escaped (§7.3). */
      readonly escape: boolean;
      /** Keep this many right-hand parts. @default - all */
      readonly keep?: number;
      readonly reverse: boolean;
      /** The characters that split the value into parts. @default "." */
      readonly delimiters: string;
      /** The macro as written, e.g. "%{ir}". */
      readonly text: string;
    };

/** Letters a domain-spec may use; c, r and t are allowed in explanation text only (§7.1). */
const DOMAIN_LETTERS = 'slodiphv';
const EXP_LETTERS = 'slodiphvcrt';
const DELIMITERS = '.-+,/_=';

/**
 * A macro-string as pieces, or why it is not one. `explanation`: the text of an exp= record (§6.2), where c, r, t
 * and spaces are allowed.
 */
export function parseMacroString(value: string, explanation = false): MacroPiece[] | string {
  const pieces: MacroPiece[] = [];
  let literal = '';
  const flush = () => {
    if (literal !== '') pieces.push({ kind: 'literal', text: literal });
    literal = '';
  };
  for (let i = 0; i < value.length; i++) {
    const c = value[i];
    const code = value.charCodeAt(i);
    if (c !== '%') {
      if ((code < 0x21 || code > 0x7e) && !(explanation && c === ' '))
        return `${show(value)} holds a character that is not visible ASCII`;
      literal += c;
      continue;
    }
    const next = value[i + 1];
    if (next === '%' || next === '_' || next === '-') {
      literal += next === '%' ? '%' : next === '_' ? ' ' : '%20';
      i++;
      continue;
    }
    if (next !== '{') return 'a "%" that is not a macro (RFC 7208 §7.1: "%%", "%_", "%-" or "%{…}")';
    const close = value.indexOf('}', i);
    if (close < 0) return 'unclosed macro "%{"';
    const macro = parseMacro(value.slice(i, close + 1), explanation);
    if (typeof macro === 'string') return macro;
    flush();
    pieces.push(macro);
    i = close;
  }
  flush();
  return pieces;
}

function parseMacro(text: string, explanation: boolean): MacroPiece | string {
  const body = text.slice(2, -1);
  const letter = body[0] ?? '';
  const lower = letter.toLowerCase();
  if (!(explanation ? EXP_LETTERS : DOMAIN_LETTERS).includes(lower) || lower === '')
    return `${show(text)}: ${letter === '' ? 'no macro letter' : `"${letter}" is not a macro letter here`} (RFC 7208 §7.1: ${explanation ? EXP_LETTERS : DOMAIN_LETTERS}${explanation ? '' : '; c, r, t only in exp= text'})`;
  let i = 1;
  let digits = '';
  while (i < body.length && body[i] >= '0' && body[i] <= '9') digits += body[i++];
  const reverse = body[i] === 'r' || body[i] === 'R';
  if (reverse) i++;
  const delimiters = body.slice(i);
  for (const d of delimiters)
    if (!DELIMITERS.includes(d)) return `${show(text)}: "${d}" is not a delimiter (${DELIMITERS})`;
  // Leading zeros or not, the number of parts must not be zero (§7.1).
  if (digits !== '' && /^0+$/.test(digits)) return `${show(text)}: the number of parts must not be 0`;
  return {
    kind: 'macro',
    letter: lower,
    escape: letter !== lower,
    keep: digits === '' ? undefined : Number(digits.length > 6 ? '999999' : digits),
    reverse,
    delimiters: delimiters === '' ? '.' : delimiters,
    text,
  };
}

/** A toplabel (RFC 7208 §7.1): letters, digits and "-", not all digits unless it has a "-" inside. */
function isTopLabel(label: string): boolean {
  if (!/^[A-Za-z0-9-]{1,63}$/.test(label) || label.startsWith('-') || label.endsWith('-')) return false;
  return /[A-Za-z]/.test(label) || label.includes('-');
}

/**
 * Why a domain-spec (the target of include:, a:, mx:, ptr:, exists:, redirect=, exp=) is not one (RFC 7208 §7.1),
 * or undefined. Without macros it must be a domain name of two labels or more.
 */
export function domainSpecProblem(value: string): string | undefined {
  if (value === '') return 'empty domain';
  const pieces = parseMacroString(value);
  if (typeof pieces === 'string') return pieces;
  const last = pieces[pieces.length - 1];
  // domain-end = ( "." toplabel [ "." ] ) / macro-expand
  if (last.kind === 'macro') return undefined;
  const endsWithMacroLiteral = value.endsWith('%%') || value.endsWith('%_') || value.endsWith('%-');
  if (endsWithMacroLiteral) return undefined;
  const text = value.replace(/\.$/, '');
  if (pieces.length === 1) {
    const labels = text.split('.');
    if (labels.length < 2 || labels.some((l) => l.length === 0 || l.length > 63) || !isTopLabel(labels.at(-1)!))
      return `${show(value)} is not a domain name`;
    return undefined;
  }
  const dot = text.lastIndexOf('.');
  if (dot < 0 || !isTopLabel(text.slice(dot + 1)) || !last.text.includes('.'))
    return `${show(value)} does not end in "." and a top-level label, or in a macro (RFC 7208 §7.1)`;
  return undefined;
}

/** True when a domain-spec holds a macro to expand (not just "%%", "%_", "%-"). */
export function hasMacro(value: string | undefined): boolean {
  if (value === undefined || !value.includes('%')) return false;
  const pieces = parseMacroString(value);
  return typeof pieces === 'string' || pieces.some((p) => p.kind === 'macro');
}
