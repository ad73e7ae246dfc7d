/**
 * The boot script under faults: each ends with the right exit code and a last
 * log line that says what failed and what to do, and never shows a secret.
 */
import { createServer } from 'node:net';
import { readFileSync } from 'node:fs';
import { BOOT_SCRIPT_PATH } from '../lib/boot-script';
import { SecretRef } from '../lib/secret-ref';
import { LICENSE_ARN, ROOT_ARN, SMTP_ARN, Rig, bootScript, rig, smtp } from './support/boot/rig';
import { BootRun, everything, runBoot } from './support/boot/run-boot';

let r: Rig | undefined;
afterEach(async () => {
  await r?.stop();
  r = undefined;
});

/** A loopback port with nothing listening on it. */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

function expectClean(run: BootRun, rg: Rig): void {
  const values = [rg.secrets.rootPassword, rg.secrets.smtpPassword, rg.secrets.licenseCanary, rg.imds.credentials.secretAccessKey, rg.imds.credentials.sessionToken];
  for (const { where, text } of everything(run)) for (const v of values) expect(`${where}: ${text.includes(v) ? v : 'clean'}`).toBe(`${where}: clean`);
  expect(run.leftovers).toEqual([]);
}

test('Manage API not up for a while, then up: retries and succeeds', async () => {
  r = await rig({ faults: { dropConnections: 4 } });
  const run = await runBoot(bootScript().render(), r.env);
  expect({ code: run.code, failed: run.log.includes('FAILED') }).toEqual({ code: 0, failed: false });
  expect(r.manage.droppedConnections).toBe(4);
  expect(r.manage.puts).toHaveLength(1);
  expectClean(run, r);
});

test('502 and 503 from the Manage API, then success: retries', async () => {
  r = await rig({ faults: { failFirst: [502, 503, 502] } });
  const run = await runBoot(bootScript().render(), r.env);
  expect(run.code).toBe(0);
  expect(r.manage.to('GET', '/manage/v1/version')).toHaveLength(4);
  expect(r.manage.runs).toEqual(['run-1']);
});

test('Manage API never up: gives up at the deadline (exit 5)', async () => {
  r = await rig();
  const run = await runBoot(bootScript().render(), { ...r.env, GHES_EMAIL_MANAGE_URL: `https://127.0.0.1:${await closedPort()}`, GHES_EMAIL_MANAGE_TIMEOUT: '0.3' });
  expect(run.code).toBe(5);
  expect(run.lastLine).toMatch(/FAILED \(exit 5\): Manage API https:\/\/127\.0\.0\.1:\d+ down \(GET \/manage\/v1\/version: curl: \(7\).*\); wait until GHES has booted, then run the user data again/);
  expectClean(run, r);
});

test('401 on an initialized appliance (initialize: true): fails fast, says the root password is wrong', async () => {
  r = await rig({ applianceRootPassword: 'a-different-password' });
  const run = await runBoot(bootScript(smtp(), { initialize: true, license: SecretRef.fromSecretsManager(LICENSE_ARN) }).render(), r.env);
  expect(run.code).toBe(6);
  expect(run.lastLine).toContain(`FAILED (exit 6): the root password in Secrets Manager secret ${ROOT_ARN} is wrong`);
  expect(run.lastLine).toContain('put the right password in');
  expect(r.manage.to('GET', '/manage/v1/config/settings')).toHaveLength(1);
  expect(r.manage.puts).toEqual([]);
  expectClean(run, r);
});

test('401 that never ends without initialize: gives up at the init deadline naming both causes', async () => {
  r = await rig({ applianceRootPassword: 'a-different-password' });
  const run = await runBoot(bootScript().render(), { ...r.env, GHES_EMAIL_INIT_TIMEOUT: '0.2' });
  expect(run.code).toBe(6);
  expect(run.lastLine).toMatch(/FAILED \(exit 6\): still HTTP 401: the appliance was not initialized in time, or the root password in Secrets Manager secret \S+ is wrong/);
  expect(r.manage.puts).toEqual([]);
});

