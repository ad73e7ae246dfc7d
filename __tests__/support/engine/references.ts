/**
 * Rewrites references to provider resources and data sources in Terraform
 * expression code, for the terraform_data mapping (terraform-data.ts).
 * The code comes from template.ts with string literals masked, so only real
 * references are seen.
 */

/** Finds the terraform_data name a `TYPE.NAME` or `data.TYPE.NAME` reference maps to, if it is one. */
export type ReferenceLookup = (key: string) => string | undefined;

/** Told about every `ATTR` read as `terraform_data.<mapped>.output.ATTR`. */
export type OutputAttrListener = (mapped: string, attr: string) => void;

// HCL identifiers may contain dashes (cdktf's logical names do).
const IDENT = /[A-Za-z_][A-Za-z0-9_-]*/y;
const IDENT_CHAR = /[A-Za-z0-9_-]/;

/**
 * `code` with each reference to a mapped resource rewritten:
 * `T.N` → `terraform_data.T__N`, `T.N.id` → `terraform_data.T__N.id`,
 * `T.N.ATTR` → `terraform_data.T__N.output.ATTR` (an index or splat after N is kept),
 * and `data.T.N…` the same way to `terraform_data.data__T__N…`.
 */
export function rewriteReferences(code: string, lookup: ReferenceLookup, onOutputAttr: OutputAttrListener): string {
  let out = '';
  let i = 0;
  while (i < code.length) {
    const word = identAt(code, i);
    if (word === undefined) {
      out += code[i++];
      continue;
    }
    const prev = code[i - 1] ?? '';
    // `x.aws_eip.y` is an attribute path of something else, not a reference.
    const ref = prev === '.' || IDENT_CHAR.test(prev) ? undefined : referenceAt(code, i, word, lookup);
    if (ref === undefined) {
      out += word;
      i += word.length;
      continue;
    }
    let j = ref.end;
    let index = '';
    if (code[j] === '[') {
      const close = closingBracket(code, j);
      if (close > j) {
        index = `[${rewriteReferences(code.slice(j + 1, close), lookup, onOutputAttr)}]`;
        j = close + 1;
      }
    } else if (code.startsWith('.*', j)) {
      index = '.*';
      j += 2;
    }
    const attr = code[j] === '.' ? identAt(code, j + 1) : undefined;
    const target = `terraform_data.${ref.mapped}${index}`;
    if (attr === undefined) {
      out += target;
    } else if (attr === 'id') {
      // terraform_data has its own id, unknown until apply like the provider's.
      out += `${target}.id`;
      j += 3;
    } else {
      out += `${target}.output.${attr}`;
      onOutputAttr(ref.mapped, attr);
      j += 1 + attr.length;
    }
    i = j;
  }
  return out;
}

/** The identifier starting at `i`, if one does. */
function identAt(code: string, i: number): string | undefined {
  IDENT.lastIndex = i;
  return IDENT.exec(code)?.[0];
}

/** A declared `T.N` or `data.T.N` starting at `i` (whose first word is `word`). */
function referenceAt(
  code: string,
  i: number,
  word: string,
  lookup: ReferenceLookup,
): { mapped: string; end: number } | undefined {
  const parts = [word];
  let j = i + word.length;
  for (let n = word === 'data' ? 2 : 1; n > 0; n--) {
    const next = code[j] === '.' ? identAt(code, j + 1) : undefined;
    if (next === undefined) return undefined;
    parts.push(next);
    j += 1 + next.length;
  }
  const mapped = lookup(parts.join('.'));
  return mapped === undefined ? undefined : { mapped, end: j };
}

/** Index of the `]` matching the `[` at `open`, or -1. */
function closingBracket(code: string, open: number): number {
  let depth = 0;
  for (let i = open; i < code.length; i++) {
    if (code[i] === '[') depth++;
    if (code[i] === ']' && --depth === 0) return i;
  }
  return -1;
}
