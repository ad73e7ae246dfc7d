/**
 * `ghes-email apply`: day-2 SMTP changes on a running appliance. User data runs
 * only at first boot, so this reads the same config, resolves the secrets with
 * the operator's AWS credentials, shows a diff of the smtp fields, and on
 * confirmation PUTs them and follows the config run.
 * Exit codes: 0 applied (or nothing to change), 1 apply failed or declined, 2 bad usage or input (the config, an
 * unreadable or binary secret, an empty root password): nothing was sent to the appliance.
 */
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline/promises';
import { Command, InvalidArgumentError } from 'commander';
import { CONFIG_HELP, ConfigError, HOSTNAME_HELP, loadConfigFile, smtpOf } from '../../config/config';
import type { SmtpSettings } from '../../smtp/smtp-settings';
import { SecretRef } from '../../core/secret-ref';
import { diffSmtp, formatDiff } from './settings-diff';
import { ManageApi, ManageApiConnectionError, ManageApiError } from './manage-api';
import { SecretRedactor } from '../secrets/redact-secrets';
import { resolveSecret, SecretResolutionError } from '../secrets/resolve-secret';

export interface ApplyOptions {
  readonly config: string;
  /** Picks one GhesEmail's settings from an outputs file that holds several. */
  readonly hostname?: string;
  readonly manageUrl?: string;
  readonly yes?: boolean;
  readonly passwordStdin?: boolean;
  readonly caFile?: string;
  readonly insecure?: boolean;
  readonly pollSeconds?: number;
  readonly timeoutMinutes?: number;
}

/** Input apply cannot use (exit 2), other than the config and the options. */
class InputError extends Error {}

/** Where apply reads and writes; tests pass their own. */
export interface ApplyIo {
  out(text: string): void;
  err(text: string): void;
  readStdin(): Promise<string>;
  /** Asks yes/no; undefined when there is no terminal to ask on. */
  confirm?(question: string): Promise<boolean>;
  /** Resolves a secret reference. @default resolveSecret: an ARN's own region, the config's for an SSM name */
  resolve?: (ref: SecretRef, region: string) => Promise<string>;
}

const positive = (what: string) => (value: string) => {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`expected a positive number of ${what}`);
  return n;
};

export function registerApply(program: Command): void {
  program
    .command('apply')
    .description("apply the config file's SMTP settings to a running appliance through the Manage API")
    .requiredOption('-c, --config <file>', CONFIG_HELP)
    .option('--hostname <name>', HOSTNAME_HELP)
    .option('--manage-url <url>', 'Manage API base URL (default: https://<hostname>:8443)')
    .option('-y, --yes', 'apply without asking')
    .option(
      '--password-stdin',
      'read the root site administrator password from stdin instead of managementConsole.password',
    )
    .option('--ca-file <pem>', "CA certificate to trust for the appliance's TLS certificate")
    .option('--insecure', 'do not verify the TLS certificate (a self-signed appliance certificate)')
    .option('--poll-seconds <n>', 'seconds between config run status checks', positive('seconds'), 10)
    .option('--timeout-minutes <n>', 'give up following the config run after this long', positive('minutes'), 120)
    .action(async (opts: ApplyOptions) => {
      process.exitCode = await runApply(opts, processIo());
    });
}

function processIo(): ApplyIo {
  return {
    out: (t) => process.stdout.write(t),
    err: (t) => process.stderr.write(t),
    readStdin: async () => {
      const chunks: Buffer[] = [];
      for await (const c of process.stdin) chunks.push(c as Buffer);
      return Buffer.concat(chunks).toString('utf8');
    },
    confirm: process.stdin.isTTY
      ? async (question) => {
          const rl = createInterface({ input: process.stdin, output: process.stderr });
          try {
            return /^y(es)?$/i.test((await rl.question(question)).trim());
          } finally {
            rl.close();
          }
        }
      : undefined,
  };
}

