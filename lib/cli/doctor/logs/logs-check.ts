/**
 * `doctor logs`: turns unicorn.log, mail.log and metroplex.log into one check
 * per SMTP conversation and one per inbound message (or per group of rejects),
 * each saying where the mail stopped: never arrived, not delivered to the
 * maildir, not processed, moved to failure, or success. Streams every input
 * through one LogsRun, within its byte limits.
 */
import { readLogInputs } from './log-finder';
import { DEFAULT_LIMITS, LogLimits, LogsRun } from './logs-run';
import { DoctorReport } from '../report';

export type { InboundOutcome } from './inbound-correlation';

export async function checkLogs(inputs: readonly string[], limits: Partial<LogLimits> = {}): Promise<DoctorReport> {
  const run = new LogsRun({ ...DEFAULT_LIMITS, ...limits });
  await readLogInputs(inputs, run);
  return run.report();
}
