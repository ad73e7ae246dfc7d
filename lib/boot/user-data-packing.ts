/**
 * EC2 takes at most 16,384 bytes of user data, and the boot script alone is
 * ~16 KB once its comments are stripped: long secret ARNs, `initialize` with a
 * license, or a few `extraSettings` push a real config over. Such user data is
 * sent gzip-compressed and base64-encoded inside a four-line bash stub that
 * unpacks it into a pipe and runs it (no file on disk, nothing in argv). User
 * data that fits stays plain, so the EC2 console shows the script as is.
 * The stub needs base64 (coreutils) and gzip, standard on the appliance's
 * Debian base (not a documented GitHub contract; see README).
 */
import { gunzipSync, gzipSync } from 'node:zlib';

const MARK = 'GHES_EMAIL_GZ';
const HEAD =
  '#!/usr/bin/env bash\n# ghes-email boot script, gzip+base64 to fit EC2\'s 16 KB; see "Boot script size" in the README\n';

/** The bash stub that runs `script` from its compressed form. */
export function packUserData(script: string): string {
  const b64 = gzipSync(Buffer.from(script, 'utf8'), { level: 9 })
    .toString('base64')
    .replace(/.{1,76}/g, '$&\n');
  // exec keeps the process-substitution pipe open for the new bash; the script's stdin stays what EC2 gave.
  return `${HEAD}exec bash <(base64 -d <<'${MARK}' | gzip -dc\n${b64}${MARK}\n)\n`;
}

/** The script inside user data: packed user data unpacked, plain user data as is. */
export function unpackUserData(userData: string): string {
  if (!userData.startsWith(HEAD)) return userData;
  const start = userData.indexOf('\n', userData.indexOf(`<<'${MARK}'`)) + 1;
  const end = userData.indexOf(`${MARK}\n)`, start);
  return gunzipSync(Buffer.from(userData.slice(start, end).replace(/\n/g, ''), 'base64')).toString('utf8');
}
