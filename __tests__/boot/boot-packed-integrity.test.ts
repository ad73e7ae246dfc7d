/**
 * The packed user data's stub runs nothing it has not checked: the script is unpacked into memory first, its SHA-256
 * compared with the one the stub carries, and a missing tool or a damaged payload ends in a FAILED line in the boot
 * log and a non-zero exit, before a single line of the script has run.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { BOOT_SCRIPT_PATH, BootScript, renderSettings } from '../../lib/boot/boot-script';
import { SecretRef } from '../../lib/core/secret-ref';
import { packUserData, unpackUserData } from '../../lib/boot/user-data-packing';
import { ROOT_ARN, Rig, bootScript, rig, smtp } from '../support/boot/rig';
import { runBoot } from '../support/boot/run-boot';
import { EXTRA_SETTINGS as EXTRA } from '../support/boot/extra-settings';
import { shellcheck } from '../support/shellcheck';

const MARK = 'GHES_EMAIL_GZ';

/** The user data split around its base64 payload (the lines between the two GHES_EMAIL_GZ markers). */
function split(userData: string): { head: string; payload: Buffer; tail: string; b64: number } {
  const lines = userData.split('\n');
  const open = lines.findIndex((l) => l.includes(`<<'${MARK}'`));
  const close = lines.indexOf(MARK, open + 1);
  if (open < 0 || close < 0) throw new Error('not packed user data');
  const b64 = lines.slice(open + 1, close);
  return {
    head: lines.slice(0, open + 1).join('\n'),
    payload: Buffer.from(b64.join(''), 'base64'),
    tail: lines.slice(close).join('\n'),
    b64: b64.reduce((n, l) => n + l.length + 1, 0),
  };
}

/** The same user data with another gzip payload in place of its own. */
function withPayload(userData: string, gz: Buffer): string {
  const { head, tail } = split(userData);
  return `${head}\n${gz.toString('base64').replace(/.{1,76}/g, '$&\n')}${tail}`;
}

/** A script whose last line leaves a file behind: if that file exists, bash ran the script to its end. */
function canaryScript(tag: string): string {
  const filler = Array.from({ length: 200 }, (_, i) => `: line ${i} of ${tag}`).join('\n');
  return `#!/usr/bin/env bash\n${filler}\n: >"$HOME/canary-ran"\n`;
}

const ranCanary = (dir: string) => existsSync(join(dir, 'canary-ran'));

let r: Rig;
beforeAll(async () => {
  r = await rig();
});
afterAll(() => r.stop());

test('sanity: an intact packed canary script runs to its last line', async () => {
  const run = await runBoot(packUserData(canaryScript('intact')), {});
  expect({ code: run.code, stderr: run.stderr, ran: ranCanary(run.dir) }).toEqual({ code: 0, stderr: '', ran: true });
});

test.each(['gzip', 'base64', 'openssl'])(
  '%s missing on the appliance: FAILED in the boot log, a non-zero exit, nothing contacted',
  async (tool) => {
    const userData = bootScript(smtp({ extraSettings: EXTRA })).render();
    expect(userData).not.toBe(bootScript(smtp({ extraSettings: EXTRA })).script());
    const before = { imds: r.imds.requests.length, manage: r.manage.requests.length };
    const run = await runBoot(userData, r.env, { without: [tool] });
    expect({ code: run.code, last: run.lastLine, lines: run.logLines.length }).toEqual({
      code: 10,
      last: expect.stringMatching(
        new RegExp(
          `^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ ghes-email-boot: FAILED \\(exit 10\\): packed user data: ${tool} not found`,
        ),
      ),
      lines: 1,
    });
    expect(run.stderr).toBe(run.log);
    expect(run.logMode).toBe(0o600);
    expect({ imds: r.imds.requests.length, manage: r.manage.requests.length }).toEqual(before);
  },
);

