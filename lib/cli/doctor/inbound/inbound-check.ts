/**
 * `doctor inbound`: the reply-by-email path from a sender's point of view.
 * DNS first (dns-check.ts), then for each MX target and each of its addresses:
 * connect to port 25, read the 220 banner, EHLO, check STARTTLS is offered and,
 * with smtp.enforceTls, that MAIL FROM before STARTTLS is refused. The probe
 * never gets past MAIL FROM: it closes as soon as that reply arrives, so no
 * message is ever queued on the appliance.
 */
import { Resolver } from 'node:dns/promises';
import { LoadedConfig, loadConfigFile } from '../../../config/config';
import { explainConnectionError, showReply } from '../diagnosis';
import { MxTarget, checkDns } from './dns-check';
import { LookupContext, LookupProblem, addressesOf, serverFix } from '../dns-lookup';
import { Check, DoctorReport } from '../report';
import { SmtpSession } from '../smtp/smtp-session';
import { SmtpStepError } from '../smtp/smtp-steps';

/** Port 25: where other mail servers deliver (RFC 5321); replies come in there. */
const SMTP_PORT = 25;

/** What `doctor inbound` checks, when there is no config file: the flags name it. */
export interface InboundTarget {
  readonly hostname: string;
  readonly replyRecord: 'reply' | 'wildcard';
  readonly ipv4?: string;
  readonly ipv6?: string;
  readonly mxPriority: number;
  /** "Enforce TLS auth" is expected on: MAIL FROM before STARTTLS must be refused. */
  readonly enforceTls: boolean;
}

export interface InboundDoctorOptions {
  /** A config file or a deployed stack's outputs; or else `target`. */
  readonly configPath?: string;
  /** The hostname, reply record and addresses, given as flags instead of a config file. */
  readonly target?: InboundTarget;
  /** Picks one GhesEmail's settings from an outputs file that holds several. @default - the only one */
  readonly hostname?: string;
  /** DNS servers as `Resolver.setServers` takes them. @default - the system's resolvers */
  readonly dnsServers: readonly string[];
  readonly timeoutMs: number;
  readonly dnsTimeoutMs: number;
  /**
   * Probe this endpoint instead of each MX target's addresses on port 25 (a tunnel, a private
   * address, a test server). Without `host`, the addresses from DNS are kept and only the port changes.
   * @default - every address of every MX target, port 25
   */
  readonly connectTo?: { readonly host?: string; readonly port?: number };
  readonly progress: (line: string) => void;
}

/** The target a config file or a deployed stack's outputs describe (its smtp settings, when it has them). */
function targetOf(loaded: LoadedConfig): InboundTarget & { readonly ehloName?: string } {
  const { config, smtp, addresses } = loaded;
  return {
    hostname: config.hostname,
    replyRecord: config.replyRecord === 'wildcard' ? 'wildcard' : 'reply',
    ipv4: addresses?.ipv4,
    ipv6: addresses?.ipv6,
    mxPriority: config.dns?.mxPriority ?? 10,
    enforceTls: smtp?.enforceTls ?? false,
    ehloName: smtp?.domain,
  };
}

export async function runInboundDoctor(opts: InboundDoctorOptions): Promise<DoctorReport> {
  const target: InboundTarget & { readonly ehloName?: string } =
    opts.target ?? targetOf(loadConfigFile(opts.configPath!, opts.hostname));
  const resolver = new Resolver({ timeout: opts.dnsTimeoutMs, tries: 1 });
  if (opts.dnsServers.length > 0) resolver.setServers([...opts.dnsServers]);
  const ctx: LookupContext = { resolver, timeoutMs: opts.dnsTimeoutMs, explicitServers: opts.dnsServers.length > 0 };
  const hostname = target.hostname.toLowerCase();
  opts.progress(
    `doctor inbound: looking up reply.${hostname} and the MX records via ${resolver.getServers().join(', ')} (timeout ${opts.dnsTimeoutMs} ms) …`,
  );
  const dns = await checkDns(ctx, {
    hostname,
    replyRecord: target.replyRecord,
    ipv4: target.ipv4,
    ipv6: target.ipv6,
    mxPriority: target.mxPriority,
  });
  const checks: Check[] = [...dns.checks];
  // The name the probe introduces itself with: the configured HELO domain, else the hostname's.
  const ehloName = target.ehloName ?? hostname;
  const transcript: string[] = [];

  for (const mx of dns.mxTargets) {
    const addrs = await addressesOf(ctx, mx.name);
    const all = [...addrs.v4, ...addrs.v6];
    if (all.length === 0) {
      checks.push(unresolvedTarget(mx, addrs.problem, ctx));
      continue;
    }
    const port = opts.connectTo?.port ?? SMTP_PORT;
    for (const address of opts.connectTo?.host ? [opts.connectTo.host] : all) {
      const { checks: c, transcript: t } = await probe(
        mx.name,
        address,
        port,
        opts,
        ehloName,
        target.enforceTls,
        hostname,
      );
      checks.push(...c);
      transcript.push(...t, '');
    }
  }
  return { command: 'inbound', checks, transcript: transcript.length ? transcript.slice(0, -1) : undefined };
}

