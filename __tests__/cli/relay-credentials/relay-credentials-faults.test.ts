/**
 * When IAM, Secrets Manager or the SMTP endpoint misbehave (issue 17 items 3, 4, 5): an ambiguous secret write is
 * read back before deciding, CreateAccessKey is tried once and the keys listed again after any error, and faults
 * that waiting cannot heal end the verify wait at once.
 */
import { createServer } from 'node:net';
import { RelayCredentialsIo } from '../../../lib/cli/relay-credentials/relay-credentials';
import { SmtpLoginError, smtpLogin } from '../../../lib/cli/relay-credentials/smtp-login';
import { COMMIT_THEN_500, Fault } from '../../support/relay/relay-aws-double';
import { OLD_PASSWORD, SECRET_ARN, USER, useRelayHarness } from '../../support/relay/relay-harness';
import { SES_TEST_HOST } from '../../support/relay/ses-smtp-double';

const h = useRelayHarness();
/** Enough of a fault for every attempt the SDK makes at a call it may retry. */
const always = (fault: Fault): Fault[] => Array<Fault>(5).fill(fault);

describe('an ambiguous PutSecretValue is resolved by reading the secret back (item 3)', () => {
  test('stored, then 500: the new key is what the secret names, so it stays; exit 0 and said so', async () => {
    const oldKey = h.aws.addKey(USER);
    h.aws.failNext.PutSecretValue = always(COMMIT_THEN_500);
    const r = await h.run();
    const newKey = h.aws.keyIds(USER)[1];
    expect(r.code).toBe(0);
    expect(h.aws.keyIds(USER)).toEqual([oldKey.id, newKey]);
    expect(JSON.parse(h.aws.secretValues.get(SECRET_ARN)!).username).toBe(newKey);
    expect(h.events.slice(-1)).toEqual(['secretsmanager DescribeSecret']);
    expect(r.out).toMatch(
      /PutSecretValue answered InternalFailure: .*; reading the secret back shows this run's version is current: written/,
    );
    h.expectNoSecrets(r);
  });

  test('stored, then the connection dropped: also resolved as written', async () => {
    h.aws.failNext.PutSecretValue = always({ commit: true, drop: true });
    const r = await h.run();
    expect(r.code).toBe(0);
    expect(JSON.parse(h.aws.secretValues.get(SECRET_ARN)!).username).toBe(h.aws.keyIds(USER)[0]);
  });

  test('dropped before storing: the secret is unchanged, so the new key is deleted again; exit 1', async () => {
    const oldKey = h.aws.addKey(USER);
    const before = JSON.stringify({ username: oldKey.id, password: OLD_PASSWORD });
    h.aws.secretValues.set(SECRET_ARN, before);
    h.aws.failNext.PutSecretValue = always({ drop: true });
    const r = await h.run();
    expect(r.code).toBe(1);
    expect(h.aws.keyIds(USER)).toEqual([oldKey.id]);
    expect(h.aws.secretValues.get(SECRET_ARN)).toBe(before);
    expect(h.events.slice(-2)).toEqual([
      'secretsmanager DescribeSecret',
      expect.stringMatching(/^iam DeleteAccessKey/),
    ]);
    expect(r.err).toContain(`secret ${SECRET_ARN}: unchanged`);
    expect(r.err).toContain('Nothing is left changed.');
  });

  test('stored, then 500, and the read-back fails too: the new key is kept, exit 3, both ways to finish', async () => {
    const oldKey = h.aws.addKey(USER);
    h.aws.failNext.PutSecretValue = always(COMMIT_THEN_500);
    h.aws.onAction = (action) => {
      if (action === 'PutSecretValue') h.aws.failNext.DescribeSecret = always('AccessDeniedException');
    };
    const r = await h.run();
    const newKey = h.aws.keyIds(USER)[1];
    expect(r.code).toBe(3);
    expect(h.aws.keyIds(USER)).toEqual([oldKey.id, newKey]);
    expect(r.err).toContain(`secret ${SECRET_ARN}: unknown`);
    expect(r.err).toContain(`aws secretsmanager describe-secret --secret-id ${SECRET_ARN}`);
    expect(r.err).toContain(`aws iam delete-access-key --user-name ${USER} --access-key-id ${newKey}`);
    expect(r.err).toContain('ghes-email apply');
    h.expectNoSecrets(r);
  });
});

