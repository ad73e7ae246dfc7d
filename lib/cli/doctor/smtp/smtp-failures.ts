/** `doctor smtp`: what a failed step means, from the relay's last reply or the connection error. */
import { certificateProblem, explainConnectionError, explainReply, looksLikePlainOnTls, showReply } from '../diagnosis';
import { probeImplicitTls } from './tls-probe';
import { Check } from '../report';
import { SmtpSession } from './smtp-session';

/** A failure after the greeting: explain the relay's last reply. */
export function replyFailure(id: string, session: SmtpSession, what: string, errorMessage: string): Check {
  const last = session.lastReply;
  if (last && last.reply.code >= 400) {
    const d = explainReply(last.reply, last.command);
    return {
      id,
      status: 'fail',
      message: `${what}: ${showReply(last.reply)} (${d.meaning})`,
      fix: d.fix,
      data: { reply: last.reply, command: last.command },
    };
  }
  const d = explainConnectionError(errorMessage, {
    host: session.options.host,
    port: session.options.port,
    timeoutMs: session.options.timeoutMs,
  });
  return { id, status: 'fail', message: `${what}: ${d.meaning}`, fix: d.fix };
}

/** The connection did not get as far as a usable EHLO: say which step broke. */
export async function connectFailure(
  session: SmtpSession,
  message: string,
  where: { host: string; port: number; timeoutMs: number; implicitTls: boolean; address: string },
): Promise<Check[]> {
  const replies = session.replies;
  const greeted = replies.find((r) => r.command === 'greeting' && r.reply.code === 220);
  const tlsError = /TLS|certificate|SSL|wrong version|packet length/i.test(message);
  if (where.implicitTls && !greeted && tlsError) {
    const cert = certificateProblem(message);
    if (cert)
      return [
        {
          id: 'smtp.tls',
          status: 'fail',
          message: `TLS handshake with ${where.host}:${where.port} failed: ${cert} (${message})`,
          fix: certFix(cert, where.address),
        },
      ];
    if (looksLikePlainOnTls(message)) {
      return [
        {
          id: 'smtp.tls',
          status: 'fail',
          message: `port ${where.port} speaks plain SMTP, but port 465 means implicit TLS to this client (${message})`,
          fix: "use the relay's STARTTLS port (587) or its implicit-TLS port",
        },
      ];
    }
  }
  if (!greeted) {
    // nodemailer's idle-socket timeout can fire before its greeting timer: same meaning once TCP is up.
    if (session.remoteAddress && /^Timeout/.test(message)) message = 'Greeting never received';
    const d = explainConnectionError(message, where);
    const checks: Check[] = [
      { id: 'smtp.connect', status: 'fail', message: d.meaning, fix: d.fix, data: { error: message } },
    ];
    if (/Greeting never received/i.test(message) && !where.implicitTls) {
      const tls = await probeImplicitTls(where.host, where.port, where.timeoutMs, session.options.servername);
      if (tls) {
        checks[0] = {
          id: 'smtp.connect',
          status: 'fail',
          message: `${where.host}:${where.port} speaks implicit TLS (SMTPS): it waited for a TLS handshake instead of greeting`,
          fix: "GHES speaks STARTTLS here: point smtp.port at the relay's STARTTLS port (587), or use 465 for implicit TLS",
        };
      }
    }
    return checks;
  }
  const checks: Check[] = [
    { id: 'smtp.connect', status: 'pass', message: `${where.host}:${where.port} greeted: ${showReply(greeted.reply)}` },
  ];
  // EHLO is answered before STARTTLS: when TLS is what broke, say that EHLO itself worked.
  const ehlo = replies.find((r) => r.command === 'EHLO' && r.reply.code === 250);
  if (ehlo) {
    const offered = ehlo.lines.slice(1).map((l) =>
      l
        .replace(/^250[ -]/, '')
        .trim()
        .toUpperCase(),
    );
    checks.push({
      id: 'smtp.ehlo',
      status: 'pass',
      message: `EHLO ${session.options.name} accepted; the relay offers ${offered.join(', ') || 'no extensions'}`,
    });
  }
  const last = replies[replies.length - 1];
  if (last.command === 'STARTTLS' && last.reply.code !== 220) {
    const d = explainReply(last.reply, 'STARTTLS');
    return [
      ...checks,
      {
        id: 'smtp.tls',
        status: 'fail',
        message: `STARTTLS refused: ${showReply(last.reply)} (${d.meaning})`,
        fix: d.fix,
      },
    ];
  }
  if (tlsError) {
    const cert = certificateProblem(message);
    return [
      ...checks,
      {
        id: 'smtp.tls',
        status: 'fail',
        message: `TLS handshake failed${cert ? `: ${cert}` : ''} (${message})`,
        fix: cert ? certFix(cert, where.address) : "check the relay's TLS setup",
      },
    ];
  }
  if (last.reply.code >= 400) {
    const d = explainReply(last.reply, last.command);
    return [
      ...checks,
      {
        id: last.command === 'EHLO' ? 'smtp.ehlo' : 'smtp.connect',
        status: 'fail',
        message: `${last.command} answered ${showReply(last.reply)} (${d.meaning})`,
        fix: d.fix,
      },
    ];
  }
  const d = explainConnectionError(message, where);
  return [...checks, { id: ehlo ? 'smtp.connect' : 'smtp.ehlo', status: 'fail', message: d.meaning, fix: d.fix }];
}

function certFix(problem: string, address: string): string {
  if (/does not name/.test(problem))
    return `smtp.address must be a name in the relay's certificate (connecting by IP or an alias fails); use the name the certificate carries instead of "${address}" if they differ`;
  if (/expired|not yet valid/.test(problem)) return 'the relay must renew its certificate';
  return (
    'the relay needs a certificate from a public CA (GHES trusts the usual roots). If the relay uses a private CA on purpose, ' +
    'install that CA on the appliance (ghe-ssl-ca-certificate-install) and give it to the doctor with --ca-file <pem>'
  );
}
