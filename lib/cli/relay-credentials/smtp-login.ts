/**
 * One SMTP AUTH LOGIN, as GHES will do it against the relay: connect on 587,
 * STARTTLS (required), AUTH LOGIN, QUIT. `relay-credentials` proves a new key
 * works with it before the old key is deleted. nodemailer speaks the protocol;
 * the doctor's SmtpSteps makes every step settle.
 */
import SMTPConnection from 'nodemailer/lib/smtp-connection';
import { SmtpStepError, SmtpSteps, nodemailerLogger } from '../doctor/smtp/smtp-steps';
import { CredentialMasker } from '../doctor/transcript';

/** Where to log in. */
export interface SmtpLoginTarget {
  readonly host: string;
  readonly port: number;
  /** Name the certificate must carry. @default - host */
  readonly servername?: string;
  /** Trusted CA certificates (PEM). @default - Node's bundled roots */
  readonly ca?: string;
  /** Connect, greeting and per-reply timeout in milliseconds. @default 15000 */
  readonly timeoutMs?: number;
}

/**
 * A refused or failed login; `responseCode` is the SMTP reply code when the server answered (535: credentials refused).
 */
export class SmtpLoginError extends Error {
  constructor(
    message: string,
    readonly responseCode?: number,
    /**
     * What went wrong below SMTP, for callers that decide whether waiting can help: a fault of the peer
     * ("closed", "timeout", "not-smtp"), or nodemailer's error code ("EDNS", "ECONNECTION", "ETLS", …).
     * @default - none (a reply, see responseCode)
     */
    readonly code?: string,
  ) {
    super(message);
    this.name = 'SmtpLoginError';
  }
}

/** Resolves when the server accepted the credentials; rejects with SmtpLoginError otherwise, at every step. */
export async function smtpLogin(target: SmtpLoginTarget, user: string, pass: string): Promise<void> {
  const timeout = target.timeoutMs ?? 15000;
  const masker = new CredentialMasker([pass]);
  const label = target.host.includes(':') ? `[${target.host}]:${target.port}` : `${target.host}:${target.port}`;
  // SmtpSteps settles each step on error, end, close and timeout alike: nodemailer alone reports a peer that
  // closes before its greeting with no error, and a promise around its callback would never settle.
  const steps = new SmtpSteps({ label, timeoutMs: timeout, scrub: (t) => masker.scrub(t) });
  const conn = new SMTPConnection({
    host: target.host,
    port: target.port,
    secure: false,
    requireTLS: true,
    authMethod: 'LOGIN',
    tls: { servername: target.servername ?? target.host, ...(target.ca ? { ca: target.ca } : {}) },
    connectionTimeout: timeout,
    greetingTimeout: timeout,
    socketTimeout: timeout,
    dnsTimeout: timeout,
    // The log only feeds SmtpSteps (how far the conversation got); it is never printed.
    transactionLog: true,
    logger: nodemailerLogger((meta, message) => steps.logged(meta, message)),
  });
  steps.watch(conn);
  try {
    await steps.run((done) => conn.connect(() => done()));
    await steps.run((done) => conn.login({ user, pass }, (err) => done(err)));
    steps.closing();
    conn.quit();
  } catch (err) {
    steps.closing();
    conn.close();
    const e = err as { message?: string; responseCode?: number; code?: string };
    // nodemailer's messages name the reply ("Invalid login: 535 …"), never the credentials; SmtpSteps' say what
    // the peer did ("… closed the connection before its greeting").
    const code = err instanceof SmtpStepError ? err.fault : e.code;
    throw new SmtpLoginError(masker.scrub(e.message ?? String(err)), e.responseCode, code);
  }
}
