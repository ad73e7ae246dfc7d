/**
 * `doctor smtp` against loopback peers that misbehave at one step (issue 17): one that closes before its greeting,
 * one that closes right after answering EHLO, ones that never answer (short timeouts), ones that answer garbage.
 * Each run must end with its report, a failed check naming what happened with a fix line, and exit 1. Before, the
 * first left the conversation's promise pending: node's event loop emptied and the command exited 0 with no report.
 * Also the 421 fix line, which names EC2's port-25 throttling only when the relay's port is 25 (issue 18 item 7).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeConfig } from '../../../support/doctor/config';
import { CliResult, json, runCli } from '../../../support/doctor/run-cli';
import {
  EHLO_REPLY,
  GREETING,
  startAnswering,
  startClosesAfterEhlo,
  startClosesBeforeGreeting,
  startGarbage,
  startMuteAfterGreeting,
  startNeverAnswers,
} from '../../../support/doctor/smtp-faults';
import { RunningServer } from '../../../support/doctor/smtp-servers';

const CANARY = `Canary-${Math.random().toString(36).slice(2)}-pw`;
let dir: string;
let config: string;
const peers: RunningServer[] = [];

// A hang shows as this timeout; no test measures time.
jest.setTimeout(10_000);

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'doctor-smtp-faults-'));
  config = writeConfig(dir, 'relay');
});
afterAll(async () => {
  await Promise.all(peers.map((p) => p.close()));
  rmSync(dir, { recursive: true, force: true });
});

async function peer(start: Promise<RunningServer>): Promise<RunningServer> {
  const p = await start;
  peers.push(p);
  return p;
}

function doctor(port: number, cfg: string, ...extra: string[]): Promise<CliResult> {
  return runCli(
    [
      'doctor',
      'smtp',
      '--config',
      cfg,
      '--connect-to',
      `127.0.0.1:${port}`,
      '--password-stdin',
      '--timeout',
      '300',
      ...extra,
    ],
    { stdin: `${CANARY}\n` },
  );
}

const statuses = (r: CliResult) => json(r).checks.map((c) => [c.id, c.status]);
const failed = (r: CliResult) => json(r).checks.find((c) => c.status === 'fail')!;

test('closes before its greeting: the report says so with a fix line, exit 1 (was: exit 0, no report)', async () => {
  const p = await peer(startClosesBeforeGreeting());
  const r = await doctor(p.port, config);
  expect(r.code).toBe(1);
  const lines = r.stdout.trim().split('\n');
  const at = lines.findIndex((l) => l.startsWith('FAIL'));
  expect(lines[at]).toBe(`FAIL  smtp.connect  127.0.0.1:${p.port} closed the connection before its greeting`);
  expect(lines[at + 1]).toMatch(/^ {20}fix: .*allow list/);
  expect(lines[lines.length - 1]).toBe('FAILED: doctor smtp: 0 passed, 1 failed, 0 warnings');
  expect(r.stdout).not.toContain(CANARY);
});

test('closes right after answering EHLO: greeting and EHLO pass, TLS fails "closed the connection after EHLO"', async () => {
  const p = await peer(startClosesAfterEhlo());
  const r = await doctor(p.port, config, '--json');
  expect(r.code).toBe(1);
  expect(statuses(r)).toEqual([
    ['smtp.connect', 'pass'],
    ['smtp.ehlo', 'pass'],
    ['smtp.tls', 'fail'],
  ]);
  expect(failed(r)).toMatchObject({
    message: `127.0.0.1:${p.port} closed the connection after EHLO`,
    fix: expect.stringMatching(/dropped the session/),
  });
  expect(json(r).transcript).toContain('<- "STARTTLS\\r\\n"');
});

test('never answers: no greeting within --timeout, exit 1', async () => {
  const p = await peer(startNeverAnswers());
  const r = await doctor(p.port, config, '--json');
  expect(r.code).toBe(1);
  expect(failed(r)).toMatchObject({
    id: 'smtp.connect',
    message: `127.0.0.1:${p.port} accepted the TCP connection but sent no SMTP greeting within 300 ms`,
    fix: expect.any(String),
  });
});

test('greets, then never answers EHLO: "did not answer EHLO within", exit 1', async () => {
  const p = await peer(startMuteAfterGreeting());
  const r = await doctor(p.port, config, '--json');
  expect(r.code).toBe(1);
  expect(statuses(r)).toEqual([
    ['smtp.connect', 'pass'],
    ['smtp.ehlo', 'fail'],
  ]);
  expect(failed(r)).toMatchObject({
    message: `127.0.0.1:${p.port} did not answer EHLO within 300 ms`,
    fix: expect.stringMatching(/stalls the session/),
  });
});

test('answers garbage instead of a greeting: "answered something that is not SMTP", the fix names smtp.port', async () => {
  const p = await peer(startGarbage());
  const r = await doctor(p.port, config, '--json');
  expect(r.code).toBe(1);
  expect(failed(r)).toMatchObject({
    id: 'smtp.connect',
    message: `127.0.0.1:${p.port} answered something that is not SMTP instead of its greeting: "SSH-2.0-OpenSSH_9.6p1 Ubuntu-3ubuntu13"`,
    fix: expect.stringMatching(/not an SMTP service.*smtp\.port/),
  });
});

test('answers EHLO with garbage: the EHLO check fails naming it, exit 1', async () => {
  const p = await peer(startAnswering(GREETING, (l) => (/^EHLO /i.test(l) ? 'HTTP/1.1 400 Bad Request' : null)));
  const r = await doctor(p.port, config, '--json');
  expect(r.code).toBe(1);
  expect(statuses(r)).toEqual([
    ['smtp.connect', 'pass'],
    ['smtp.ehlo', 'fail'],
  ]);
  expect(failed(r).message).toBe(
    `127.0.0.1:${p.port} answered something that is not SMTP to EHLO: "HTTP/1.1 400 Bad Request"`,
  );
});

test('says 220 to STARTTLS, then hangs up: the TLS check fails "during the TLS handshake"', async () => {
  const p = await peer(
    startAnswering(GREETING, (l) =>
      /^EHLO /i.test(l) ? EHLO_REPLY : /^STARTTLS/i.test(l) ? { close: true, after: ['220 go ahead'] } : null,
    ),
  );
  const r = await doctor(p.port, config, '--json');
  expect(r.code).toBe(1);
  expect(failed(r)).toMatchObject({
    id: 'smtp.tls',
    message: `127.0.0.1:${p.port} closed the connection during the TLS handshake (after STARTTLS)`,
    fix: expect.stringMatching(/TLS setup/),
  });
});

describe('421 (the relay closes the session): the fix names EC2 port-25 throttling only on port 25', () => {
  let busy: RunningServer;
  beforeAll(async () => {
    busy = await peer(
      startAnswering(GREETING, (l) =>
        /^EHLO /i.test(l)
          ? { close: true, after: ['421 4.7.0 smtp.relay.test Too many connections, try later'] }
          : null,
      ),
    );
  });

  test('port 587: no word about port 25', async () => {
    const r = await doctor(busy.port, config, '--json');
    expect(r.code).toBe(1);
    expect(failed(r)).toMatchObject({
      id: 'smtp.ehlo',
      message: expect.stringMatching(/^EHLO answered 421 4\.7\.0 .*Too many connections/),
      fix: expect.stringMatching(/^retry later/),
    });
    expect(failed(r).fix).not.toMatch(/port 25|EC2/);
  });

  test('port 25: the fix adds the EC2 throttling note', async () => {
    const r = await doctor(
      busy.port,
      writeConfig(dir, 'port25', (c) => (c.smtp.port = 25)),
      '--json',
    );
    expect(r.code).toBe(1);
    expect(failed(r).fix).toMatch(/AWS throttles outbound port 25 from EC2/);
  });

  test('a 421 greeting is explained as a reply, not shown as a raw client error', async () => {
    const p = await peer(startAnswering('421 4.3.2 Service shutting down', () => null));
    const r = await doctor(p.port, config, '--json');
    expect(r.code).toBe(1);
    expect(failed(r)).toMatchObject({
      id: 'smtp.connect',
      message: `127.0.0.1:${p.port} greeted with 421 4.3.2 Service shutting down (service not available: the relay closed the session)`,
      fix: expect.stringMatching(/^retry later/),
    });
    expect(failed(r).fix).not.toMatch(/EC2/);
  });
});
