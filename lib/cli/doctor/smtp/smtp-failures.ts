/** `doctor smtp`: what a failed step means: the relay's last reply, what the relay did, or the connection error. */
import {
  Diagnosis,
  PORT_25_NOTE,
  certificateProblem,
  explainConnectionError,
  explainReply,
  looksLikePlainOnTls,
  showReply,
} from '../diagnosis';
import { probeImplicitTls } from './tls-probe';
import { Check } from '../report';
import { SmtpSession } from './smtp-session';
import { SmtpStepError } from './smtp-steps';

/** The port GHES will use (the configured one, whatever --connect-to says): EC2's port-25 throttling depends on it. */
const configuredPort = (session: SmtpSession) => session.options.shownAs?.port ?? session.options.port;

/** A failure after the greeting: what the relay did, or its last reply, explained. */
export function replyFailure(id: string, session: SmtpSession, what: string, err: Error): Check {
  if (err instanceof SmtpStepError) {
    const d = explainFault(err, configuredPort(session));
    return { id, status: 'fail', message: `${what}: ${err.message}`, fix: d.fix, data: { fault: err.fault } };
  }
  const last = session.lastReply;
  if (last && last.reply.code >= 400) {
    const d = explainReply(last.reply, last.command, configuredPort(session));
    return {
      id,
      status: 'fail',
      message: `${what}: ${showReply(last.reply)} (${d.meaning})`,
      fix: d.fix,
      data: { reply: last.reply, command: last.command },
    };
  }
  const d = explainConnectionError(session.scrub(err.message), {
    host: session.options.host,
    port: session.options.port,
    timeoutMs: session.options.timeoutMs,
  });
  return { id, status: 'fail', message: `${what}: ${d.meaning}`, fix: d.fix };
}

/**
 * What the relay did wrong, and what to do: it closed the connection, stalled, or answered something that is not
 * SMTP (SmtpSteps names which, and when, in the error's message).
 */
export function explainFault(e: SmtpStepError, port: number): Diagnosis {
  const portNote = port === 25 ? `. ${PORT_25_NOTE}` : '';
  if (e.fault === 'not-smtp')
    return {
      meaning: e.message,
      fix: 'this is not an SMTP service (an SSH or HTTP server answers like this): check smtp.address and smtp.port (relays take submissions on 587 with STARTTLS, or 465 with implicit TLS)',
    };
  if (e.fault === 'closed') {
    if (e.stage === 'greeting')
      return {
        meaning: e.message,
        fix: `the port takes TCP connections but the service behind it hangs up before greeting: the relay refuses this client (an allow list, a connection or rate limit), a load balancer in front of it has no healthy target, or smtp.address and smtp.port do not name the relay's SMTP service${portNote}`,
      };
    if (e.stage === 'tls')
      return {
        meaning: e.message,
        fix: "the relay dropped the session during the TLS handshake: check the relay's TLS setup (protocol versions, ciphers) and its logs",
      };
    return {
      meaning: e.message,
      fix: 'the relay dropped the session without a reply code: check its logs and its client allow list; a firewall or proxy that cuts SMTP sessions does the same',
    };
  }
  if (e.stage === 'connect')
    return {
      meaning: e.message,
      fix: `a firewall drops the traffic or the port is wrong: check outbound rules${portNote}`,
    };
  if (e.stage === 'tls')
    return {
      meaning: e.message,
      fix: 'the TLS handshake stalled: a middlebox that intercepts TLS, or an overloaded relay; retry, then check the relay',
    };
  return { meaning: e.message, fix: 'the relay or a middlebox stalls the session; retry, then check the relay' };
}

/** The EHLO the relay accepted, as a passed check. */
function ehloPassed(session: SmtpSession, lines: readonly string[]): Check {
  const offered = lines.slice(1).map((l) =>
    l
      .replace(/^250[ -]/, '')
      .trim()
      .toUpperCase(),
  );
  return {
    id: 'smtp.ehlo',
    status: 'pass',
    message: `EHLO ${session.options.name} accepted; the relay offers ${offered.join(', ') || 'no extensions'}`,
  };
}

