/**
 * User data and EC2's 16,384 bytes: a config whose plain user data is too large is packed, even when it holds a
 * Terraform reference (the SES relay's secret ARN: its settings stay plain for Terraform to fill in); one that does not
 * fit even packed is one error that gives both sizes and what the bytes are, each contributor with its count.
 */
import { randomBytes } from 'node:crypto';
import { Lazy } from 'cdktf';
import { ValidationError } from '../../lib';
import { MAX_USER_DATA_BYTES, TOKEN_BYTES } from '../../lib/boot/boot-script';
import { SecretRef } from '../../lib/core/secret-ref';
import { unpackUserData } from '../../lib/boot/user-data-packing';
import { Rig, bootScript, rig, smtp } from '../support/boot/rig';
import { runBoot } from '../support/boot/run-boot';
import { EXTRA_SETTINGS } from '../support/boot/extra-settings';
import { Json, exampleConfig, literalValue, resources, synthConfig } from '../support/stack';
import { engineCheck } from '../support/engine/run-engine';

const HOST = 'github-enterprise-server.engineering-platform.eu-west-1.example-corporation.com';
const LONG = (name: string) =>
  `arn:aws:secretsmanager:eu-west-1:111122223333:secret:ghes/${HOST}/management-console/${name}-AbCdEf`;

/** The SES relay, a long hostname, long secret ARNs, initialize with a license (issue 18's config). */
function sesConfig(): Json {
  const config = exampleConfig();
  config.region = 'eu-west-1';
  config.hostname = HOST;
  config.hostedZone = { name: 'example-corporation.com', private: false };
  config.managementConsole = {
    password: { secretsManagerArn: LONG('root-site-administrator-password') },
    license: { secretsManagerArn: LONG('enterprise-license-file') },
    initialize: true,
  };
  config.smtp = {
    relay: { ses: {} },
    domain: HOST,
    noreplyAddress: `noreply@${HOST}`,
    support: { type: 'url', url: `https://support.${HOST}/contact-the-platform-team` },
  };
  return config;
}

let r: Rig | undefined;
afterEach(async () => {
  await r?.stop();
  r = undefined;
});

function renderError(render: () => unknown): string {
  try {
    render();
  } catch (e) {
    expect(e).toBeInstanceOf(ValidationError);
    const problems = (e as ValidationError).problems;
    expect(problems.map((p) => p.path)).toEqual(['BootScript.userData']);
    return problems[0].message;
  }
  throw new Error('expected the render to fail');
}

/**
 * Synthesizes `config`, plays Terraform's part at apply (the relay secret's ARN, TOKEN_BYTES long, in place of its
 * reference) and runs the user data against the rig: the SES relay's password reaches GHES.
 */
async function deployAndBoot(config: Json): Promise<{ planned: string; userData: string; reference: string }> {
  r = await rig();
  const synth = synthConfig(config);
  const [secret] = Object.keys(JSON.parse(synth).resource.aws_secretsmanager_secret);
  const reference = `\${aws_secretsmanager_secret.${secret}.arn}`;
  const planned = resources(synth, 'aws_instance')[0].user_data as string;
  const arn = `arn:aws:secretsmanager:eu-west-1:111122223333:secret:${'x'.repeat(TOKEN_BYTES - 53)}`;
  expect(arn.length).toBe(TOKEN_BYTES);
  const userData = literalValue(planned.split(reference).join(arn));
  expect(Buffer.byteLength(userData)).toBeLessThanOrEqual(MAX_USER_DATA_BYTES);

  r.aws.secrets.set(LONG('root-site-administrator-password'), { string: r.secrets.rootPassword });
  r.aws.secrets.set(LONG('enterprise-license-file'), { binary: r.secrets.license });
  r.aws.secrets.set(arn, { string: JSON.stringify({ username: 'AKIAEXAMPLE', password: r.secrets.smtpPassword }) });
  const run = await runBoot(userData, r.env);
  expect({ code: run.code, last: run.lastLine }).toEqual({ code: 0, last: expect.stringContaining('ACTION NEEDED') });
  expect(r.manage.puts[0].smtp).toMatchObject({
    address: 'email-smtp.eu-west-1.amazonaws.com',
    username: 'AKIAEXAMPLE',
    password: r.secrets.smtpPassword,
  });
  return { planned, userData, reference };
}

