/**
 * Secrets the boot script cannot use as a password: one stored as SecretBinary (no text: only the license is read that
 * way), or an empty one. Either would have GHES configured without a password; each is refused, naming the secret and
 * never its content, before anything is sent to the appliance.
 */
import { SecretRef } from '../../lib/core/secret-ref';
import { ROOT_ARN, SMTP_ARN, Rig, bootScript, rig, smtp } from '../support/boot/rig';
import { everything, runBoot } from '../support/boot/run-boot';
import { leakForms } from '../support/boot/secret-forms';

let r: Rig | undefined;
afterEach(async () => {
  await r?.stop();
  r = undefined;
});

test.each([
  {
    what: 'SMTP password',
    arn: SMTP_ARN,
    script: () => bootScript(smtp({ password: SecretRef.fromSecretsManager(SMTP_ARN) })),
  },
  { what: 'root site administrator password', arn: ROOT_ARN, script: () => bootScript() },
])(
  'the $what stored as SecretBinary: exit 4 naming the secret, no PUT, its bytes nowhere',
  async ({ what, arn, script }) => {
    r = await rig();
    const content = `${what === 'SMTP password' ? r.secrets.smtpPassword : r.secrets.rootPassword} in binary`;
    r.aws.secrets.set(arn, { binary: Buffer.from(content) });
    const run = await runBoot(script().render(), r.env, { record: true });
    expect({ code: run.code, last: run.lastLine }).toEqual({
      code: 4,
      last: expect.stringContaining(
        `FAILED (exit 4): the ${what} in ${arn} is a binary secret (SecretBinary); store it as text (SecretString)`,
      ),
    });
    expect(r.manage.puts).toEqual([]);
    for (const { where, text } of everything(run))
      for (const f of leakForms([content]))
        expect(`${where}: ${text.includes(f.text) ? f.form : 'clean'}`).toBe(`${where}: clean`);
  },
);

test('an empty SMTP password: exit 4 naming the secret, no PUT (GHES would get settings without a password)', async () => {
  r = await rig();
  r.aws.secrets.set(SMTP_ARN, { string: JSON.stringify({ password: '' }) });
  const run = await runBoot(bootScript().render(), r.env);
  expect({ code: run.code, last: run.lastLine }).toEqual({
    code: 4,
    last: expect.stringContaining(
      `FAILED (exit 4): the SMTP password in Secrets Manager secret ${SMTP_ARN} (JSON key "password") is empty; fix the secret`,
    ),
  });
  expect(r.manage.puts).toEqual([]);
});
