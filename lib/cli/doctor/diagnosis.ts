/**
 * SMTP reply codes and client errors, explained: what the reply means, the
 * likely cause in a GHES setup, and what to change. Codes follow RFC 5321 and
 * the enhanced status codes of RFC 3463; the causes are the usual ones behind
 * GHES's "Test email settings" failures (docs: configuring-email-for-notifications).
 */

import { PATTERNS, match } from './patterns';

/** A complete (possibly multi-line) SMTP reply. */
export interface SmtpReply {
  /** Three-digit reply code, e.g. 535. */
  readonly code: number;
  /** Enhanced status code when present, e.g. "5.7.1". @default - none */
  readonly enhanced?: string;
  /** Text of all lines joined with a space, without codes. */
  readonly text: string;
}

/** What a reply or error means and what to do about it. */
export interface Diagnosis {
  readonly meaning: string;
  readonly fix?: string;
}

/** Parses "535-5.7.1 text" / "535 5.7.1 text" lines of one reply. */
export function parseReply(lines: readonly string[]): SmtpReply | undefined {
  const first = match(PATTERNS.REPLY_FIRST, lines[0] ?? '');
  if (!first) return undefined;
  const parts = lines.map((l) => l.slice(match(PATTERNS.REPLY_CODE, l)?.[0].length ?? 0).trim());
  const enhanced = match(PATTERNS.ENHANCED, parts[0])?.[1];
  const text = parts
    .map((p) => (enhanced && p.startsWith(enhanced) ? p.slice(enhanced.length).trim() : p))
    .join(' ')
    .trim();
  return { code: Number(first[1]), enhanced, text };
}

/** "535 5.7.1 Bad credentials" */
export function showReply(r: SmtpReply): string {
  return `${r.code}${r.enhanced ? ` ${r.enhanced}` : ''}${r.text ? ` ${r.text}` : ''}`;
}

const PORT_25_NOTE =
  'AWS throttles outbound port 25 from EC2 unless you ask AWS to lift the limit; relays usually take submissions on 587 (STARTTLS)';

/**
 * Explains a reply. `after` is the command it answered ("AUTH", "MAIL FROM",
 * "RCPT TO", "DATA", "EHLO", "STARTTLS", "greeting"), which changes the cause of 550/554.
 * `port` is the relay's configured port: EC2's port-25 throttling is named only when it is 25
 * (unknown: not named).
 */
export function explainReply(r: SmtpReply, after = '', port?: number): Diagnosis {
  const cmd = after.toUpperCase();
  const t = r.text.toLowerCase();
  if (r.code === 220 && cmd === 'STARTTLS') return { meaning: 'ready to start TLS' };
  if (r.code === 220) return { meaning: 'server greeting: the relay is answering' };
  if (r.code === 221) return { meaning: 'closing the connection after QUIT' };
  if (r.code === 235) return { meaning: 'authentication succeeded' };
  if (r.code === 250 && cmd === 'DATA') return { meaning: 'message accepted for delivery' };
  if (r.code === 250) return { meaning: 'accepted' };
  if (r.code === 334) return { meaning: 'server asks for the next credential' };
  if (r.code === 354) return { meaning: 'server ready for the message body' };
  if (r.code === 535 || r.code === 534 || (r.code === 454 && cmd.startsWith('AUTH'))) {
    return {
      meaning: 'credentials rejected',
      fix: 'check smtp.username and the password secret; Amazon SES wants SMTP credentials (not IAM access keys), Gmail/Google Workspace an app password',
    };
  }
  if (r.code === 530 && /starttls|tls/.test(t)) {
    return {
      meaning: 'the relay requires STARTTLS before this command',
      fix: "keep enableStarttlsAuto on (the default) and use the relay's STARTTLS port, usually 587",
    };
  }
  if (r.code === 530) {
    return {
      meaning: 'authentication required',
      fix: 'set smtp.authentication to the mechanism the relay offers, with smtp.username and a password',
    };
  }
  if (r.code === 538)
    return {
      meaning: 'encryption required for this AUTH mechanism',
      fix: 'use STARTTLS (port 587) so AUTH runs inside TLS',
    };
  if (r.code === 504 && cmd.startsWith('AUTH')) {
    return {
      meaning: 'AUTH mechanism not supported',
      fix: 'set smtp.authentication to one the relay lists after EHLO (the AUTH line)',
    };
  }
  if (r.code === 454 && cmd === 'STARTTLS')
    return { meaning: 'TLS not available on the relay right now', fix: "check the relay's certificate and TLS setup" };
  if ((r.code === 550 || r.code === 553 || r.code === 554 || r.code === 551) && cmd === 'MAIL FROM') {
    return {
      meaning: 'sender refused',
      fix: 'the relay does not let this login send as smtp.noreplyAddress: verify the address or its domain with the relay (SES: a verified identity)',
    };
  }
  if (
    (r.code === 550 || r.code === 554 || r.code === 551) &&
    cmd === 'RCPT TO' &&
    /relay|not permitted|denied|not allowed/.test(t)
  ) {
    return {
      meaning: 'relaying refused',
      fix: "the relay only relays for authenticated or allowed clients: set authentication and credentials, or allow the appliance's IP",
    };
  }
  if ((r.code === 550 || r.code === 554 || r.code === 553) && cmd === 'RCPT TO') {
    return {
      meaning: 'recipient refused',
      fix: 'check the --to address; a sandboxed relay (SES sandbox) only delivers to verified recipients',
    };
  }
  if (r.code === 554 && (cmd === 'GREETING' || cmd === '')) {
    return {
      meaning: 'the relay refuses this client outright',
      fix: "the relay blocks this source address; allow the appliance's public IP with the relay",
    };
  }
  if ((r.code === 550 || r.code === 554) && cmd === 'DATA')
    return {
      meaning: 'message rejected after the body',
      fix: "the relay's content or policy filter refused it; read its text",
    };
  if (r.code === 421)
    return {
      meaning: 'service not available: the relay closed the session',
      fix: `retry later; if it persists, the relay is throttling this client${port === 25 ? `. ${PORT_25_NOTE}` : ''}`,
    };
  if (r.code === 450 || r.code === 451 || r.code === 452)
    return {
      meaning: 'temporary failure: the relay will take it later',
      fix: 'retry; postfix will retry deferred mail on its own',
    };
  if (r.code === 500 || r.code === 501 || r.code === 502 || r.code === 503)
    return {
      meaning: 'the relay did not accept the command syntax or sequence',
      fix: 'check the relay speaks ESMTP on this port',
    };
  if (r.code >= 500)
    return { meaning: 'permanent failure', fix: "read the relay's text; the command will not succeed unchanged" };
  if (r.code >= 400) return { meaning: 'temporary failure', fix: 'retry later' };
  return { meaning: 'success' };
}

