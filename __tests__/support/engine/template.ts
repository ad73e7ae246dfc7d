/**
 * A linear scanner for the templates Terraform reads in JSON configuration.
 *
 * Terraform parses every JSON string in an expression position (and every key of
 * an object inside one) as a template: `${expr}` and `%{directive}` are
 * evaluated, `$${` and `%%{` are the escapes for a literal `${` and `%{`, and all
 * other text is literal, backslashes included (JSON already removed its own
 * escapes). The scanner copies literal text and escapes byte for byte and hands
 * only the code inside each interpolation or directive to a rewriter, so text that
 * merely looks like a reference is never touched.
 */

/** Rewrites the code of one interpolation or directive (string literals in it are masked). */
export type CodeRewriter = (code: string) => string;

interface Scanned {
  readonly text: string;
  /** Index just past what was scanned. */
  readonly end: number;
}

// Quoted strings inside an interpolation are swapped for these markers while the
// code is rewritten: a string literal is data, even when it spells a reference.
// Private-use characters are not valid HCL outside a string, so real code never has them.
const MASK_OPEN = '\uE000';
const MASK_CLOSE = '\uE001';
const MASK = /\uE000(\d+)\uE001/g;

/** `text` with `rewriteCode` applied to the code of every interpolation and directive. */
export function rewriteTemplate(text: string, rewriteCode: CodeRewriter): string {
  // A top-level template never fails to scan: an unterminated `${` is copied as is, for Terraform to report.
  return scanTemplate(text, 0, false, rewriteCode)!.text;
}

/**
 * Template text from `i`: to the end of `s`, or (quoted) to the closing `"` of a
 * string literal inside an interpolation, where backslash escapes apply.
 * Undefined when a quoted string or an interpolation in it is unterminated.
 */
function scanTemplate(s: string, i: number, quoted: boolean, rewriteCode: CodeRewriter): Scanned | undefined {
  let out = '';
  let literalStart = i;
  while (i < s.length) {
    const c = s[i];
    if (quoted && c === '\\') {
      i += 2;
    } else if (quoted && c === '"') {
      return { text: out + s.slice(literalStart, i + 1), end: i + 1 };
    } else if ((c === '$' || c === '%') && s[i + 1] === c && s[i + 2] === '{') {
      i += 3; // `$${` / `%%{`: an escape, literal text
    } else if ((c === '$' || c === '%') && s[i + 1] === '{') {
      const inner = scanInterpolation(s, i + 2, rewriteCode);
      if (inner === undefined) break;
      out += s.slice(literalStart, i + 2) + inner.text;
      i = inner.end;
      literalStart = i;
    } else {
      i++;
    }
  }
  if (quoted) return undefined;
  return { text: out + s.slice(literalStart), end: s.length };
}

/** The code after `${` or `%{` up to its matching `}` (included in the text), rewritten. */
function scanInterpolation(s: string, i: number, rewriteCode: CodeRewriter): Scanned | undefined {
  const start = i;
  const strings: string[] = [];
  let code = '';
  let chunkStart = i;
  let depth = 0;
  let clash = false;
  while (i < s.length) {
    const c = s[i];
    if (c === '"' || (c === '}' && depth === 0)) {
      const chunk = s.slice(chunkStart, i);
      // Code that already holds a marker character is invalid HCL: it is left as is, for Terraform to report.
      clash ||= /[\uE000\uE001]/.test(chunk);
      code += chunk;
      if (c === '}') {
        const text = clash ? s.slice(start, i) : rewriteCode(code).replace(MASK, (_, n: string) => strings[Number(n)]);
        return { text: `${text}}`, end: i + 1 };
      }
      const str = scanTemplate(s, i + 1, true, rewriteCode);
      if (str === undefined) return undefined;
      code += MASK_OPEN + strings.length + MASK_CLOSE;
      strings.push(`"${str.text}`);
      i = str.end;
      chunkStart = i;
    } else {
      if (c === '{') depth++;
      if (c === '}') depth--;
      i++;
    }
  }
  return undefined;
}
