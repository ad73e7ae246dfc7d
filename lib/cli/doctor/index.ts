// `ghes-email doctor`: placeholder until the doctor issue lands it.
import { Command } from 'commander';

export function registerDoctor(program: Command): void {
  program
    .command('doctor')
    .description('troubleshoot email (not implemented yet)')
    .action(() => {
      console.error('ghes-email doctor: not implemented yet');
      process.exitCode = 2;
    });
}
