/**
 * The real CLI (lib/cli/main.ts, run by node through swc as jest runs it) interrupted in its own process (issue 17
 * item 2): a real SIGINT, SIGTERM or SIGHUP during the verify wait, and stdout closed under it (`… | head -1`). Each
 * time: exit 128 + the signal number, the report on stderr, and no access key left behind in the IAM double.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { constants } from 'node:os';
import { join } from 'node:path';
import { SECRET_ARN, USER, useRelayHarness } from '../../support/relay/relay-harness';
import { SES_TEST_HOST } from '../../support/relay/ses-smtp-double';
import { tempDir } from '../../support/temp-dir';

const h = useRelayHarness();
const ROOT = join(__dirname, '..', '..', '..');
const NODE_ARGS = [
  '-r',
  join(ROOT, '__tests__/support/relay/ts-register.js'),
  '-r',
  join(ROOT, '__tests__/support/relay/cli-child-login.ts'),
  join(ROOT, 'lib/cli/main.ts'),
];

/** Environment of the child: the AWS doubles (set in process.env by the harness) and the SES double. */
function childEnv(): NodeJS.ProcessEnv {
  const ca = join(tempDir('ghes-email-relay-ca-'), 'ca.pem');
  writeFileSync(ca, h.smtp.certs.caCert);
  return {
    ...process.env,
    RELAY_TEST_SMTP_PORT: String(h.smtp.port),
    RELAY_TEST_SMTP_NAME: SES_TEST_HOST,
    RELAY_TEST_SMTP_CA: ca,
  };
}

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
}

/** Collects stderr and resolves at exit; `onStdout` sees stdout as it comes. */
function watch(child: ChildProcess, onStdout: (text: string) => void = () => undefined): Promise<Exit> {
  let stderr = '';
  let stdout = '';
  child.stderr!.on('data', (c: Buffer) => void (stderr += c.toString()));
  child.stdout?.on('data', (c: Buffer) => {
    stdout += c.toString();
    onStdout(stdout);
  });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stderr }));
  });
}

test.each(['SIGINT', 'SIGTERM', 'SIGHUP'] as const)(
  '%s during the verify wait: the new key is deleted, the report is printed, exit 128 + N',
  async (signal) => {
    const oldKey = h.aws.addKey(USER);
    h.smtp.refuseFirst = Number.MAX_SAFE_INTEGER;
    const args = ['relay-credentials', '--config', h.outputsFile(), '--verify-timeout-seconds', '120'];
    const child = spawn(process.execPath, [...NODE_ARGS, ...args], { cwd: ROOT, env: childEnv() });
    let sent = false;
    const exit = await watch(child, (stdout) => {
      if (!sent && stdout.includes('waiting for SES to accept the new key')) {
        sent = true;
        child.kill(signal);
      }
    });
    expect({ code: exit.code, signal: exit.signal }).toEqual({ code: 128 + constants.signals[signal], signal: null });
    expect(exit.stderr).toContain(`relay-credentials stopped (${signal}) while waiting for SES to accept the new key.`);
    expect(exit.stderr).toMatch(/access key AKIA[0-9A-F]+ \(new\): deleted again/);
    expect(exit.stderr).toContain(`secret ${SECRET_ARN}: unchanged`);
    expect(exit.stderr).toContain('Nothing is left changed.');
    expect(h.aws.keyIds(USER)).toEqual([oldKey.id]);
  },
);

test('stdout closed under it (`| head -1`): EPIPE is a stop like SIGPIPE, reported on stderr, exit 141', async () => {
  h.smtp.refuseFirst = Number.MAX_SAFE_INTEGER;
  const args = ['relay-credentials', '--config', h.outputsFile(), '--verify-timeout-seconds', '120'];
  const child = spawn(
    'bash',
    ['-c', 'set -o pipefail; "$0" "$@" | head -1 >/dev/null', process.execPath, ...NODE_ARGS, ...args],
    { cwd: ROOT, env: childEnv(), stdio: ['ignore', 'ignore', 'pipe'] },
  );
  const exit = await watch(child);
  expect({ code: exit.code, stderr: exit.stderr }).toEqual({
    code: 141,
    stderr: expect.stringContaining('relay-credentials stopped (SIGPIPE: stdout was closed)'),
  });
  expect(exit.stderr).toContain('Nothing is left changed.');
  // The line whose write found stdout closed is not lost: it goes to stderr, before the report.
  expect(exit.stderr).toMatch(/^waiting for SES to accept the new key: .*\nrelay-credentials stopped/m);
  expect(exit.stderr).not.toMatch(/Error: write EPIPE|Unhandled|at .*\.js:\d+/);
  expect(h.aws.keyIds(USER)).toEqual([]);
});

test('a second SIGINT while the rollback hangs: exit 130 at once, naming the key that may remain', async () => {
  h.smtp.refuseFirst = Number.MAX_SAFE_INTEGER;
  h.aws.failNext.DeleteAccessKey = [{ hang: true }];
  const args = ['relay-credentials', '--config', h.outputsFile(), '--verify-timeout-seconds', '120'];
  const child = spawn(process.execPath, [...NODE_ARGS, ...args], { cwd: ROOT, env: childEnv() });
  h.aws.onAction = (action) => {
    if (action === 'DeleteAccessKey') child.kill('SIGINT');
  };
  let sent = false;
  const exit = await watch(child, (stdout) => {
    if (!sent && stdout.includes('waiting for SES to accept the new key')) {
      sent = true;
      child.kill('SIGINT');
    }
  });
  const made = h.aws.keyIds(USER)[0];
  expect({ code: exit.code, signal: exit.signal }).toEqual({ code: 130, signal: null });
  expect(exit.stderr).toContain(`access key ${made} (new): may still exist (stopped again while deleting it)`);
  expect(exit.stderr).toContain(`aws iam delete-access-key --user-name ${USER} --access-key-id ${made}`);
});
