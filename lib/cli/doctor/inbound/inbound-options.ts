/**
 * `doctor inbound` without a config file: a stack built from the constructs, or a firewall-and-DNS-only deployment,
 * is checked from flags that name what the config would (the hostname, the reply record, the addresses).
 */
import { Command } from 'commander';
import { isIPv4, isIPv6 } from 'node:net';
import { hostnameProblem } from '../../../core/value-rules';
import { UsageError } from '../options';
import { InboundTarget } from './inbound-check';

/** The flags, as commander hands them over. */
export interface InboundFlags {
  readonly config?: string;
  readonly hostname?: string;
  readonly replyRecord?: string;
  readonly ipv4?: string;
  readonly ipv6?: string;
  readonly mxPriority?: string;
  readonly enforceTls?: boolean;
}

const FLAG_ONLY = { replyRecord: '--reply-record', ipv4: '--ipv4', ipv6: '--ipv6', mxPriority: '--mx-priority' };

/** Adds the flags that stand in for a config file. */
export function inboundTargetOptions(command: Command): Command {
  return command
    .option('--reply-record <kind>', 'without --config: "reply" (A reply.<hostname>) or "wildcard" (*.<hostname>)')
    .option(
      '--ipv4 <address>',
      "without --config: the instance's public IPv4 address that reply.<hostname> should have",
    )
    .option('--ipv6 <address>', 'without --config: its public IPv6 address, for AAAA records')
    .option('--mx-priority <n>', 'without --config: the MX priority the records should have (default 10)')
    .option('--enforce-tls', 'without --config: expect "Enforce TLS auth" on (MAIL FROM before STARTTLS refused)');
}

/** The target the flags name, or undefined with --config; a UsageError (exit 2) names every bad flag at once. */
export function inboundTargetOf(flags: InboundFlags): InboundTarget | undefined {
  const problems: string[] = [];
  if (flags.config !== undefined) {
    for (const [key, flag] of Object.entries(FLAG_ONLY))
      if (flags[key as keyof typeof FLAG_ONLY] !== undefined) problems.push(`${flag} is for use without --config`);
    if (flags.enforceTls) problems.push('--enforce-tls is for use without --config (the config says smtp.enforceTls)');
    if (problems.length > 0) throw new UsageError(problems.join('; '));
    return undefined;
  }
  if (flags.hostname === undefined) {
    throw new UsageError(
      "doctor inbound needs --config (a config file or a deployed stack's outputs), or --hostname with the flags that name the records (--reply-record, --ipv4, --ipv6, --mx-priority)",
    );
  }
  const hostProblem = hostnameProblem(flags.hostname);
  if (hostProblem) problems.push(`--hostname: ${hostProblem}`);
  const replyRecord = flags.replyRecord ?? 'reply';
  if (replyRecord !== 'reply' && replyRecord !== 'wildcard')
    problems.push(`--reply-record: got ${JSON.stringify(replyRecord)}; expected "reply" or "wildcard"`);
  if (flags.ipv4 !== undefined && !isIPv4(flags.ipv4))
    problems.push(`--ipv4: got ${JSON.stringify(flags.ipv4)}; expected an IPv4 address`);
  if (flags.ipv6 !== undefined && !isIPv6(flags.ipv6))
    problems.push(`--ipv6: got ${JSON.stringify(flags.ipv6)}; expected an IPv6 address`);
  const mxPriority = flags.mxPriority === undefined ? 10 : Number(flags.mxPriority);
  if (!Number.isInteger(mxPriority) || mxPriority < 0 || mxPriority > 65535)
    problems.push(`--mx-priority: got ${JSON.stringify(flags.mxPriority)}; expected a whole number from 0 to 65535`);
  if (problems.length > 0) throw new UsageError(problems.join('; '));
  return {
    hostname: flags.hostname,
    replyRecord: replyRecord as InboundTarget['replyRecord'],
    ipv4: flags.ipv4,
    ipv6: flags.ipv6,
    mxPriority,
    enforceTls: flags.enforceTls === true,
  };
}
