/**
 * Generated postfix mail.log lines in the layout of the fixtures (postfix's
 * documented logging), for tests that need real sizes: a port 25 open to the
 * internet logs mostly rejected relay attempts and idle connections, with a
 * few real replies in between.
 */

// Timestamps repeat every 14 hours (10:00:00 to 23:59:59): each is formatted once. Formatting every
// line's stamp afresh was the largest cost of generating 64 MiB (~0.6 s of CPU).
const STAMP_PERIOD = 14 * 3600;
const stamps: string[] = [];
const stamp = (i: number) => {
  const s = i % STAMP_PERIOD;
  return (stamps[s] ??=
    `May  2 ${String(10 + Math.floor(s / 3600)).padStart(2, '0')}:${String(Math.floor(s / 60) % 60).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`);
};
const ip = (i: number) => `198.51.${(i >> 8) & 255}.${i & 255}`;
const HOST = 'github-example';

/** One `NOQUEUE: reject` line; `reason` picks a 450 "Client host rejected" instead of the 554 relay refusal. */
export function rejectLine(i: number, reason?: string): string {
  const reply = reason
    ? `450 4.7.1 ${reason}, [${ip(i)}]`
    : `554 5.7.1 <user${i}@github.example.com>: Relay access denied`;
  return `${stamp(i)} ${HOST} postfix/smtpd[${3000 + (i % 5000)}]: NOQUEUE: reject: RCPT from unknown[${ip(i)}]: ${reply}; from=<spam${i}@example.net> to=<user${i}@github.example.com> proto=ESMTP helo=<[${ip(i)}]>`;
}

/** What a generated log holds, to compare with the doctor's counts. */
export interface GeneratedCounts {
  rejects: number;
  idleSessions: number;
  delivered: number;
  deferred: number;
  bytes: number;
}

/**
 * Yields mail.log text in chunks of about `chunkBytes` until `totalBytes`, never
 * holding more than one chunk: per cycle 20 rejected sessions, 5 idle
 * connections, one reply delivered to the maildir and, every 10th cycle, one
 * deferred message that is never removed (it stays in postfix's queue).
 */
export function* generateMailLog(totalBytes: number, counts: GeneratedCounts, chunkBytes = 1 << 16): Generator<Buffer> {
  let cycle = 0;
  let lines: string[] = [];
  let size = 0;
  const push = (line: string) => {
    lines.push(line);
    size += line.length + 1;
  };
  while (counts.bytes < totalBytes) {
    const base = cycle * 40;
    for (let k = 0; k < 20; k++) {
      const i = base + k;
      const pid = 3000 + (i % 5000);
      push(`${stamp(i)} ${HOST} postfix/smtpd[${pid}]: connect from unknown[${ip(i)}]`);
      push(rejectLine(i));
      push(
        `${stamp(i)} ${HOST} postfix/smtpd[${pid}]: disconnect from unknown[${ip(i)}] ehlo=1 mail=1 rcpt=0/1 quit=1 commands=3/4`,
      );
      counts.rejects++;
    }
    for (let k = 20; k < 25; k++) {
      const i = base + k;
      push(`${stamp(i)} ${HOST} postfix/smtpd[${3000 + (i % 5000)}]: connect from unknown[${ip(i)}]`);
      push(
        `${stamp(i)} ${HOST} postfix/smtpd[${3000 + (i % 5000)}]: disconnect from unknown[${ip(i)}] ehlo=1 quit=1 commands=2`,
      );
      counts.idleSessions++;
    }
    message(base + 30, 'sent (delivered to maildir)', true, push);
    counts.delivered++;
    if (cycle % 10 === 0) {
      message(base + 31, 'deferred (maildir delivery failed: No space left on device)', false, push);
      counts.deferred++;
    }
    cycle++;
    if (size >= chunkBytes) {
      const chunk = Buffer.from(lines.join('\n') + '\n');
      counts.bytes += chunk.length;
      lines = [];
      size = 0;
      yield chunk;
    }
  }
  if (lines.length > 0) {
    const chunk = Buffer.from(lines.join('\n') + '\n');
    counts.bytes += chunk.length;
    yield chunk;
  }
}

function message(i: number, status: string, removed: boolean, push: (line: string) => void): void {
  const q = (0x10000000 + i).toString(16).toUpperCase();
  const pid = 4000 + (i % 1000);
  const at = stamp(i);
  push(`${at} ${HOST} postfix/smtpd[${pid}]: connect from mail-wr1-f54.google.com[209.85.221.54]`);
  push(`${at} ${HOST} postfix/smtpd[${pid}]: ${q}: client=mail-wr1-f54.google.com[209.85.221.54]`);
  push(`${at} ${HOST} postfix/cleanup[3105]: ${q}: message-id=<CAF${i}reply@mail.gmail.com>`);
  push(`${at} ${HOST} postfix/qmgr[900]: ${q}: from=<user${i}@example.org>, size=4512, nrcpt=1 (queue active)`);
  push(
    `${at} ${HOST} postfix/virtual[3106]: ${q}: to=<reply+AAAQ${i}@reply.github.example.com>, relay=virtual, delay=0.14, delays=0.1/0.01/0/0.03, dsn=${removed ? '2.0.0' : '4.2.0'}, status=${status}`,
  );
  if (removed) push(`${at} ${HOST} postfix/qmgr[900]: ${q}: removed`);
  push(
    `${at} ${HOST} postfix/smtpd[${pid}]: disconnect from mail-wr1-f54.google.com[209.85.221.54] ehlo=2 starttls=1 mail=1 rcpt=1 data=1 quit=1 commands=7`,
  );
}
