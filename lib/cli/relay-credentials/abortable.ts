/** Waiting that a stop ends at once: for the SMTP login (which takes no signal) and the pauses between attempts. */

/**
 * `work`'s result, or 'stopped' as soon as `stop` aborts. A stopped `work` goes on unobserved (its rejection is
 * swallowed): the login settles by its own timeouts, and the process exits after the report anyway.
 */
export function abortable<T>(work: Promise<T>, stop: AbortSignal | undefined): Promise<T | 'stopped'> {
  if (!stop) return work;
  if (stop.aborted) {
    work.catch(() => undefined);
    return Promise.resolve('stopped');
  }
  return new Promise<T | 'stopped'>((resolve, reject) => {
    const onStop = () => {
      work.catch(() => undefined);
      resolve('stopped');
    };
    stop.addEventListener('abort', onStop, { once: true });
    work.then(
      (value) => {
        stop.removeEventListener('abort', onStop);
        resolve(value);
      },
      (err: unknown) => {
        stop.removeEventListener('abort', onStop);
        reject(err instanceof Error ? err : new Error(String(err)));
      },
    );
  });
}

/** Waits `ms`, or less when `stop` aborts. */
export function sleep(ms: number, stop: AbortSignal | undefined): Promise<'slept' | 'stopped'> {
  if (stop?.aborted) return Promise.resolve('stopped');
  return new Promise((resolve) => {
    const onStop = () => {
      clearTimeout(timer);
      resolve('stopped');
    };
    const timer = setTimeout(() => {
      stop?.removeEventListener('abort', onStop);
      resolve('slept');
    }, ms);
    stop?.addEventListener('abort', onStop, { once: true });
  });
}
