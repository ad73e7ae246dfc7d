/**
 * Stopping `relay-credentials` from outside: SIGINT, SIGTERM, SIGHUP, and stdout closed under it (EPIPE, as
 * `… | head -1` does; counted as SIGPIPE, which node ignores). The first stop asks the run to roll back and report;
 * a second one gives up the rollback, so the report comes at once; a third exits. Each is an AbortSignal whose
 * reason is the signal's name: that is all the run needs, and tests abort one with a name to stop a run at any point.
 */
import { constants } from 'node:os';

export type StopName = 'SIGINT' | 'SIGTERM' | 'SIGHUP' | 'SIGPIPE';

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/** The name an aborted stop signal carries (a reason that is not a name counts as SIGTERM, a plain "stop"). */
export function stopName(signal: AbortSignal): StopName {
  const reason: unknown = signal.reason;
  return reason === 'SIGPIPE' || SIGNALS.some((s) => s === reason) ? (reason as StopName) : 'SIGTERM';
}

/** 128 + the signal's number, as a shell reports a process the signal ended. */
export function stopExitCode(name: StopName): number {
  return 128 + constants.signals[name];
}

/** For the report's first line. */
export function describeStop(name: StopName): string {
  return name === 'SIGPIPE' ? 'SIGPIPE: stdout was closed' : name;
}

export interface ProcessStops {
  /** Aborted by the first signal (or EPIPE). */
  readonly stop: AbortSignal;
  /** Aborted by the one after it. */
  readonly stopNow: AbortSignal;
  /**
   * Writes to stdout; once stdout is gone (the write that finds it closed included), to stderr, beside the report,
   * so nothing the run says is lost.
   */
  readonly out: (text: string) => void;
  /** Restores node's own handling of the signals. */
  dispose(): void;
}

/** Turns this process's SIGINT, SIGTERM, SIGHUP and a failing stdout into stops, until dispose(). */
export function watchProcessStops(): ProcessStops {
  const first = new AbortController();
  const second = new AbortController();
  let closed = false;
  const onStop = (name: StopName) => {
    if (!first.signal.aborted) first.abort(name);
    else if (!second.signal.aborted) second.abort(name);
    // A third: whatever the run is doing, the user wants out now (the second one already printed the report).
    else process.exit(stopExitCode(name));
  };
  const handlers = SIGNALS.map((s) => [s, () => onStop(s)] as const);
  for (const [s, handler] of handlers) process.on(s, handler);
  // Without a listener, EPIPE on stdout is an uncaught exception: node would crash and leave the new key behind.
  const onStdoutError = () => {
    if (closed) return;
    closed = true;
    onStop('SIGPIPE');
  };
  const out = (text: string) => {
    if (!closed) {
      process.stdout.write(text);
      // A pipe write fails at once (the 'error' event follows a tick later): the stop starts from this line.
      if (!process.stdout.errored && !process.stdout.destroyed) return;
      onStdoutError();
    }
    process.stderr.write(text);
  };
  process.stdout.on('error', onStdoutError);
  // The report goes to stderr: if that is gone too, there is no one left to tell, but no reason to crash either.
  let stderrFailed = false;
  const ignore = () => void (stderrFailed = true);
  process.stderr.on('error', ignore);
  return {
    stop: first.signal,
    stopNow: second.signal,
    out,
    dispose: () => {
      for (const [s, handler] of handlers) process.off(s, handler);
      // A closed stdout may still report errors for writes already queued: keep them from crashing the exit.
      if (!closed) process.stdout.off('error', onStdoutError);
      if (!stderrFailed) process.stderr.off('error', ignore);
    },
  };
}
