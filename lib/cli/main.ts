#!/usr/bin/env node
/**
 * The `ghes-email` command: `apply` (day-2 SMTP changes) and `doctor`
 * (troubleshooting). Exit codes: 0 ok, 1 a check or the apply failed, 2 bad usage or config.
 */
import { Command, CommanderError } from 'commander';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { registerApply } from './apply/apply';
import { registerDoctor } from './doctor';
import { registerRelayCredentials } from './relay-credentials/relay-credentials';
import { replaceSdkNodeWarning } from './node-support';

/**
 * This package's version, read from its own package.json at run time: this file runs from
 * lib/cli (tests), dist/lib/cli (a clone) and node_modules/ghes-email/dist/lib/cli (installed),
 * so a fixed relative import would be right in only some of them (and would pull package.json into dist).
 */
export function packageVersion(): string {
  for (let dir = __dirname; ; dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
      // Either flavor (tools/flavor.js). Checking the name keeps a stray package.json (say, one a bundler writes into
      // dist/) from lending us its version.
      if ((pkg.name === 'ghes-email' || pkg.name === 'ghes-email-cdktn') && typeof pkg.version === 'string')
        return pkg.version;
    }
    if (dirname(dir) === dir) return 'unknown';
  }
}

export function buildProgram(): Command {
  const program = new Command('ghes-email')
    .description('Make GitHub Enterprise Server on AWS ready for email, and find out why mail does not flow.')
    .version(packageVersion(), '-V, --version', 'print the ghes-email version')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });
  registerApply(program);
  registerDoctor(program);
  registerRelayCredentials(program);
  return program;
}

export async function run(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2;
    throw err;
  }
}

if (require.main === module) {
  replaceSdkNodeWarning();
  run(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error(err instanceof Error ? err.message : String(err));
      process.exit(2);
    },
  );
}
