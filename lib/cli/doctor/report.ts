/**
 * The doctor's output: one line per check and a summary for people, or one JSON
 * document for machines. Exit code 0 when nothing failed, 1 otherwise
 * (warnings do not fail a run: they name something worth a look).
 */
import { escapeControls, escapeJsonControls } from './terminal-text';

/** How a check came out. `info` is a finding that is neither good nor bad. */
export type CheckStatus = 'pass' | 'fail' | 'warn' | 'info';

/** One finding: what was checked, what was seen and, when it failed, what to do. */
export interface Check {
  /** Short stable id, e.g. "smtp.auth" or "dns.reply-mx"; used in JSON output. */
  readonly id: string;
  readonly status: CheckStatus;
  /** One plain sentence: what was expected and what was seen. */
  readonly message: string;
  /** What to do about a failure or warning. @default - nothing to do */
  readonly fix?: string;
  /** Machine-readable facts behind the message (reply codes, records, queue ids). @default - none */
  readonly data?: Readonly<Record<string, unknown>>;
}

/** Everything one doctor command found. */
export interface DoctorReport {
  /** "smtp", "inbound" or "logs". */
  readonly command: string;
  readonly checks: readonly Check[];
  /** Conversation in unicorn.log's arrow format, credentials masked. @default - none */
  readonly transcript?: readonly string[];
}

export interface Summary {
  readonly passed: number;
  readonly failed: number;
  readonly warnings: number;
  readonly ok: boolean;
}

export function summarize(checks: readonly Check[]): Summary {
  const count = (s: CheckStatus) => checks.reduce((n, c) => n + (c.status === s ? 1 : 0), 0);
  const failed = count('fail');
  return { passed: count('pass'), failed, warnings: count('warn'), ok: failed === 0 };
}

/** 0 when every check passed (warnings allowed), 1 when one failed. */
export function exitCodeOf(report: DoctorReport): 0 | 1 {
  return summarize(report.checks).ok ? 0 : 1;
}

const LABEL: Record<CheckStatus, string> = { pass: 'PASS', fail: 'FAIL', warn: 'WARN', info: 'INFO' };

/**
 * The human report: transcript (if any), one line per check, then a summary line.
 * Ids, messages, fixes and transcript lines quote untrusted text (log lines, SMTP
 * replies, DNS names), so each goes through escapeControls: one check stays one line,
 * and nothing in it can drive the terminal.
 */
export function renderText(report: DoctorReport, columns?: number): string {
  const lines: string[] = [];
  if (report.transcript && report.transcript.length > 0) {
    lines.push('Conversation (credentials masked):', ...report.transcript.map((l) => `  ${escapeControls(l)}`), '');
  }
  const ids = report.checks.map((c) => escapeControls(c.id));
  const width = ids.reduce((w, id) => Math.max(w, id.length), 0);
  const indent = ' '.repeat(width + 8);
  report.checks.forEach((c, i) => {
    const head = `${LABEL[c.status]}  ${ids[i].padEnd(width)}  `;
    lines.push(...wrap(head, indent, escapeControls(c.message), columns));
    if (c.fix && c.status !== 'pass')
      lines.push(...wrap(`${indent}fix: `, `${indent}     `, escapeControls(c.fix), columns));
  });
  const s = summarize(report.checks);
  lines.push('');
  lines.push(
    `${s.ok ? 'OK' : 'FAILED'}: doctor ${report.command}: ${s.passed} passed, ${s.failed} failed, ${s.warnings} warning${s.warnings === 1 ? '' : 's'}`,
  );
  return lines.join('\n') + '\n';
}

/**
 * `text` after `first`, wrapped at spaces to `columns` with `rest` before each further line; a word longer than a
 * line keeps its own line whole (a URL, a record value). Without `columns` (not a terminal), one line.
 */
function wrap(first: string, rest: string, text: string, columns: number | undefined): string[] {
  if (columns === undefined || first.length + text.length <= columns) return [`${first}${text}`];
  const out: string[] = [];
  let prefix = first;
  let line = '';
  for (const word of text.split(' ')) {
    const room = Math.max(20, columns - prefix.length);
    if (line !== '' && line.length + 1 + word.length > room) {
      out.push(`${prefix}${line}`);
      prefix = rest;
      line = word;
    } else line = line === '' ? word : `${line} ${word}`;
  }
  out.push(`${prefix}${line}`);
  return out;
}

/** The width to wrap a report to: the terminal's, when the report goes to one. */
export function terminalColumns(stream: { isTTY?: boolean; columns?: number }): number | undefined {
  return stream.isTTY && typeof stream.columns === 'number' && stream.columns > 0 ? stream.columns : undefined;
}

/**
 * The machine report: the checks, the transcript and the summary. The parsed text is exact; the characters a
 * terminal acts on are written as escapes, like the human report's (a `--json` run is often just printed).
 */
export function renderJson(report: DoctorReport): string {
  return escapeJsonControls(
    JSON.stringify(
      {
        command: report.command,
        summary: summarize(report.checks),
        checks: report.checks,
        transcript: report.transcript ?? [],
      },
      null,
      2,
    ) + '\n',
  );
}
