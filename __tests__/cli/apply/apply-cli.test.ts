/**
 * `ghes-email apply` against the same Manage API double as the boot script,
 * with secrets resolved through the real AWS SDK from the Secrets Manager double.
 */
import { ApplyIo, runApply } from '../../../lib/cli/apply/apply';
import { run } from '../../../lib/cli/main';
import { AwsDouble, canary } from '../../support/boot/aws-doubles';
import { ROOT_ARN, SMTP_ARN, SMTP_PARAM } from '../../support/boot/rig';
import { basicAuth, leakForms, percentEncode } from '../../support/boot/secret-forms';
import { Captured, applyHarness, capture, configFile } from './apply-harness';

const h = applyHarness();
const { creds, appliance, opts } = h;
let aws: AwsDouble;
let rootPassword: string;
let smtpPassword: string;

beforeAll(() => {
  aws = h.aws();
});
beforeEach(() => {
  rootPassword = canary('root');
  // URL-special characters, so that the URL-encoded form differs from the raw one.
  smtpPassword = `${canary('smtp')} "q" \\ \n é 😀 &=+/%`;
  h.store({ root: rootPassword, smtp: smtpPassword });
});

/** No secret in stdout or stderr, raw, in base64 (also as `api_key:<root password>`) or URL-encoded. */
function expectNoSecret(c: Captured): void {
  for (const f of leakForms([rootPassword, smtpPassword, creds.secretAccessKey, creds.sessionToken], rootPassword)) {
    expect(`${c.out()}${c.err()}`.includes(f.text) ? f.form : 'clean').toBe('clean');
  }
}

/** The region each secret read was signed for, by secret id or parameter name. */
function signedRegions(): Record<string, string> {
  return Object.fromEntries(
    aws.signatures.map((s) => {
      const input = JSON.parse(s.requestBody) as { SecretId?: string; Name?: string };
      return [input.SecretId ?? input.Name, s.scope.split('/')[1]];
    }),
  );
}

test('shows the smtp diff, applies with --yes, follows the config run to success', async () => {
  const m = await appliance({ runningPolls: 2 });
  const c = capture();
  const code = await runApply(opts(), c.io);
  expect({ code, err: c.err() }).toEqual({ code: 0, err: '' });
  expect(c.out()).toContain('  ~ address: "old.example.com" -> "smtp.example.com"');
  expect(c.out()).toContain('  ~ port: "25" -> "587"');
  expect(c.out()).toContain('  ~ password: (changed)');
  expect(c.out()).toMatch(
    /Config run run-1 started\.\n(Config run run-1: running \(\d+s\)\n){2}Config run run-1 successful/,
  );
  expect(m.puts).toHaveLength(1);
  expect(m.puts[0].smtp).toMatchObject({
    address: 'smtp.example.com',
    port: '587',
    authentication: 'login',
    password: smtpPassword,
  });
  expect(m.to('PUT', '/manage/v1/config/settings')[0].headers.authorization).toBe(
    `Basic ${Buffer.from(`api_key:${rootPassword}`).toString('base64')}`,
  );
  // The AWS SDK's requests were signed as the double expects (the check is real: it rejects mismatches).
  expect(aws.signatures.length).toBeGreaterThanOrEqual(2);
  for (const s of aws.signatures) expect(s.received).toBe(s.expected);
  expectNoSecret(c);
});

test('a second apply finds nothing to change and starts no config run', async () => {
  const m = await appliance();
  await runApply(opts(), capture().io);
  const c = capture();
  expect(await runApply(opts(), c.io)).toBe(0);
  expect(c.out()).toContain('    address: "smtp.example.com"');
  expect(c.out()).toContain('    password: (unchanged)');
  expect(c.out()).toContain('Nothing to change.');
  expect(m.runs).toEqual(['run-1']);
});

