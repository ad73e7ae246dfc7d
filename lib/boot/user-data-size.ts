/**
 * Counting user data as EC2 does, and saying what the bytes are when it does not fit: the boot script itself, then
 * each settings line the config decides (the smtp payload, extraSettings, each secret reference), so that the error
 * points at what the user can shorten rather than at a guess.
 */

/** EC2 accepts at most 16 KB of user data (before base64). */
export const MAX_USER_DATA_BYTES = 16384;
/** What the size check counts for each Terraform reference in the user data: room for a Secrets Manager ARN. */
export const TOKEN_BYTES = 128;
const TOKEN_IN_TEXT = /\$\{TfToken\[[a-zA-Z0-9:._-]+\]\}/g;

/**
 * Bytes of user data as EC2 will count them: a Terraform reference (e.g. the SES relay's secret ARN, ~110 bytes)
 * becomes its value only at apply.
 */
export function userDataBytes(userData: string): number {
  return Buffer.byteLength(userData.replace(TOKEN_IN_TEXT, 'x'.repeat(TOKEN_BYTES)), 'utf8');
}

export function holdsReference(text: string): boolean {
  return text.includes('${TfToken[');
}

/** One part of the plain user data and its bytes (a settings line counted with its newline). */
export interface SizePart {
  readonly what: string;
  readonly bytes: number;
  /** Whether the config decides it (and so the user can shorten it). */
  readonly yours: boolean;
  readonly note?: string;
}

/** A settings line as a size part: its bytes with its newline, a Terraform reference counted as TOKEN_BYTES. */
export function linePart(what: string, line: string, yours = true): SizePart {
  return {
    what,
    bytes: userDataBytes(line) + 1,
    yours,
    ...(holdsReference(line) ? { note: `a Terraform reference counted as ${TOKEN_BYTES} bytes` } : {}),
  };
}

/** The size error's message: both sizes, every part with its bytes, and the largest part the config decides. */
export function tooLargeMessage(plain: number, packed: number, settingsPlain: boolean, parts: SizePart[]): string {
  const how = settingsPlain ? 'gzip+base64, the settings plain: they hold a Terraform reference' : 'gzip+base64';
  const list = parts.map((p) => `${p.what} ${p.bytes}${p.note ? ` (${p.note})` : ''}`).join(', ');
  const largest = parts.filter((p) => p.yours).sort((a, b) => b.bytes - a.bytes)[0];
  return (
    `is ${plain} bytes plain and ${packed} packed (${how}); EC2 accepts at most ${MAX_USER_DATA_BYTES}. ` +
    `Where the bytes are (plain): ${list}. ` +
    (largest ? `The largest you set: ${largest.what} (${largest.bytes} bytes); shorten that first` : '')
  );
}