/** An MX target without an address: a missing record, or a lookup that failed, said apart. */
function unresolvedTarget(target: MxTarget, problem: LookupProblem | undefined, ctx: LookupContext): Check {
  const from = target.from.map((f) => f.owner).join(' and ');
  const stray = target.from.find((f) => f.expected !== target.name);
  const mxFix = stray
    ? `the MX record is what is wrong: point ${stray.owner} at ${stray.expected} (see ${stray.checkId})`
    : undefined;
  const head = `MX target ${target.name} (from the MX of ${from})`;
  if (problem && !problem.missing) {
    const refused = problem.code === 'EREFUSED';
    return {
      id: `port25.${target.name}`,
      status: 'fail',
      message: `${head} could not be looked up: ${problem.text}${refused ? ". Authoritative-only servers, such as Route53's, refuse names outside their zones, so this says nothing about its address records" : ''}`,
      fix: mxFix
        ? `${mxFix}${refused ? `. To look ${target.name} up anyway, run without --dns-server (the system resolvers recurse)` : ''}`
        : serverFix(problem, ctx),
      data: { target: target.name, error: problem.code },
    };
  }
  return {
    id: `port25.${target.name}`,
    status: 'fail',
    message: `${head} has no A or AAAA record (${problem?.text ?? 'none'}): senders cannot deliver to it`,
    fix: mxFix ?? `create an A record for ${target.name} pointing at the appliance`,
    data: { target: target.name, error: problem?.code },
  };
}