test('the SES relay with a long hostname, long secret ARNs and initialize with a license: plain, and it runs', async () => {
  // Packed before issue 18 (16,727 bytes plain); the parts of the script this config does not use are cut now.
  const { planned, userData, reference } = await deployAndBoot(sesConfig());
  expect(planned).toMatch(/^#!\/usr\/bin\/env bash\n# ghes-email boot script; commented source/);
  expect(planned).toContain(`SMTP_PW_REF=(secretsmanager '${reference}' 'password' 'username')`);
  expect(userData).toContain('config/init');
});

test('the same with ~3.8 KB of extraSettings: packed, the reference plain in the stub for Terraform, and it runs', async () => {
  const config = sesConfig();
  (config.smtp as Json).extraSettings = EXTRA_SETTINGS;
  const { planned, userData, reference } = await deployAndBoot(config);
  expect(planned).toMatch(/^#!\/usr\/bin\/env bash\n# ghes-email boot script, gzip\+base64/);
  expect(planned).toContain(`SMTP_PW_REF=(secretsmanager '${reference}' 'password' 'username')`);
  expect(Buffer.byteLength(unpackUserData(userData))).toBeGreaterThan(MAX_USER_DATA_BYTES);
});

/** The "Where the bytes are" list of a size error: contributor → bytes. */
function contributors(message: string): Record<string, number> {
  const list = /Where the bytes are \(plain\): (.*?)\. /.exec(message)![1];
  return Object.fromEntries(
    list.split(', ').map((part) => {
      const m = /^(.*?) (\d+)( \(.*\))?$/.exec(part)!;
      return [m[1], Number(m[2])];
    }),
  );
}

test('too large even packed: both sizes, and every contributor with its bytes, adding up to the plain size', () => {
  // Random text does not compress: 12 KB of it cannot fit whatever gzip does.
  const noise = Object.fromEntries(
    Array.from({ length: 12 }, (_, i) => [`noise_${i}`, randomBytes(768).toString('base64')]),
  );
  const boot = bootScript(smtp({ extraSettings: noise }), {
    initialize: true,
    license: SecretRef.fromSecretsManager(LONG('license')),
  });
  const message = renderError(() => boot.render());
  const plain = Buffer.byteLength(boot.script());
  expect(message).toMatch(
    new RegExp(`^is ${plain} bytes plain and \\d+ packed \\(gzip\\+base64\\); EC2 accepts at most 16384\\. `),
  );
  const parts = contributors(message);
  expect(Object.keys(parts)).toEqual([
    'the boot script',
    'smtp settings',
    'extraSettings',
    'managementConsole.password reference',
    'smtp.password reference',
    'managementConsole.license reference',
    'other settings',
  ]);
  expect(parts.extraSettings).toBeGreaterThan(12 * 1024);
  expect(Object.values(parts).reduce((a, b) => a + b, 0)).toBe(plain);
  // Each settings line with its newline.
  expect(parts['managementConsole.license reference']).toBe(
    `LICENSE_REF=(secretsmanager '${LONG('license')}')\n`.length,
  );
  expect(message).toMatch(new RegExp(`\\. The largest you set: extraSettings \\(${parts.extraSettings} bytes\\)`));
});

test('a Terraform reference is counted as TOKEN_BYTES and said so; without extraSettings none is blamed', () => {
  const arn = Lazy.stringValue({ produce: () => LONG('smtp') });
  const boot = bootScript(
    smtp({ username: undefined, password: undefined, credentials: SecretRef.fromSecretsManager(arn) }),
    { password: SecretRef.fromSecretsManager(`${LONG('root')}${'-x'.repeat(6000)}`) },
  );
  const message = renderError(() => boot.render());
  expect(message).toMatch(
    /^is \d+ bytes plain and \d+ packed \(gzip\+base64, the settings plain: they hold a Terraform reference\)/,
  );
  expect(message).toMatch(/smtp\.credentials reference \d+ \(a Terraform reference counted as 128 bytes\)/);
  expect(contributors(message)).not.toHaveProperty('of them extraSettings');
  expect(message).toMatch(/The largest you set: managementConsole\.password reference \(\d+ bytes\)/);
});

test('Terraform validates and plans the SES stack whose packed user data keeps the reference plain (engine)', async () => {
  const config = sesConfig();
  (config.smtp as Json).extraSettings = EXTRA_SETTINGS;
  const synth = synthConfig(config);
  const result = await engineCheck(synth);
  expect(result.errors).toEqual([]);
  expect(result.valid).toBe(true);
  // Its value waits for the secret's ARN, known at apply; Terraform parsed the template (escapes, heredoc) to say so.
  const [instance] = Object.keys(result.mapped.addressMap).filter((a) => a.startsWith('aws_instance.'));
  expect(result.planned(instance).user_data).toBeUndefined();
});