/** Node's codes for a certificate it could not verify. */
const UNTRUSTED_CERT = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_UNTRUSTED',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
]);

/** What to do about a failure, if the failure says it. */
function hintFor(err: unknown): string {
  if (err instanceof ManageApiError && err.status === 401) return ' (the root site administrator password is wrong)';
  if (err instanceof ManageApiConnectionError && err.code !== undefined) {
    if (UNTRUSTED_CERT.has(err.code)) {
      return "; pass --ca-file <pem> with the appliance's certificate (or the CA that signed it), or --insecure to skip verification (not recommended: it sends the root password unverified)";
    }
    if (err.code === 'ERR_TLS_CERT_ALTNAME_INVALID')
      return '; use a --manage-url whose host name the certificate carries';
  }
  return '';
}

/** --manage-url's origin, or what is wrong with it: https only, since every call carries the root password. */
function checkManageUrl(given: string): { origin: string } | { problem: string } {
  const bad = {
    problem: `--manage-url: got ${JSON.stringify(given)}; expected a URL such as https://github.example.com:8443`,
  };
  let url: URL;
  try {
    url = new URL(given);
  } catch {
    return bad;
  }
  if (url.protocol === 'http:') {
    const https = new URL(url.href);
    https.protocol = 'https:';
    return {
      problem: `--manage-url: got ${JSON.stringify(given)}; the Manage API is HTTPS only (apply sends the root site administrator password): use https://, e.g. ${https.origin}`,
    };
  }
  return url.protocol === 'https:' ? { origin: url.origin } : bad;
}

