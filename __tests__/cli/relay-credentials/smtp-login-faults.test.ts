/**
 * smtpLogin against loopback peers that misbehave at one step (issue 17): each must end in a rejected promise
 * (SmtpLoginError) whose message names what happened. Before, a peer that closed before its greeting left the
 * promise pending forever: node's event loop emptied and `relay-credentials` exited 0 in the middle of a rotation.
 */
import { SmtpLoginError, smtpLogin } from '../../../lib/cli/relay-credentials/smtp-login';
import {
  EHLO_REPLY,
  GREETING,
  startAnswering,
  startClosesAfterEhlo,
  startClosesBeforeGreeting,
  startGarbage,
  startMuteAfterGreeting,
  startNeverAnswers,
} from '../../support/doctor/smtp-faults';
import { RunningServer } from '../../support/doctor/smtp-servers';

const TIMEOUT_MS = 300;
const PASSWORD = `Canary-${Math.random().toString(36).slice(2)}`;
const peers: RunningServer[] = [];

// A hang shows as this timeout (before the fix it was the only way these tests ended); no test measures time.
jest.setTimeout(10_000);

afterAll(async () => {
  await Promise.all(peers.map((p) => p.close()));
});

async function peer(start: Promise<RunningServer>): Promise<RunningServer> {
  const p = await start;
  peers.push(p);
  return p;
}

/** The rejection of one login against the peer; fails the test if the login succeeds. */
async function loginFailure(p: RunningServer): Promise<SmtpLoginError> {
  try {
    await smtpLogin({ host: '127.0.0.1', port: p.port, timeoutMs: TIMEOUT_MS }, 'AKIAEXAMPLEKEY', PASSWORD);
  } catch (err) {
    expect(err).toBeInstanceOf(SmtpLoginError);
    expect((err as Error).message).not.toContain(PASSWORD);
    return err as SmtpLoginError;
  }
  throw new Error('smtpLogin resolved against a faulty peer');
}

test('a peer that closes before its greeting: rejected, "closed the connection before its greeting"', async () => {
  const p = await peer(startClosesBeforeGreeting());
  const e = await loginFailure(p);
  expect(e.message).toBe(`127.0.0.1:${p.port} closed the connection before its greeting`);
  expect(e.responseCode).toBeUndefined();
  expect(e.code).toBe('closed');
});

test('a peer that closes right after answering EHLO: rejected, "closed the connection after EHLO"', async () => {
  const p = await peer(startClosesAfterEhlo());
  expect((await loginFailure(p)).message).toBe(`127.0.0.1:${p.port} closed the connection after EHLO`);
});

test('a peer that never answers: rejected, no greeting within the timeout', async () => {
  const p = await peer(startNeverAnswers());
  expect((await loginFailure(p)).message).toBe(
    `127.0.0.1:${p.port} accepted the TCP connection but sent no SMTP greeting within ${TIMEOUT_MS} ms`,
  );
});

test('a peer that greets and never answers EHLO: rejected, "did not answer EHLO within"', async () => {
  const p = await peer(startMuteAfterGreeting());
  expect((await loginFailure(p)).message).toBe(`127.0.0.1:${p.port} did not answer EHLO within ${TIMEOUT_MS} ms`);
});

test('a peer that answers garbage instead of a greeting: rejected, "answered something that is not SMTP"', async () => {
  const p = await peer(startGarbage());
  expect((await loginFailure(p)).message).toBe(
    `127.0.0.1:${p.port} answered something that is not SMTP instead of its greeting: "SSH-2.0-OpenSSH_9.6p1 Ubuntu-3ubuntu13"`,
  );
});

test('a peer that answers EHLO with garbage: rejected, names the command it answered', async () => {
  const p = await peer(startAnswering(GREETING, (line) => (/^EHLO /i.test(line) ? 'HTTP/1.1 400 Bad Request' : null)));
  expect((await loginFailure(p)).message).toBe(
    `127.0.0.1:${p.port} answered something that is not SMTP to EHLO: "HTTP/1.1 400 Bad Request"`,
  );
});

test('a peer that says 220 to STARTTLS and hangs up: rejected, "during the TLS handshake"', async () => {
  const p = await peer(
    startAnswering(GREETING, (line) =>
      /^EHLO /i.test(line) ? EHLO_REPLY : /^STARTTLS/i.test(line) ? { close: true, after: ['220 go ahead'] } : null,
    ),
  );
  expect((await loginFailure(p)).message).toBe(
    `127.0.0.1:${p.port} closed the connection during the TLS handshake (after STARTTLS)`,
  );
});