type Where = { host: string; port: number; timeoutMs: number; implicitTls: boolean; address: string };

/** The connection did not get as far as a usable EHLO: say which step broke. */
export async function connectFailure(session: SmtpSession, err: Error, where: Where): Promise<Check[]> {
  const replies = session.replies;
  const greeted = replies.find((r) => r.command === 'greeting' && r.reply.code === 220);
  const ehlo = replies.find((r) => r.command === 'EHLO' && r.reply.code === 250);
  const passed: Check[] = [
    ...(greeted
      ? [
          {
            id: 'smtp.connect',
            status: 'pass',
            message: `${where.host}:${where.port} greeted: ${showReply(greeted.reply)}`,
          } as const,
        ]
      : []),
    ...(ehlo ? [ehloPassed(session, ehlo.lines)] : []),
  ];
  if (err instanceof SmtpStepError && !(err.fault === 'timeout' && err.stage === 'greeting')) {
    // Closed, stalled or not SMTP: the check of the step under way fails, the ones before it passed.
    const id = !greeted ? 'smtp.connect' : !ehlo ? 'smtp.ehlo' : 'smtp.tls';
    const d = explainFault(err, configuredPort(session));
    return [...passed, { id, status: 'fail', message: d.meaning, fix: d.fix, data: { fault: err.fault } }];
  }
  const message = session.scrub(err.message);
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
  if (!greeted) return greetingFailure(session, err, message, where);
  const last = replies[replies.length - 1];
  if (last.command === 'STARTTLS' && last.reply.code !== 220) {
    const d = explainReply(last.reply, 'STARTTLS', configuredPort(session));
    return [
      ...passed,
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
      ...passed,
      {
        id: 'smtp.tls',
        status: 'fail',
        message: `TLS handshake failed${cert ? `: ${cert}` : ''} (${message})`,
        fix: cert ? certFix(cert, where.address) : "check the relay's TLS setup",
      },
    ];
  }
  if (last.reply.code >= 400) {
    const d = explainReply(last.reply, last.command, configuredPort(session));
    return [
      ...passed,
      {
        id: last.command === 'EHLO' ? 'smtp.ehlo' : 'smtp.connect',
        status: 'fail',
        message: `${last.command} answered ${showReply(last.reply)} (${d.meaning})`,
        fix: d.fix,
      },
    ];
  }
  const d = explainConnectionError(message, where);
  return [...passed, { id: ehlo ? 'smtp.tls' : 'smtp.ehlo', status: 'fail', message: d.meaning, fix: d.fix }];
}

/** No 220 greeting: a refusal in its place (421, 554), no greeting in time (maybe implicit TLS), or no connection. */
async function greetingFailure(session: SmtpSession, err: Error, message: string, where: Where): Promise<Check[]> {
  const refusal = session.replies.find((r) => r.command === 'greeting');
  if (refusal) {
    const d = explainReply(refusal.reply, 'greeting', configuredPort(session));
    return [
      {
        id: 'smtp.connect',
        status: 'fail',
        message: `${where.host}:${where.port} greeted with ${showReply(refusal.reply)} (${d.meaning})`,
        fix: d.fix,
        data: { reply: refusal.reply },
      },
    ];
  }
  const silent = err instanceof SmtpStepError; // the only fault that gets here: no greeting within the timeout
  const d = silent ? explainConnectionError('Greeting never received', where) : explainConnectionError(message, where);
  const checks: Check[] = [
    { id: 'smtp.connect', status: 'fail', message: d.meaning, fix: d.fix, data: { error: message } },
  ];
  if (silent && !where.implicitTls) {
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

function certFix(problem: string, address: string): string {
  if (/does not name/.test(problem))
    return `smtp.address must be a name in the relay's certificate (connecting by IP or an alias fails); use the name the certificate carries instead of "${address}" if they differ`;
  if (/expired|not yet valid/.test(problem)) return 'the relay must renew its certificate';
  return (
    'the relay needs a certificate from a public CA (GHES trusts the usual roots). If the relay uses a private CA on purpose, ' +
    'install that CA on the appliance (ghe-ssl-ca-certificate-install) and give it to the doctor with --ca-file <pem>'
  );
}
