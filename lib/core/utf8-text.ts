/**
 * Bytes of a config file to text. `readFileSync(path, 'utf8')` silently turns
 * every byte that is not UTF-8 into U+FFFD, which would then reach GHES as part
 * of a setting; here each such byte is found, with where it is, so the loader
 * can reject it at the path of the value that holds it.
 */
import { isUtf8 } from 'node:buffer';

/** One invalid UTF-8 sequence: where it starts in the bytes, and where its U+FFFD lands in the text. */
export interface Utf8Error {
  /** Offset of the sequence's first byte in the input. */
  readonly byteOffset: number;
  /** That first byte, for the message ("byte 0xE9"). */
  readonly byte: number;
  /** Index (UTF-16 code unit) of the U+FFFD that replaces it in `text`. */
  readonly charIndex: number;
}

/** The text as the WHATWG decoder (TextDecoder) gives it, plus every replacement it made. */
export interface DecodedText {
  readonly text: string;
  readonly errors: readonly Utf8Error[];
}

/**
 * Decodes UTF-8. Valid input takes the native path; invalid input is decoded
 * by the WHATWG algorithm (https://encoding.spec.whatwg.org/#utf-8-decoder)
 * step by step, so each U+FFFD is tied to the bytes that caused it. One pass,
 * each byte looked at at most twice (a byte that ends a sequence early is
 * read again as the start of the next).
 */
export function decodeUtf8(bytes: Uint8Array): DecodedText {
  if (isUtf8(bytes)) return { text: new TextDecoder('utf-8').decode(bytes), errors: [] };
  const units: number[] = [];
  const errors: Utf8Error[] = [];
  let codePoint = 0;
  let needed = 0;
  let seen = 0;
  let lower = 0x80;
  let upper = 0xbf;
  let start = 0;
  const fail = (at: number): void => {
    errors.push({ byteOffset: at, byte: bytes[at], charIndex: units.length });
    units.push(0xfffd);
  };
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i];
    if (needed === 0) {
      start = i;
      if (b <= 0x7f) units.push(b);
      else if (b >= 0xc2 && b <= 0xdf) [needed, codePoint] = [1, b & 0x1f];
      else if (b >= 0xe0 && b <= 0xef) {
        // E0 and ED narrow the next byte: no overlong forms, no surrogates.
        if (b === 0xe0) lower = 0xa0;
        if (b === 0xed) upper = 0x9f;
        [needed, codePoint] = [2, b & 0x0f];
      } else if (b >= 0xf0 && b <= 0xf4) {
        // F0 and F4 narrow the next byte: no overlong forms, nothing above U+10FFFF.
        if (b === 0xf0) lower = 0x90;
        if (b === 0xf4) upper = 0x8f;
        [needed, codePoint] = [3, b & 0x07];
      } else fail(i);
      continue;
    }
    if (b < lower || b > upper) {
      // The sequence ends early: one U+FFFD for it, and this byte starts afresh.
      [codePoint, needed, seen, lower, upper] = [0, 0, 0, 0x80, 0xbf];
      fail(start);
      i--;
      continue;
    }
    [lower, upper] = [0x80, 0xbf];
    codePoint = (codePoint << 6) | (b & 0x3f);
    if (++seen === needed) {
      if (codePoint > 0xffff)
        units.push(0xd800 + ((codePoint - 0x10000) >> 10), 0xdc00 + ((codePoint - 0x10000) & 0x3ff));
      else units.push(codePoint);
      [codePoint, needed, seen] = [0, 0, 0];
    }
  }
  if (needed !== 0) fail(start);
  return { text: unitsToString(units), errors };
}

/** String.fromCharCode in slices: one call with a million arguments would overflow the stack. */
function unitsToString(units: number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < units.length; i += 8192) parts.push(String.fromCharCode(...units.slice(i, i + 8192)));
  return parts.join('');
}

/** The text of a config file, or why it cannot be read as UTF-8 JSON at all. */
export type ConfigText = ({ readonly ok: true } & DecodedText) | { readonly ok: false; readonly problem: string };

/**
 * A config file's bytes as text: a UTF-8 byte order mark (which Windows
 * editors write) is dropped; UTF-16, which they also write, is named as such.
 */
export function configText(bytes: Uint8Array): ConfigText {
  const [b0, b1, b2] = bytes;
  if ((b0 === 0xff && b1 === 0xfe) || (b0 === 0xfe && b1 === 0xff)) {
    return { ok: false, problem: `is UTF-16 (byte order mark ${hex(b0)} ${hex(b1)}); save the file as UTF-8` };
  }
  // JSON starts with an ASCII character, so a NUL beside it means two bytes per character.
  if (bytes.length >= 2 && (b0 === 0) !== (b1 === 0))
    return { ok: false, problem: 'looks like UTF-16 (NUL bytes between the characters); save the file as UTF-8' };
  const bom = b0 === 0xef && b1 === 0xbb && b2 === 0xbf;
  return { ok: true, ...decodeUtf8(bom ? bytes.subarray(3) : bytes) };
}

/** "0xE9" */
export function hex(byte: number): string {
  return `0x${byte.toString(16).toUpperCase().padStart(2, '0')}`;
}
