/**
 * User data that would not fit EC2's 16,384 bytes plain is packed (gzip+base64 in a bash stub):
 * it still runs, byte for byte the same script, planned verbatim by Terraform; what fits stays plain.
 */
import { randomBytes } from 'node:crypto';
import { ValidationError } from '../../lib';
import { MAX_USER_DATA_BYTES } from '../../lib/boot/boot-script';
import { SecretRef } from '../../lib/core/secret-ref';
import { unpackUserData } from '../../lib/boot/user-data-packing';
import { Rig, bootScript, rig, smtp } from '../support/boot/rig';
import { runBoot } from '../support/boot/run-boot';
import { EXTRA_SETTINGS as EXTRA, EXTRA_SETTINGS_COUNT } from '../support/boot/extra-settings';
import { engineCheck } from '../support/engine/run-engine';
import { exampleConfig, resources, synthConfig } from '../support/stack';
import { shellcheck } from '../support/shellcheck';

let r: Rig;
beforeAll(async () => {
  r = await rig();
});
afterAll(() => r.stop());

test('user data that fits is the plain script', () => {
  const boot = bootScript();
  expect(boot.render()).toBe(boot.script());
});

test('too large plain: packed under the limit, and it unpacks to exactly the script', () => {
  const boot = bootScript(smtp({ extraSettings: EXTRA }));
  const script = boot.script();
  expect(Buffer.byteLength(script)).toBeGreaterThan(MAX_USER_DATA_BYTES);
  const userData = boot.render();
  expect(userData).not.toBe(script);
  expect(Buffer.byteLength(userData)).toBeLessThanOrEqual(MAX_USER_DATA_BYTES);
  expect(unpackUserData(userData)).toBe(script);
});

test('the packed user data runs: the appliance gets every setting, secrets from their references', async () => {
  const run = await runBoot(bootScript(smtp({ extraSettings: EXTRA })).render(), r.env);
  expect({ code: run.code, last: run.lastLine }).toEqual({ code: 0, last: expect.stringContaining('ACTION NEEDED') });
  expect(r.manage.puts[0].smtp).toMatchObject({
    ...EXTRA,
    password: r.secrets.smtpPassword,
    address: 'smtp.example.com',
  });
});

test('the stub is shellcheck-clean', async () => {
  expect(await shellcheck(bootScript(smtp({ extraSettings: EXTRA })).render())).toEqual([]);
});

test('Terraform plans the packed user data verbatim (engine)', async () => {
  const c = exampleConfig();
  c.smtp.extraSettings = EXTRA;
  const synth = synthConfig(c);
  const result = await engineCheck(synth);
  expect(result.errors).toEqual([]);
  const [instance] = Object.keys(result.mapped.addressMap).filter((a) => a.startsWith('aws_instance.'));
  const planned = result.planned(instance).user_data as string;
  expect(planned.startsWith('#!/usr/bin/env bash\n# ghes-email boot script, gzip+base64')).toBe(true);
  expect(unpackUserData(planned)).toContain(`"setting_${EXTRA_SETTINGS_COUNT - 1}":"value ${EXTRA_SETTINGS_COUNT - 1}`);
  expect(typeof resources(synth, 'aws_instance')[0].user_data).toBe('string');
});

test('too large even packed: one clear problem with both sizes', () => {
  // Random text does not compress: 12 KB of it cannot fit whatever gzip does.
  const noise = Object.fromEntries(
    Array.from({ length: 12 }, (_, i) => [`noise_${i}`, randomBytes(768).toString('base64')]),
  );
  const err = (() => {
    try {
      bootScript(smtp({ extraSettings: noise })).render();
    } catch (e) {
      return e;
    }
    throw new Error('expected the render to fail');
  })();
  expect(err).toBeInstanceOf(ValidationError);
  expect((err as ValidationError).problems).toEqual([
    {
      path: 'BootScript.userData',
      message: expect.stringMatching(/^is \d+ bytes plain and \d+ packed \(gzip\+base64\); EC2 accepts at most 16384/),
    },
  ]);
});

test('a plain-text secret is embedded (unsafe, as documented), compressed or not: it is in the unpacked script', () => {
  const canary = `canary-${randomBytes(8).toString('hex')}`;
  const userData = bootScript(smtp({ extraSettings: EXTRA, password: SecretRef.unsafePlainText(canary) })).render();
  expect(userData).not.toContain(canary);
  expect(unpackUserData(userData)).toContain(canary);
});