test('config run finishes unsuccessfully: exit 8, the apply events are logged', async () => {
  r = await rig({ faults: { applyOutcome: 'failure', runningPolls: 2 } });
  const run = await runBoot(bootScript().render(), r.env);
  expect(run.code).toBe(8);
  expect(run.logLines).toContainEqual(expect.stringContaining('apply event: Postfix configuration failed: smtp relay "smtp.example.com" unreachable'));
  expect(run.lastLine).toMatch(/FAILED \(exit 8\): config run run-1 failed \(events above.*\); fix the cause, or run 'ghes-email apply'/);
  expectClean(run, r);
});

test('config run never finishes: exit 9 at the deadline', async () => {
  r = await rig({ faults: { applyOutcome: 'never' } });
  const run = await runBoot(bootScript().render(), { ...r.env, GHES_EMAIL_APPLY_TIMEOUT: '0.3' });
  expect(run.code).toBe(9);
  expect(run.lastLine).toMatch(/FAILED \(exit 9\): config run run-1 still running at the deadline; follow it in the Management Console/);
  expect(r.manage.to('GET', '/manage/v1/config/apply').length).toBeGreaterThan(1);
});

test('Secrets Manager AccessDenied: exit 4, names the ARN, not the value', async () => {
  r = await rig();
  r.aws.denied.add(SMTP_ARN);
  const run = await runBoot(bootScript().render(), r.env);
  expect(run.code).toBe(4);
  expect(run.lastLine).toMatch(
    new RegExp(`FAILED \\(exit 4\\): cannot read the SMTP password from Secrets Manager secret ${SMTP_ARN} \\(JSON key "password"\\): AccessDeniedException \\(User: .* is not authorized .*\\); check the secret exists and the instance role may read it`),
  );
  expect(r.manage.requests).toEqual([]);
  expectClean(run, r);
});

test('a JSON secret without the key: exit 4, says which key', async () => {
  r = await rig();
  const run = await runBoot(bootScript(smtp({ password: SecretRef.fromSecretsManager(SMTP_ARN, { jsonKey: 'smtp_password' }) })).render(), r.env);
  expect(run.code).toBe(4);
  expect(run.lastLine).toContain(`FAILED (exit 4): ${SMTP_ARN}: no string key "smtp_password" in the JSON secret`);
  expectClean(run, r);
});

test('instance metadata service unreachable: exit 3', async () => {
  r = await rig();
  const run = await runBoot(bootScript().render(), { ...r.env, GHES_EMAIL_IMDS_ENDPOINT: `http://127.0.0.1:${await closedPort()}`, GHES_EMAIL_AWS_TIMEOUT: '0.2' });
  expect(run.code).toBe(3);
  expect(run.lastLine).toMatch(/FAILED \(exit 3\): metadata service http:\/\/127\.0\.0\.1:\d+ unreachable \(\/latest\/api\/token\); enable instance metadata \(IMDSv2\)/);
  expect(r.aws.requests).toEqual([]);
});

test('settings rejected (400 echoing the request): exit 7, the echoed password is redacted', async () => {
  r = await rig();
  r.manage.faults = { rejectSettings: { status: 400, body: JSON.stringify({ message: `invalid smtp.password: ${r.secrets.smtpPassword}` }) } };
  const run = await runBoot(bootScript().render(), r.env);
  expect(run.code).toBe(7);
  expect(run.lastLine).toContain('FAILED (exit 7): settings rejected: HTTP 400 {"message":"invalid smtp.password: <redacted>"}');
  expectClean(run, r);
});

test('the bare template refuses to run (exit 2)', async () => {
  r = await rig();
  const run = await runBoot(readFileSync(BOOT_SCRIPT_PATH, 'utf8'), r.env);
  expect({ code: run.code, last: run.lastLine }).toEqual({ code: 2, last: expect.stringContaining('bare template') });
});
