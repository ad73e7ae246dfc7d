/**
 * Where `doctor smtp` takes the login from (issue 17 item 10, issue 18 item 7): credentials that live in one secret
 * (`smtp.credentials`, as the SES relay's outputs name them) give the username as well as the password, with or
 * without --password-stdin; an SES relay read from a config file names no secret at all. Secrets come through the
 * real AWS SDK from the loopback Secrets Manager double. "undefined" is never printed, nor sent as a username.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AwsDouble, RoleCredentials, canary, useAwsDoubleForSdk } from '../../../support/boot/aws-doubles';
import { RELAY_NAME, SMTP_USER, writeConfig } from '../../../support/doctor/config';
import { CliResult, json, runCli } from '../../../support/doctor/run-cli';
import { RunningServer, makeCerts, startSmtp } from '../../../support/doctor/smtp-servers';

const CREDENTIALS_ARN = 'arn:aws:secretsmanager:us-east-2:111122223333:secret:ghes-smtp-credentials-AbCdEf';
const SES_HOST = 'email-smtp.eu-west-1.amazonaws.com';
const STORED = canary('stored-password');
const PIPED = canary('piped-password');
const operator: RoleCredentials = {
  accessKeyId: 'AKIDOPERATOR',
  secretAccessKey: canary('operator-key'),
  sessionToken: canary('operator-token'),
};

let dir: string;
/** The CA of each server (both test CAs carry the same name, so each run trusts one). */
const caFiles = new Map<RunningServer, string>();
let aws: AwsDouble;
let restoreEnv: () => void;
let relay: RunningServer;
let ses: RunningServer;
let fromSecret: string;
let sesFromConfig: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'doctor-smtp-credentials-'));
  const [relayCerts, sesCerts] = await Promise.all([makeCerts(RELAY_NAME), makeCerts(SES_HOST)]);
  // Only PIPED logs in; the relay's log of logins shows which password the doctor sent.
  relay = await startSmtp({ key: relayCerts.key, cert: relayCerts.cert, user: SMTP_USER, password: PIPED });
  ses = await startSmtp({ key: sesCerts.key, cert: sesCerts.cert, user: 'AKIAEXAMPLE', password: PIPED });
  for (const [server, ca] of [
    [relay, relayCerts.caCert],
    [ses, sesCerts.caCert],
  ] as const) {
    const file = join(dir, `ca-${server.port}.pem`);
    writeFileSync(file, ca);
    caFiles.set(server, file);
  }
  aws = await new AwsDouble(undefined, operator).start();
  aws.secrets.set(CREDENTIALS_ARN, { string: JSON.stringify({ username: SMTP_USER, password: STORED }) });
  restoreEnv = useAwsDoubleForSdk(aws, operator);
  fromSecret = writeConfig(dir, 'credentials', (c) => {
    delete c.smtp.username;
    delete c.smtp.password;
    c.smtp.credentials = { secretsManagerArn: CREDENTIALS_ARN };
  });
  sesFromConfig = writeConfig(dir, 'ses', (c) => {
    c.region = 'eu-west-1';
    c.smtp = {
      relay: { ses: {} },
      domain: 'example.test',
      noreplyAddress: c.smtp.noreplyAddress,
      support: c.smtp.support,
    };
  });
});
afterAll(async () => {
  restoreEnv();
  await Promise.all([relay.close(), ses.close(), aws.stop()]);
  rmSync(dir, { recursive: true, force: true });
});
beforeEach(() => {
  relay.logins.length = 0;
  ses.logins.length = 0;
});

function doctor(server: RunningServer, config: string, stdin: string | undefined, ...extra: string[]) {
  return runCli(
    [
      'doctor',
      'smtp',
      '--config',
      config,
      '--connect-to',
      `127.0.0.1:${server.port}`,
      '--ca-file',
      caFiles.get(server)!,
      '--timeout',
      '2000',
      '--no-ses-checks',
      ...(stdin === undefined ? [] : ['--password-stdin']),
      ...extra,
    ],
    stdin === undefined ? {} : { stdin: `${stdin}\n` },
  );
}

