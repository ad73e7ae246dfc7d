/**
 * `ghes-email relay-credentials`: SMTP credentials for the SES relay, made
 * outside Terraform so the password never lands in state. Creates an access
 * key for the relay's IAM user, derives the SES SMTP password from it (AWS's
 * documented algorithm, lib/smtp/ses-smtp.ts), proves the pair with an SMTP AUTH
 * LOGIN against the relay, and writes {username, password} to the relay's secret.
 * The key it replaces stays until `--finish-rotation` (after `ghes-email apply`),
 * so mail never stops; `--delete-old-key` deletes it in the same run. The steps
 * and what happens on a failure or a signal: rotation.ts.
 * Exit codes: 0 done; 1 failed, nothing left changed; 2 bad usage or input (an unreadable or refused secret, two
 * keys already), nothing changed; 3 failed part-way, something left changed (the report says how to finish);
 * 128 + N stopped by signal N (SIGPIPE, 141, for EPIPE on stdout), after the same report.
 */
import type { IAMClient } from '@aws-sdk/client-iam';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { Command, InvalidArgumentError } from 'commander';
import { SES_SMTP_PORT, sesSmtpEndpoint } from '../../smtp/ses-smtp';
import { escapeLines } from '../doctor/terminal-text';
import { SecretRedactor } from '../secrets/redact-secrets';
import { finishRotation } from './finish-rotation';
import { RelayAws } from './relay-aws';
import { RelayTarget, RelayTargetOptions, RelayUsageError, relayTarget } from './relay-target';
import { Rotation } from './rotation';
import { ReportContext, shellArg } from './rotation-state';
import { secretRefusal } from './secret-owner';
import { smtpLogin } from './smtp-login';
import { describeStop, stopExitCode, stopName, watchProcessStops } from './stops';

export interface RelayCredentialsOptions extends RelayTargetOptions {
  /** Accepted for older scripts: keeping the replaced key is the default now. */
  readonly keepOldKey?: boolean;
  /** Delete the replaced key in this run, once the secret names the new one (mail fails until `apply`). */
  readonly deleteOldKey?: boolean;
  /** The step after `ghes-email apply`: delete the keys the secret no longer names; creates nothing. */
  readonly finishRotation?: boolean;
  /** How long SES may take to accept a new key, in seconds. @default 300 */
  readonly verifyTimeoutSeconds?: number;
  /** First wait between login attempts, doubling up to 30 s. @default 2 */
  readonly retrySeconds?: number;
}

/** Where the command reads and writes; tests pass doubles. */
export interface RelayCredentialsIo {
  out(text: string): void;
  err(text: string): void;
  /** Used for every IAM call (it must not retry CreateAccessKey). @default clients for the relay's region */
  iam?: IAMClient;
  /** @default a client for the secret's region */
  secretsManager?: SecretsManagerClient;
  /** One SMTP AUTH LOGIN; rejects when refused. @default smtpLogin against email-smtp.<region>.amazonaws.com:587 */
  login?: (target: RelayTarget, user: string, pass: string) => Promise<void>;
  /** Aborted with a signal's name ('SIGINT', …, 'SIGPIPE') to stop: the run rolls back and reports. */
  stop?: AbortSignal;
  /** Aborted by a second signal: the rollback is given up, the report printed at once. */
  stopNow?: AbortSignal;
}

const positive = (value: string) => {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('expected a positive number of seconds');
  return n;
};

export function registerRelayCredentials(program: Command): void {
  program
    .command('relay-credentials')
    .description(
      "create (or rotate) the SES relay's SMTP credentials and store them in its secret, outside Terraform state",
    )
    .option(
      '-c, --config <file>',
      "the deployed stack's outputs (cdktf output --outputs-file FILE, or terraform output -json > FILE)",
    )
    .option('--domain <domain>', 'with several SES relays in the outputs: the sending domain of the one to use')
    .option('--user-name <name>', "instead of --config: the relay's IAM user")
    .option('--secret-arn <arn>', "instead of --config: the relay's credentials secret")
    .option('--region <region>', "the SES region; must be the relay's (default: the relay's, or the secret ARN's)")
    .option('--finish-rotation', 'after ghes-email apply: delete the access keys the secret no longer names')
    .option('--delete-old-key', 'delete the replaced key in this run: mail from GHES fails until ghes-email apply')
    .option('--keep-old-key', 'the default now (the replaced key stays until --finish-rotation); still accepted')
    .option('--verify-timeout-seconds <n>', 'how long SES may take to accept the new key', positive, 300)
    .action(async (opts: RelayCredentialsOptions) => {
      // Signals and a closed stdout stop the run with a report instead of killing it with the new key orphaned.
      const stops = watchProcessStops();
      try {
        process.exitCode = await runRelayCredentials(opts, {
          out: stops.out,
          err: (t) => process.stderr.write(t),
          stop: stops.stop,
          stopNow: stops.stopNow,
        });
      } finally {
        stops.dispose();
      }
    });
}

