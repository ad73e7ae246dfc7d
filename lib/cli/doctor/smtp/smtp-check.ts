/**
 * `doctor smtp`: connect to the relay as GHES will (EHLO with smtp.domain,
 * STARTTLS when offered, AUTH with the configured mechanism), optionally send
 * a test message, and explain the first thing that fails. Credentials are
 * never sent over a connection without TLS.
 */
import { readFileSync } from 'node:fs';
import { rootCertificates as tlsRoots } from 'node:tls';
import MailComposer from 'nodemailer/lib/mail-composer';
import { loadConfigFile, smtpOf } from '../../../config/config';
import { SmtpSettings } from '../../../smtp/smtp-settings';
import { SecretRef } from '../../../core/secret-ref';
import { SecretResolutionError, resolveSecret } from '../../secrets/resolve-secret';
import { showReply } from '../diagnosis';
import { Endpoint, UsageError } from '../options';
import { Check, DoctorReport } from '../report';
import { connectFailure, replyFailure } from './smtp-failures';
import { runSesChecks, sesTargetOf } from './ses-checks';
import { SmtpSession } from './smtp-session';

export interface SmtpDoctorOptions {
  readonly configPath: string;
  /** Picks one GhesEmail's settings from an outputs file that holds several. @default - the only one */
  readonly hostname?: string;
  /** Send a test message to this address. @default - no message is sent */
  readonly to?: string;
  /** Read the password from stdin instead of resolving its secret reference. */
  readonly passwordFromStdin: boolean;
  /** Connect here instead of smtp.address:smtp.port (TLS still checks smtp.address). @default - the configured relay */
  readonly connectTo?: Endpoint;
  /** Extra trusted CA certificates (PEM). @default - Node's bundled roots only */
  readonly caFile?: string;
  readonly timeoutMs: number;
  /** Ask the SES API about the account and the sender's identity when the relay is SES. @default true */
  readonly sesChecks?: boolean;
  readonly progress: (line: string) => void;
}

const MECHANISM = { plain: 'PLAIN', login: 'LOGIN', cram_md5: 'CRAM-MD5' } as const;

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin as AsyncIterable<Buffer | string>)
    chunks.push(typeof c === 'string' ? Buffer.from(c) : c);
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}

/** What AUTH sends, or what is missing to send it (a failed smtp.auth check says where it is). */
type Login = { readonly user: string; readonly pass: string } | { readonly missing: 'credentials' | 'username' };

const FROM_OUTPUTS = 'cdktf output --outputs-file outputs.json, then --config outputs.json';

/** The username and password to log in with; undefined with authentication "none". */
async function loginOf(s: SmtpSettings, opts: SmtpDoctorOptions, region: string): Promise<Login | undefined> {
  if (s.authentication === 'none') return undefined;
  const hasUser = s.username !== undefined || s.usernameSecret !== undefined;
  if (opts.passwordFromStdin) {
    // The password replaces its secret; the username stays where the config keeps it, literal or in the secret.
    const pass = await readStdin();
    if (pass === '') throw new UsageError('--password-stdin: stdin was empty; pipe the SMTP password in');
    return hasUser ? { user: await username(s, opts, region), pass } : { missing: 'username' };
  }
  if (!s.password || !hasUser) return { missing: 'credentials' };
  const user = await username(s, opts, region);
  opts.progress(`doctor smtp: reading the password from ${s.password.describe()} …`);
  return { user, pass: await nonEmpty(s.password, region) };
}

/** A secret's value; an empty one is a config-level error (exit 2), as an unreadable one is. */
async function nonEmpty(ref: SecretRef, region: string): Promise<string> {
  const value = await resolveSecret(ref, { region });
  if (value === '') throw new SecretResolutionError(ref, 'the value is empty');
  return value;
}

/** smtp.username, or the "username" key of smtp.credentials (the SES relay's secret, as a stack's outputs name it). */
async function username(s: SmtpSettings, opts: SmtpDoctorOptions, region: string): Promise<string> {
  if (s.username !== undefined) return s.username;
  opts.progress(`doctor smtp: reading the username from ${s.usernameSecret!.describe()} …`);
  return nonEmpty(s.usernameSecret!, region);
}

