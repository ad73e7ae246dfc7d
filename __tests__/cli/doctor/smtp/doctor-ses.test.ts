/**
 * `doctor smtp` with Amazon SES as the relay: the SES account (sandbox, sending)
 * and the sender's identity (verified, DKIM, MAIL FROM) read through the real
 * AWS SDK from a SESv2 double on loopback (AWS_ENDPOINT_URL_SESV2), next to a
 * real SMTP server that plays the SES SMTP interface. API failures are warnings;
 * the SMTP conversation is checked either way.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RoleCredentials, canary } from '../../../support/boot/aws-doubles';
import { HOSTNAME, SMTP_USER, writeConfig } from '../../../support/doctor/config';
import { CliResult, json, runCli } from '../../../support/doctor/run-cli';
import { RunningServer, closedPort, makeCerts, startSmtp } from '../../../support/doctor/smtp-servers';
import { SesV2Double, useSesDoubleForSdk, verifiedDomain } from '../../../support/doctor/sesv2-double';
import { sesConfig } from '../../../support/relay/ses-config';

const SES_HOST = 'email-smtp.eu-west-1.amazonaws.com';
const DOMAIN = HOSTNAME; // writeConfig's no-reply address is noreply@<HOSTNAME>
const PASSWORD = canary('smtp-password');
const operator: RoleCredentials = {
  accessKeyId: 'AKIDOPERATOR',
  secretAccessKey: canary('operator-key'),
  sessionToken: canary('operator-token'),
};
const SMTP_IDS = ['smtp.connect', 'smtp.ehlo', 'smtp.tls', 'smtp.auth'];

let dir: string;
let caFile: string;
let relay: RunningServer;
/** Nothing listens there: the conversation stops at once (refused), for tests about SES alone. */
let refused: number;
let ses: SesV2Double;
let restoreEnv: () => void;
/** SES named by hand (smtp.address); the top-level region differs, so the address must be what picks eu-west-1. */
let sesByAddress: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'doctor-ses-'));
  const certs = await makeCerts(SES_HOST);
  caFile = join(dir, 'ca.pem');
  writeFileSync(caFile, certs.caCert);
  relay = await startSmtp({ key: certs.key, cert: certs.cert, user: SMTP_USER, password: PASSWORD });
  ses = await new SesV2Double().start();
  refused = await closedPort();
  sesByAddress = writeConfig(dir, 'ses-address', (c) => {
    c.region = 'us-east-1';
    c.smtp.address = SES_HOST;
  });
});
beforeEach(() => {
  ses.reset();
  ses.identities.set(DOMAIN, verifiedDomain(DOMAIN));
  restoreEnv = useSesDoubleForSdk(ses, operator);
});
afterEach(() => restoreEnv());
afterAll(async () => {
  await Promise.all([relay.close(), ses.stop()]);
  rmSync(dir, { recursive: true, force: true });
});

function doctor(config: string, ...extra: string[]): Promise<CliResult> {
  return runCli(
    [
      'doctor',
      'smtp',
      '--config',
      config,
      '--connect-to',
      `127.0.0.1:${relay.port}`,
      '--ca-file',
      caFile,
      '--password-stdin',
      '--timeout',
      '2000',
      ...extra,
    ],
    { stdin: `${PASSWORD}\n` },
  );
}

/**
 * The same against a closed port: smtp.connect fails at once and the SES lines follow (a full conversation costs ~150
 * ms).
 */
function sesOnly(config: string, ...extra: string[]): Promise<CliResult> {
  return runCli(
    [
      'doctor',
      'smtp',
      '--config',
      config,
      '--connect-to',
      `127.0.0.1:${refused}`,
      '--password-stdin',
      '--timeout',
      '2000',
      ...extra,
    ],
    { stdin: `${PASSWORD}\n` },
  );
}

const statuses = (r: CliResult) => json(r).checks.map((c) => [c.id, c.status]);
const find = (r: CliResult, id: string) => json(r).checks.find((c) => c.id === id);
const smtpPassed = SMTP_IDS.map((id) => [id, 'pass']);

