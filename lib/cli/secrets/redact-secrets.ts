/**
 * Keeps secrets out of what the CLI prints. A server that echoes a request shows
 * the basic-auth header in base64 (`Basic YXBpX2tleTo…` is `api_key:<root password>`),
 * a form or query string shows a value URL-encoded, JSON shows it escaped: each
 * of these forms is replaced, not just the raw value.
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
    // JSON encoders that escape every non-ASCII character, or the slash.
    json.replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`),
    json.replace(/\//g, '\\/'),
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

  redact(text: string): string {
    let out = text;
    for (const f of this.forms) out = out.split(f).join(REDACTED);
    return out;
  }
}
