/**
 * The boot script under faults: each ends with the right exit code and a last
 * log line that says what failed and what to do, and never shows a secret.
 */
import { createServer } from 'node:net';
import { readFileSync } from 'node:fs';
import { BOOT_SCRIPT_PATH } from '../../lib/boot/boot-script';
import { SecretRef } from '../../lib/core/secret-ref';
import { canary } from '../support/boot/aws-doubles';
import { LICENSE_ARN, ROOT_ARN, SMTP_ARN, SMTP_PARAM, Rig, bootScript, rig, smtp } from '../support/boot/rig';
import { BootRun, everything, runBoot } from '../support/boot/run-boot';
import { basicAuth, leakForms, percentEncode } from '../support/boot/secret-forms';

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

/** No secret in any output, in any of its forms (raw, base64, URL-encoded, the basic-auth header). */
function expectClean(run: BootRun, rg: Rig): void {
  const values = [
    rg.secrets.rootPassword,
    rg.secrets.smtpPassword,
    rg.secrets.licenseCanary,
    rg.imds.credentials.secretAccessKey,
    rg.imds.credentials.sessionToken,
  ];
  const forms = leakForms(values, rg.secrets.rootPassword);
  for (const { where, text } of everything(run))
    for (const f of forms) expect(`${where}: ${text.includes(f.text) ? f.form : 'clean'}`).toBe(`${where}: clean`);
  expect(run.leftovers).toEqual([]);
}

/** Durations the script passed to sleep, in seconds. */
function sleeps(run: BootRun): number[] {
  return run.argv.filter((a) => a[0] === 'sleep').map((a) => Number(a[1]));
}

test("Manage API not up for a while, then up: retries and succeeds, logging each retry with curl's error and the time left", async () => {
  r = await rig({ faults: { dropConnections: 4 } });
  const run = await runBoot(bootScript().render(), r.env, { record: true });
  expect({ code: run.code, failed: run.log.includes('FAILED') }).toEqual({ code: 0, failed: false });
  expect(r.manage.droppedConnections).toBe(4);
  // The heartbeat: a wait at first boot can last an hour and must not look like a hang.
  const beats = run.logLines.filter((l) => l.includes('waiting for GET /manage/v1/version'));
  expect(beats).toEqual(
    Array(4).fill(
      expect.stringMatching(/ghes-email-boot: waiting for GET \/manage\/v1\/version: curl: \(\d+\) .+, \d+s left$/),
    ),
  );
  expect(r.manage.puts).toHaveLength(1);
  expectClean(run, r);
});

test('502 and 503 from the Manage API, then success: retries, logging each status and the time left', async () => {
  r = await rig({ faults: { failFirst: [502, 503, 502] } });
  const run = await runBoot(bootScript().render(), r.env);
  expect(run.code).toBe(0);
  expect(r.manage.to('GET', '/manage/v1/version')).toHaveLength(4);
  expect(
    run.logLines
      .filter((l) => l.includes('waiting for GET'))
      .map((l) => l.replace(/.*ghes-email-boot: /, '').replace(/\d+s left$/, 'Ns left')),
  ).toEqual([
    'waiting for GET /manage/v1/version: HTTP 502, Ns left',
    'waiting for GET /manage/v1/version: HTTP 503, Ns left',
    'waiting for GET /manage/v1/version: HTTP 502, Ns left',
  ]);
  expect(r.manage.runs).toEqual(['run-1']);
});

test('by default a wait is never silent for more than 60 s: the longest backoff plus one request', () => {
  // Each retry is logged (tests above), so the gap between two lines is one sleep plus one request.
  const script = readFileSync(BOOT_SCRIPT_PATH, 'utf8');
  const defaultOf = (name: string) => Number(new RegExp(`\\$\\{${name}:-([0-9.]+)\\}`).exec(script)?.[1]);
  expect(defaultOf('GHES_EMAIL_BACKOFF_MAX') + defaultOf('GHES_EMAIL_REQUEST_TIMEOUT')).toBeLessThanOrEqual(60);
});