test('without --yes: declined at the prompt, or no terminal, applies nothing (exit 1); accepted applies', async () => {
  const m = await appliance();
  const declined = capture({ confirm: async () => false });
  expect(await runApply(opts({ yes: false }), declined.io)).toBe(1);
  expect(declined.err()).toBe('Not applied.\n');
  const noTty = capture();
  expect(await runApply(opts({ yes: false }), noTty.io)).toBe(1);
  expect(noTty.err()).toMatch(/run again with --yes/);
  expect(m.puts).toEqual([]);
  const questions: string[] = [];
  const accepted = capture({ confirm: async (q) => (questions.push(q), true) });
  expect(await runApply(opts({ yes: false }), accepted.io)).toBe(0);
  expect(questions).toEqual(['Apply these settings (starts a config run)? [y/N] ']);
  expect(m.puts).toHaveLength(1);
});

test('a failed config run exits 1 and prints the events', async () => {
  await appliance({ applyOutcome: 'failure' });
  const c = capture();
  expect(await runApply(opts(), c.io)).toBe(1);
  expect(c.err()).toContain('Config run run-1 failed. Events:\n');
  expect(c.err()).toContain('ghe ERROR Postfix configuration failed');
});

test('a wrong root password: exit 1, says so', async () => {
  await appliance();
  aws.secrets.set(ROOT_ARN, { string: canary('wrong-root') });
  const c = capture();
  expect(await runApply(opts(), c.io)).toBe(1);
  expect(c.err()).toBe(
    'ghes-email apply failed: GET config/settings: HTTP 401 {"message":"Unauthorized"} (the root site administrator password is wrong)\n',
  );
});

test('--password-stdin: the root password comes from stdin (one trailing newline dropped), not from AWS', async () => {
  const m = await appliance();
  aws.secrets.delete(ROOT_ARN);
  const c = capture({ readStdin: async () => `${rootPassword}\n` });
  expect(await runApply(opts({ passwordStdin: true }), c.io)).toBe(0);
  expect(m.puts).toHaveLength(1);
});

test('an unreadable secret: exit 2 (bad input, as in doctor), names the reference, not a value', async () => {
  const m = await appliance();
  aws.denied.add(SMTP_ARN);
  const c = capture();
  try {
    expect(await runApply(opts(), c.io)).toBe(2);
  } finally {
    aws.denied.delete(SMTP_ARN);
  }
  expect(c.err()).toMatch(
    new RegExp(
      `^ghes-email apply: cannot read Secrets Manager secret ${SMTP_ARN} \\(JSON key "password"\\): AccessDeniedException`,
    ),
  );
  expect(m.requests).toEqual([]);
  expectNoSecret(c);
});

test('a bad config: exit 2 with the ConfigError message as is', async () => {
  const c = capture();
  const file = configFile((cfg) => {
    cfg.smtp.port = 'x';
    delete cfg.hostname;
  });
  expect(await runApply({ config: file }, c.io)).toBe(2);
  expect(c.err()).toBe(
    `Invalid config ${file} (2 problems):\n  hostname: required (string)\n  smtp.port: got a string; expected number\n`,
  );
});

test('CLI wiring: missing --config or a bad --manage-url is a usage error (exit 2)', async () => {
  const write = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
  try {
    expect(await run(['apply'])).toBe(2);
    process.exitCode = undefined;
    expect(await run(['apply', '--config', configFile(), '--manage-url', 'not a url'])).toBe(2);
    expect(write.mock.calls.map((a) => String(a[0])).join('')).toContain('--manage-url: got "not a url"');
  } finally {
    process.exitCode = undefined;
    write.mockRestore();
  }
});

