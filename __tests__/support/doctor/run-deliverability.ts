/**
 * Runs `ghes-email doctor deliverability …` through the real program (lib/cli/main.ts), capturing what it writes and
 * its exit code.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Json } from '../stack';
import { AuthDns, AuthRecords, startAuthDns } from './auth-dns-server';
import { writeConfig } from './config';
import { CliResult, json, runCli } from './run-cli';

export async function runDeliverability(args: string[]): Promise<CliResult> {
  return runCli(['doctor', 'deliverability', ...args]);
}

/** A config file per run, a DNS server per zone, all cleaned up by `close`. */
export class DeliverabilityRig {
  readonly dir = mkdtempSync(join(tmpdir(), 'doctor-deliverability-'));
  private readonly servers: AuthDns[] = [];
  private count = 0;

  /** Serves `zone`, writes the example config (changed by `edit`), runs the doctor with --json unless `text`. */
  async run(
    zone: Record<string, AuthRecords>,
    args: string[] = [],
    edit: (c: Json) => void = () => undefined,
    format: 'json' | 'text' = 'json',
  ): Promise<CliResult & { dns: AuthDns }> {
    const dns = await startAuthDns(zone);
    this.servers.push(dns);
    const config = writeConfig(this.dir, `c${this.count++}`, edit);
    const result = await runDeliverability([
      '--config',
      config,
      '--dns-server',
      dns.address,
      '--dns-timeout',
      '3000',
      ...(format === 'json' ? ['--json'] : []),
      ...args,
    ]);
    return { ...result, dns };
  }

  async close(): Promise<void> {
    await Promise.all(this.servers.map((s) => s.close()));
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Check id → status, in report order. */
export const statuses = (r: CliResult): Record<string, string> =>
  Object.fromEntries(json(r).checks.map((c) => [c.id, c.status]));

/** One check by id; fails the test with the whole output when it is not there. */
export function findCheck(r: CliResult, id: string): ReturnType<typeof json>['checks'][number] {
  const c = json(r).checks.find((x) => x.id === id);
  if (!c) throw new Error(`no check ${id} in:\n${r.stdout}\n${r.stderr}`);
  return c;
}