test("sandbox on: ses.sandbox fails with the put-account-details fix; the conversation still passes; SES asked in the address's region", async () => {
  ses.account = {
    ...ses.account,
    ProductionAccessEnabled: false,
    SendQuota: { Max24HourSend: 200, MaxSendRate: 1, SentLast24Hours: 3 },
  };
  const r = await doctor(sesByAddress, '--json');
  expect(r.code).toBe(1);
  expect(statuses(r)).toEqual([
    ...smtpPassed,
    ['ses.sandbox', 'fail'],
    ['ses.sending', 'pass'],
    ['ses.identity', 'pass'],
    ['ses.dkim', 'pass'],
    ['ses.mail-from', 'pass'],
  ]);
  expect(find(r, 'ses.sandbox')).toMatchObject({
    message:
      'the SES account is in the sandbox in eu-west-1: it delivers only to verified addresses and domains (200 messages per 24 h, 1 per second), so notifications to anyone else are refused',
    fix: expect.stringMatching(
      new RegExp(
        `^request production access: aws sesv2 put-account-details --production-access-enabled --mail-type TRANSACTIONAL --website-url https://${HOSTNAME.replace(/\./g, '\\.')} .* --region eu-west-1 `,
      ),
    ),
  });
  // Both calls, signed for SES in eu-west-1 (not the config's us-east-1) with the operator's key.
  expect(ses.requests.map((q) => [q.method, q.path, q.region, q.service, q.accessKeyId]).sort()).toEqual([
    ['GET', '/v2/email/account', 'eu-west-1', 'ses', operator.accessKeyId],
    ['GET', `/v2/email/identities/${DOMAIN}`, 'eu-west-1', 'ses', operator.accessKeyId],
  ]);
  expect(r.stderr).toContain(`reading the account and the identity ${DOMAIN} in eu-west-1`);
});

test('sandbox with a production access request under review: the fix is to wait for that case', async () => {
  ses.account = {
    ...ses.account,
    ProductionAccessEnabled: false,
    Details: { MailType: 'TRANSACTIONAL', ReviewDetails: { Status: 'PENDING', CaseId: '1234567890' } },
  };
  const r = await sesOnly(sesByAddress, '--json');
  expect(find(r, 'ses.sandbox')).toMatchObject({
    status: 'fail',
    message: expect.stringMatching(/; the request for production access is PENDING \(case 1234567890\)$/),
    fix: "wait for AWS's answer to the production access request (case 1234567890)",
  });
});

test('production access, verified identity, DKIM and MAIL FROM: every line passes, exit 0 (human report)', async () => {
  const r = await doctor(sesByAddress);
  expect(r.code).toBe(0);
  expect(r.stdout).toMatch(
    /^PASS {2}ses\.sandbox {4}production access in eu-west-1: SES delivers to any address \(50000 messages per 24 h, 14 per second\)$/m,
  );
  expect(r.stdout).toMatch(
    new RegExp(`^PASS {2}ses\\.identity {3}${DOMAIN} is verified for sending in eu-west-1$`, 'm'),
  );
  expect(r.stdout).toMatch(/^PASS {2}ses\.dkim .*SES signs with d=github\.example\.test/m);
  expect(r.stdout).toMatch(/^PASS {2}ses\.mail-from .*MAIL FROM bounce\.github\.example\.test verified/m);
  expect(r.stdout.trim().split('\n').pop()).toBe('OK: doctor smtp: 9 passed, 0 failed, 0 warnings');
});

const CNAMES = `publish the three DKIM CNAMEs ${['tok1', 'tok2', 'tok3'].map((t) => `${t}._domainkey.${DOMAIN} CNAME ${t}.dkim.amazonses.com`).join(', ')}; verification can take up to 72 h`;
const MX_FIX = `publish bounce.${DOMAIN} MX 10 feedback-smtp.eu-west-1.amazonses.com and bounce.${DOMAIN} TXT "v=spf1 include:amazonses.com ~all"; SES can take up to 72 h to see it`;

