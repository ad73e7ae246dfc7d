#!/usr/bin/env node
/**
 * The `ghes-email` command: `apply` (day-2 SMTP changes) and `doctor`
 * (troubleshooting). Exit codes: 0 ok, 1 a check or the apply failed, 2 bad usage or config.
 */
import { Command, CommanderError } from 'commander';
import { registerApply } from './apply';
import { registerDoctor } from './doctor';

export function buildProgram(): Command {
  const program = new Command('ghes-email')
    .description('Make GitHub Enterprise Server on AWS ready for email, and find out why mail does not flow.')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });
  registerApply(program);
  registerDoctor(program);
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
  run(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error(err instanceof Error ? err.message : String(err));
      process.exit(2);
    },
  );
}
