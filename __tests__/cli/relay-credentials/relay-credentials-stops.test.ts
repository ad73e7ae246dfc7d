/**
 * A run asked to stop at any point (issue 17 item 2), in this process: `io.stop` is aborted with the signal's name,
 * as the command's process wiring does on SIGINT, SIGTERM, SIGHUP or EPIPE on stdout (SIGPIPE). It rolls back what
 * it can, says on stderr what state things are in and how to finish, and returns 128 + the signal number.
 * relay-credentials-signals.test.ts sends real signals to the real CLI.
 */
import { SECRET_ARN, USER, useRelayHarness } from '../../support/relay/relay-harness';

const h = useRelayHarness();

test('SIGINT while waiting for SES: the new key is deleted again, the report says so, exit 130', async () => {
  const oldKey = h.aws.addKey(USER);
  h.smtp.refuseFirst = Number.MAX_SAFE_INTEGER;
  const stop = new AbortController();
  const r = await h.run(
    { verifyTimeoutSeconds: 2, retrySeconds: 0.5 },
    {
      stop: stop.signal,
      login: async (t, u, p) => {
        try {
          await h.login(t, u, p);
        } finally {
          stop.abort('SIGINT');
        }
      },
    },
  );
  expect(r.code).toBe(130);
  expect(h.aws.keyIds(USER)).toEqual([oldKey.id]);
  expect(h.smtp.logins).toHaveLength(1);
  expect(r.err).toContain('relay-credentials stopped (SIGINT) while waiting for SES to accept the new key.');
  expect(r.err).toMatch(/access key AKIA[0-9A-F]+ \(new\): deleted again/);
  expect(r.err).toContain(`access key ${oldKey.id}: untouched`);
  expect(r.err).toContain(`secret ${SECRET_ARN}: unchanged`);
  expect(r.err).toContain('Nothing is left changed.');
  h.expectNoSecrets(r);
});

test('SIGTERM while CreateAccessKey is under way (IAM made the key): the key is found and deleted, exit 143', async () => {
  const stop = new AbortController();
  h.aws.onAction = (action) => {
    if (action === 'CreateAccessKey') stop.abort('SIGTERM');
  };
  const r = await h.run({}, { stop: stop.signal });
  expect(r.code).toBe(143);
  expect(h.aws.keyIds(USER)).toEqual([]);
  expect(h.events.filter((e) => e.startsWith('iam'))).toEqual([
    'iam ListAccessKeys',
    'iam CreateAccessKey',
    expect.stringMatching(/^iam created/),
    'iam ListAccessKeys',
    expect.stringMatching(/^iam DeleteAccessKey/),
  ]);
  expect(r.err).toContain('relay-credentials stopped (SIGTERM) while creating the access key.');
  expect(r.err).toContain('Nothing is left changed.');
});

test('SIGHUP while PutSecretValue is under way (stored): the secret names the new key, which stays; exit 129', async () => {
  const oldKey = h.aws.addKey(USER);
  const stop = new AbortController();
  h.aws.onAction = (action) => {
    if (action === 'PutSecretValue') stop.abort('SIGHUP');
  };
  const r = await h.run({}, { stop: stop.signal });
  const newKey = h.aws.keyIds(USER)[1];
  expect(r.code).toBe(129);
  expect(JSON.parse(h.aws.secretValues.get(SECRET_ARN)!).username).toBe(newKey);
  expect(h.aws.keyIds(USER)).toEqual([oldKey.id, newKey]);
  expect(r.err).toContain(`secret ${SECRET_ARN}: names the new key ${newKey}`);
  expect(r.err).toContain('To finish:');
  expect(r.err).toContain('ghes-email apply --config');
  expect(r.err).toContain('--finish-rotation');
});

test('SIGINT before anything was created: nothing to undo, exit 130', async () => {
  const stop = new AbortController();
  h.aws.onAction = (action) => {
    if (action === 'ListAccessKeys') stop.abort('SIGINT');
  };
  const r = await h.run({}, { stop: stop.signal });
  expect(r.code).toBe(130);
  expect(h.events).not.toContain('iam CreateAccessKey');
  expect(r.err).toContain('relay-credentials stopped (SIGINT) before anything was changed');
});

test('a second signal while the new key is being deleted: stops at once, naming the key that may remain', async () => {
  const stop = new AbortController();
  const again = new AbortController();
  h.smtp.refuseFirst = Number.MAX_SAFE_INTEGER;
  h.aws.onAction = (action) => {
    if (action === 'CreateAccessKey') h.aws.failNext.DeleteAccessKey = [{ hang: true }];
    if (action === 'DeleteAccessKey') again.abort('SIGINT');
  };
  const r = await h.run(
    {},
    {
      stop: stop.signal,
      stopNow: again.signal,
      login: async () => {
        stop.abort('SIGINT');
        throw new Error('535 Authentication Credentials Invalid');
      },
    },
  );
  const made = h.aws.keyIds(USER)[0];
  expect(r.code).toBe(130);
  expect(r.err).toContain(`access key ${made} (new): may still exist (stopped again while deleting it)`);
  expect(r.err).toContain(`aws iam delete-access-key --user-name ${USER} --access-key-id ${made}`);
});

test('EPIPE on stdout counts as SIGPIPE: rolled back, reported on stderr, exit 141', async () => {
  const stop = new AbortController();
  const r = await h.run(
    {},
    {
      stop: stop.signal,
      login: async () => {
        stop.abort('SIGPIPE');
        throw new Error('535 Authentication Credentials Invalid');
      },
    },
  );
  expect(r.code).toBe(141);
  expect(h.aws.keyIds(USER)).toEqual([]);
  expect(r.err).toContain('relay-credentials stopped (SIGPIPE: stdout was closed)');
});
