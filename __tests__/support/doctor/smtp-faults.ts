/**
 * Loopback SMTP peers that misbehave at one step (issue 17): they accept TCP, then close, stall or answer
 * something that is not SMTP at a chosen point. Every client under test must settle on each of them with a
 * message that names what happened, never hang or end silently.
 */
import { Socket } from 'node:net';
import { RunningServer, startSilent, startTcp } from './smtp-servers';

/** What the peer does with one client line: a reply to write (CRLF added per line), close, or nothing. */
export type Answer = string | readonly string[] | { readonly close: true; readonly after?: readonly string[] } | null;

export const GREETING = '220 smtp.relay.test ESMTP fault double';

/** An EHLO answer that offers STARTTLS and AUTH, so a client goes on to STARTTLS (or MAIL FROM without TLS). */
export const EHLO_REPLY = ['250-smtp.relay.test', '250-AUTH LOGIN PLAIN', '250 STARTTLS'];

function write(s: Socket, lines: readonly string[]): void {
  // latin1: one byte per character, so a test can send any byte.
  if (lines.length > 0) s.write(Buffer.from(lines.map((l) => `${l}\r\n`).join(''), 'latin1'));
}

/** A peer that writes `greeting` (unless null), then answers each CRLF line as `answer` says. */
export function startAnswering(greeting: string | null, answer: (line: string) => Answer): Promise<RunningServer> {
  return startTcp((s) => {
    if (greeting !== null) write(s, [greeting]);
    let buffered = '';
    s.on('data', (d: Buffer) => {
      buffered += d.toString('latin1');
      let i: number;
      while (!s.writableEnded && (i = buffered.indexOf('\r\n')) >= 0) {
        const line = buffered.slice(0, i);
        buffered = buffered.slice(i + 2);
        const a = answer(line);
        if (a === null) continue;
        if (typeof a === 'string') write(s, [a]);
        else if ('close' in a) {
          // end(): the lines go out, then FIN, as a server that hangs up after answering does.
          write(s, a.after ?? []);
          s.end();
        } else write(s, a);
      }
    });
  });
}

/** Accepts TCP and closes it at once (FIN), before any greeting. */
export function startClosesBeforeGreeting(): Promise<RunningServer> {
  return startTcp((s) => s.end());
}

/** Greets, answers EHLO (STARTTLS and AUTH offered), then closes the connection. */
export function startClosesAfterEhlo(): Promise<RunningServer> {
  return startAnswering(GREETING, (line) => (/^EHLO /i.test(line) ? { close: true, after: EHLO_REPLY } : null));
}

/** Accepts TCP and never says a word (no greeting). */
export function startNeverAnswers(): Promise<RunningServer> {
  return startSilent();
}

/** Greets, then never answers anything (EHLO stays unanswered). */
export function startMuteAfterGreeting(): Promise<RunningServer> {
  return startAnswering(GREETING, () => null);
}

/** Answers the connection with a line that is not SMTP (an SSH banner by default), then nothing. */
export function startGarbage(line = 'SSH-2.0-OpenSSH_9.6p1 Ubuntu-3ubuntu13'): Promise<RunningServer> {
  return startAnswering(line, () => null);
}
