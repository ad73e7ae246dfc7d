/**
 * AWS's published SES SMTP password steps
 * (https://docs.aws.amazon.com/ses/latest/dg/smtp-credentials.html#smtp-credentials-convert),
 * computed by the openssl CLI, one HMAC per process: a second implementation
 * that shares no code with lib/smtp/ses-smtp.ts (test use only: keys go on argv).
 *
 *   kDate     = HmacSha256("11111111", "AWS4" + key)
 *   kRegion   = HmacSha256(region, kDate)
 *   kService  = HmacSha256("ses", kRegion)
 *   kTerminal = HmacSha256("aws4_request", kService)
 *   kMessage  = HmacSha256("SendRawEmail", kTerminal)
 *   smtpPassword = Base64(0x04 || kMessage)
 */
import { execFileSync } from 'node:child_process';

function hmac(macopt: string, data: string): string {
  const out = execFileSync('openssl', ['dgst', '-sha256', '-mac', 'HMAC', '-macopt', macopt, '-hex'], {
    input: data,
    encoding: 'utf8',
  });
  // "HMAC-SHA2-256(stdin)= 0123…" (the label varies between openssl versions; the hex comes last).
  return out.trim().split(/\s+/).pop()!;
}

export function opensslSesSmtpPassword(secretAccessKey: string, region: string): string {
  let hex = hmac(`key:AWS4${secretAccessKey}`, '11111111');
  for (const part of [region, 'ses', 'aws4_request', 'SendRawEmail']) hex = hmac(`hexkey:${hex}`, part);
  return execFileSync('openssl', ['base64', '-A'], { input: Buffer.from(`04${hex}`, 'hex') })
    .toString('utf8')
    .trim();
}