/** smtp.auth when there is nothing (or no username) to log in with: where the credentials are, and how to give them. */
function missingCredentials(s: SmtpSettings, configPath: string, missing: 'credentials' | 'username'): Check {
  const fail = { id: 'smtp.auth', status: 'fail' } as const;
  if (s.relay?.ses && missing === 'username')
    return {
      ...fail,
      message: `no SMTP username to log in with: smtp.relay.ses keeps it (an IAM access key id) in the credentials secret the deployed stack created, and ${configPath} does not name that secret`,
      fix: `run with the deployed stack's outputs (${FROM_OUTPUTS}): the username then comes from the secret they name, and the password from --password-stdin as now`,
    };
  if (s.relay?.ses)
    return {
      ...fail,
      message: `no SMTP credentials to log in with: smtp.relay.ses keeps the username and password in the credentials secret the deployed stack created, and ${configPath} does not name that secret`,
      fix: `run with the deployed stack's outputs (${FROM_OUTPUTS}), which name that secret; with them, --password-stdin takes the password from stdin instead (the username still comes from the secret)`,
    };
  if (missing === 'username')
    return {
      ...fail,
      message: `no SMTP username to log in with: ${configPath} has no smtp.username or smtp.credentials`,
      fix: 'set smtp.username, or smtp.credentials to a secret with the keys "username" and "password"',
    };
  return {
    ...fail,
    message: `no SMTP credentials to log in with: ${configPath} has no smtp.password or smtp.credentials`,
    fix: 'set smtp.password (a secret reference) and smtp.username, or smtp.credentials; or pipe the password in with --password-stdin',
  };
}

export async function runSmtpDoctor(opts: SmtpDoctorOptions): Promise<DoctorReport> {
  const loaded = loadConfigFile(opts.configPath, opts.hostname);
  const report = await converse(smtpOf(loaded, opts.configPath, 'doctor smtp'), opts, loaded.config.region);
  // After the conversation, whatever it reached: SES's sandbox and identity state explain refusals it cannot see.
  const ses = opts.sesChecks === false ? undefined : sesTargetOf(loaded);
  return ses ? { ...report, checks: [...report.checks, ...(await runSesChecks(ses, opts))] } : report;
}