export async function runApply(opts: ApplyOptions, rawIo: ApplyIo): Promise<number> {
  // Everything apply prints goes through the redactor, which learns each secret as it is read.
  const redactor = new SecretRedactor();
  const io: ApplyIo = {
    ...rawIo,
    out: (t) => rawIo.out(redactor.redact(t)),
    err: (t) => rawIo.err(redactor.redact(t)),
  };
  // Checked before the config, and so before any secret is read.
  const manageUrl = opts.manageUrl === undefined ? undefined : checkManageUrl(opts.manageUrl);
  if (manageUrl && 'problem' in manageUrl) {
    io.err(`${manageUrl.problem}\n`);
    return 2;
  }
  let loaded;
  try {
    loaded = loadConfigFile(opts.config, opts.hostname);
  } catch (err) {
    if (err instanceof ConfigError) {
      io.err(`${err.message}\n`);
      return 2;
    }
    throw err;
  }
  const { config, managementConsole } = loaded;
  let smtp: SmtpSettings;
  try {
    smtp = smtpOf(loaded, opts.config, 'ghes-email apply');
  } catch (err) {
    io.err(`${(err as Error).message}\n`);
    return 2;
  }
  if (smtp.relay) {
    // The relay's credentials secret exists only in the deployed stack: its outputs name it.
    io.err(
      "smtp.relay.ses: the SMTP credentials live in the secret the stack created; run apply with the deployed stack's outputs: cdktf output --outputs-file outputs.json, then --config outputs.json\n",
    );
    return 2;
  }
  const baseUrl = manageUrl?.origin ?? new URL(`https://${config.hostname}:8443`).origin;
  if (!opts.passwordStdin && !managementConsole) {
    io.err('no root password: set managementConsole.password in the config, or pass --password-stdin\n');
    return 2;
  }
  let ca: string | undefined;
  if (opts.caFile) {
    try {
      ca = readFileSync(opts.caFile, 'utf8');
    } catch (err) {
      io.err(`--ca-file: cannot read ${opts.caFile}: ${(err as Error).message}\n`);
      return 2;
    }
  }

  if (opts.insecure) {
    io.err(
      `WARNING: --insecure: the TLS certificate of ${baseUrl} is NOT verified, yet apply sends it the root site administrator password (basic auth api_key:<password>). ` +
        `Whoever can intercept the connection can take it. Prefer --ca-file <pem> with the appliance's certificate${ca ? ' (given, but ignored with --insecure)' : ''}.\n`,
    );
  }

  // The config region only for SSM parameters given by name; an ARN's own region wins (see resolveSecret).
  const resolve = io.resolve ?? ((ref: SecretRef, region: string) => resolveSecret(ref, { region }));
  let password: string;
  let smtpPassword: string | undefined;
  let smtpUser: string | undefined;
  try {
    password = opts.passwordStdin
      ? (await io.readStdin()).replace(/\r?\n$/, '')
      : await resolve(managementConsole!.password, config.region);
    if (password === '') throw new InputError('the root site administrator password is empty');
    redactor.add(password).add(`api_key:${password}`);
    smtpPassword = smtp.needsPassword ? await resolve(smtp.password!, config.region) : undefined;
    if (smtpPassword !== undefined) redactor.add(smtpPassword);
    // With credentials, the username is a key of the same secret (not a secret itself, so not redacted).
    smtpUser = smtp.usernameSecret ? await resolve(smtp.usernameSecret, config.region) : undefined;
  } catch (err) {
    // A secret that cannot be read is bad input, as in doctor: exit 2, nothing sent to the appliance.
    const input = err instanceof SecretResolutionError || err instanceof InputError;
    io.err(`ghes-email apply${input ? '' : ' failed'}: ${(err as Error).message}\n`);
    return input ? 2 : 1;
  }

  try {
    const api = new ManageApi({
      baseUrl,
      password,
      ca,
      insecure: opts.insecure,
      secrets: smtpPassword !== undefined ? [smtpPassword] : [],
    });
    const current = (await api.getSettings()).smtp as Record<string, unknown> | undefined;
    const desired =
      smtpUser === undefined
        ? smtp.toManagePayload()
        : { ...smtp.toManagePayload(), username: smtpUser, user_name: smtpUser };
    const rows = diffSmtp(current, desired, smtpPassword);
    io.out(`SMTP settings on ${baseUrl} ("~" = will change):\n${formatDiff(rows)}\n`);
    if (smtp.enforceTls)
      io.out(
        "Note: 'Enforce TLS auth' has no documented Manage API field; set it in the Management Console > Email > Authentication.\n",
      );
    if (!rows.some((r) => r.changed)) {
      io.out('Nothing to change.\n');
      return 0;
    }
    if (!opts.yes) {
      if (!io.confirm) {
        io.err('Not applied: no terminal to ask on; run again with --yes to apply.\n');
        return 1;
      }
      if (!(await io.confirm('Apply these settings (starts a config run)? [y/N] '))) {
        io.err('Not applied.\n');
        return 1;
      }
    }
    await api.putSmtp(smtpPassword === undefined ? desired : { ...desired, password: smtpPassword });
    const runId = await api.startApply();
    io.out(`Config run ${runId} started.\n`);
    const deadline = Date.now() + (opts.timeoutMinutes ?? 120) * 60_000;
    const started = Date.now();
    for (;;) {
      const status = await api.applyStatus(runId);
      if (!status.running) {
        if (status.successful) {
          io.out(
            `Config run ${runId} successful. Send a test email: Management Console > Email > Test email settings.\n`,
          );
          return 0;
        }
        io.err(`Config run ${runId} failed. Events:\n`);
        for (const e of await api.applyEvents().catch(() => ['(no events)'])) io.err(`  ${e}\n`);
        return 1;
      }
      if (Date.now() > deadline) {
        io.err(
          `Config run ${runId} still running after ${opts.timeoutMinutes ?? 120} minutes; follow it in the Management Console.\n`,
        );
        return 1;
      }
      io.out(`Config run ${runId}: running (${Math.round((Date.now() - started) / 1000)}s)\n`);
      await new Promise((r) => setTimeout(r, (opts.pollSeconds ?? 10) * 1000));
    }
  } catch (err) {
    io.err(`ghes-email apply failed: ${(err as Error).message}${hintFor(err)}\n`);
    return 1;
  }
}
