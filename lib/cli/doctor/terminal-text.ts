/**
 * Text from outside (log lines, SMTP greetings and replies, DNS answers) goes
 * to a terminal in the human report. A terminal acts on control characters:
 * ESC starts sequences that retitle the window (`ESC ]0;…BEL`), clear the
 * screen (`ESC [2J`) or rewrite what is shown; `\r` and `\n` let a line forge
 * another check's PASS; the C1 range (U+0080–U+009F) holds 8-bit forms of the
 * same introducers (U+009B is CSI); bidi controls reorder what is shown
 * ("Trojan Source", CVE-2021-42574). All of them are shown as escapes instead.
 *
 * Kept as is: tab (it moves the cursor forward only, and log text has it),
 * the backslash (escaping it too would double every `\r\n` of the transcript;
 * `--json` is the form to use for exact text).
 */

/** C0 but tab, DEL, C1, and the Unicode bidi embedding/override/isolate marks. */
const CONTROL = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

const NAMED: Readonly<Record<string, string>> = { '\n': '\\n', '\r': '\\r' };

function visible(c: string): string {
  const code = c.charCodeAt(0);
  return (
    NAMED[c] ?? (code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`)
  );
}

/** `text` with every character a terminal would act on replaced by a visible escape (`\x1b`, `\r`, `\u202e`). */
export function escapeControls(text: string): string {
  return text.replace(CONTROL, visible);
}

/**
 * The same characters, minus the C0 controls that JSON.stringify escapes itself and the newlines of its own
 * indentation: JSON leaves DEL, C1 (U+009B is CSI) and the bidi marks raw, and `--json` is read in terminals too.
 */
const JSON_RAW = /[\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/**
 * JSON text with every character a terminal would act on written as a `\uXXXX` escape. Such characters only occur
 * inside JSON strings, where the escape means the same character: a parser reads the exact text back.
 */
export function escapeJsonControls(json: string): string {
  return json.replace(JSON_RAW, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * For multi-line messages of our own (a config error lists one problem per line): each line escaped, the line breaks
 * kept.
 */
export function escapeLines(text: string): string {
  return text.split('\n').map(escapeControls).join('\n');
}