describe('401 while waiting for initialization', () => {
  test('after GHES_EMAIL_WARN_401 of 401s: a WARNING naming both causes and what to check, and it keeps waiting', async () => {
    r = await rig({ initialized: false, faults: { initializeAfterPolls: 3 } });
    const run = await runBoot(bootScript().render(), { ...r.env, GHES_EMAIL_WARN_401: '0' });
    expect(run.code).toBe(0);
    const warnings = run.logLines.filter((l) => l.includes('WARNING'));
    expect(warnings).toHaveLength(3);
    expect(warnings[0]).toMatch(
      new RegExp(
        `WARNING: HTTP 401 for \\d+s: not initialized yet, or the root password in Secrets Manager secret ${ROOT_ARN} is wrong \\(managementConsole\\.password\\); ` +
          'check that password signs in to the Management Console \\(port 8443\\); still waiting$',
      ),
    );
    expect(r.manage.puts).toHaveLength(1);
  });

  test('the poll interval grows (bounded) instead of restarting at the initial backoff on every poll', async () => {
    r = await rig({ initialized: false, faults: { initializeAfterPolls: 4 } });
    const run = await runBoot(
      bootScript().render(),
      { ...r.env, GHES_EMAIL_BACKOFF_INITIAL: '0.01', GHES_EMAIL_BACKOFF_MAX: '0.04' },
      { record: true },
    );
    expect(run.code).toBe(0);
    // Four 401 polls (doubling, capped at BACKOFF_MAX) then 200; the last sleep is the config run poll
    // (GHES_EMAIL_APPLY_POLL 0.02).
    expect(sleeps(run)).toEqual([0.01, 0.02, 0.04, 0.04, 0.02]);
  });
});

test('Manage API never up: gives up at the deadline (exit 5)', async () => {
  r = await rig();
  const run = await runBoot(
    bootScript().render(),
    { ...r.env, GHES_EMAIL_MANAGE_URL: `https://127.0.0.1:${await closedPort()}`, GHES_EMAIL_MANAGE_TIMEOUT: '0.3' },
    { record: true },
  );
  expect(run.code).toBe(5);
  expect(run.lastLine).toMatch(
    /FAILED \(exit 5\): Manage API https:\/\/127\.0\.0\.1:\d+ down \(GET \/manage\/v1\/version: curl: \(7\).*\); wait until GHES has booted, then run the user data again/,
  );
  expectClean(run, r);
});

test('401 on an initialized appliance (initialize: true): fails fast, says the root password is wrong', async () => {
  r = await rig({ applianceRootPassword: 'a-different-password' });
  const run = await runBoot(
    bootScript(smtp(), { initialize: true, license: SecretRef.fromSecretsManager(LICENSE_ARN) }).render(),
    r.env,
    { record: true },
  );
  expect(run.code).toBe(6);
  expect(run.lastLine).toContain(`FAILED (exit 6): the root password in Secrets Manager secret ${ROOT_ARN} is wrong`);
  expect(run.lastLine).toContain('put the right password in');
  expect(r.manage.to('GET', '/manage/v1/config/settings')).toHaveLength(1);
  expect(r.manage.puts).toEqual([]);
  expectClean(run, r);
});

test('401 that never ends without initialize: warns, then gives up at the init deadline naming both causes', async () => {
  r = await rig({ applianceRootPassword: 'a-different-password' });
  const run = await runBoot(bootScript().render(), {
    ...r.env,
    GHES_EMAIL_INIT_TIMEOUT: '0.2',
    GHES_EMAIL_WARN_401: '0',
  });
  expect(run.code).toBe(6);
  expect(run.log).toContain('WARNING: HTTP 401 for ');
  expect(run.lastLine).toMatch(
    /FAILED \(exit 6\): still HTTP 401: the appliance was not initialized in time, or the root password in Secrets Manager secret \S+ is wrong/,
  );
  expect(r.manage.puts).toEqual([]);
});

test('config run finishes unsuccessfully: exit 8, the apply events are logged, with any secret in them redacted', async () => {
  r = await rig({
    faults: { applyOutcome: 'failure', runningPolls: 2 },
    secrets: { smtpPassword: `${canary('smtp')} &=+/ é` },
  });
  const echo = `auth: ${basicAuth(r.secrets.rootPassword)} form: password=${percentEncode(r.secrets.smtpPassword)}`;
  r.manage.events.push({ ...r.manage.events[1], body: echo });
  const run = await runBoot(bootScript().render(), r.env, { record: true });
  expect(run.code).toBe(8);
  expect(run.logLines).toContainEqual(
    expect.stringContaining('apply event: Postfix configuration failed: smtp relay "smtp.example.com" unreachable'),
  );
  expect(run.logLines).toContainEqual(
    expect.stringMatching(/apply event: auth: Basic <redacted> form: password=<redacted>$/),
  );
  expect(run.lastLine).toMatch(
    /FAILED \(exit 8\): config run run-1 failed \(events above.*\); fix the cause, or run 'ghes-email apply'/,
  );
  expectClean(run, r);
});

