/**
 * `doctor logs` reads in bounded memory: a 64 MiB mail.log generated on the
 * fly (never held whole, never written to disk) is streamed through the same
 * line reader and parsers the CLI uses. What the run retains after 16 MiB and
 * after 64 MiB is measured with a forced GC: it must not grow with the input,
 * and the tracked state must stay within the configured window. The counts in
 * the report must still be exact.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { DEFAULT_LIMITS, LogsRun } from '../../../../lib/cli/doctor/logs/logs-run';
import { GeneratedCounts, generateMailLog } from '../../../support/doctor/mail-log-generator';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const MiB = 2 ** 20;

function heapAfterGc(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

test('a 64 MiB generated mail.log: retained heap does not grow from 16 MiB to 64 MiB; counts exact', () => {
  const limits = { ...DEFAULT_LIMITS, maxTracked: 500 };
  const run = new LogsRun(limits);
  const feed = run.open('generated/mail.log', 'mail');
  const counts: GeneratedCounts = { rejects: 0, idleSessions: 0, delivered: 0, deferred: 0, bytes: 0 };
  const start = heapAfterGc();
  let at16 = 0;
  for (const chunk of generateMailLog(64 * MiB, counts)) {
    feed.write(chunk);
    if (at16 === 0 && counts.bytes >= 16 * MiB) at16 = heapAfterGc();
  }
  const at64 = heapAfterGc();
  const retained = run.retained();
  feed.end();
  const report = run.report();

  // The state the run keeps is capped, whatever the input size.
  expect(retained.trackedMessages).toBeLessThanOrEqual(limits.maxTracked);
  expect(retained.listedChecks).toBeLessThanOrEqual(limits.maxListed * 8);
  expect(retained.rejectGroups).toBe(1);
  // And so is the heap: 48 MiB more input, (almost) no more retained memory.
  const grew = (at64 - at16) / MiB;
  const total = (at64 - start) / MiB;
  expect(grew).toBeLessThan(4);
  expect(total).toBeLessThan(16);

  const byOutcome = (o: string) => report.checks.filter((c) => c.data?.outcome === o);
  expect(byOutcome('never-arrived').map((c) => c.data!.count)).toEqual([counts.rejects]);
  const tally = report.checks.find((c) => c.id === 'mail.messages')!;
  // No metroplex.log: each delivered message is "not processed", or, past the window of 500, "not correlated".
  expect(tally.data).toEqual({
    'not-processed': limits.maxTracked,
    'not-correlated': counts.delivered - limits.maxTracked,
    'not-delivered': counts.deferred,
  });
  expect(report.checks.find((c) => c.id === 'mail.idle-sessions')!.data!.count).toBe(counts.idleSessions);
  expect(report.checks.length).toBeLessThan(limits.maxListed * 3 + 20);
});
