/** On Node 20 the AWS SDK's 8-line NodeVersionSupportWarning becomes one line of ours, once; other warnings pass. */
import { emitWarningIfUnsupportedVersion, state } from '@aws-sdk/core/client';
import { replaceSdkNodeWarning } from '../../lib/cli/node-support';

let restore: () => void = () => undefined;
afterEach(() => {
  restore();
  state.warningEmitted = false;
});

test('the SDK warning becomes one line naming the Node version and what to do', () => {
  const lines: string[] = [];
  restore = replaceSdkNodeWarning((l) => lines.push(l));
  const seen: string[] = [];
  const listener = (w: Error) => seen.push(w.message);
  process.on('warning', listener);
  try {
    state.warningEmitted = false;
    emitWarningIfUnsupportedVersion('v20.20.2');
    state.warningEmitted = false;
    emitWarningIfUnsupportedVersion('v20.20.2');
  } finally {
    process.off('warning', listener);
  }
  expect(seen).toEqual([]);
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^ghes-email: Node v\d+\.\d+\.\d+ is past its end of life; .*Node 22 or newer/);
  expect(lines[0].trimEnd().split('\n')).toHaveLength(1);
});

test('other warnings reach the warning they would have reached', () => {
  // eslint-disable-next-line @typescript-eslint/unbound-method
  const before = process.emitWarning;
  const passed = jest.fn();
  process.emitWarning = passed;
  try {
    restore = replaceSdkNodeWarning(() => undefined);
    process.emitWarning('something else', 'DeprecationWarning');
    expect(passed).toHaveBeenCalledWith('something else', 'DeprecationWarning');
  } finally {
    restore();
    process.emitWarning = before;
  }
});
