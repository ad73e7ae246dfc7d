/**
 * `ghes-email doctor deliverability`: will receivers believe that GHES's
 * notifications come from the no-reply address's domain? SPF (the relay is
 * authorized, within 10 DNS lookups), DKIM (a key for the domain) and DMARC
 * (a policy, alignment, reports), one line each, with the record to add.
 * Lookups use node:dns `Resolver`, so --dns-server can ask the zone's own servers.
 */
import { Resolver } from 'node:dns/promises';
import { isIP } from 'node:net';
import { Command } from 'commander';
import { loadConfigFile, smtpOf } from '../../../config/config';
import { renderDmarc } from '../../../records/dmarc-record';
import { defaultMailFrom } from '../../../smtp/ses-smtp';
import { renderSpf } from '../../../records/spf-record';
import { emailDomain, hostnameProblem } from '../../../core/value-rules';
import { checkDkim } from './dkim';
import { checkDmarc } from './dmarc';
import { DeliverabilityDns, classifyRelay } from './dns';
import { checkSpf } from './spf';
import { UsageError, parseDnsServer, parseTimeout } from '../options';
import { Check, DoctorReport } from '../report';
import { action, collect, configCommand, dnsOptions, progress } from '../command';

export interface DeliverabilityDoctorOptions {
  readonly configPath: string;
  /** Picks one GhesEmail's settings from an outputs file that holds several. @default - the only one */
  readonly hostname?: string;
  /** DNS servers as `Resolver.setServers` takes them. @default - the system's resolvers */
  readonly dnsServers: readonly string[];
  readonly dnsTimeoutMs: number;
  /**
   * DKIM selectors to check (SES: the Easy DKIM tokens). @default - SES: none (says how to list them); others: common
   * selectors probed
   */
  readonly dkimSelectors: readonly string[];
  /**
   * The envelope (MAIL FROM) domain when it is not the From domain, e.g. SES's custom MAIL FROM. @default - with
   * smtp.relay.ses its MAIL FROM domain, else the From domain
   */
  readonly mailFromDomain?: string;
  /**
   * Addresses the relay sends from, when they differ from what smtp.address resolves to. @default - smtp.address's
   * addresses
   */
  readonly relayAddresses: readonly string[];
  readonly progress: (line: string) => void;
}

export async function runDeliverabilityDoctor(opts: DeliverabilityDoctorOptions): Promise<DoctorReport> {
  const loaded = loadConfigFile(opts.configPath, opts.hostname);
  const { config, sesRelayOutput } = loaded;
  const smtp = smtpOf(loaded, opts.configPath, 'doctor deliverability');
  const resolver = new Resolver({ timeout: opts.dnsTimeoutMs, tries: 1 });
  if (opts.dnsServers.length > 0) resolver.setServers([...opts.dnsServers]);
  const dns = new DeliverabilityDns({
    resolver,
    timeoutMs: opts.dnsTimeoutMs,
    explicitServers: opts.dnsServers.length > 0,
  });
  const fromDomain = emailDomain(smtp.noreplyAddress);
  const relay = classifyRelay(smtp.address);
  // The stack's SES relay sets a custom MAIL FROM domain (lib/smtp/ses-relay.ts): SPF is checked there unless told
  // otherwise. A deployed stack's outputs name it, and the Easy DKIM tokens (the selectors), in its ses-relay output.
  const ses = smtp.relay?.ses;
  const given = sesRelayOutput?.mailFromDomain;
  const outputMailFrom = given !== undefined && !hostnameProblem(given) ? given : undefined;
  const mailFromDomain = (
    opts.mailFromDomain ??
    outputMailFrom ??
    (ses ? (ses.mailFromSubdomain ?? defaultMailFrom(fromDomain)) : undefined)
  )?.toLowerCase();
  const fromOutputs = opts.dkimSelectors.length === 0 && (sesRelayOutput?.dkimTokens ?? []).length > 0;
  const selectors = fromOutputs ? sesRelayOutput!.dkimTokens!.filter(isSelector) : opts.dkimSelectors;
  opts.progress(
    `doctor deliverability: SPF, DKIM and DMARC of ${fromDomain} (relay ${relay.host}) via ${resolver.getServers().join(', ')} (timeout ${opts.dnsTimeoutMs} ms) …`,
  );

  const sa = config.senderAuth;
  const spf = await checkSpf(dns, {
    fromDomain,
    mailFromDomain: mailFromDomain === fromDomain ? undefined : mailFromDomain,
    localPart: smtp.noreplyAddress.slice(0, smtp.noreplyAddress.lastIndexOf('@')),
    relay,
    relayAddresses: opts.relayAddresses,
    configured: sa?.spf && {
      record: renderSpf(sa.spf as Parameters<typeof renderSpf>[0]),
      otherTxtValues: sa.spf.otherTxtValues ?? [],
    },
  });
  const dkim = await checkDkim(dns, {
    domain: fromDomain,
    relay,
    selectors,
    selectorsFrom: fromOutputs ? "the stack's ses-relay output" : undefined,
  });
  const dmarc = await checkDmarc(dns, {
    fromDomain,
    mailFromDomain: mailFromDomain === fromDomain ? undefined : mailFromDomain,
    relay,
    spfCovered: spf.relayCovered,
    dkim: dkim.signing,
    configured: sa?.dmarc && renderDmarc(sa.dmarc as Parameters<typeof renderDmarc>[0]),
  });
  const checks: Check[] = [...spf.checks, ...dkim.checks, ...dmarc];
  if (dns.exhausted)
    checks.push({
      id: 'dns.budget',
      status: 'warn',
      message:
        "stopped looking up records after the doctor's query budget: the zone chains more lookups than any receiver would follow",
    });
  return { command: 'deliverability', checks };
}

