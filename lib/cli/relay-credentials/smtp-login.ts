/**
 * One SMTP AUTH LOGIN, as GHES will do it against the relay: connect on 587,
 * STARTTLS (required), AUTH LOGIN, QUIT. `relay-credentials` proves a new key
 * works with it before the old key is deleted. nodemailer speaks the protocol.
 */
import SMTPConnection from 'nodemailer/lib/smtp-connection';

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
  ) {
    super(message);
    this.name = 'SmtpLoginError';
  }
}

/** Resolves when the server accepted the credentials; rejects with SmtpLoginError otherwise. */
export async function smtpLogin(target: SmtpLoginTarget, user: string, pass: string): Promise<void> {
  const timeout = target.timeoutMs ?? 15000;
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
    logger: false,
  });
  const failed = (err: unknown): SmtpLoginError => {
    const e = err as { message?: string; responseCode?: number; code?: string };
    // nodemailer's messages name the reply ("Invalid login: 535 …"), never the credentials.
    return new SmtpLoginError(e.message ?? String(err), e.responseCode);
  };
  // nodemailer reports socket and TLS failures as 'error' events, at any step: they fail the step under way.
  let fail: (err: unknown) => void = () => undefined;
  conn.on('error', (err) => fail(err));
  const step = (run: (done: () => void, reject: (err: unknown) => void) => void) =>
    new Promise<void>((resolve, reject) => {
      fail = reject;
      run(resolve, reject);
    });
  try {
    await step((done) => conn.connect(done));
    await step((done, reject) => conn.login({ user, pass }, (err) => (err ? reject(err) : done())));
    conn.quit();
  } catch (err) {
    conn.close();
    throw failed(err);
  }
}
