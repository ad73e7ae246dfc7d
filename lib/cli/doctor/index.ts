/**
 * `ghes-email doctor smtp | inbound | logs | deliverability`: the test-delivery and
 * troubleshooting steps of the GHES email docs, automated. Exit codes: 0 every
 * check passed, 1 a check failed, 2 bad usage, config or input.
 */
import { Command } from 'commander';
import { action, configCommand, dnsOptions, progress } from './command';
import { runInboundDoctor } from './inbound/inbound-check';
import { InboundFlags, inboundTargetOf, inboundTargetOptions } from './inbound/inbound-options';
import { checkLogs } from './logs/logs-check';
import { DEFAULT_LIMITS, sizeFlag } from './logs/logs-run';
import { UsageError, parseDnsServer, parseEndpoint, parseInboundConnectTo, parseSize, parseTimeout } from './options';
import { registerDeliverability } from './deliverability/deliverability';
import { runSmtpDoctor } from './smtp/smtp-check';

const TIMEOUT_HELP = 'per-connection timeout in milliseconds (connect, greeting, each reply)';

export function registerDoctor(program: Command): void {
  const doctor = program
    .command('doctor')
    .description(
      'check outbound SMTP, the reply-by-email path, sender authentication (SPF, DKIM, DMARC), or logs from a support bundle; exit 0 ok, 1 a check failed, 2 bad usage or config',
    );

  configCommand(
    doctor,
    'smtp',
    'talk to the configured SMTP relay as the appliance will (EHLO, STARTTLS, AUTH; --send delivers a test message)',
  )
    .option('--to <address>', 'recipient of the test message (with --send)')
    .option('--send', 'deliver a short test message from smtp.noreplyAddress to --to')
    .option('--password-stdin', 'read the SMTP password from stdin instead of its secret reference')
    .option(
      '--connect-to <host[:port]>',
      'connect here instead of smtp.address:smtp.port; TLS still verifies smtp.address',
    )
    .option('--ca-file <pem>', 'also trust the CA certificate(s) in this PEM file')
    .option('--timeout <ms>', TIMEOUT_HELP, '10000')
    .option(
      '--no-ses-checks',
      "with Amazon SES as the relay: do not ask the SES API (with your AWS credentials) about sandbox mode and the identity's verification",
    )
    .option('--json', 'machine-readable output')
    .action(
      action(
        async (opts: {
          config: string;
          hostname?: string;
          to?: string;
          send?: boolean;
          passwordStdin?: boolean;
          connectTo?: string;
          caFile?: string;
          timeout: string;
          sesChecks: boolean;
          json?: boolean;
        }) => {
          if (opts.send && !opts.to) throw new UsageError('--send needs --to <address>');
          if (opts.to && !opts.send) throw new UsageError('--to is only used with --send');
          return runSmtpDoctor({
            configPath: opts.config,
            hostname: opts.hostname,
            to: opts.send ? opts.to : undefined,
            passwordFromStdin: !!opts.passwordStdin,
            connectTo: opts.connectTo ? parseEndpoint(opts.connectTo, '--connect-to') : undefined,
            caFile: opts.caFile,
            timeoutMs: parseTimeout(opts.timeout, '--timeout'),
            sesChecks: opts.sesChecks,
            progress,
          });
        },
        0,
      ),
    );

  inboundTargetOptions(
    dnsOptions(
      configCommand(
        doctor,
        'inbound',
        'check reply-by-email: reply.<hostname> A/AAAA, the two MX records, and port 25 on each MX target',
        true,
      ),
    ),
  )
    .option('--timeout <ms>', TIMEOUT_HELP, '10000')
    .option(
      '--connect-to <host[:port]|:port>',
      'probe this endpoint instead of each MX target on port 25 (a tunnel, a private address); ":port" keeps the addresses from DNS. The MX records are still checked',
    )
    .option('--json', 'machine-readable output')
    .action(
      action(
        async (
          opts: InboundFlags & {
            dnsServer: string[];
            timeout: string;
            dnsTimeout: string;
            connectTo?: string;
            json?: boolean;
          },
        ) =>
          runInboundDoctor({
            configPath: opts.config,
            target: inboundTargetOf(opts),
            hostname: opts.hostname,
            dnsServers: opts.dnsServer.map((s) => parseDnsServer(s)),
            timeoutMs: parseTimeout(opts.timeout, '--timeout'),
            dnsTimeoutMs: parseTimeout(opts.dnsTimeout, '--dns-timeout'),
            connectTo: opts.connectTo === undefined ? undefined : parseInboundConnectTo(opts.connectTo),
            progress,
          }),
        0,
      ),
    );

  doctor
    .command('logs')
    .description(
      'read unicorn.log, mail.log and metroplex.log from a support bundle, directory or files and say where mail stopped',
    )
    .argument('<inputs...>', 'support bundle (.tgz/.tar.gz/.tar), directory, or log files')
    .option(
      '--max-file-bytes <size>',
      'read at most this much text of one log file (after decompression); the rest is skipped and reported',
      sizeFlag(DEFAULT_LIMITS.maxFileBytes),
    )
    .option(
      '--max-bundle-bytes <size>',
      'read at most this much of one bundle or directory (tar entries as decompressed, plus what .gz logs expand to)',
      sizeFlag(DEFAULT_LIMITS.maxBundleBytes),
    )
    .option('--json', 'machine-readable output')
    .action(
      action(
        async (inputs: string[], opts: { maxFileBytes: string; maxBundleBytes: string }) =>
          checkLogs(inputs, {
            maxFileBytes: parseSize(opts.maxFileBytes, '--max-file-bytes'),
            maxBundleBytes: parseSize(opts.maxBundleBytes, '--max-bundle-bytes'),
          }),
        1,
      ),
    );

  // SPF, DKIM and DMARC of the no-reply address's domain (deliverability.ts; reports and exit codes as above).
  registerDeliverability(doctor);
}