/** Names the certificate problem in a TLS error message (Node/OpenSSL wording). */
export function certificateProblem(message: string): string | undefined {
  const m = message.toLowerCase();
  if (/self[- ]signed certificate in certificate chain/.test(m))
    return 'the chain ends in a self-signed root that is not trusted here';
  if (/self[- ]signed certificate/.test(m)) return 'the certificate is self-signed';
  if (/altnames|hostname\/ip does not match|cert_altname_invalid/.test(m))
    return 'the certificate does not name this host';
  if (/certificate has expired|cert_has_expired/.test(m)) return 'the certificate has expired';
  if (/not yet valid/.test(m)) return 'the certificate is not yet valid';
  if (/unable to (get|verify)|first certificate|issuer/.test(m))
    return 'the certificate chain is incomplete or its issuer is not trusted';
  return undefined;
}

/** True when a TLS error means "this port does not speak TLS where we started it". */
export function looksLikePlainOnTls(message: string): boolean {
  return /wrong version number|packet length too long|unknown protocol|http request|record layer failure/i.test(
    message,
  );
}

export { PORT_25_NOTE };

/** Where a connection-level failure happened and what to do about it. */
export function explainConnectionError(
  message: string,
  where: { host: string; port: number; timeoutMs: number },
): Diagnosis {
  const at = `${where.host}:${where.port}`;
  if (/ECONNREFUSED/.test(message)) {
    return {
      meaning: `connection refused by ${at}: nothing listens on that port`,
      fix: `check smtp.address and smtp.port (relays take submissions on 587 with STARTTLS, or 465 with implicit TLS). ${PORT_25_NOTE}`,
    };
  }
  if (/ECONNRESET|socket hang up|closed unexpectedly/i.test(message)) {
    return {
      meaning: `connection to ${at} was reset`,
      fix: "a firewall or the relay dropped the session: check security groups / network ACLs and the relay's client allow list",
    };
  }
  if (/Greeting never received/i.test(message)) {
    return {
      meaning: `${at} accepted the TCP connection but sent no SMTP greeting within ${where.timeoutMs} ms`,
      fix: 'this is not an SMTP service, or it expects implicit TLS (port 465) where STARTTLS was expected; check smtp.port',
    };
  }
  if (/Connection timeout|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH/i.test(message)) {
    return {
      meaning: `could not reach ${at} within ${where.timeoutMs} ms`,
      fix: `a firewall drops the traffic or the port is wrong: check outbound rules. ${PORT_25_NOTE}`,
    };
  }
  if (/ENOTFOUND|EAI_AGAIN|EDNS|queryA|getaddrinfo/i.test(message)) {
    return {
      meaning: `the name ${where.host} does not resolve`,
      fix: "check smtp.address for typos and that the operator's machine and the appliance can resolve it",
    };
  }
  if (/^Timeout$|Timeout/i.test(message)) {
    return {
      meaning: `${at} stopped answering (no reply within ${where.timeoutMs} ms)`,
      fix: 'the relay or a middlebox stalls the session; retry, then check the relay',
    };
  }
  return { meaning: message };
}