describe('CreateAccessKey is tried once, and the keys are listed again after any error (item 4)', () => {
  test('it made the key, then answered 500: no second try; the key it made is found and deleted; exit 1', async () => {
    h.aws.failNext.CreateAccessKey = [COMMIT_THEN_500];
    const r = await h.run();
    expect(h.events.filter((e) => e.startsWith('iam'))).toEqual([
      'iam ListAccessKeys',
      'iam CreateAccessKey',
      expect.stringMatching(/^iam created AKIA/),
      'iam ListAccessKeys',
      expect.stringMatching(/^iam DeleteAccessKey AKIA/),
    ]);
    const made = h.events[3].split(' ')[2];
    expect(r.code).toBe(1);
    expect(h.aws.keyIds(USER)).toEqual([]);
    expect(r.err).toContain(`cannot create an access key for IAM user ${USER}: InternalFailure`);
    expect(r.err).toContain(`access key ${made} (made by this run although CreateAccessKey failed): deleted again`);
    expect(r.err).toContain('Nothing is left changed.');
  });

  test('with an older key present: no retry into LimitExceeded, and the user is left with the old key only', async () => {
    const oldKey = h.aws.addKey(USER);
    h.aws.failNext.CreateAccessKey = [COMMIT_THEN_500];
    const r = await h.run();
    expect(r.code).toBe(1);
    expect(h.aws.keyIds(USER)).toEqual([oldKey.id]);
    expect(r.err).not.toContain('LimitExceeded');
  });

  test('it made the key and the list after it fails: exit 3, with the command that finds it', async () => {
    const oldKey = h.aws.addKey(USER);
    h.aws.failNext.CreateAccessKey = [COMMIT_THEN_500];
    h.aws.onAction = (action) => {
      if (action === 'CreateAccessKey') h.aws.failNext.ListAccessKeys = always('AccessDenied');
    };
    const r = await h.run();
    expect(r.code).toBe(3);
    expect(r.err).toContain(`aws iam list-access-keys --user-name ${USER}`);
    expect(r.err).toContain(`a key other than ${oldKey.id} was made by this run`);
  });

  test('refused outright (nothing made): exit 1, nothing changed', async () => {
    h.aws.failNext.CreateAccessKey = ['AccessDenied'];
    const r = await h.run();
    expect(r.code).toBe(1);
    expect(h.events.filter((e) => e.startsWith('iam'))).toEqual(['iam ListAccessKeys', 'iam ListAccessKeys']);
    expect(r.err).toContain('Nothing is left changed.');
  });
});

describe('what waiting cannot heal ends the verify wait at once (item 5)', () => {
  /** A login that fails with `message` (as nodemailer words it) and counts its calls. */
  function failingLogin(message: string): { calls: number; login: NonNullable<RelayCredentialsIo['login']> } {
    const counter = {
      calls: 0,
      login: async () => {
        counter.calls += 1;
        throw new SmtpLoginError(message);
      },
    };
    return counter;
  }

  test('DNS: ENOTFOUND fails at the first attempt with an egress hint; the new key is deleted; exit 1', async () => {
    const f = failingLogin('getaddrinfo ENOTFOUND email-smtp.eu-west-1.amazonaws.com');
    const r = await h.run({ verifyTimeoutSeconds: 2 }, { login: f.login });
    expect(f.calls).toBe(1);
    expect(r.code).toBe(1);
    expect(h.aws.keyIds(USER)).toEqual([]);
    expect(r.err).toContain('email-smtp.eu-west-1.amazonaws.com does not resolve from here');
    expect(r.err).toContain('waiting will not fix this');
    expect(r.err).toContain('outbound TCP 587');
  });

  test('connection refused, from a real closed port: one attempt, exit 1, with the hint', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    await new Promise((resolve) => server.close(resolve));
    let calls = 0;
    const r = await h.run(
      { verifyTimeoutSeconds: 2 },
      {
        login: (_t, u, p) => {
          calls += 1;
          return smtpLogin({ host: '127.0.0.1', port, timeoutMs: 2000 }, u, p);
        },
      },
    );
    expect({ calls, code: r.code }).toEqual({ calls: 1, code: 1 });
    expect(r.err).toContain('refused the connection');
    expect(r.err).toContain('waiting will not fix this');
  });

  test('TLS: a certificate not trusted here (a TLS-intercepting proxy) fails at once, naming NODE_EXTRA_CA_CERTS', async () => {
    let calls = 0;
    const r = await h.run(
      { verifyTimeoutSeconds: 2 },
      {
        login: (_t, u, p) => {
          calls += 1;
          return smtpLogin({ host: '127.0.0.1', port: h.smtp.port, servername: SES_TEST_HOST }, u, p);
        },
      },
    );
    expect({ calls, code: r.code }).toEqual({ calls: 1, code: 1 });
    expect(r.err).toContain('TLS with email-smtp.eu-west-1.amazonaws.com:587 failed');
    expect(r.err).toContain('NODE_EXTRA_CA_CERTS');
    expect(h.aws.keyIds(USER)).toEqual([]);
  });

  test('timeouts are waited out (they may pass), but when time is up the report says where to look', async () => {
    const f = failingLogin('Connection timeout');
    const r = await h.run({ verifyTimeoutSeconds: 0.3 }, { login: f.login });
    expect(f.calls).toBeGreaterThan(1);
    expect(r.code).toBe(1);
    expect(r.err).toContain(
      'email-smtp.eu-west-1.amazonaws.com:587 never answered with SMTP in 0.3 s (Connection timeout)',
    );
    expect(r.err).toContain('outbound TCP 587');
  });

  test('EAI_AGAIN is a temporary DNS failure: waited out like a refused key', async () => {
    let calls = 0;
    const r = await h.run(
      {},
      {
        login: async (t, u, p) => {
          calls += 1;
          if (calls <= 2) throw new SmtpLoginError('getaddrinfo EAI_AGAIN email-smtp.eu-west-1.amazonaws.com');
          return h.login(t, u, p);
        },
      },
    );
    expect({ calls, code: r.code }).toEqual({ calls: 3, code: 0 });
    expect(r.out).toContain('waiting for SES to accept the new key: getaddrinfo EAI_AGAIN');
  });
});
