/**
 * The boot script, run for real with bash against local doubles of IMDSv2,
 * Secrets Manager, SSM and the Manage API: the happy paths and what they send.
 */
import { SecretRef } from '../../lib/core/secret-ref';
import { LICENSE_ARN, ROOT_ARN, SMTP_ARN, SMTP_PARAM, Rig, bootScript, rig, smtp } from '../support/boot/rig';
import { BootRun, everything, runBoot, workspace } from '../support/boot/run-boot';

let r: Rig | undefined;
afterEach(async () => {
  await r?.stop();
  r = undefined;
});

function expectNoCanary(run: BootRun, values: string[]): void {
  for (const { where, text } of everything(run)) {
    for (const v of values) {
      if (text.includes(v)) throw new Error(`a secret (${v.slice(0, 12)}…) appears in the ${where}`);
    }
  }
}

function basicAuth(password: string): string {
  return `Basic ${Buffer.from(`api_key:${password}`, 'utf8').toString('base64')}`;
}

describe('first boot on an initialized appliance', () => {
  let run: BootRun;
  let shared: Rig;
  const r0 = () => shared;
  beforeAll(async () => {
    shared = await rig();
    run = await runBoot(bootScript().render(), shared.env, { record: true });
  });
  afterAll(() => shared.stop());

  test('exits 0 and says it is done', () => {
    expect({ code: run.code, last: run.lastLine }).toEqual({
      code: 0,
      last: expect.stringContaining("ACTION NEEDED: 'Enforce TLS auth'"),
    });
    expect(run.log).toMatch(/done: SMTP settings applied/);
  });

  test('every log line is timestamped, goes to the console too, and the log is mode 0600', () => {
    for (const line of run.logLines) expect(line).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ ghes-email-boot: /);
    expect(run.stderr).toBe(run.log);
    expect(run.logMode).toBe(0o600);
  });

  test('IMDSv2: token first, then every metadata read carries the token header', () => {
    const [first, ...rest] = r0().imds.requests;
    expect(first).toMatchObject({ method: 'PUT', url: '/latest/api/token' });
    expect(first.headers['x-aws-ec2-metadata-token-ttl-seconds']).toBe('21600');
    expect(rest.map((q) => q.url)).toEqual([
      '/latest/meta-data/placement/region',
      '/latest/meta-data/iam/security-credentials/',
      '/latest/meta-data/iam/security-credentials/ghes-email-role',
    ]);
    for (const q of rest) expect(q.headers['x-aws-ec2-metadata-token']).toBe(r0().imds.token);
  });

  test('each SigV4 signature equals the one @smithy/signature-v4 computes', () => {
    const sigs = r0().aws.signatures;
    expect(sigs.map((s) => s.target)).toEqual(['secretsmanager.GetSecretValue', 'secretsmanager.GetSecretValue']);
    for (const s of sigs) expect(s.received).toBe(s.expected);
    // The region is the secret's own (from its ARN), not the instance's.
    expect(sigs.map((s) => s.scope.split('/').slice(1).join('/'))).toEqual([
      'eu-west-1/secretsmanager/aws4_request',
      'us-east-2/secretsmanager/aws4_request',
    ]);
  });

  test('asks Secrets Manager for exactly the referenced secrets', () => {
    const bodies = r0().aws.requests.map((q) => JSON.parse(q.body.toString()));
    expect(bodies).toEqual([{ SecretId: ROOT_ARN }, { SecretId: SMTP_ARN }]);
    for (const q of r0().aws.requests) {
      expect(q.headers['content-type']).toBe('application/x-amz-json-1.1');
      expect(q.headers['x-amz-security-token']).toBe(r0().imds.credentials.sessionToken);
    }
  });

  test('PUT config/settings: the smtp payload field by field, password from its secret, basic auth api_key:<root password>', () => {
    const puts = r0().manage.to('PUT', '/manage/v1/config/settings');
    expect(puts).toHaveLength(1);
    expect(puts[0].headers.authorization).toBe(basicAuth(r0().secrets.rootPassword));
    expect(puts[0].headers['content-type']).toBe('application/json');
    expect(JSON.parse(puts[0].body.toString('utf8'))).toEqual({
      smtp: {
        enabled: true,
        address: 'smtp.example.com',
        port: '587',
        domain: 'github.example.com',
        authentication: 'login',
        username: 'ghes@example.com',
        user_name: 'ghes@example.com',
        enable_starttls_auto: true,
        noreply_address: 'noreply@github.example.com',
        'discard-to-noreply-address': true,
        support_address: 'help@example.com',
        support_address_type: 'email',
        password: r0().secrets.smtpPassword,
      },
    });
  });

  test('the Manage API calls in order, all authenticated, no config/init', () => {
    const calls = r0().manage.requests.map((q) => `${q.method} ${q.url}`);
    expect(calls).toEqual([
      'GET /manage/v1/version',
      'GET /manage/v1/config/settings',
      'PUT /manage/v1/config/settings',
      'POST /manage/v1/config/apply',
      'GET /manage/v1/config/apply?run_id=run-1',
      'GET /manage/v1/config/apply?run_id=run-1',
    ]);
    for (const q of r0().manage.requests) expect(q.headers.authorization).toBe(basicAuth(r0().secrets.rootPassword));
  });

  test('no secret in the log, the console, any argv or any child environment; temp files removed', () => {
    const { rootPassword, smtpPassword } = r0().secrets;
    const { secretAccessKey, sessionToken } = r0().imds.credentials;
    expectNoCanary(run, [rootPassword, smtpPassword, secretAccessKey, sessionToken]);
    expect(run.argv.filter((a) => a[0] === 'curl').length).toBeGreaterThanOrEqual(10);
    expect(run.leftovers).toEqual([]);
  });
});

