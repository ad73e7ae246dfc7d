/**
 * The boot script with SMTP credentials in one JSON secret (the SES relay's
 * {username, password}), run for real with bash against the local doubles:
 * one read for both keys, and a bounded, logged wait while the secret has no
 * value yet (the stack was deployed before `ghes-email relay-credentials` ran).
 */
import { IncomingMessage, ServerResponse } from 'node:http';
import { Lazy } from 'cdktf';
import { MAX_USER_DATA_BYTES, TOKEN_BYTES, renderSettings } from '../../lib/boot/boot-script';
import { SecretRef } from '../../lib/core/secret-ref';
import { AwsDouble } from '../support/boot/aws-doubles';
import { ROOT_ARN, SMTP_ARN, Rig, bootScript, rig, smtp } from '../support/boot/rig';
import { BootRun, everything, runBoot } from '../support/boot/run-boot';
import { leakForms } from '../support/boot/secret-forms';
import { literalValue, resources, synthConfig, exampleConfig } from '../support/stack';

const KEY_ID = 'AKIAIOSFODNN7EXAMPLE';
/** What Secrets Manager answers for a secret that exists but has no version (AWSCURRENT) yet. */
const NO_VALUE = {
  __type: 'ResourceNotFoundException',
  Message: "Secrets Manager can't find the specified secret value for staging label: AWSCURRENT",
};

/** Settings whose username and password are keys of SMTP_ARN. */
const credentialsSmtp = () =>
  smtp({ username: undefined, password: undefined, credentials: SecretRef.fromSecretsManager(SMTP_ARN) });

let r: Rig | undefined;
afterEach(async () => {
  await r?.stop();
  r = undefined;
});

/** Answers "no value yet" for the SMTP secret's first `n` reads, then behaves as the usual double. */
function withoutValueFor(aws: AwsDouble, n: number): { served: () => number } {
  let served = 0;
  const respond = (
    aws as unknown as { respond: (req: IncomingMessage, body: Buffer, res: ServerResponse) => Promise<void> }
  ).respond.bind(aws);
  Object.assign(aws, {
    respond: async (req: IncomingMessage, body: Buffer, res: ServerResponse) => {
      if (served < n && body.toString().includes(SMTP_ARN)) {
        served++;
        res.writeHead(400, { 'Content-Type': 'application/x-amz-json-1.1' }).end(JSON.stringify(NO_VALUE));
        return;
      }
      await respond(req, body, res);
    },
  });
  return { served: () => served };
}

function expectClean(run: BootRun, rg: Rig): void {
  const forms = leakForms(
    [
      rg.secrets.rootPassword,
      rg.secrets.smtpPassword,
      rg.imds.credentials.secretAccessKey,
      rg.imds.credentials.sessionToken,
    ],
    rg.secrets.rootPassword,
  );
  for (const { where, text } of everything(run))
    for (const f of forms) expect(`${where}: ${text.includes(f.text) ? f.form : 'clean'}`).toBe(`${where}: clean`);
}

async function sesRig(): Promise<Rig> {
  const rg = await rig();
  rg.aws.secrets.set(SMTP_ARN, { string: JSON.stringify({ username: KEY_ID, password: rg.secrets.smtpPassword }) });
  return rg;
}

test('settings block: the credentials secret once, with the password key and then the username key', () => {
  const line = renderSettings({
    smtp: credentialsSmtp(),
    managementConsole: { password: SecretRef.fromSecretsManager(ROOT_ARN) },
  })
    .split('\n')
    .find((l) => l.startsWith('SMTP_PW_REF='));
  expect(line).toBe(`SMTP_PW_REF=(secretsmanager '${SMTP_ARN}' 'password' 'username')`);
  expect(bootScript(credentialsSmtp()).secrets.map((s) => s.source)).toEqual([
    { kind: 'secretsmanager', arn: ROOT_ARN },
    { kind: 'secretsmanager', arn: SMTP_ARN, jsonKey: 'password', kmsKeyArn: undefined },
  ]);
});

test('the size check counts a Terraform reference (the relay secret ARN) as TOKEN_BYTES: one byte more is packed', () => {
  const arn = Lazy.stringValue({ produce: () => SMTP_ARN });
  const script = (filler: number) =>
    bootScript(
      smtp({
        username: undefined,
        password: undefined,
        credentials: SecretRef.fromSecretsManager(arn),
        extraSettings: { filler: 'x'.repeat(filler) },
      }),
    );
  const fits = MAX_USER_DATA_BYTES - Buffer.byteLength(script(0).render());
  // With the reference counted at its own (short) length this would fit plain; with TOKEN_BYTES for it, it does not.
  const reference = /\$\{TfToken\[[^\]]+\]\}/.exec(script(0).render())![0].length;
  const edge = script(fits - (TOKEN_BYTES - reference));
  expect(edge.render()).toBe(edge.script());
  expect(Buffer.byteLength(edge.render()) + TOKEN_BYTES - reference).toBe(MAX_USER_DATA_BYTES);
  // One byte more is packed, the reference left plain in the stub's settings for Terraform to fill in.
  const over = script(fits - (TOKEN_BYTES - reference) + 1).render();
  expect(over).toMatch(/^#!\/usr\/bin\/env bash\n# ghes-email boot script, gzip\+base64/);
  expect(over).toMatch(/^SMTP_PW_REF=\(secretsmanager '\$\{TfToken\[[^\]]+\]\}' 'password' 'username'\)$/m);
});