/** How the report names the commands to run next, with the target as this run was given it. */
function reportContext(opts: RelayCredentialsOptions, target: RelayTarget): ReportContext {
  const targetArgs =
    opts.config !== undefined
      ? `--config ${shellArg(opts.config)}${opts.domain !== undefined ? ` --domain ${shellArg(opts.domain)}` : ''}`
      : `--user-name ${shellArg(target.iamUserName)} --secret-arn ${shellArg(target.secretArn)}`;
  return {
    user: target.iamUserName,
    secretArn: target.secretArn,
    apply: `ghes-email apply --config ${opts.config !== undefined ? shellArg(opts.config) : '<outputs.json>'}`,
    finish: `ghes-email relay-credentials ${targetArgs} --finish-rotation`,
  };
}

function usageProblem(opts: RelayCredentialsOptions): string | undefined {
  if (opts.keepOldKey && opts.deleteOldKey) return '--keep-old-key and --delete-old-key contradict each other';
  if (opts.finishRotation && opts.deleteOldKey)
    return '--finish-rotation deletes the old keys and creates nothing; --delete-old-key is for a run that creates one: give one of them';
  return undefined;
}

export async function runRelayCredentials(opts: RelayCredentialsOptions, rawIo: RelayCredentialsIo): Promise<number> {
  // Everything printed passes the redactor, which learns the new secret key and password as they exist, and has its
  // control characters escaped (AWS and SMTP error texts are not ours).
  const redactor = new SecretRedactor();
  const out = (t: string) => rawIo.out(escapeLines(redactor.redact(t)));
  const err = (t: string) => rawIo.err(escapeLines(redactor.redact(t)));
  const usage = usageProblem(opts);
  if (usage !== undefined) {
    err(`${usage}\n`);
    return 2;
  }
  let target: RelayTarget;
  try {
    target = relayTarget(opts);
  } catch (e) {
    if (e instanceof RelayUsageError) {
      err(`${e.message}\n`);
      return 2;
    }
    throw e;
  }
  if (target.credentials === 'terraform') {
    err(
      `the SES relay ${target.domain ?? target.iamUserName} has smtpPasswordInState: Terraform owns its access key and secret value. Rotate with terraform (replace the aws_iam_access_key), or drop smtpPasswordInState and run this command\n`,
    );
    return 2;
  }
  const aws = await RelayAws.create(target, rawIo);
  const refused = await secretRefusal(aws, target, opts.config !== undefined, rawIo.stop);
  if (rawIo.stop?.aborted) {
    const name = stopName(rawIo.stop);
    err(`relay-credentials stopped (${describeStop(name)}) before anything was changed.\n`);
    return stopExitCode(name);
  }
  if (refused !== undefined) {
    err(`${refused}\n`);
    return 2;
  }
  const ctx = reportContext(opts, target);
  const io = { out, err, stop: rawIo.stop, stopNow: rawIo.stopNow };
  if (opts.finishRotation) return finishRotation(aws, target, io, ctx, redactor);
  const host = sesSmtpEndpoint(target.region);
  const login = rawIo.login ?? ((_t, u, p) => smtpLogin({ host, port: SES_SMTP_PORT }, u, p));
  const settings = {
    host,
    port: SES_SMTP_PORT,
    timeoutSeconds: opts.verifyTimeoutSeconds,
    retrySeconds: opts.retrySeconds,
    deleteOldKey: opts.deleteOldKey === true,
  };
  const rotationIo = { ...io, login: (u: string, p: string) => login(target, u, p) };
  return new Rotation(aws, target, rotationIo, settings, ctx, redactor).run();
}