test('config run never finishes: exit 9 at the deadline', async () => {
  r = await rig({ faults: { applyOutcome: 'never' } });
  const run = await runBoot(bootScript().render(), { ...r.env, GHES_EMAIL_APPLY_TIMEOUT: '0.3' });
  expect(run.code).toBe(9);
  expect(run.lastLine).toMatch(
    /FAILED \(exit 9\): config run run-1 still running at the deadline; follow it in the Management Console/,
  );
  expect(r.manage.to('GET', '/manage/v1/config/apply').length).toBeGreaterThan(1);
});

test('AccessDenied and throttling on secret reads (IAM is eventually consistent): retried with logged backoff, then it works', async () => {
  r = await rig();
  r.aws.failNext.push('AccessDeniedException', 'ThrottlingException', 'AccessDeniedException');
  const run = await runBoot(bootScript().render(), r.env, { record: true });
  expect(run.code).toBe(0);
  expect(r.aws.requests.map((q) => JSON.parse(q.body.toString()).SecretId)).toEqual([
    ROOT_ARN,
    ROOT_ARN,
    ROOT_ARN,
    ROOT_ARN,
    SMTP_ARN,
  ]);
  expect(run.logLines.filter((l) => l.includes('waiting for the root site administrator password'))).toEqual([
    expect.stringMatching(/waiting for the root site administrator password: AccessDeniedException, \d+s left$/),
    expect.stringMatching(/waiting for the root site administrator password: ThrottlingException, \d+s left$/),
    expect.stringMatching(/waiting for the root site administrator password: AccessDeniedException, \d+s left$/),
  ]);
  expectClean(run, r);
});

test('SSM throttling: retried the same way, signed for the instance region each time', async () => {
  r = await rig();
  r.aws.parameters.set('/ghes/root', r.secrets.rootPassword);
  r.aws.failNext.push('ThrottlingException');
  const run = await runBoot(
    bootScript(smtp({ password: SecretRef.fromSsmParameter(SMTP_PARAM) }), {
      password: SecretRef.fromSsmParameter('/ghes/root'),
    }).render(),
    r.env,
    { record: true },
  );
  expect(run.code).toBe(0);
  expect(r.aws.signatures.map((s) => [JSON.parse(s.requestBody).Name, s.scope.split('/')[1]])).toEqual([
    ['/ghes/root', 'eu-west-1'],
    ['/ghes/root', 'eu-west-1'],
    [SMTP_PARAM, 'eu-west-1'],
  ]);
  expect(run.log).toMatch(/waiting for the root site administrator password: ThrottlingException, \d+s left/);
  expectClean(run, r);
});

test('a missing secret is not retried: exit 4 at once', async () => {
  r = await rig();
  const missing = SMTP_ARN.replace('ghes-smtp', 'no-such');
  const run = await runBoot(bootScript(smtp({ password: SecretRef.fromSecretsManager(missing) })).render(), r.env);
  expect(run.code).toBe(4);
  expect(run.lastLine).toContain(
    `cannot read the SMTP password from Secrets Manager secret ${missing}: ResourceNotFoundException`,
  );
  expect(r.aws.requests.filter((q) => q.body.toString().includes(missing))).toHaveLength(1);
});

test('Secrets Manager AccessDenied that persists past GHES_EMAIL_AWS_TIMEOUT: exit 4 with the same message as before, names the ARN, not the value', async () => {
  r = await rig();
  r.aws.denied.add(SMTP_ARN);
  // The retries themselves are proven above; this one is about the end (how many fit in 0.5 s is the machine's
  // business).
  const run = await runBoot(bootScript().render(), { ...r.env, GHES_EMAIL_AWS_TIMEOUT: '0.5' }, { record: true });
  expect(run.code).toBe(4);
  expect(run.lastLine).toMatch(
    new RegExp(
      `FAILED \\(exit 4\\): cannot read the SMTP password from Secrets Manager secret ${SMTP_ARN} \\(JSON key "password"\\): AccessDeniedException \\(User: .* is not authorized .*\\); check the secret exists and the instance role may read it`,
    ),
  );
  expect(r.manage.requests).toEqual([]);
  expectClean(run, r);
});

