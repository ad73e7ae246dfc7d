/**
 * Node 20 is past its end of life (April 2026), and every AWS SDK client then prints an 8-line
 * NodeVersionSupportWarning (SDK releases after January 2027 need Node 22). The README's two commands keep working
 * on machines that have only Node 20, so the CLI says it in one line of its own, once, where the SDK would have.
 */
export const NODE_SUPPORT_NOTICE =
  'ghes-email: Node %s is past its end of life; AWS SDK releases after January 2027 need Node 22 or newer: ' +
  'upgrade when you can (README: "The two commands").';

/** Replaces the SDK's NodeVersionSupportWarning with NODE_SUPPORT_NOTICE; other warnings pass through. */
export function replaceSdkNodeWarning(write: (line: string) => void = (l) => process.stderr.write(l)): () => void {
  // Kept to be put back, and called with process as `this`.
  // eslint-disable-next-line @typescript-eslint/unbound-method
  const original = process.emitWarning;
  let said = false;
  const replacement = ((warning: string | Error, ...rest: unknown[]) => {
    const text = typeof warning === 'string' ? warning : warning.message;
    if (text.startsWith('NodeVersionSupportWarning')) {
      if (!said) write(`${NODE_SUPPORT_NOTICE.replace('%s', process.version)}\n`);
      said = true;
      return;
    }
    (original as (...args: unknown[]) => void).call(process, warning, ...rest);
  }) as typeof process.emitWarning;
  process.emitWarning = replacement;
  return () => {
    if (process.emitWarning === replacement) process.emitWarning = original;
  };
}