/** A DKIM selector: DNS labels (letters, digits, "-", "_"), dot-separated. */
function isSelector(value: string): boolean {
  return value.length <= 200 && value.split('.').every((l) => /^[A-Za-z0-9_-]{1,63}$/.test(l));
}

export function parseSelector(value: string): string {
  if (!isSelector(value))
    throw new UsageError(
      `--dkim-selector: got "${value}"; expected a selector such as "selector1" or an SES DKIM token`,
    );
  return value;
}

function parseDomain(value: string, flag: string): string {
  if (hostnameProblem(value))
    throw new UsageError(`${flag}: got "${value}"; expected a domain such as "bounce.example.com"`);
  return value;
}

function parseAddress(value: string): string {
  if (isIP(value) === 0) throw new UsageError(`--relay-address: got "${value}"; expected an IPv4 or IPv6 address`);
  return value;
}

interface CliOptions {
  config: string;
  hostname?: string;
  dnsServer: string[];
  dnsTimeout: string;
  dkimSelector: string[];
  mailFromDomain?: string;
  relayAddress: string[];
  json?: boolean;
}

/**
 * Adds `deliverability` under `ghes-email doctor`. Exit codes as the other doctor commands: 0 ok, 1 a check failed, 2
 * bad usage or config.
 */
export function registerDeliverability(doctor: Command): void {
  dnsOptions(
    configCommand(
      doctor,
      'deliverability',
      "check SPF, DKIM and DMARC of the no-reply address's domain: is the relay authorized, is there a key, does DMARC align",
    ),
  )
    .option(
      '--dkim-selector <selector>',
      "DKIM selector to check (repeatable); for Amazon SES, each Easy DKIM token (default with a deployed stack's outputs: the tokens of its ses-relay output)",
      collect,
      [] as string[],
    )
    .option(
      '--mail-from-domain <domain>',
      "the envelope sender (MAIL FROM) domain when it is not the From domain, e.g. the SES custom MAIL FROM subdomain; SPF is checked there (default with a deployed stack's outputs: its ses-relay output's)",
    )
    .option(
      '--relay-address <ip>',
      'an address the relay sends from, when it is not one smtp.address resolves to (repeatable)',
      collect,
      [] as string[],
    )
    .option('--json', 'machine-readable output')
    .action(
      action(
        (o: CliOptions) =>
          runDeliverabilityDoctor({
            configPath: o.config,
            hostname: o.hostname,
            dnsServers: o.dnsServer.map((s) => parseDnsServer(s)),
            dnsTimeoutMs: parseTimeout(o.dnsTimeout, '--dns-timeout'),
            dkimSelectors: o.dkimSelector.map(parseSelector),
            mailFromDomain:
              o.mailFromDomain === undefined ? undefined : parseDomain(o.mailFromDomain, '--mail-from-domain'),
            relayAddresses: o.relayAddress.map(parseAddress),
            progress,
          }),
        0,
      ),
    );
}
