/**
 * Untrusted text (log lines, SMTP greetings and replies) never reaches the
 * terminal raw: the human report shows control characters as visible escapes,
 * so a log line cannot retitle the window (`ESC ]0;…`), clear the screen
 * (`ESC [2J`), overwrite a FAIL with a PASS (`\r`) or add a line of its own.
 * `--json` keeps the exact text (JSON escapes it).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DoctorReport, renderText, terminalColumns } from '../../../lib/cli/doctor/report';
import { escapeControls } from '../../../lib/cli/doctor/terminal-text';
import { startAuthDns } from '../../support/doctor/auth-dns-server';
import { HOSTNAME, RELAY_NAME, writeConfig } from '../../support/doctor/config';
import { json, runCli } from '../../support/doctor/run-cli';
import { RunningServer, startScripted } from '../../support/doctor/smtp-servers';

/** Any character a terminal may act on, other than tab and the report's own newlines. */
const RAW_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;
const HOSTILE = '\u001b]0;pwned\u0007\u001b[2J\rPASS  forged\nFAIL\u009b31m\u007f\u0000\u202egnp.exe';

describe('escapeControls', () => {
  test('C0, ESC sequences, DEL, C1 and bidi overrides become visible escapes; tab and other text stay', () => {
    expect(escapeControls(HOSTILE)).toBe(
      '\\x1b]0;pwned\\x07\\x1b[2J\\rPASS  forged\\nFAIL\\x9b31m\\x7f\\x00\\u202egnp.exe',
    );
    expect(escapeControls('a\tb é ✓ 日本 <x@y> "q" \\')).toBe('a\tb é ✓ 日本 <x@y> "q" \\');
  });

  test('every code point that is a control or reorders text is escaped, one at a time', () => {
    const raw = Array.from({ length: 0x206a }, (_, c) => String.fromCharCode(c)).filter((ch) =>
      RAW_CONTROL.test(escapeControls(ch)),
    );
    expect(raw.map((ch) => ch.charCodeAt(0).toString(16))).toEqual([]);
  });
});

test('renderText: hostile id, message, fix and transcript lines stay on their own lines, escaped', () => {
  const text = renderText({
    command: 'logs',
    checks: [{ id: `mail:${HOSTILE}`, status: 'fail', message: `never arrived: ${HOSTILE}`, fix: `read ${HOSTILE}` }],
    transcript: [`-> "${HOSTILE}"`, `note ${HOSTILE}`],
  });
  expect(text).not.toMatch(RAW_CONTROL);
  expect(text.split('\n')).toHaveLength(9); // header, 2 transcript lines, blank, check, fix, blank, summary, final newline
  expect(text).toContain('never arrived: \\x1b]0;pwned\\x07\\x1b[2J\\rPASS  forged\\nFAIL');
});

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'doctor-terminal-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test('doctor logs: escape sequences in mail.log and unicorn.log are shown escaped; --json keeps them exact', async () => {
  const logs = join(dir, 'logs');
  mkdirSync(logs);
  writeFileSync(
    join(logs, 'mail.log'),
    `May  2 10:02:11 host postfix/smtpd[1]: NOQUEUE: reject: RCPT from unknown[203.0.113.9]: 554 5.7.1 \u001b]0;owned\u0007\u001b[2J\r<x@y>: Relay access denied; from=<a@b> to=<x@y\u009b2J>\n`,
  );
  writeFileSync(
    join(logs, 'unicorn.log'),
    'Connection opened: smtp.example.com:587\n-> "220 evil\\e[2J\\r\\n"\n<- "EHLO a\\r\\n"\n-> "554 no\u001b]0;x\u0007\\r\\n"\n',
  );
  const human = await runCli(['doctor', 'logs', logs]);
  expect(human.code).toBe(1);
  expect(human.stdout).not.toMatch(RAW_CONTROL);
  expect(human.stdout).toContain('554 5.7.1 \\x1b]0;owned\\x07\\x1b[2J\\r<x@y>: Relay access denied');
  expect(human.stdout).toContain('554 no\\x1b]0;x\\x07');
  const machine = json(await runCli(['doctor', 'logs', logs, '--json']));
  expect(machine.checks.find((c) => c.data?.outcome === 'never-arrived')!.data!.to).toBe('x@y\u009b2J');
});

