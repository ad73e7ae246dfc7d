/**
 * `ghes-email apply` against the same Manage API double as the boot script,
 * with secrets resolved through the real AWS SDK from the Secrets Manager double.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runApply, ApplyIo, ApplyOptions } from '../lib/cli/apply';
import { run } from '../lib/cli/main';
import { AwsDouble, canary, RoleCredentials, useAwsDoubleForSdk } from './support/boot/aws-doubles';
import { ManageDouble, ManageFaults } from './support/boot/manage-double';
import { ROOT_ARN, SMTP_ARN } from './support/boot/rig';
import { testCert, TestCert } from './support/boot/tls';
import { exampleConfig } from './support/stack';

const creds: RoleCredentials = { accessKeyId: 'AKIDOPERATOR', secretAccessKey: canary('operator-key'), sessionToken: canary('operator-token') };
let restoreEnv: () => void = () => undefined;
let cert: TestCert;
let aws: AwsDouble;
let manage: ManageDouble | undefined;
let rootPassword: string;
let smtpPassword: string;

beforeAll(async () => {
  cert = await testCert();
  aws = await new AwsDouble(undefined, creds).start();
  restoreEnv = useAwsDoubleForSdk(aws, creds, { AWS_REGION: 'eu-west-1' });
});
afterAll(async () => {
  restoreEnv();
  await aws.stop();
});
beforeEach(() => {
  rootPassword = canary('root');
  smtpPassword = `${canary('smtp')} "q" \\ \n é 😀`;
  aws.secrets.set(ROOT_ARN, { string: rootPassword });
  aws.secrets.set(SMTP_ARN, { string: JSON.stringify({ password: smtpPassword }) });
});
afterEach(async () => {
  await manage?.stop();
  manage = undefined;
});

async function appliance(faults: ManageFaults = {}): Promise<ManageDouble> {
  manage = await new ManageDouble(cert, { rootPassword, faults, smtp: { enabled: false, address: 'old.example.com', port: '25', password: 'old' } }).start();
  return manage;
}

function configFile(mutate: (c: Record<string, any>) => void = () => undefined): string {
  const c = exampleConfig();
  c.smtp.password = { secretsManagerArn: SMTP_ARN, jsonKey: 'password' };
  c.managementConsole.password = { secretsManagerArn: ROOT_ARN };
  mutate(c);
  const file = join(mkdtempSync(join(tmpdir(), 'ghes-email-apply-')), 'config.json');
  writeFileSync(file, JSON.stringify(c));
  return file;
}

interface Captured {
  io: ApplyIo;
  out: () => string;
  err: () => string;
}

function capture(extra: Partial<ApplyIo> = {}): Captured {
  let out = '';
  let err = '';
  return {
    io: { out: (t) => void (out += t), err: (t) => void (err += t), readStdin: async () => '', ...extra },
    out: () => out,
    err: () => err,
  };
}

function opts(o: Partial<ApplyOptions> = {}): ApplyOptions {
  return { config: configFile(), manageUrl: manage!.url, caFile: cert.caFile, yes: true, pollSeconds: 0.01, ...o };
}

function expectNoSecret(c: Captured): void {
  for (const v of [rootPassword, smtpPassword, creds.secretAccessKey, creds.sessionToken]) {
    expect(c.out().includes(v) || c.err().includes(v)).toBe(false);
  }
}

test('shows the smtp diff, applies with --yes, follows the config run to success', async () => {
  const m = await appliance({ runningPolls: 2 });
  const c = capture();
  const code = await runApply(opts(), c.io);
  expect({ code, err: c.err() }).toEqual({ code: 0, err: '' });
  expect(c.out()).toContain('  ~ address: "old.example.com" -> "smtp.example.com"');
  expect(c.out()).toContain('  ~ port: "25" -> "587"');
  expect(c.out()).toContain('  ~ password: (changed)');
  expect(c.out()).toMatch(/Config run run-1 started\.\n(Config run run-1: running \(\d+s\)\n){2}Config run run-1 successful/);
  expect(m.puts).toHaveLength(1);
  expect(m.puts[0].smtp).toMatchObject({ address: 'smtp.example.com', port: '587', authentication: 'login', password: smtpPassword });
  expect(m.to('PUT', '/manage/v1/config/settings')[0].headers.authorization).toBe(`Basic ${Buffer.from(`api_key:${rootPassword}`).toString('base64')}`);
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
  aws.secrets.set(ROOT_ARN, { string: 'wrong' });
  const c = capture();
  expect(await runApply(opts(), c.io)).toBe(1);
  expect(c.err()).toBe('ghes-email apply failed: GET config/settings: HTTP 401 {"message":"Unauthorized"} (the root site administrator password is wrong)\n');
});

test('--password-stdin: the root password comes from stdin (one trailing newline dropped), not from AWS', async () => {
  const m = await appliance();
  aws.secrets.delete(ROOT_ARN);
  const c = capture({ readStdin: async () => `${rootPassword}\n` });
  expect(await runApply(opts({ passwordStdin: true }), c.io)).toBe(0);
  expect(m.puts).toHaveLength(1);
});

test('an unreadable secret: exit 1, names the reference, not a value', async () => {
  await appliance();
  aws.denied.add(SMTP_ARN);
  const c = capture();
  expect(await runApply(opts(), c.io)).toBe(1);
  expect(c.err()).toMatch(new RegExp(`^ghes-email apply failed: cannot read Secrets Manager secret ${SMTP_ARN} \\(JSON key "password"\\): AccessDeniedException`));
  aws.denied.delete(SMTP_ARN);
  expectNoSecret(c);
});

test('a bad config: exit 2 with the ConfigError message as is', async () => {
  const c = capture();
  const file = configFile((cfg) => {
    cfg.smtp.port = 'x';
    delete cfg.hostname;
  });
  expect(await runApply({ config: file }, c.io)).toBe(2);
  expect(c.err()).toBe(`Invalid config ${file} (2 problems):\n  hostname: required (string)\n  smtp.port: got a string; expected number\n`);
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
