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