async function converse(s: SmtpSettings, opts: SmtpDoctorOptions, region: string): Promise<DoctorReport> {
  const ca = opts.caFile ? [...tlsRoots, readCa(opts.caFile)] : undefined;
  const login = await loginOf(s, opts, region);
  const host = opts.connectTo?.host ?? s.address;
  const port = opts.connectTo?.port ?? s.port;
  // GHES decides implicit TLS from the configured port, so the doctor does too (even with --connect-to).
  const implicitTls = s.port === 465;
  const checks: Check[] = [];
  const session = new SmtpSession({
    host,
    port,
    name: s.domain,
    implicitTls,
    ignoreStarttls: !s.enableStarttlsAuto,
    servername: s.address,
    shownAs: { host: s.address, port: s.port },
    ca,
    timeoutMs: opts.timeoutMs,
    secrets: login && 'pass' in login ? [login.pass] : [],
  });
  const where = { host, port, timeoutMs: opts.timeoutMs };
  const report = (): DoctorReport => ({ command: 'smtp', checks, transcript: session.transcript });

  opts.progress(
    `doctor smtp: connecting to ${host}:${port}${implicitTls ? ' (implicit TLS)' : ''}, waiting up to ${opts.timeoutMs} ms …`,
  );
  try {
    await session.connect();
  } catch (err) {
    checks.push(...(await connectFailure(session, err as Error, { ...where, implicitTls, address: s.address })));
    session.close();
    return report();
  }
  checks.push({
    id: 'smtp.connect',
    status: 'pass',
    message: `${host}:${port} greeted: ${showReply(session.replies[0].reply)}`,
    data: { remoteAddress: session.remoteAddress },
  });
  checks.push({
    id: 'smtp.ehlo',
    status: 'pass',
    message: `EHLO ${s.domain} accepted; the relay offers ${session.extensions.join(', ') || 'no extensions'}`,
  });

  const needsTls = s.authentication !== 'none';
  if (session.tlsStarted) {
    checks.push({
      id: 'smtp.tls',
      status: 'pass',
      message: `${implicitTls ? 'implicit TLS' : 'STARTTLS'} done; the certificate is valid for ${s.address}`,
    });
  } else {
    const offered = session.extensions.includes('STARTTLS');
    const why = offered
      ? 'smtp.enableStarttlsAuto is off, so the appliance will not use the STARTTLS the relay offers'
      : 'the relay does not offer STARTTLS';
    checks.push({
      id: 'smtp.tls',
      status: needsTls ? 'fail' : 'warn',
      message: `${why}${needsTls ? '; the password would cross the network in clear text, so the doctor did not send it' : '; mail goes out unencrypted'}`,
      fix: offered
        ? 'set smtp.enableStarttlsAuto to true'
        : "use the relay's STARTTLS submission port (usually 587), or enable TLS on the relay",
    });
    if (needsTls) {
      await session.quit();
      return report();
    }
  }

  if (s.authentication !== 'none') {
    const mechanism = MECHANISM[s.authentication];
    const offered = session.authMechanisms;
    if (!offered.includes(mechanism)) {
      checks.push({
        id: 'smtp.auth',
        status: 'fail',
        message: offered.length
          ? `the relay offers AUTH ${offered.join(' ')}, not ${mechanism} (smtp.authentication is "${s.authentication}")`
          : 'the relay offers no AUTH after EHLO',
        fix: offered.length
          ? `set smtp.authentication to one of ${offered.map((m) => `"${m.toLowerCase().replace('-', '_')}"`).join(', ')}`
          : 'this port or client address does not take logins; check smtp.port, or set authentication to "none" if the relay allows the appliance by IP',
      });
      await session.quit();
      return report();
    }
    if (!login || 'missing' in login) {
      checks.push(missingCredentials(s, opts.configPath, login && 'missing' in login ? login.missing : 'credentials'));
      await session.quit();
      return report();
    }
    const { user, pass } = login;
    opts.progress(`doctor smtp: AUTH ${mechanism} as ${user} …`);
    try {
      await session.step((done) =>
        session.conn.login({ method: mechanism, credentials: { user, pass } } as never, (e) => done(e)),
      );
      checks.push({ id: 'smtp.auth', status: 'pass', message: `AUTH ${mechanism} as ${user} accepted` });
    } catch (err) {
      checks.push(replyFailure('smtp.auth', session, `AUTH ${mechanism} as ${user} failed`, err as Error));
      await session.quit();
      return report();
    }
  } else {
    checks.push({ id: 'smtp.auth', status: 'info', message: 'smtp.authentication is "none": no login attempted' });
  }

  if (opts.to) {
    opts.progress(`doctor smtp: sending a test message from ${s.noreplyAddress} to ${opts.to} …`);
    try {
      const message = await testMessage(s, opts.to);
      const info = await session.step<{ accepted: string[]; response: string }>((done) =>
        session.conn.send({ from: s.noreplyAddress, to: [opts.to!] }, message, (e, i) => done(e, i)),
      );
      checks.push({
        id: 'smtp.send',
        status: 'pass',
        message: `test message from ${s.noreplyAddress} to ${opts.to} accepted: ${info.response}`,
      });
    } catch (err) {
      checks.push(
        replyFailure('smtp.send', session, `sending from ${s.noreplyAddress} to ${opts.to} failed`, err as Error),
      );
    }
  }
  await session.quit();
  return report();
}

function readCa(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new UsageError(`--ca-file: cannot read ${file}: ${(err as Error).message}`);
  }
}

function testMessage(s: SmtpSettings, to: string): Promise<Buffer> {
  const mail = new MailComposer({
    from: s.noreplyAddress,
    to,
    subject: 'ghes-email doctor test message',
    text: `This test message was sent by "ghes-email doctor smtp" through ${s.address}:${s.port}, as GitHub Enterprise Server will send notifications.\n`,
  });
  return new Promise((resolve, reject) => mail.compile().build((e, b) => (e ? reject(e) : resolve(b))));
}