test.each([
  {
    name: 'identity not verified: fail, with the reason SES gives and the CNAMEs as the fix',
    edit: (i: Record<string, any>) =>
      Object.assign(i, {
        VerifiedForSendingStatus: false,
        VerificationStatus: 'FAILED',
        VerificationInfo: { ErrorType: 'HOST_NOT_FOUND' },
      }),
    id: 'ses.identity',
    expected: {
      status: 'fail',
      message: `${DOMAIN} is not verified for sending in eu-west-1 (verification FAILED; SES found no record at the name): SES refuses mail from noreply@${DOMAIN}`,
      fix: CNAMES,
    },
  },
  {
    name: 'a new identity, DKIM pending: a warning whose fix names the three CNAMEs and the 72 h; ses.identity points at it',
    edit: (i: Record<string, any>) =>
      Object.assign(i, {
        VerifiedForSendingStatus: false,
        VerificationStatus: 'PENDING',
        DkimAttributes: { ...i.DkimAttributes, Status: 'PENDING' },
      }),
    id: 'ses.dkim',
    expected: {
      status: 'warn',
      message: `DKIM for ${DOMAIN} is PENDING: SES has not found the records yet`,
      fix: CNAMES,
    },
    also: {
      id: 'ses.identity',
      expected: {
        status: 'fail',
        fix: 'publish the DKIM records the ses.dkim line names (SES verifies a domain through them); verification can take up to 72 h',
      },
    },
  },
  {
    name: 'DKIM failed: fail, pointing at doctor deliverability to see what DNS answers',
    edit: (i: Record<string, any>) => (i.DkimAttributes.Status = 'FAILED'),
    id: 'ses.dkim',
    expected: {
      status: 'fail',
      fix: expect.stringContaining('ghes-email doctor deliverability --dkim-selector TOKEN'),
    },
  },
  {
    name: 'MAIL FROM failed, SES falls back to amazonses.com: a warning with the MX and SPF records',
    edit: (i: Record<string, any>) => (i.MailFromAttributes.MailFromDomainStatus = 'FAILED'),
    id: 'ses.mail-from',
    expected: {
      status: 'warn',
      message: `MAIL FROM bounce.${DOMAIN} is FAILED: SES cannot find its MX record; until then SES sends with amazonses.com as the envelope sender, so SPF does not align`,
      fix: MX_FIX,
    },
  },
  {
    name: 'MAIL FROM failed with REJECT_MESSAGE: fail, SES refuses to send',
    edit: (i: Record<string, any>) =>
      Object.assign(i.MailFromAttributes, { MailFromDomainStatus: 'FAILED', BehaviorOnMxFailure: 'REJECT_MESSAGE' }),
    id: 'ses.mail-from',
    expected: {
      status: 'fail',
      message: expect.stringContaining('SES refuses to send (MailFromDomainNotVerified'),
      fix: MX_FIX,
    },
  },
] as {
  name: string;
  edit: (i: Record<string, any>) => void;
  id: string;
  expected: object;
  also?: { id: string; expected: object };
}[])('$name', async ({ edit, id, expected, also }) => {
  edit(ses.identities.get(DOMAIN)!);
  const r = await sesOnly(sesByAddress, '--json');
  expect(find(r, id)).toMatchObject(expected);
  if (also) expect(find(r, also.id)).toMatchObject(also.expected);
});

test('no identity for the domain: fail with create-email-identity, and no DKIM or MAIL FROM lines', async () => {
  ses.identities.clear();
  const r = await sesOnly(sesByAddress, '--json');
  expect(statuses(r)).toEqual([
    ['smtp.connect', 'fail'],
    ['ses.sandbox', 'pass'],
    ['ses.sending', 'pass'],
    ['ses.identity', 'fail'],
  ]);
  expect(find(r, 'ses.identity')!.fix).toBe(
    `create it: aws sesv2 create-email-identity --email-identity ${DOMAIN} --region eu-west-1, then publish the three DKIM CNAMEs it returns`,
  );
});