function expectClean(r: CliResult): void {
  for (const text of [r.stdout, r.stderr]) {
    expect(text).not.toMatch(/undefined/);
    for (const secret of [STORED, PIPED, operator.secretAccessKey]) expect(text).not.toContain(secret);
  }
}

/** The conversation got as far as AUTH, which failed. */
const UP_TO_AUTH = [
  ['smtp.connect', 'pass'],
  ['smtp.ehlo', 'pass'],
  ['smtp.tls', 'pass'],
  ['smtp.auth', 'fail'],
];

test('--password-stdin with smtp.credentials: the username from the secret, the password from stdin', async () => {
  const r = await doctor(relay, fromSecret, PIPED, '--json');
  expectClean(r);
  expect(relay.logins).toEqual([{ method: 'LOGIN', username: SMTP_USER, password: PIPED }]);
  expect(r.code).toBe(0);
  expect(json(r).checks.find((c) => c.id === 'smtp.auth')).toMatchObject({
    status: 'pass',
    message: `AUTH LOGIN as ${SMTP_USER} accepted`,
  });
  expect(r.stderr).toContain(
    `reading the username from Secrets Manager secret ${CREDENTIALS_ARN} (JSON key "username")`,
  );
  expect(r.stderr).not.toMatch(/reading the password/);
});

test('smtp.credentials without --password-stdin: username and password both from the secret', async () => {
  const r = await doctor(relay, fromSecret, undefined, '--json');
  expectClean(r);
  expect(relay.logins).toEqual([{ method: 'LOGIN', username: SMTP_USER, password: STORED }]);
  // The relay only takes PIPED: a refusal of the right user proves the stored password was the one sent.
  expect(r.code).toBe(1);
  expect(json(r).checks.find((c) => c.id === 'smtp.auth')!.message).toMatch(
    new RegExp(`^AUTH LOGIN as ${SMTP_USER.replace('.', '\\.')} failed: 535 `),
  );
});

test('an SES relay from a config file with --password-stdin: no AUTH "as undefined"; smtp.auth says where the username is', async () => {
  const r = await doctor(ses, sesFromConfig, PIPED, '--json');
  expectClean(r);
  expect(r.code).toBe(1);
  expect(json(r).checks.map((c) => [c.id, c.status])).toEqual(UP_TO_AUTH);
  const auth = json(r).checks.find((c) => c.id === 'smtp.auth')!;
  expect(auth.message).toMatch(/^no SMTP username to log in with: .*credentials secret the deployed stack created/);
  expect(auth.fix).toMatch(/cdktf output --outputs-file outputs\.json, then --config outputs\.json/);
  expect(ses.logins).toEqual([]);
});

test('no password reference and no --password-stdin: the conversation runs, smtp.auth fails, the fix names --password-stdin', async () => {
  const r = await doctor(ses, sesFromConfig, undefined, '--json');
  expectClean(r);
  expect(r.code).toBe(1);
  expect(json(r).checks.map((c) => [c.id, c.status])).toEqual(UP_TO_AUTH);
  const auth = json(r).checks.find((c) => c.id === 'smtp.auth')!;
  expect(auth.message).toMatch(/^no SMTP credentials to log in with/);
  expect(auth.fix).toMatch(/--config outputs\.json/);
  expect(auth.fix).toMatch(/--password-stdin/);
  expect(ses.logins).toEqual([]);
});

test('an empty username in the secret is a config-level error (exit 2) naming the key, not a login as ""', async () => {
  const arn = CREDENTIALS_ARN.replace('credentials', 'blank');
  aws.secrets.set(arn, { string: JSON.stringify({ username: '', password: STORED }) });
  const config = writeConfig(dir, 'blank', (c) => {
    delete c.smtp.username;
    delete c.smtp.password;
    c.smtp.credentials = { secretsManagerArn: arn };
  });
  const r = await doctor(relay, config, PIPED);
  expectClean(r);
  expect(r.code).toBe(2);
  expect(r.stderr).toContain(`cannot read Secrets Manager secret ${arn} (JSON key "username"): the value is empty`);
  expect(relay.logins).toEqual([]);
});