test('username and password from one JSON secret, read once; GHES gets both (username as user_name too)', async () => {
  r = await sesRig();
  const run = await runBoot(bootScript(credentialsSmtp()).render(), r.env, { record: true });
  expect(run.code).toBe(0);
  expect(r.aws.requests.map((q) => JSON.parse(q.body.toString()).SecretId)).toEqual([ROOT_ARN, SMTP_ARN]);
  expect(r.manage.puts[0].smtp).toMatchObject({
    username: KEY_ID,
    user_name: KEY_ID,
    password: r.secrets.smtpPassword,
    authentication: 'login',
  });
  expectClean(run, r);
});

test('no value yet: waits past GHES_EMAIL_AWS_TIMEOUT (up to GHES_EMAIL_SECRET_WAIT), logging each retry, then applies', async () => {
  r = await sesRig();
  const gate = withoutValueFor(r.aws, 4);
  // The sleeps between the four answers alone outlast the AWS deadline: only the longer wait gets through.
  const run = await runBoot(
    bootScript(credentialsSmtp()).render(),
    { ...r.env, GHES_EMAIL_AWS_TIMEOUT: '0.05', GHES_EMAIL_SECRET_WAIT: '30' },
    { record: true },
  );
  expect(run.code).toBe(0);
  expect(gate.served()).toBe(4);
  expect(run.logLines.filter((l) => l.includes('waiting for the SMTP password'))).toEqual(
    Array(4).fill(expect.stringMatching(/waiting for the SMTP password: ResourceNotFoundException, \d+s left$/)),
  );
  expect(r.manage.puts[0].smtp).toMatchObject({ username: KEY_ID, password: r.secrets.smtpPassword });
  expectClean(run, r);
});

test('a secret that never gets a value: exit 4 at the GHES_EMAIL_SECRET_WAIT deadline, naming the secret and why', async () => {
  r = await sesRig();
  withoutValueFor(r.aws, Number.MAX_SAFE_INTEGER);
  const run = await runBoot(bootScript(credentialsSmtp()).render(), { ...r.env, GHES_EMAIL_SECRET_WAIT: '0.3' });
  expect(run.code).toBe(4);
  expect(run.lastLine).toContain(
    `FAILED (exit 4): cannot read the SMTP password from Secrets Manager secret ${SMTP_ARN} (JSON key "password"): ResourceNotFoundException (Secrets Manager can't find the specified secret value for staging label: AWSCURRENT)`,
  );
  expect(r.manage.requests).toEqual([]);
});

test('a JSON secret without "username": exit 4, says which key', async () => {
  r = await sesRig();
  r.aws.secrets.set(SMTP_ARN, { string: JSON.stringify({ password: r.secrets.smtpPassword }) });
  const run = await runBoot(bootScript(credentialsSmtp()).render(), r.env, { record: true });
  expect(run.code).toBe(4);
  expect(run.lastLine).toContain(`FAILED (exit 4): ${SMTP_ARN}: no string key "username" in the JSON secret`);
  expect(r.manage.puts).toEqual([]);
  expectClean(run, r);
});

test('the SES relay stack: its user data, with the ARN Terraform fills in, reads the relay secret and applies the SES settings', async () => {
  r = await sesRig();
  const config = exampleConfig();
  config.region = 'us-east-2';
  config.managementConsole.password = { secretsManagerArn: ROOT_ARN };
  config.smtp = {
    relay: { ses: {} },
    domain: 'github.example.com',
    noreplyAddress: 'noreply@github.example.com',
    support: { type: 'email', address: 'help@example.com' },
  };
  const synth = synthConfig(config);
  const [secretName] = Object.keys(JSON.parse(synth).resource.aws_secretsmanager_secret);
  // Terraform's job at apply: the secret's ARN in place of its reference.
  const userData = literalValue(
    resources(synth, 'aws_instance')[0]
      .user_data.split(`\${aws_secretsmanager_secret.${secretName}.arn}`)
      .join(SMTP_ARN),
  );
  const run = await runBoot(userData, r.env, { record: true });
  expect(run.code).toBe(0);
  expect(r.manage.puts[0].smtp).toMatchObject({
    address: 'email-smtp.us-east-2.amazonaws.com',
    port: '587',
    authentication: 'login',
    enable_starttls_auto: true,
    username: KEY_ID,
    user_name: KEY_ID,
    password: r.secrets.smtpPassword,
  });
  expect(synth.includes(r.secrets.smtpPassword)).toBe(false);
  expectClean(run, r);
});