test('a JSON secret without the key: exit 4, says which key', async () => {
  r = await rig();
  const run = await runBoot(
    bootScript(smtp({ password: SecretRef.fromSecretsManager(SMTP_ARN, { jsonKey: 'smtp_password' }) })).render(),
    r.env,
    { record: true },
  );
  expect(run.code).toBe(4);
  expect(run.lastLine).toContain(`FAILED (exit 4): ${SMTP_ARN}: no string key "smtp_password" in the JSON secret`);
  expectClean(run, r);
});

test('instance metadata service unreachable: exit 3', async () => {
  r = await rig();
  const run = await runBoot(bootScript().render(), {
    ...r.env,
    GHES_EMAIL_IMDS_ENDPOINT: `http://127.0.0.1:${await closedPort()}`,
    GHES_EMAIL_AWS_TIMEOUT: '0.2',
  });
  expect(run.code).toBe(3);
  expect(run.lastLine).toMatch(
    /FAILED \(exit 3\): metadata service http:\/\/127\.0\.0\.1:\d+\/latest\/api\/token: curl: \(7\) [^;]*; enable instance metadata \(IMDSv2\) and the instance profile ghes-email creates/,
  );
  expect(r.aws.requests).toEqual([]);
});

test('no instance profile (IMDS answers 404 for the role): exit 3 at once, naming the URL and the status', async () => {
  r = await rig();
  r.imds.noRole = true;
  const run = await runBoot(bootScript().render(), r.env);
  expect(run.code).toBe(3);
  expect(run.lastLine).toContain(
    `FAILED (exit 3): metadata service ${r.imds.url}/latest/meta-data/iam/security-credentials/: HTTP 404; enable instance metadata (IMDSv2) and the instance profile ghes-email creates, then run`,
  );
  // A 404 is an answer, not an outage: asked once, not retried until the deadline.
  expect(r.imds.requests.filter((q) => q.url.endsWith('/security-credentials/'))).toHaveLength(1);
  expect(r.aws.requests).toEqual([]);
});

test('settings rejected (400 echoing the request raw, JSON-escaped, in base64 and URL-encoded in any form): exit 7, every form redacted', async () => {
  r = await rig({
    secrets: { smtpPassword: `${canary('smtp')} "q" &=+/ é 😀`, rootPassword: `${canary('root')} :/?#` },
  });
  const { rootPassword, smtpPassword } = r.secrets;
  const b64 = (v: string) => Buffer.from(v).toString('base64');
  // As other encoders write a form: hex digits in lowercase (%c3%a9), a space as + (application/x-www-form-urlencoded).
  const lower = (v: string) => v.replace(/%[0-9A-F]{2}/g, (h) => h.toLowerCase());
  const plus = (v: string) => v.replace(/%20/g, '+');
  const echo = `invalid smtp.password: ${smtpPassword} | Authorization: ${basicAuth(rootPassword)} | root ${b64(rootPassword)} | smtp ${b64(smtpPassword)} | form password=${percentEncode(smtpPassword)}&x=1 | lower ${lower(percentEncode(rootPassword))} | plus ${plus(percentEncode(smtpPassword))} | both ${lower(plus(percentEncode(smtpPassword)))}`;
  r.manage.faults = { rejectSettings: { status: 400, body: JSON.stringify({ message: echo }) } };
  const run = await runBoot(bootScript().render(), r.env, { record: true });
  expect(run.code).toBe(7);
  expect(run.lastLine).toContain(
    'FAILED (exit 7): settings rejected: HTTP 400 {"message":"invalid smtp.password: <redacted> | Authorization: Basic <redacted> | root <redacted> | smtp <redacted> | form password=<redacted>&x=1 | lower <redacted> | plus <redacted> | both <redacted>"}; fix smtp',
  );
  expectClean(run, r);
});

test('the bare template refuses to run (exit 2)', async () => {
  r = await rig();
  const run = await runBoot(readFileSync(BOOT_SCRIPT_PATH, 'utf8'), r.env);
  expect({ code: run.code, last: run.lastLine }).toEqual({ code: 2, last: expect.stringContaining('bare template') });
});
