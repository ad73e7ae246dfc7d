/**
 * Every log parser is linear in its input. Two proofs, neither timed:
 * 1. Each regex the parsers run on untrusted text is executed by V8 with a
 *    backtrack budget proportional to the input (%NewRegExpWithBacktrackLimit);
 *    on pathological inputs it must finish within that budget. The old syslog
 *    regex needed ~n² backtracks on one line of repeated `postfix/`.
 * 2. The parsers count what they hand to regexes and what they scan by hand
 *    (an injected counter); for pathological lines 4× longer the work is at
 *    most ~4× larger.
 */
import { setFlagsFromString } from 'node:v8';
import { PATTERNS, countWork, match } from '../../../../lib/cli/doctor/patterns';
import { parseMailLog } from '../../../../lib/cli/doctor/logs/mail-log';
import { parseMetroplexLog } from '../../../../lib/cli/doctor/logs/metroplex-log';
import { parseUnicornLog } from '../../../../lib/cli/doctor/logs/unicorn-log';

setFlagsFromString('--allow-natives-syntax');
// Test-only V8 intrinsic: exec returns null once the regex backtracked more than `limit` times.
// eslint-disable-next-line @typescript-eslint/no-implied-eval -- V8's %-syntax parses only in a Function body
const withBacktrackLimit = new Function('p', 'f', 'l', 'return %NewRegExpWithBacktrackLimit(p, f, l)') as (
  p: string,
  f: string,
  l: number,
) => RegExp;

/** Backtracks allowed per input character; a linear regex stays far below, a quadratic one far above at these sizes. */
const PER_CHAR = 8;

/**
 * True when `re` finishes on `input` within PER_CHAR backtracks per character.
 * `|$` makes the probe match at the end of any input, so null can only mean "budget exceeded".
 */
function finishesWithinBudget(re: RegExp, input: string): boolean {
  const probe = withBacktrackLimit(`(?:${re.source})|$`, re.flags.replace(/[gy]/g, ''), PER_CHAR * input.length + 1000);
  return probe.exec(input) !== null;
}

/** Fragments that the patterns look for, repeated to build inputs that make backtracking regexes explode. */
const UNITS = [
  'postfix/',
  'postfix-a.b/',
  'postfix',
  'a/',
  'smtpd[1]',
  '[1]:',
  ']: ',
  '[',
  ':',
  ': ',
  ' ',
  '\t',
  'a',
  '0',
  'A1b2C',
  '.',
  '<',
  '<a',
  '>',
  '"',
  '\\',
  '\\"',
  '\\x',
  '-> "',
  '<- "',
  '->',
  '=',
  '=>',
  ' => ',
  'a=>',
  ', ',
  ',',
  ';',
  '(',
  ')',
  '((',
  'status=',
  'status=sent (',
  'from=<',
  'to=<',
  'relay=',
  'dsn=1.',
  'message-id=<',
  'client=',
  'connect from ',
  'removed',
  'processing ',
  'processing <',
  'processing a@',
  'Matched ',
  'Moving ',
  'Moving a ',
  '/success',
  ' -- ',
  ' -- :',
  'error ',
  'Connection opened: ',
  'opening connection to a',
  'a.',
  'a.b:',
  ':1',
  'NOQUEUE: reject: ',
  'RCPT from a',
  '554 ',
  '554 a',
  '5.7.',
  '250-',
  'AUTH ',
  'AUTH a ',
  'MAIL FROM',
  'é',
  '\u001b[',
  '\u0000',
];
/** Starts that put anchored patterns into their inner, repeating part. */
const PREFIXES = [
  '',
  'May  2 10:02:11 host postfix/smtpd[3101]: ',
  'NOQUEUE: reject: RCPT from ',
  'NOQUEUE: reject: RCPT from a: 554 ',
  '6A1B2C3D4E: ',
  'message-id=<',
  'to=<a>, status=sent (',
  'I, [2024] INFO -- : Moving ',
  'Connection opened: ',
  '-> "',
  '250-',
  'AUTH LOGIN ',
  '554 5.7.1 ',
];
const SIZE = 4000;