/** One port-25 probe of one address of an MX target. */
async function probe(
  target: string,
  address: string,
  port: number,
  opts: InboundDoctorOptions,
  ehloName: string,
  enforceTls: boolean,
  hostname: string,
): Promise<{ checks: Check[]; transcript: string[] }> {
  const id = `port25.${target}[${address}]`;
  const at = address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
  let mailReply: ((text: string) => void) | undefined;
  const session = new SmtpSession({
    host: address,
    port,
    servername: target,
    shownAs: { host: target, port: SMTP_PORT },
    name: ehloName,
    implicitTls: false,
    ignoreStarttls: true, // stay in clear text: the MAIL FROM test needs it
    timeoutMs: opts.timeoutMs,
    label: `${target} (${at})`,
    onServerReply: (text, s) => {
      const lastClient = [...s.entries].reverse().find((e) => !('note' in e) && e.dir === 'client');
      if (mailReply && lastClient && !('note' in lastClient) && /^MAIL FROM/i.test(lastClient.text)) {
        mailReply(text); // settles the probe's step first: closing settles a step still running
        s.close(); // before nodemailer acts on the reply: no RCPT, no DATA
      }
    },
  });
  const checks: Check[] = [];
  opts.progress(`doctor inbound: connecting to ${target} at ${at}, waiting up to ${opts.timeoutMs} ms …`);
  try {
    await session.connect();
  } catch (err) {
    if (err instanceof SmtpStepError) {
      // Closed, stalled or not SMTP: the message names the target, the address and what happened.
      checks.push({ id, status: 'fail', message: err.message, fix: faultFix(address), data: { fault: err.fault } });
      session.close();
      return { checks, transcript: session.transcript };
    }
    const greeted = session.replies.find((r) => r.command === 'greeting');
    const d = explainConnectionError((err as Error).message, { host: address, port, timeoutMs: opts.timeoutMs });
    checks.push({
      id,
      status: 'fail',
      message: greeted
        ? `${target} (${at}) greeted "${showReply(greeted.reply)}" but EHLO failed: ${d.meaning}`
        : `${target} (${at}): ${d.meaning}`,
      fix: /refused|reach/.test(d.meaning)
        ? "open TCP 25 to the appliance from the senders (the stack's inbound mail security group rule) and check that email is enabled in the Management Console"
        : d.fix,
    });
    session.close();
    return { checks, transcript: session.transcript };
  }
  const banner = session.replies[0]?.reply;
  checks.push({
    id,
    status: 'pass',
    message: `${target} (${at}) greeted: ${banner ? showReply(banner) : '(no text)'}`,
    data: { target, address },
  });

  const starttls = session.extensions.includes('STARTTLS');
  checks.push({
    id: `${id}.starttls`,
    status: starttls ? 'pass' : enforceTls ? 'fail' : 'warn',
    message: starttls
      ? `${target} (${at}) offers STARTTLS`
      : `${target} (${at}) does not offer STARTTLS: senders deliver replies in clear text${enforceTls ? ', and smtp.enforceTls expects TLS' : ''}`,
    fix: starttls
      ? undefined
      : 'upload a TLS certificate for the appliance and enable TLS in the Management Console; then "Enforce TLS auth"',
  });

  if (enforceTls) {
    opts.progress(`doctor inbound: MAIL FROM before STARTTLS on ${at} (should be refused) …`);
    let text: string;
    try {
      // A step like any other: it settles when the peer closes, stalls or answers something that is not SMTP.
      text = await session.step<string>((done) => {
        mailReply = (t) => done(null, t);
        const envelope = { from: `ghes-email-doctor@${ehloName}`, to: [`postmaster@reply.${hostname}`] };
        session.conn.send(envelope, 'never sent', (e) => {
          if (e) done(e);
        });
      });
    } catch (err) {
      checks.push(probeFailure(`${id}.enforce-tls`, session, err as Error, address));
      session.close();
      return { checks, transcript: session.transcript };
    }
    const code = Number(text.slice(0, 3));
    const last = text.split(/\r?\n/).pop() ?? '';
    // Only a refusal that names TLS proves enforcement (postfix: "530 5.7.0 Must issue a STARTTLS command first");
    // "530 authentication required" would refuse real senders too.
    const refused = code >= 400 && /starttls|\btls\b|encrypt/i.test(last);
    const otherRefusal = code >= 400 && !refused;
    checks.push({
      id: `${id}.enforce-tls`,
      status: refused ? 'pass' : 'fail',
      message: refused
        ? `${target} (${at}) refuses mail before STARTTLS: ${last}`
        : otherRefusal
          ? `${target} (${at}) refused MAIL FROM before STARTTLS, but not for TLS: ${last}`
          : `${target} (${at}) accepted MAIL FROM before STARTTLS (${last}), but smtp.enforceTls is on`,
      fix: refused
        ? undefined
        : otherRefusal
          ? 'sending servers cannot log in: port 25 on the appliance must take mail without AUTH; check that this address really is the appliance'
          : 'tick "Enforce TLS auth (recommended)" in the Management Console (Email settings) and save; the Manage API has no documented key for it',
    });
    session.close();
  } else {
    await session.quit();
  }
  return { checks, transcript: session.transcript };
}

/** What to do when port 25 closed, stalled or spoke something that is not SMTP. */
function faultFix(address: string): string {
  return `port 25 on the appliance must answer as postfix does: check that email is enabled in the Management Console and that ${address} really is the appliance; a firewall, NAT or load balancer in front of it can also cut or hold the session`;
}

/** The MAIL FROM probe failed without a reply to read. */
function probeFailure(id: string, session: SmtpSession, err: Error, address: string): Check {
  if (err instanceof SmtpStepError)
    return { id, status: 'fail', message: err.message, fix: faultFix(address), data: { fault: err.fault } };
  return {
    id,
    status: 'fail',
    message: `${session.options.label}: the MAIL FROM probe failed: ${session.scrub(err.message)}`,
    fix: faultFix(address),
  };
}
