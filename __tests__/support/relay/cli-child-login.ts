/**
 * Preloaded (`node -r`) into a `ghes-email` process that a test spawns: the relay's SMTP login goes to the SES double
 * on loopback (RELAY_TEST_SMTP_PORT, its name RELAY_TEST_SMTP_NAME, trusting the CA in the file RELAY_TEST_SMTP_CA)
 * instead of email-smtp.REGION.amazonaws.com:587. It swaps the smtp-login module's exports before the command loads
 * it, so the real login code still runs; nothing else in the process changes.
 */
import { readFileSync } from 'node:fs';
import * as real from '../../../lib/cli/relay-credentials/smtp-login';

const env = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`cli-child-login: ${name} is not set`);
  return value;
};

const cached = require.cache[require.resolve('../../../lib/cli/relay-credentials/smtp-login')]!;
cached.exports = {
  ...real,
  smtpLogin: (_target: real.SmtpLoginTarget, user: string, pass: string) =>
    real.smtpLogin(
      {
        host: '127.0.0.1',
        port: Number(env('RELAY_TEST_SMTP_PORT')),
        servername: env('RELAY_TEST_SMTP_NAME'),
        ca: readFileSync(env('RELAY_TEST_SMTP_CA'), 'utf8'),
      },
      user,
      pass,
    ),
};