const inputs = PREFIXES.flatMap((prefix) => UNITS.map((unit) => prefix + unit.repeat(Math.ceil(SIZE / unit.length))));

test.each(Object.entries(PATTERNS as Record<string, RegExp>))(
  '%s is anchored and finishes within a linear backtrack budget on pathological inputs',
  (_name, re) => {
    // Anchored: one attempt per call. An unanchored search restarts at every position, and a
    // greedy scan per restart (/from=<([^>]*)>/ on "from=<from=<…") is quadratic without a single backtrack.
    expect(re.source.startsWith('^')).toBe(true);
    const over = inputs.filter((input) => !finishesWithinBudget(re, input));
    expect(over.map((i) => JSON.stringify(i.slice(0, 60)))).toEqual([]);
  },
);

test('the budget check itself catches a super-linear regex (the one the issue found)', () => {
  const old = /\bpostfix[\w.-]*\/(?:[\w.-]+\/)*([\w-]+)\[(\d+)\]:\s+(.*)$/;
  expect(finishesWithinBudget(old, 'postfix/'.repeat(500))).toBe(false);
  expect(finishesWithinBudget(old, 'May  2 10:02:11 host postfix/smtpd[3101]: connect from a[1.2.3.4]')).toBe(true);
});

describe('parser work grows linearly (counted, not timed)', () => {
  const families: Record<string, (n: number) => () => unknown> = {
    'mail.log: one line of repeated postfix/': (n) => () =>
      parseMailLog(`May  2 10:02:11 host ${'postfix/'.repeat(n)}smtpd[1]: x`),
    'mail.log: repeated tags on one line': (n) => () => parseMailLog('postfix/smtpd[1]: '.repeat(n)),
    'mail.log: a reject with many colons and no semicolon': (n) => () =>
      parseMailLog(`host postfix/smtpd[1]: NOQUEUE: reject: RCPT from ${'a:'.repeat(n)} 554 ${'x '.repeat(n)}`),
    'mail.log: many short lines': (n) => () =>
      parseMailLog('host postfix/smtpd[1]: connect from a[1.2.3.4]\n'.repeat(n)),
    'metroplex.log: repeated processing/Moving': (n) => () =>
      parseMetroplexLog(`processing <a@b>\n${'Moving a => '.repeat(n)}\n${'error '.repeat(n)}`),
    'unicorn.log: STARTTLS and 220 alternating': (n) => () =>
      parseUnicornLog('<- "STARTTLS\\r\\n"\n-> "220 go\\r\\n"\n'.repeat(n)),
    'unicorn.log: one arrow line full of escapes': (n) => () => parseUnicornLog(`-> "${'\\"'.repeat(n)}`),
    'unicorn.log: many arrows on one line, none closing it': (n) => () =>
      parseUnicornLog(`${'-> "a" <- "b" '.repeat(n)}x"`),
    'mail.log: many from=< with no >': (n) => () =>
      parseMailLog(`host postfix/smtpd[1]: NOQUEUE: reject: RCPT from a[1]: 554 x; ${'from=<'.repeat(n)}`),
    'mail.log: many status= in one delivery line': (n) => () =>
      parseMailLog(`host postfix/virtual[1]: ABCDE: to=<a>, ${'xstatus='.repeat(n)} status=sent (${'('.repeat(n)}`),
  };
  const ratio = (family: (n: number) => () => unknown) =>
    countWork(family(20000)).work.total / countWork(family(5000)).work.total;
  test.each(Object.entries(families))('%s', (_name, family) => {
    expect(countWork(family(5000)).work.total).toBeGreaterThan(0);
    expect(ratio(family)).toBeLessThan(4.5);
  });
  test('the counter itself sees quadratic work (an anchored regex retried at every position)', () => {
    const quadratic = (n: number) => () => {
      const s = 'a'.repeat(n);
      for (let i = 0; i < n; i += 10) match(/^b/, s.slice(i));
    };
    expect(ratio(quadratic)).toBeGreaterThan(12);
  });
});
