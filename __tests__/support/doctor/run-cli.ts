/**
 * Runs `ghes-email …` through the real commander program (lib/cli/main.ts) and
 * captures what it writes, so tests assert exit codes end to end.
 */
import { Readable } from 'node:stream';
import { run } from '../../../lib/cli/main';

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export async function runCli(args: string[], options: { stdin?: string } = {}): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const out = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout += chunk.toString();
    return true;
  });
  const err = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stderr += chunk.toString();
    return true;
  });
  const stdin =
    options.stdin !== undefined
      ? jest.spyOn(process, 'stdin', 'get').mockReturnValue(Readable.from([Buffer.from(options.stdin)]) as never)
      : undefined;
  process.exitCode = undefined;
  try {
    const code = await run(args);
    return { code, stdout, stderr };
  } finally {
    process.exitCode = undefined;
    out.mockRestore();
    err.mockRestore();
    stdin?.mockRestore();
  }
}

/** Parses `--json` output; fails the test with the raw text when it is not JSON. */
export function json(result: CliResult): {
  summary: { ok: boolean; failed: number };
  checks: { id: string; status: string; message: string; fix?: string; data?: Record<string, any> }[];
  transcript: string[];
} {
  try {
    return JSON.parse(result.stdout);
  } catch {
    throw new Error(`stdout is not JSON:\n${result.stdout}\nstderr:\n${result.stderr}`);
  }
}
