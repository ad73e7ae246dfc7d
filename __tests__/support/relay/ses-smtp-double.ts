/**
 * An SES SMTP interface on loopback (the `smtp-server` package): STARTTLS
 * before AUTH, AUTH LOGIN, and credentials accepted only for an access key
 * the IAM double holds, with the password derived by openssl from that key's
 * secret (not by the code under test). A new key can be refused for its first
 * attempts, as SES does while a new IAM key propagates.
 */
import { AddressInfo, Server } from 'node:net';
import { SMTPServer } from 'smtp-server';
import '../smtp-server-greeting';
import { TestCerts, makeCerts } from '../doctor/smtp-servers';
import { EventLog, RelayAwsDouble } from './relay-aws-double';
import { opensslSesSmtpPassword } from './ses-password-openssl';

export const SES_TEST_HOST = 'email-smtp.test';

export interface SesSmtpDouble {
  readonly port: number;
  readonly certs: TestCerts;
  /** Every AUTH attempt: the mechanism and user name, and whether it passed. */
  readonly logins: { method: string; username: string; ok: boolean }[];
  /** Attempts refused with 535 for each new key before it works (propagation). */
  refuseFirst: number;
  close(): Promise<void>;
}

export async function startSesSmtp(
  aws: RelayAwsDouble,
  user: string,
  region: string,
  events: EventLog,
): Promise<SesSmtpDouble> {
  const certs = await makeCerts(SES_TEST_HOST);
  const logins: SesSmtpDouble['logins'] = [];
  const seen = new Map<string, number>();
  const expected = new Map<string, string>();
  const double = { refuseFirst: 0 };
  const server = new SMTPServer({
    name: SES_TEST_HOST,
    key: certs.key,
    cert: certs.cert,
    authMethods: ['LOGIN'],
    disableReverseLookup: true,
    logger: false,
    onAuth(auth, _session, cb) {
      const key = (aws.keys.get(user) ?? []).find((k) => k.id === auth.username);
      if (key && !expected.has(key.id)) expected.set(key.id, opensslSesSmtpPassword(key.secret, region));
      const attempt = (seen.get(auth.username ?? '') ?? 0) + 1;
      seen.set(auth.username ?? '', attempt);
      const ok = key !== undefined && auth.password === expected.get(key.id) && attempt > double.refuseFirst;
      logins.push({ method: auth.method, username: auth.username ?? '', ok });
      events.push(`smtp AUTH ${auth.method} ${auth.username} ${ok ? 'ok' : 'refused'}`);
      if (!ok) return cb(Object.assign(new Error('Authentication Credentials Invalid'), { responseCode: 535 }));
      cb(null, { user: auth.username });
    },
  });
  server.on('error', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = ((server as unknown as { server: Server }).server.address() as AddressInfo).port;
  return Object.assign(double, {
    port,
    certs,
    logins,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  });
}
