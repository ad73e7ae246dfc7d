/**
 * What every `ghes-email doctor` command shares: how it reports progress, prints its report and ends.
 * Exit codes: 0 every check passed, 1 a check failed (or the doctor itself failed), 2 bad usage, config or input.
 */
import { Command } from 'commander';
import { CONFIG_HELP, ConfigError, HOSTNAME_HELP } from '../../config/config';
import { SecretResolutionError } from '../secrets/resolve-secret';
import { LogInputError } from './logs/log-finder';
import { UsageError } from './options';
import { DoctorReport, exitCodeOf, renderJson, renderText, terminalColumns } from './report';
import { escapeControls, escapeLines } from './terminal-text';

export interface CommonOptions {
  readonly json?: boolean;
}

/** Progress lines name hosts from DNS and files from bundles: escaped like the report. */
export const progress = (line: string): void => {
  process.stderr.write(`${escapeControls(line)}\n`);
};

/** Prints the report and sets the exit code. */
function emit(report: DoctorReport, opts: CommonOptions): void {
  process.stdout.write(opts.json ? renderJson(report) : renderText(report, terminalColumns(process.stdout)));
  process.exitCode = exitCodeOf(report);
}

/** Runs an action; bad config/usage/input → message on stderr and exit 2. */
export function action<A extends unknown[]>(fn: (...args: A) => Promise<DoctorReport>, optsIndex: number) {
  return async (...args: A): Promise<void> => {
    try {
      emit(await fn(...args), args[optsIndex] as CommonOptions);
    } catch (err) {
      if (
        err instanceof ConfigError ||
        err instanceof UsageError ||
        err instanceof LogInputError ||
        err instanceof SecretResolutionError
      ) {
        process.stderr.write(`${escapeLines(err.message)}\n`);
        process.exitCode = 2;
        return;
      }
      process.stderr.write(`ghes-email doctor: ${escapeLines(err instanceof Error ? err.message : String(err))}\n`);
      process.exitCode = 1;
    }
  };
}

/** commander's collector for a repeatable option. */
export const collect = (value: string, previous: string[]): string[] => [...previous, value];

/**
 * A doctor command that reads a config file or a stack's outputs: `-c/--config` and `--hostname`. With
 * `optionalConfig`, flags may stand in for the file, and `--hostname` without it is the GHES hostname.
 */
export function configCommand(doctor: Command, name: string, description: string, optionalConfig = false): Command {
  const command = doctor.command(name).description(description);
  if (!optionalConfig)
    return command.requiredOption('-c, --config <file>', CONFIG_HELP).option('--hostname <name>', HOSTNAME_HELP);
  return command
    .option('-c, --config <file>', `${CONFIG_HELP}; or name the records with the flags below`)
    .option('--hostname <name>', `${HOSTNAME_HELP}; without --config: the GHES hostname`);
}

/** `--dns-server`, repeatable, and `--dns-timeout`. */
export function dnsOptions(command: Command): Command {
  return command
    .option('--dns-server <ip[:port]>', 'ask this DNS server instead of the system resolvers (repeatable)', collect, [])
    .option('--dns-timeout <ms>', 'timeout of each DNS query in milliseconds', '5000');
}