describe('TLS', () => {
  test('--insecure warns loudly on stderr before anything is sent, then works', async () => {
    const m = await appliance();
    const c = capture();
    const sentBeforeWarning: number[] = [];
    const io: ApplyIo = {
      ...c.io,
      err: (t) => (t.startsWith('WARNING') && sentBeforeWarning.push(m.requests.length), c.io.err(t)),
    };
    expect(await runApply(opts({ caFile: undefined, insecure: true }), io)).toBe(0);
    expect(sentBeforeWarning).toEqual([0]);
    expect(c.err()).toMatch(
      /^WARNING: --insecure: the TLS certificate of https:\/\/127\.0\.0\.1:\d+ is NOT verified, yet apply sends it the root site administrator password \(basic auth api_key:<password>\)\. .*--ca-file/,
    );
    expect(m.puts).toHaveLength(1);
    expectNoSecret(c);
  });

  test('a self-signed certificate without --ca-file: the error names --ca-file and --insecure', async () => {
    const m = await appliance();
    const c = capture();
    expect(await runApply(opts({ caFile: undefined }), c.io)).toBe(1);
    expect(c.err()).toMatch(
      /^ghes-email apply failed: GET config\/settings: cannot reach https:\/\/127\.0\.0\.1:\d+: self-signed certificate/,
    );
    expect(c.err()).toMatch(/pass --ca-file <pem> with the appliance's certificate .*or --insecure/);
    expect(m.puts).toEqual([]);
  });

  test('--manage-url http://... is refused up front (exit 2), before any secret is read', async () => {
    const c = capture();
    const before = aws.requests.length;
    expect(await runApply({ config: configFile(), manageUrl: 'http://github.example.com:8443', yes: true }, c.io)).toBe(
      2,
    );
    expect(c.err()).toBe(
      '--manage-url: got "http://github.example.com:8443"; the Manage API is HTTPS only (apply sends the root site administrator password): use https://, e.g. https://github.example.com:8443\n',
    );
    expect(aws.requests.length).toBe(before);
  });
});

describe('secrets come from their own region', () => {
  test("a Secrets Manager ARN is read in the ARN's region, not the config's", async () => {
    await appliance();
    expect(await runApply(opts(), capture().io)).toBe(0);
    expect(signedRegions()).toEqual({ [ROOT_ARN]: 'eu-west-1', [SMTP_ARN]: 'us-east-2' });
    for (const s of aws.signatures) expect(s.received).toBe(s.expected);
  });

  test('an SSM parameter: by ARN in its region; by name in the config region', async () => {
    const m = await appliance();
    const ssmArn = `arn:aws:ssm:sa-east-1:111122223333:parameter${SMTP_PARAM}`;
    aws.parameters.set(ssmArn, smtpPassword);
    aws.parameters.set('/ghes/root', rootPassword);
    const file = configFile((cfg) => {
      cfg.smtp.password = { ssmParameter: ssmArn };
      cfg.managementConsole.password = { ssmParameter: '/ghes/root' };
    });
    expect(await runApply(opts({ config: file }), capture().io)).toBe(0);
    expect(signedRegions()).toEqual({ [ssmArn]: 'sa-east-1', '/ghes/root': 'us-east-1' });
    expect(m.puts[0].smtp.password).toBe(smtpPassword);
  });
});

describe('redaction of every form of a secret', () => {
  test('a 401 body that echoes the Authorization header does not print it', async () => {
    await appliance({ echoAuthorization: true });
    const wrong = `${canary('wrong-root')} :/?`;
    aws.secrets.set(ROOT_ARN, { string: wrong });
    const c = capture();
    expect(await runApply(opts(), c.io)).toBe(1);
    expect(c.err()).toBe(
      'ghes-email apply failed: GET config/settings: HTTP 401 {"message":"Unauthorized","request":{"headers":{"Authorization":"Basic <redacted>"}}} (the root site administrator password is wrong)\n',
    );
    rootPassword = wrong;
    expectNoSecret(c);
  });

  test('a rejected PUT echoing the SMTP password raw, in base64 and URL-encoded, cut at 300 characters: nothing leaks', async () => {
    const b64 = (v: string) => Buffer.from(v).toString('base64');
    const echo = `auth ${basicAuth(rootPassword)} raw ${JSON.stringify(smtpPassword)} b64 ${b64(smtpPassword)} form password=${percentEncode(smtpPassword)}`;
    // The same base64 again so that it straddles the 300-character cut: a prefix must not leak either.
    const body = `${echo} ${'x'.repeat(300 - echo.length - 1 - 10)}${b64(smtpPassword)}`;
    await appliance({ rejectSettings: { status: 400, body } });
    const c = capture();
    expect(await runApply(opts(), c.io)).toBe(1);
    expect(c.err()).toMatch(
      /^ghes-email apply failed: PUT config\/settings: HTTP 400 auth Basic <redacted> raw "<redacted>" b64 <redacted> form password=<redacted> x+<redacted>\n$/,
    );
    expectNoSecret(c);
    expect(c.err()).not.toContain(b64(smtpPassword).slice(0, 10));
  });
});
