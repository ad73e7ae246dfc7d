// `ghes-email apply`: placeholder until the boot-script issue lands it.
import { Command } from 'commander';

export function registerApply(program: Command): void {
  program
    .command('apply')
    .description('apply the config file\'s SMTP settings to a running appliance (not implemented yet)')
    .action(() => {
      console.error('ghes-email apply: not implemented yet');
      process.exitCode = 2;
    });
}
