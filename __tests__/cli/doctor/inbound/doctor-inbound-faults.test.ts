/**
 * `doctor inbound` against port-25 peers on loopback that misbehave at one step (issue 17): one that closes before
 * its greeting, one that closes right after answering EHLO, ones that never answer (short timeouts), one that
 * answers garbage. Each run must keep its DNS results, report the probe as failed naming what happened with a fix
 * line, and exit 1. Before, the first left the probe pending: node exited 0 with no report, DNS results lost.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CORRECT, HOSTNAME, LOOP, REPLY, writeConfig } from '../../../support/doctor/config';
import { RunningDns, startDns } from '../../../support/doctor/dns-server';
import { CliResult, json, runCli } from '../../../support/doctor/run-cli';
import {
  startClosesAfterEhlo,
  startClosesBeforeGreeting,
  startGarbage,
  startMuteAfterGreeting,
  startNeverAnswers,
} from '../../../support/doctor/smtp-faults';
import { RunningServer } from '../../../support/doctor/smtp-servers';

let dir: string;
let config: string;
let dns: RunningDns;
const running: { close(): Promise<void> }[] = [];

// A hang shows as this timeout; no test measures time.
jest.setTimeout(10_000);

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'doctor-inbound-faults-'));
  config = writeConfig(dir, 'inbound');
  dns = await startDns(CORRECT);
  running.push(dns);
});
afterAll(async () => {
  await Promise.all(running.map((s) => s.close()));
  rmSync(dir, { recursive: true, force: true });
});

async function peer(start: Promise<RunningServer>): Promise<RunningServer> {
  const p = await start;
  running.push(p);
  return p;
}

function doctor(port: number, ...extra: string[]): Promise<CliResult> {
  return runCli([
    'doctor',
    'inbound',
    '--config',
    config,
    '--dns-server',
    dns.address,
    '--connect-to',
    `${LOOP}:${port}`,
    '--timeout',
    '300',
    '--dns-timeout',
    '2000',
    ...extra,
  ]);
}

const DNS_PASSED = [
  ['dns.reply-address', 'pass'],
  ['dns.reply-mx', 'pass'],
  ['dns.noreply-mx', 'pass'],
];
const statuses = (r: CliResult) => json(r).checks.map((c) => [c.id, c.status]);
const check = (r: CliResult, id: string) => json(r).checks.find((c) => c.id === id)!;
const probeId = (target: string) => `port25.${target}[${LOOP}]`;

test('closes before its greeting: DNS results kept, each probe fails naming it, exit 1 (was: exit 0, no report)', async () => {
  const p = await peer(startClosesBeforeGreeting());
  const r = await doctor(p.port);
  expect(r.code).toBe(1);
  const lines = r.stdout.trim().split('\n');
  expect(lines.filter((l) => /^PASS {2}dns\./.test(l))).toHaveLength(3);
  const fail = lines.findIndex((l) => l.startsWith('FAIL'));
  expect(lines[fail]).toMatch(
    new RegExp(
      `^FAIL {2}port25\\.reply\\.github\\.example\\.test\\[127\\.0\\.0\\.1\\] +${REPLY.replace(/\./g, '\\.')} \\(${LOOP}:${p.port}\\) closed the connection before its greeting$`,
    ),
  );
  expect(lines[fail + 1]).toMatch(/^ +fix: /);
  expect(lines[lines.length - 1]).toBe('FAILED: doctor inbound: 3 passed, 2 failed, 0 warnings');
});

test('closes right after answering EHLO: greeting and STARTTLS pass, the MAIL FROM probe fails "after EHLO"', async () => {
  const p = await peer(startClosesAfterEhlo());
  const r = await doctor(p.port, '--json');
  expect(r.code).toBe(1);
  expect(statuses(r).slice(0, 3)).toEqual(DNS_PASSED);
  for (const target of [REPLY, HOSTNAME]) {
    expect(check(r, probeId(target)).status).toBe('pass');
    expect(check(r, `${probeId(target)}.starttls`).status).toBe('pass');
    expect(check(r, `${probeId(target)}.enforce-tls`)).toMatchObject({
      status: 'fail',
      message: `${target} (${LOOP}:${p.port}) closed the connection after EHLO`,
      fix: expect.stringMatching(/port 25 on the appliance/),
    });
  }
});

test('never answers: no greeting within --timeout, DNS results kept, exit 1', async () => {
  const p = await peer(startNeverAnswers());
  const r = await doctor(p.port, '--json');
  expect(r.code).toBe(1);
  expect(statuses(r)).toEqual([...DNS_PASSED, [probeId(REPLY), 'fail'], [probeId(HOSTNAME), 'fail']]);
  expect(check(r, probeId(REPLY)).message).toBe(
    `${REPLY} (${LOOP}:${p.port}) accepted the TCP connection but sent no SMTP greeting within 300 ms`,
  );
});

test('greets, then never answers EHLO: "did not answer EHLO within", exit 1', async () => {
  const p = await peer(startMuteAfterGreeting());
  const r = await doctor(p.port, '--json');
  expect(r.code).toBe(1);
  expect(statuses(r)).toEqual([...DNS_PASSED, [probeId(REPLY), 'fail'], [probeId(HOSTNAME), 'fail']]);
  expect(check(r, probeId(REPLY))).toMatchObject({
    message: `${REPLY} (${LOOP}:${p.port}) did not answer EHLO within 300 ms`,
    fix: expect.any(String),
  });
});

test('answers garbage: "answered something that is not SMTP", DNS results kept, exit 1', async () => {
  const p = await peer(startGarbage());
  const r = await doctor(p.port, '--json');
  expect(r.code).toBe(1);
  expect(statuses(r)).toEqual([...DNS_PASSED, [probeId(REPLY), 'fail'], [probeId(HOSTNAME), 'fail']]);
  expect(check(r, probeId(HOSTNAME))).toMatchObject({
    message: `${HOSTNAME} (${LOOP}:${p.port}) answered something that is not SMTP instead of its greeting: "SSH-2.0-OpenSSH_9.6p1 Ubuntu-3ubuntu13"`,
    fix: expect.stringMatching(/port 25 on the appliance/),
  });
});
