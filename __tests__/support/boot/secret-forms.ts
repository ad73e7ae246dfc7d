/**
 * The encodings in which a secret can leak into output: a server that echoes a
 * request shows the basic-auth header in base64, a form or query string shows
 * it URL-encoded. Tests grep for every form, not just the raw value.
 */

/** RFC 3986 percent-encoding (unreserved characters kept, uppercase hex), as the boot script redacts. */
export function percentEncode(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

export function base64(value: string): string {
  return Buffer.from(value, 'utf8').toString('base64');
}

/** The header value the Manage API gets: `Basic base64(api_key:<root password>)`. */
export function basicAuth(rootPassword: string): string {
  return `Basic ${base64(`api_key:${rootPassword}`)}`;
}

/** Raw, base64 (padding dropped, so an unpadded echo counts too) and URL-encoded forms, labelled. */
export function secretForms(value: string): { form: string; text: string }[] {
  return [
    { form: 'raw', text: value },
    { form: 'base64', text: base64(value).replace(/=+$/, '') },
    { form: 'url-encoded', text: percentEncode(value) },
  ];
}

/** Every form of every secret, plus the base64 of `api_key:<root password>`. */
export function leakForms(secrets: readonly string[], rootPassword?: string): { form: string; text: string }[] {
  const out = secrets.flatMap((s) =>
    secretForms(s).map((f) => ({ form: `${f.form} ${s.slice(0, 14)}…`, text: f.text })),
  );
  if (rootPassword !== undefined)
    out.push({ form: 'basic-auth base64', text: base64(`api_key:${rootPassword}`).replace(/=+$/, '') });
  return out;
}

const hex4 = (unit: number) => unit.toString(16).padStart(4, '0');

/** How one character is escaped: \uXXXX (a surrogate pair for an astral one) in lower or upper hex, or \/. */
type Escape = 'lower' | 'upper' | 'slash' | undefined;

/** JSON with each string's characters escaped as `escape` says (code point, index); the rest as JSON.stringify. */
function jsonWith(value: unknown, escape: (codePoint: number, index: number) => Escape): string {
  if (typeof value === 'string')
    return `"${[...value]
      .map((ch, i) => {
        const how = escape(ch.codePointAt(0)!, i);
        if (how === undefined) return JSON.stringify(ch).slice(1, -1);
        if (how === 'slash') return '\\/';
        const units = Array.from({ length: ch.length }, (_, k) => hex4(ch.charCodeAt(k)));
        return units.map((h) => `\\u${how === 'upper' ? h.toUpperCase() : h}`).join('');
      })
      .join('')}"`;
  if (Array.isArray(value)) return `[${value.map((v) => jsonWith(v, escape)).join(',')}]`;
  if (value !== null && typeof value === 'object')
    return `{${Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `${JSON.stringify(k)}:${jsonWith(v, escape)}`)
      .join(',')}}`;
  return JSON.stringify(value);
}

/** The value with every string in it replaced by `f` of it. */
function mapStrings(value: unknown, f: (s: string) => string): unknown {
  if (typeof value === 'string') return f(value);
  if (Array.isArray(value)) return value.map((v) => mapStrings(v, f));
  if (value !== null && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, mapStrings(v, f)]));
  return value;
}

const HTML_SAFE = new Set([0x3c, 0x3e, 0x26, 0x2028, 0x2029]);

/**
 * How servers and libraries serialize what they echo: every JSON escape form of a character (`\uXXXX` in either hex
 * case, for any character, `\/`), and the value itself base64url-encoded.
 */
export const ECHO_ENCODERS: { name: string; encode: (value: unknown) => string }[] = [
  { name: 'JSON.stringify', encode: (v) => JSON.stringify(v) },
  // Go's encoding/json and Rails (ActiveSupport) escape < > & (and U+2028/9) for HTML.
  { name: 'HTML-safe (Go, Rails)', encode: (v) => jsonWith(v, (c) => (HTML_SAFE.has(c) ? 'lower' : undefined)) },
  { name: 'HTML-safe, uppercase hex', encode: (v) => jsonWith(v, (c) => (HTML_SAFE.has(c) ? 'upper' : undefined)) },
  // PHP's json_encode: "\/" and every non-ASCII character as \uXXXX.
  {
    name: 'PHP (slash escaped, non-ASCII as \\uXXXX)',
    encode: (v) => jsonWith(v, (c) => (c === 0x2f ? 'slash' : c > 0x7e ? 'lower' : undefined)),
  },
  { name: 'ASCII-only, uppercase hex', encode: (v) => jsonWith(v, (c) => (c > 0x7e ? 'upper' : undefined)) },
  { name: 'every character as \\uXXXX', encode: (v) => jsonWith(v, () => 'lower') },
  { name: 'every character as \\uXXXX, uppercase hex', encode: (v) => jsonWith(v, () => 'upper') },
  { name: 'every other character as \\uXXXX', encode: (v) => jsonWith(v, (_c, i) => (i % 2 ? 'upper' : undefined)) },
  {
    // A basic-auth header keeps its scheme: its credentials are what is base64url-encoded.
    name: 'base64url values',
    encode: (v) =>
      JSON.stringify(
        mapStrings(v, (s) =>
          s.startsWith('Basic ')
            ? `Basic ${Buffer.from(s.slice(6), 'base64').toString('base64url')}`
            : Buffer.from(s, 'utf8').toString('base64url'),
        ),
      ),
  },
];

/** Decodes every JSON escape in `text` (\uXXXX in either case, surrogate pairs, \/, \", \\, \n ...), wherever it is. */
export function jsonUnescape(text: string): string {
  const short: Record<string, string> = { b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
  return text.replace(/\\(?:u([0-9a-fA-F]{4})|(.))/gs, (_m, u: string | undefined, c: string) =>
    u !== undefined ? String.fromCharCode(parseInt(u, 16)) : (short[c] ?? c),
  );
}

/**
 * Every way `secrets` can still be read out of `text` after decoding it: raw, base64 and base64url (unpadded) and
 * URL-encoded (either hex case), in the text as it is and with its JSON escapes decoded (up to three levels). Empty
 * when nothing can be decoded back.
 */
export function decodableLeaks(text: string, secrets: readonly string[]): string[] {
  const views = [text];
  for (let i = 0; i < 3; i++) views.push(jsonUnescape(views[views.length - 1]));
  const leaks = new Set<string>();
  for (const secret of secrets) {
    const b64 = Buffer.from(secret, 'utf8').toString('base64').replace(/=+$/, '');
    const forms = {
      raw: secret,
      base64: b64,
      base64url: Buffer.from(secret, 'utf8').toString('base64url'),
      'url-encoded': percentEncode(secret),
      'url-encoded, lowercase hex': percentEncode(secret).replace(/%[0-9A-F]{2}/g, (h) => h.toLowerCase()),
    };
    for (const [i, view] of views.entries())
      for (const [form, value] of Object.entries(forms))
        if (view.includes(value)) leaks.add(`${form} ${secret.slice(0, 14)}… (${i} level(s) of JSON escapes decoded)`);
  }
  return [...leaks];
}