test("AccessDenied on GetAccount: a warning naming ses:GetAccount, AWS's text escaped; the identity is still checked, exit 0", async () => {
  ses.denied.add('GetAccount');
  ses.deniedMessage = (action) => `not authorized to perform: ses:${action}\x1b]0;pwned\x07\r\nPASS  forged`;
  const r = await doctor(sesByAddress);
  expect(r.code).toBe(0);
  expect(r.stdout).toMatch(
    /^WARN {2}ses\.account {4}could not read the SES account in eu-west-1 \(ses:GetAccount\): AccessDeniedException: not authorized to perform: ses:GetAccount\\x1b\]0;pwned\\x07\\r\\nPASS {2}forged$/m,
  );
  expect(r.stdout).toMatch(
    /^ +fix: allow ses:GetAccount for your AWS credentials, or skip these checks with --no-ses-checks$/m,
  );
  expect(r.stdout).not.toMatch(/[\x1b\x07\r]/);
  expect(r.stdout).toMatch(/^PASS {2}ses\.identity /m);
  expect(r.stdout.trim().split('\n').pop()).toBe('OK: doctor smtp: 7 passed, 0 failed, 1 warning');
});

test('AccessDenied on GetEmailIdentity: a warning naming ses:GetEmailIdentity on the identity; the account is still checked', async () => {
  ses.denied.add('GetEmailIdentity');
  const r = await sesOnly(sesByAddress, '--json');
  expect(statuses(r)).toEqual([
    ['smtp.connect', 'fail'],
    ['ses.sandbox', 'pass'],
    ['ses.sending', 'pass'],
    ['ses.identity', 'warn'],
  ]);
  expect(find(r, 'ses.identity')!.fix).toBe(
    `allow ses:GetEmailIdentity on arn:aws:ses:eu-west-1:<account>:identity/${DOMAIN} for your AWS credentials, or skip these checks with --no-ses-checks`,
  );
});

test('no AWS credentials: one warning naming both permissions, nothing reaches SES, the conversation unchanged', async () => {
  restoreEnv();
  restoreEnv = useSesDoubleForSdk(ses, undefined);
  const r = await doctor(sesByAddress, '--json');
  expect(r.code).toBe(0);
  expect(statuses(r)).toEqual([...smtpPassed, ['ses.credentials', 'warn']]);
  expect(find(r, 'ses.credentials')!.fix).toMatch(
    /^run with AWS credentials that allow ses:GetAccount and ses:GetEmailIdentity /,
  );
  expect(ses.requests).toEqual([]);
});

test('smtp.relay.ses: region and MAIL FROM from the config; SES is asked even when the SMTP connection fails', async () => {
  const c = sesConfig(); // eu-west-1, noreply@github.example.com, default MAIL FROM bounce.github.example.com
  const file = join(dir, 'relay-ses.json');
  writeFileSync(file, JSON.stringify(c));
  ses.identities.set('github.example.com', {
    ...verifiedDomain('github.example.com'),
    MailFromAttributes: {
      MailFromDomain: 'mail.github.example.com',
      MailFromDomainStatus: 'SUCCESS',
      BehaviorOnMxFailure: 'USE_DEFAULT_VALUE',
    },
  });
  const r = await sesOnly(file, '--json');
  expect(r.code).toBe(1);
  expect(statuses(r)).toEqual([
    ['smtp.connect', 'fail'],
    ['ses.sandbox', 'pass'],
    ['ses.sending', 'pass'],
    ['ses.identity', 'pass'],
    ['ses.dkim', 'pass'],
    ['ses.mail-from', 'warn'],
  ]);
  expect(find(r, 'ses.mail-from')!.message).toBe(
    'SES uses MAIL FROM mail.github.example.com for github.example.com; the config says bounce.github.example.com',
  );
  expect(ses.requests.map((q) => q.region)).toEqual(['eu-west-1', 'eu-west-1']);
});

test('not SES, or --no-ses-checks: no SES lines and SES is never asked', async () => {
  const other = await sesOnly(writeConfig(dir, 'not-ses'), '--json'); // smtp.relay.test
  expect(statuses(other)).toEqual([['smtp.connect', 'fail']]);
  const skipped = await doctor(sesByAddress, '--no-ses-checks', '--json');
  expect(skipped.code).toBe(0);
  expect(statuses(skipped)).toEqual(smtpPassed);
  expect(ses.requests).toEqual([]);
});
