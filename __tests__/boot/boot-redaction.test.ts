/**
 * The boot log never shows a secret in a form that decodes back to it: a Manage API that echoes the settings it got
 * may serialize them HTML-safe (\u003c as Go's encoding/json and Rails write <), with \/ (PHP), with any character
 * as \uXXXX in either hex case, or base64url-encoded.
 */
import { canary } from '../support/boot/aws-doubles';
import { Rig, bootScript, rig } from '../support/boot/rig';
import { BootRun, everything, runBoot } from '../support/boot/run-boot';
import { ECHO_ENCODERS, basicAuth, decodableLeaks } from '../support/boot/secret-forms';

let r: Rig | undefined;
afterEach(async () => {
  await r?.stop();
  r = undefined;
});

/** Secrets with every character an encoder treats apart: < > & for HTML, / for PHP, non-ASCII, astral, " and \. */
async function canaryRig(opts: Parameters<typeof rig>[0] = {}): Promise<Rig> {
  return rig({
    ...opts,
    secrets: { smtpPassword: `${canary('smtp')} <&> / é 😀 "q" \\`, rootPassword: `${canary('root')} <&>/ü` },
  });
}

/** What of any secret the run shows, decoded every way: expected to be nothing. */
function leaks(run: BootRun, rg: Rig): string[] {
  const secrets = [
    rg.secrets.smtpPassword,
    rg.secrets.rootPassword,
    `api_key:${rg.secrets.rootPassword}`,
    rg.imds.credentials.secretAccessKey,
    rg.imds.credentials.sessionToken,
  ];
  return everything(run).flatMap(({ where, text }) => decodableLeaks(text, secrets).map((l) => `${where}: ${l}`));
}

test('settings rejected with an HTML-safe echo (Go, Rails): exit 7, the echo shown, the secrets redacted', async () => {
  const html = ECHO_ENCODERS.find((e) => e.name.startsWith('HTML-safe'))!;
  r = await canaryRig({ faults: { echoSettings: { status: 422, encode: html.encode } } });
  const run = await runBoot(bootScript().render(), r.env, { record: true });
  expect(run.code).toBe(7);
  expect(run.lastLine).toContain(
    'FAILED (exit 7): settings rejected: HTTP 422 {"message":"invalid smtp settings","echo":{"password":"<redacted>","authorization":"Basic <redacted>"',
  );
  expect(leaks(run, r)).toEqual([]);
});

test('config run events that echo the settings in every encoding: each logged, nothing decodable', async () => {
  r = await canaryRig({ faults: { applyOutcome: 'failure' } });
  const echo = { password: r.secrets.smtpPassword, authorization: basicAuth(r.secrets.rootPassword) };
  for (const { name, encode } of ECHO_ENCODERS)
    r.manage.events.push({ ...r.manage.events[1], body: `${name}: ${encode({ echo })}` });
  const run = await runBoot(bootScript().render(), r.env, { record: true });
  expect(run.code).toBe(8);
  const logged = run.logLines.filter((l) => / apply event: /.test(l) && l.includes('"echo"'));
  expect(logged.map((l) => l.replace(/.* apply event: ([^:]+): .*/, '$1'))).toEqual(ECHO_ENCODERS.map((e) => e.name));
  for (const line of logged) expect(line).toMatch(/"password":"<redacted>","authorization":"Basic <redacted>"/);
  expect(leaks(run, r)).toEqual([]);
});
