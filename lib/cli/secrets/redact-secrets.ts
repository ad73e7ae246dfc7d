/**
 * Keeps secrets out of what the CLI prints. A server that echoes a request shows
 * the basic-auth header in base64 (`Basic YXBpX2tleTo…` is `api_key:<root password>`),
 * a form or query string shows a value URL-encoded, JSON shows it escaped: each
 * of these forms is replaced, not just the raw value.
 *
 * JSON may escape any character, in either hex case (`\u003c` for `<` is how Go's
 * encoding/json and Rails write HTML-safe JSON; PHP writes `\/`; some encoders
 * escape everything): too many forms to list. So a text with escapes in it is
 * also read with each escape rewritten the way JSON.stringify writes that
 * character (canonicalJson), where every escaped form of a secret reads as its
 * one JSON form. The same scheme is in the boot script's redact
 * (lib/boot/ghes-email-boot.sh).
 */

const REDACTED = '<redacted>';

/** Every form of `secret` that redaction replaces, longest first. */
export function secretForms(secret: string): string[] {
  if (secret === '') return [];
  const json = JSON.stringify(secret).slice(1, -1);
  const b64 = Buffer.from(secret, 'utf8').toString('base64');
  const uri = encodeURIComponent(secret);
  const rfc3986 = uri.replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  const forms = [
    secret,
    json,
    b64,
    b64.replace(/=+$/, ''),
    Buffer.from(secret, 'utf8').toString('base64url'),
    uri,
    rfc3986,
    // Form encoding (a space as +), and lowercase hex digits.
    uri.replace(/%20/g, '+'),
    rfc3986.replace(/%20/g, '+'),
    uri.replace(/%[0-9A-F]{2}/g, (h) => h.toLowerCase()),
  ];
  return [...new Set(forms.filter((f) => f !== ''))].sort((a, b) => b.length - a.length);
}

/**
 * One JSON escape: a surrogate pair, any \uXXXX, or a short escape; `\\` is matched as a unit, so the `u0041` in
 * `\\u0041` stays text. Fixed-length alternatives with no nested quantifier: linear in the text.
 */
const JSON_ESCAPE =
  /\\u([dD][89abAB][0-9a-fA-F]{2})\\u([dD][c-fC-F][0-9a-fA-F]{2})|\\u([0-9a-fA-F]{4})|\\(["\\/bfnrt])/g;
const SHORT: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };

/** Each JSON escape in `text` as JSON.stringify would write its character: `\u003C` and `\/` become `<` and `/`. */
export function canonicalJson(text: string): string {
  return text.replace(JSON_ESCAPE, (_m, hi?: string, lo?: string, unit?: string, short?: string) => {
    const ch =
      hi !== undefined && lo !== undefined
        ? String.fromCharCode(parseInt(hi, 16), parseInt(lo, 16))
        : unit !== undefined
          ? String.fromCharCode(parseInt(unit, 16))
          : SHORT[short!];
    return JSON.stringify(ch).slice(1, -1);
  });
}

/** Collects secrets as they become known and redacts every form of each from text. */
export class SecretRedactor {
  private forms: string[] = [];

  constructor(secrets: readonly string[] = []) {
    for (const s of secrets) this.add(s);
  }

  /** Adds a secret. For the root password, also add `api_key:<password>` (the basic-auth credentials). */
  add(secret: string): this {
    // Longest first across all secrets: a short secret inside a longer one's base64 must not break that match.
    this.forms = [...new Set([...this.forms, ...secretForms(secret)])].sort((a, b) => b.length - a.length);
    return this;
  }

  /**
   * `text` with every form of every secret replaced. Text with JSON escapes is also read canonically (see above); if
   * that finds a secret the raw reading missed, the canonical text is returned, redacted.
   */
  redact(text: string): string {
    const out = this.replaceForms(text);
    if (!out.includes('\\')) return out;
    const canonical = canonicalJson(out);
    const again = this.replaceForms(canonical);
    return again === canonical ? out : again;
  }

  private replaceForms(text: string): string {
    let out = text;
    for (const f of this.forms) out = out.split(f).join(REDACTED);
    return out;
  }
}