/** Quotes, backslashes, newlines, control characters, shell syntax, printf formats, non-ASCII, astral plane. */
const HOSTILE = `${'CANARY-hostile'} "q" \\ \\\\ \\" \\u0041 'sq' $(id) \`id\` $HOME %s %n %% \n\r\t \u0001\u001f\u007f é ü 中文 😀 / </script> -K - @file`;

describe('secrets with hostile characters round-trip exactly', () => {
  for (const asciiOnly of [false, true]) {
    test(`through Secrets Manager (JSON key) and basic auth, responses ${asciiOnly ? 'with \\u escapes' : 'in raw UTF-8'}`, async () => {
      const rootPassword = `root ${HOSTILE}`;
      const smtpPassword = `smtp ${HOSTILE}`;
      r = await rig({ secrets: { rootPassword, smtpPassword } });
      r.aws.asciiOnly = asciiOnly;
      const run = await runBoot(bootScript().render(), r.env, { record: true });
      expect(run.lastLine).toMatch(/ACTION NEEDED/);
      const put = r.manage.to('PUT', '/manage/v1/config/settings')[0];
      expect(JSON.parse(put.body.toString('utf8')).smtp.password).toBe(smtpPassword);
      expect(put.headers.authorization).toBe(basicAuth(rootPassword));
      expectNoCanary(run, ['CANARY-hostile']);
    });
  }

  test('through an SSM SecureString, signed for the instance region', async () => {
    r = await rig({ secrets: { smtpPassword: HOSTILE } });
    const run = await runBoot(bootScript(smtp({ password: SecretRef.fromSsmParameter(SMTP_PARAM) })).render(), r.env);
    expect(run.code).toBe(0);
    const ssm = r.aws.signatures.filter((s) => s.target === 'AmazonSSM.GetParameter');
    expect(ssm).toHaveLength(1);
    expect(ssm[0].received).toBe(ssm[0].expected);
    expect(ssm[0].scope.split('/').slice(1, 3)).toEqual(['eu-west-1', 'ssm']);
    expect(JSON.parse(r.aws.requests[1].body.toString())).toEqual({ Name: SMTP_PARAM, WithDecryption: true });
    expect(r.manage.puts[0].smtp.password).toBe(HOSTILE);
  });
});

describe('running it again', () => {
  test('a second run with the same settings does nothing; a forced one re-applies without re-initializing', async () => {
    r = await rig();
    const ws = workspace();
    const first = await runBoot(bootScript().render(), r.env, ws);
    expect(first.code).toBe(0);
    const firstPut = r.manage.puts[0];
    const requestsAfterFirst = r.manage.requests.length;

    const second = await runBoot(bootScript().render(), r.env, ws);
    expect({ code: second.code, last: second.lastLine }).toEqual({
      code: 0,
      last: expect.stringMatching(/already applied .*nothing to do/),
    });
    expect(r.manage.requests.length).toBe(requestsAfterFirst);

    const forced = await runBoot(bootScript().render(), { ...r.env, GHES_EMAIL_FORCE: '1' }, ws);
    expect(forced.code).toBe(0);
    expect(r.manage.inits).toEqual([]);
    expect(r.manage.puts).toEqual([firstPut, firstPut]);
    expect(r.manage.runs).toEqual(['run-1', 'run-2']);
  });

  test('different settings are not mistaken for applied ones', async () => {
    r = await rig();
    const ws = workspace();
    await runBoot(bootScript().render(), r.env, ws);
    const changed = await runBoot(bootScript(smtp({ port: 2525 })).render(), r.env, ws);
    expect(changed.code).toBe(0);
    expect(r.manage.puts.map((p) => p.smtp.port)).toEqual(['587', '2525']);
  });
});

