/** Rendering the boot script: settings block, size limit, validation, and no secret in synthesized output. */
import { randomBytes } from 'node:crypto';
import { BootScript, MAX_USER_DATA_BYTES, renderSettings } from '../../lib/boot/boot-script';
import { parseConfig } from '../../lib/config/config';
import { ValidationError } from '../../lib/core/problems';
import { SecretRef } from '../../lib/core/secret-ref';
import { LICENSE_ARN, ROOT_ARN, SMTP_ARN, Rig, bootScript, rig, smtp } from '../support/boot/rig';
import { runBoot } from '../support/boot/run-boot';
import { shellcheck } from '../support/shellcheck';
import { exampleConfig, resources, synthConfig, literalValue } from '../support/stack';

function exampleUserData(): string {
  const loaded = parseConfig(exampleConfig());
  return new BootScript({ smtp: loaded.smtp!, managementConsole: loaded.managementConsole! }).render();
}

test('the example config renders to a pinned number of bytes, under the EC2 limit', () => {
  const bytes = Buffer.byteLength(exampleUserData());
  // A change here is a reviewed change: the headroom left for extraSettings is MAX_USER_DATA_BYTES - bytes.
  // 16,136 before issue 18 cut the parts this config does not use (no initialize, SSM or plain-text secret).
  expect(bytes).toBe(14221);
  expect(bytes).toBeLessThanOrEqual(MAX_USER_DATA_BYTES);
});

test('the generated settings block is shellcheck-clean, hostile values included', async () => {
  // The rest of the user data is the linted source minus comments (boot-shellcheck.test.ts), and boot-run
  // runs it whole; linting only what is generated here saves a ~3 s lint of the whole script.
  const settings = renderSettings({
    smtp: smtp({ password: SecretRef.unsafePlainText(`it's "x" \\ \n $(id) \${HOME} %{x}`) }),
    managementConsole: { password: SecretRef.fromSsmParameter("/ghes/it's-root") },
  });
  const names = [...settings.matchAll(/^([A-Z_]+)=(\(?)/gm)].map(([, name, array]) =>
    array ? `"\${${name}[@]}"` : `"$${name}"`,
  );
  expect(names.length).toBeGreaterThan(5);
  expect(await shellcheck(`#!/usr/bin/env bash\n${settings}\nprintf '%s\\n' ${names.join(' ')}\n`)).toEqual([]);
  // A lint that sees a quoting mistake in a generated line fails: the check is not vacuous.
  expect(
    await shellcheck(
      `#!/usr/bin/env bash\n${settings.replace(/^ENFORCE_TLS=.*$/m, 'ENFORCE_TLS=($UNSET_VALUE)')}\nprintf '%s\\n' ${names.join(' ')}\n`,
    ),
  ).not.toEqual([]);
});

test('settings block: payload JSON single-quoted, references as (kind id [jsonKey]), no secret value', () => {
  const s = renderSettings({
    smtp: smtp({ extraSettings: { note: "o'brien" } }),
    managementConsole: {
      password: SecretRef.fromSsmParameter('/ghes/root'),
      initialize: true,
      license: SecretRef.fromSecretsManager(LICENSE_ARN),
      waitForInitMinutes: 30,
    },
  });
  const lines = s.split('\n');
  expect(lines[0]).toMatch(/^SMTP_JSON='\{"enabled":true,.*"note":"o'\\''brien"\}'$/);
  expect(lines.slice(1)).toEqual([
    'ENFORCE_TLS=true',
    'INITIALIZE=true',
    'WAIT_INIT_MIN=30',
    "ROOT_PW_REF=(ssm '/ghes/root')",
    `SMTP_PW_REF=(secretsmanager '${SMTP_ARN}' 'password')`,
    `LICENSE_REF=(secretsmanager '${LICENSE_ARN}')`,
    expect.stringMatching(/^SETTINGS_SHA=[0-9a-f]{16}$/),
  ]);
});

test('a license given without initialize is neither rendered nor readable by the instance role', () => {
  const script = bootScript(smtp(), { license: SecretRef.fromSecretsManager(LICENSE_ARN) });
  expect(script.render()).toContain('LICENSE_REF=()');
  expect(script.secrets.map((s) => s.describe())).toEqual([
    `Secrets Manager secret ${ROOT_ARN}`,
    `Secrets Manager secret ${SMTP_ARN} (JSON key "password")`,
  ]);
});

test('user data over 16,384 bytes even packed fails with a clear error', () => {
  // Random text does not compress, so packing (boot-packed.test.ts) cannot save it.
  const big = smtp({ extraSettings: { filler: randomBytes(MAX_USER_DATA_BYTES).toString('base64') } });
  expect(() => bootScript(big).render()).toThrow(ValidationError);
  expect(() => bootScript(big).render()).toThrow(
    /BootScript\.userData: is \d{5} bytes plain and \d{5} packed \(gzip\+base64\); EC2 accepts at most 16384/,
  );
});

test('invalid Management Console props: every problem at once, with paths', () => {
  let err: unknown;
  try {
    new BootScript({
      smtp: smtp(),
      managementConsole: {
        password: SecretRef.fromSecretsManager('not-an-arn'),
        initialize: true,
        waitForInitMinutes: 0,
      },
    });
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(ValidationError);
  expect((err as ValidationError).problems.map((p) => p.path)).toEqual([
    'BootScript.managementConsole.password.secretsManagerArn',
    'BootScript.managementConsole.license',
    'BootScript.managementConsole.waitForInitMinutes',
  ]);
});

describe('end to end: the synthesized stack', () => {
  let r: Rig;
  beforeAll(async () => {
    r = await rig();
  });
  afterAll(() => r.stop());

  test('carries no secret, and its user data runs against the doubles', async () => {
    const config = exampleConfig();
    config.smtp.password = { secretsManagerArn: SMTP_ARN, jsonKey: 'password' };
    config.managementConsole.password = { secretsManagerArn: ROOT_ARN };
    const synth = synthConfig(config);
    for (const v of [r.secrets.rootPassword, r.secrets.smtpPassword, r.secrets.licenseCanary])
      expect(synth.includes(v)).toBe(false);
    // As Terraform plans it: the synthesized string escapes bash's ${…} and curl's %{…}.
    const userData = literalValue(resources(synth, 'aws_instance')[0].user_data as string);
    const run = await runBoot(userData, r.env);
    expect(run.code).toBe(0);
    expect(r.manage.puts[0].smtp).toMatchObject({
      address: 'smtp.example.com',
      authentication: 'login',
      support_address: 'https://support.example.com',
      support_address_type: 'url',
      password: r.secrets.smtpPassword,
    });
    const policy = JSON.parse(synth).resource.aws_iam_role_policy;
    expect(JSON.stringify(policy)).toContain(SMTP_ARN);
  });
});
