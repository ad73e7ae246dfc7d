/**
 * EC2 takes at most 16,384 bytes of user data, and the boot script alone is
 * ~16 KB once its comments are stripped: long secret ARNs, `initialize` with a
 * license, or a few `extraSettings` push a real config over. Such user data is
 * sent gzip-compressed and base64-encoded inside a small bash stub. User data
 * that fits stays plain, so the EC2 console shows the script as is.
 *
 * The stub runs nothing it has not checked: it unpacks the script into a shell
 * variable (never a file, never argv), compares its SHA-256 with the one it
 * carries, and only then runs it from a pipe. A missing tool (base64 and gzip
 * from the appliance's Debian base, openssl which the boot script needs anyway;
 * not a documented GitHub contract, see docs/not-confirmed.md) or a damaged
 * payload ends in a FAILED line in the boot log (the same file and format the
 * boot script writes) and exit 10: a streamed `base64 -d | gzip -dc | bash`
 * would run a damaged script before gzip found its CRC wrong, and without gzip
 * would run an empty one and exit 0.
 */
import { createHash } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';

const MARK = 'GHES_EMAIL_GZ';
const HEAD =
  '#!/usr/bin/env bash\n# ghes-email boot script, gzip+base64; see "Boot script size" in docs/deploying.md\n';
/** The exit code of a stub that ran nothing (docs/boot-script.md, "Exit codes and the log"). */
export const UNPACK_FAILED_EXIT = 10;

/**
 * `f MESSAGE`: the boot script's FAILED line (timestamp, tag, exit code) to its log and the console, then exit.
 */
const STUB_TOP = [
  'set -o pipefail;export TZ=UTC',
  `f(){ local l=\${GHES_EMAIL_LOG:-/var/log/ghes-email-boot.log} m;umask 077;mkdir -p "$(dirname "$l")";printf -v m "%(%FT%TZ)T ghes-email-boot: FAILED (exit ${UNPACK_FAILED_EXIT}): packed user data: %s; nothing ran: use 'ghes-email apply' from your workstation" -1 "$1";echo "$m" >>"$l";echo "$m" >&2;exit ${UNPACK_FAILED_EXIT};}`,
  `for t in base64 gzip openssl;do command -v "$t" >/dev/null||f "$t not found";done`,
].join('\n');

/** Stands for the settings block in a packed script body; the stub splices the settings back in. */
const SETTINGS_MARK = '#@@GHES_EMAIL_SETTINGS@@';
const SETTINGS_END = 'GHES_EMAIL_SETTINGS';

/**
 * The bash stub that checks and runs `script` from its compressed form. `settings`, a part of the script (its settings
 * block), stays plain in the stub and is spliced back in before the script runs: it may hold a Terraform reference
 * (the SES relay's secret ARN) that only Terraform can resolve, at apply, so it cannot be compressed at synth.
 */
export function packUserData(script: string, settings = ''): string {
  const at = settings === '' ? -1 : script.indexOf(settings);
  if (settings !== '' && at < 0) throw new Error('packUserData: the settings are not part of the script');
  const body = at < 0 ? script : script.slice(0, at) + SETTINGS_MARK + script.slice(at + settings.length);
  if (body.includes('${TfToken[')) throw new Error('packUserData: a Terraform reference outside the settings');
  const b64 = gzipSync(Buffer.from(body, 'utf8'), { level: 9 })
    .toString('base64')
    .replace(/.{1,76}/g, '$&\n');
  // $(…) drops the body's trailing newline: the SHA-256 is of what the variable holds.
  const sha = createHash('sha256').update(body.replace(/\n+$/, ''), 'utf8').digest('hex');
  const plain = at < 0 ? '' : `IFS= read -r -d '' P <<'${SETTINGS_END}'\n${settings}\n${SETTINGS_END}\n`;
  const run = at < 0 ? '"$S"' : `"\${S%%${SETTINGS_MARK}*}\${P%?}\${S#*${SETTINGS_MARK}}"`;
  return (
    `${HEAD}${STUB_TOP}\n${plain}` +
    `S=$(base64 -d <<'${MARK}'|gzip -dc\n${b64}${MARK}\n)||f 'damaged (base64 -d|gzip -dc failed)'\n` +
    `[[ $(printf %s "$S"|openssl dgst -sha256 -r) == ${sha}\\ * ]]||f 'damaged (SHA-256 mismatch)'\n` +
    // exec keeps the process-substitution pipe open for the new bash; the script's stdin stays what EC2 gave.
    `exec bash <(printf '%s\\n' ${run})\n`
  );
}

/** The script inside user data: packed user data unpacked (its settings spliced back in), plain user data as is. */
export function unpackUserData(userData: string): string {
  if (!userData.startsWith(HEAD)) return userData;
  const start = userData.indexOf('\n', userData.indexOf(`<<'${MARK}'`)) + 1;
  const end = userData.indexOf(`\n${MARK}\n`, start);
  const body = gunzipSync(Buffer.from(userData.slice(start, end).replace(/\n/g, ''), 'base64')).toString('utf8');
  const open = userData.indexOf(`<<'${SETTINGS_END}'\n`);
  if (open < 0) return body;
  const from = open + `<<'${SETTINGS_END}'\n`.length;
  const settings = userData.slice(from, userData.indexOf(`\n${SETTINGS_END}\n`, from));
  return body.replace(SETTINGS_MARK, () => settings);
}