describe('initialization', () => {
  test('initialize: true on a fresh appliance runs config/init with the binary license and the root password (multipart)', async () => {
    r = await rig({ initialized: false });
    const run = await runBoot(
      bootScript(smtp(), { initialize: true, license: SecretRef.fromSecretsManager(LICENSE_ARN) }).render(),
      r.env,
      { record: true },
    );
    expect(run.code).toBe(0);
    expect(r.manage.inits).toHaveLength(1);
    expect(r.manage.inits[0].license.equals(r.secrets.license)).toBe(true);
    expect(r.manage.inits[0].password).toBe(r.secrets.rootPassword);
    expect(String(r.manage.to('POST', '/manage/v1/config/init')[0].headers['content-type'])).toMatch(
      /^multipart\/form-data; boundary=/,
    );
    expect(r.manage.puts).toHaveLength(1);
    expectNoCanary(run, [r.secrets.licenseCanary, r.secrets.rootPassword, r.secrets.smtpPassword]);
  });

  test('initialize: true on an initialized appliance does not call config/init', async () => {
    r = await rig();
    const run = await runBoot(
      bootScript(smtp(), { initialize: true, license: SecretRef.fromSecretsManager(LICENSE_ARN) }).render(),
      r.env,
    );
    expect(run.code).toBe(0);
    expect(r.manage.to('POST', '/manage/v1/config/init')).toEqual([]);
  });

  test('without initialize, waits (bounded) until an operator has initialized the appliance', async () => {
    r = await rig({ initialized: false, faults: { initializeAfterPolls: 3 } });
    const run = await runBoot(bootScript().render(), r.env);
    expect(run.code).toBe(0);
    expect(run.logLines.filter((l) => l.includes('waiting for an operator to initialize'))).toHaveLength(3);
    // The WARNING about a possibly wrong root password comes only after GHES_EMAIL_WARN_401 (5 minutes by default).
    expect(run.log).not.toMatch(/WARNING/);
    expect(r.manage.to('POST', '/manage/v1/config/init')).toEqual([]);
    expect(r.manage.puts).toHaveLength(1);
  });
});

describe('other secret sources and settings', () => {
  test('SecretRef.unsafePlainText: the literal is embedded, the metadata service and AWS are never called', async () => {
    r = await rig({ secrets: { rootPassword: `pt-root ${HOSTILE}`, smtpPassword: `pt-smtp ${HOSTILE}` } });
    const script = bootScript(smtp({ password: SecretRef.unsafePlainText(r.secrets.smtpPassword) }), {
      password: SecretRef.unsafePlainText(r.secrets.rootPassword),
    });
    const run = await runBoot(script.render(), r.env, { record: true });
    expect(run.code).toBe(0);
    expect(r.imds.requests).toEqual([]);
    expect(r.aws.requests).toEqual([]);
    expect(r.manage.puts[0].smtp.password).toBe(r.secrets.smtpPassword);
    expect(r.manage.requests[0].headers.authorization).toBe(basicAuth(r.secrets.rootPassword));
    expectNoCanary(run, ['CANARY-hostile']);
  });

  test('authentication "none": no SMTP password fetched or sent', async () => {
    r = await rig();
    const run = await runBoot(
      bootScript(smtp({ authentication: 'none', username: undefined, password: undefined })).render(),
      r.env,
    );
    expect(run.code).toBe(0);
    expect(r.aws.requests.map((q) => JSON.parse(q.body.toString()))).toEqual([{ SecretId: ROOT_ARN }]);
    expect(r.manage.puts[0].smtp).not.toHaveProperty('password');
    expect(r.manage.puts[0].smtp.authentication).toBe('none');
  });

  test('enforceTls: false adds no ACTION NEEDED line', async () => {
    r = await rig();
    const run = await runBoot(bootScript(smtp({ enforceTls: false })).render(), r.env);
    expect(run.code).toBe(0);
    expect(run.lastLine).toMatch(/done: SMTP settings applied/);
    expect(run.log).not.toMatch(/ACTION NEEDED/);
  });
});

describe('the harness', () => {
  test('a recorded run wraps the commands and records argv and environment; an unrecorded one uses the real commands and refuses to be read', async () => {
    const script = 'command -v sleep\nsleep 0\n';
    const recorded = await runBoot(script, { HARNESS_MARK: 'x' }, { record: true });
    expect(recorded.code).toBe(0);
    expect(recorded.stdout).toBe(`${recorded.dir}/bin/sleep\n`);
    expect(recorded.argv).toEqual([['sleep', '0']]);
    expect(recorded.childEnv).toContain('declare -x HARNESS_MARK="x"');
    expect(everything(recorded).map((e) => e.where)).toContain('argv of a process');

    const plain = await runBoot(script, { HARNESS_MARK: 'x' });
    expect(plain.code).toBe(0);
    expect(plain.stdout.startsWith(plain.dir)).toBe(false);
    const notRecorded = 'this run was not recorded: pass { record: true } to runBoot';
    expect(() => plain.argv).toThrow(notRecorded);
    expect(() => plain.childEnv).toThrow(notRecorded);
    expect(() => everything(plain)).toThrow(notRecorded);
  });
});