test('a damaged payload (a bad gzip CRC) never runs: not even the canary at its tail', async () => {
  const { payload } = split(packUserData(canaryScript('crc')));
  const damaged = Buffer.from(payload);
  // The CRC32 is in the last 8 bytes of a gzip stream: the deflate data still inflates to the whole script.
  damaged[damaged.length - 8] ^= 0xff;
  expect(() => gunzipSync(damaged)).toThrow(/incorrect data check|invalid|check/i);
  const run = await runBoot(withPayload(packUserData(canaryScript('crc')), damaged), {});
  expect(ranCanary(run.dir)).toBe(false);
  expect({ code: run.code, last: run.lastLine }).toEqual({
    code: 10,
    last: expect.stringContaining('FAILED (exit 10): packed user data: damaged'),
  });
});

test('a payload that is not the script the stub was made for (SHA-256 mismatch) never runs', async () => {
  const userData = withPayload(packUserData(canaryScript('one')), gzipSync(canaryScript('another')));
  const run = await runBoot(userData, {});
  expect(ranCanary(run.dir)).toBe(false);
  expect({ code: run.code, last: run.lastLine }).toEqual({
    code: 10,
    last: expect.stringContaining('FAILED (exit 10): packed user data: damaged (SHA-256 mismatch)'),
  });
});

test('a truncated payload never runs', async () => {
  const { payload } = split(packUserData(canaryScript('cut')));
  const run = await runBoot(
    withPayload(packUserData(canaryScript('cut')), payload.subarray(0, payload.length - 40)),
    {},
  );
  expect(ranCanary(run.dir)).toBe(false);
  expect(run.code).toBe(10);
});

test('the stub is small, and writes where the boot script logs', () => {
  const script = bootScript(smtp({ extraSettings: EXTRA })).script();
  /** Everything but the payload's base64 lines (and the plain settings). */
  const stub = (userData: string, settings = '') =>
    Buffer.byteLength(userData) - split(userData).b64 - (settings === '' ? 0 : Buffer.byteLength(settings) + 1);
  const userData = bootScript(smtp({ extraSettings: EXTRA })).render();
  // A change here is a reviewed change: it is taken from EC2's 16 KB.
  expect(stub(userData)).toBeLessThanOrEqual(800);
  expect(stub(packUserData(script, 'INITIALIZE=false'), 'INITIALIZE=false')).toBeLessThanOrEqual(950);
  const log = /^LOG=(\$\{GHES_EMAIL_LOG:-[^}]+\})$/m.exec(readFileSync(BOOT_SCRIPT_PATH, 'utf8'))![1];
  expect(userData).toContain(log);
  expect(unpackUserData(userData)).toBe(script);
});

describe('settings kept plain (they hold a Terraform reference, resolved only at apply)', () => {
  const props = () => ({
    smtp: smtp({ extraSettings: EXTRA }),
    managementConsole: { password: SecretRef.fromSecretsManager(ROOT_ARN) },
  });
  const boot = () => new BootScript(props());
  const userData = () => packUserData(boot().script(), renderSettings(props()));

  test('the settings are plain in the stub, the rest packed; unpacked, it is exactly the script', () => {
    const settings = renderSettings(props());
    expect(userData()).toContain(`\n${settings}\n`);
    expect(split(userData()).payload.length).toBeGreaterThan(1000);
    expect(unpackUserData(userData())).toBe(boot().script());
  });

  test('it runs, and is shellcheck-clean', async () => {
    const run = await runBoot(userData(), r.env);
    expect({ code: run.code, last: run.lastLine }).toEqual({ code: 0, last: expect.stringContaining('ACTION NEEDED') });
    expect(await shellcheck(userData())).toEqual([]);
  });

  test('a damaged payload still never runs', async () => {
    const { payload } = split(userData());
    const damaged = Buffer.from(payload);
    damaged[damaged.length - 8] ^= 0xff;
    const run = await runBoot(withPayload(userData(), damaged), r.env);
    expect({ code: run.code, last: run.lastLine }).toEqual({
      code: 10,
      last: expect.stringContaining('FAILED (exit 10): packed user data: damaged'),
    });
  });
});