describe('doctor smtp against a relay with a hostile greeting', () => {
  let relay: RunningServer;
  beforeAll(async () => {
    relay = await startScripted(`220 ${RELAY_NAME} hi\u001b]0;pwned\u0007\u001b[2J\u009b1m`, [
      `${RELAY_NAME} \u001b[31mred`,
      'SIZE 1000',
    ]);
  });
  afterAll(() => relay.close());

  test('the greeting reaches the report and the transcript escaped', async () => {
    const config = writeConfig(dir, 'hostile', (c) => {
      c.smtp.authentication = 'none';
      delete c.smtp.username;
      delete c.smtp.password;
    });
    const r = await runCli([
      'doctor',
      'smtp',
      '--config',
      config,
      '--connect-to',
      `127.0.0.1:${relay.port}`,
      '--timeout',
      '2000',
    ]);
    expect(r.stdout).toMatch(/PASS {2}smtp\.connect .*greeted: 220 .*hi\\x1b\]0;pwned\\x07\\x1b\[2J\\x9b1m$/m);
    expect(r.stdout).toContain('-> "250-smtp.relay.test \\u001b[31mred\\r\\n"');
    expect(r.stdout).not.toMatch(RAW_CONTROL);
    expect(r.stderr).not.toMatch(RAW_CONTROL);
  });
});

test('--json escapes C1 controls (U+009B is CSI), DEL and bidi marks from DNS answers; the parsed text is what DNS gave', async () => {
  const hostile = 'v=DMARC1; p=none; rua=mailto:a@example.test\u009b2J\u007f\u202e';
  const dns = await startAuthDns({ [`_dmarc.${HOSTNAME}`]: { TXT: [hostile] } });
  try {
    const config = writeConfig(dir, 'c1-json');
    const r = await runCli(['doctor', 'deliverability', '--config', config, '--dns-server', dns.address, '--json']);
    expect(r.stdout).not.toMatch(RAW_CONTROL);
    expect(r.stdout).toContain('\\u009b');
    const record = json(r).checks.find((c) => c.id === 'dmarc.record')!;
    // TXT data are bytes; node reads them as Latin-1, so U+009B (UTF-8 c2 9b) arrives as "\u00c2\u009b".
    expect(record.data!.seen).toContain('\u009b2J\u007f');
  } finally {
    await dns.close();
  }
});

describe('on a terminal, report lines wrap to its width (issue 18 item 7)', () => {
  const report: DoctorReport = {
    command: 'smtp',
    checks: [
      {
        id: 'smtp.auth',
        status: 'fail',
        message: `AUTH LOGIN as ghes@example.com failed: 535 5.7.8 ${'Username and Password not accepted. '.repeat(3)}`,
        fix: `check the credentials in the secret; see https://docs.example.com/${'x'.repeat(90)} for details`,
      },
    ],
  };

  test('no line runs past the width but a word longer than a line, which keeps its own line whole', () => {
    const lines = renderText(report, 80).trimEnd().split('\n');
    expect(lines.length).toBeGreaterThan(5);
    const url = `https://docs.example.com/${'x'.repeat(90)}`;
    for (const line of lines) if (!line.includes(url)) expect(line.length).toBeLessThanOrEqual(80);
    expect(lines.some((l) => l.trim() === url)).toBe(true);
    // Continuation lines sit under the message, and the text is all there, in order.
    expect(lines[1].startsWith(' '.repeat(17))).toBe(true);
    expect(lines.join(' ').replace(/\s+/g, ' ')).toContain('535 5.7.8 Username and Password not accepted.');
  });

  test('not a terminal (a pipe, a file): one line per check, as before', () => {
    const lines = renderText(report).trimEnd().split('\n');
    expect(lines[0].length).toBeGreaterThan(120);
    expect(terminalColumns({ isTTY: undefined, columns: 80 })).toBeUndefined();
    expect(terminalColumns({ isTTY: true, columns: 80 })).toBe(80);
  });
});
