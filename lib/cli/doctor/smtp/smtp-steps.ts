/**
 * Every step of an SMTP conversation settles. nodemailer's SMTPConnection reports most failures as 'error', but a
 * peer that closes before its greeting only ends the connection (no 'error'), a step started after the peer closed
 * may never call back, and only some waits have a timer of their own: a promise around one of its callbacks can stay
 * pending forever, and node then exits 0 with nothing said. SmtpSteps watches one connection through its transaction
 * log and its 'error' and 'end' events, knows how far the conversation got, and settles each step it runs on
 * error, end, close and timeout alike, with an SmtpStepError that names what happened. Shared by the doctor's
 * sessions (smtp-session.ts) and relay-credentials' login (smtp-login.ts).
 */
import type { Logger } from 'nodemailer/lib/shared';
import type SMTPConnection from 'nodemailer/lib/smtp-connection';
import { commandName } from '../transcript';

/** What went wrong: the peer closed, stalled, or answered something that is not an SMTP reply. */
export type StepFault = 'closed' | 'timeout' | 'not-smtp';

/**
 * How far the conversation had got: no TCP connection yet, connected but no greeting, inside the TLS handshake
 * that STARTTLS started, or later (`answered` then names the last command the peer answered).
 */
export type StepStage = 'connect' | 'greeting' | 'tls' | 'session';

/** A step that ended because the peer closed, stalled or did not speak SMTP; the message names which and when. */
export class SmtpStepError extends Error {
  constructor(
    message: string,
    readonly fault: StepFault,
    readonly stage: StepStage,
    /** The command whose reply came last ("greeting", "EHLO", "AUTH LOGIN", …). @default - none yet */
    readonly answered?: string,
  ) {
    super(message);
    this.name = 'SmtpStepError';
  }
}

export interface SmtpStepsOptions {
  /** Who the messages name, e.g. "127.0.0.1:2525" or "reply.example.com (10.0.0.5:25)". */
  readonly label: string;
  /** How long one wait (greeting, each reply, the TLS handshake) may last. */
  readonly timeoutMs: number;
  /** Masks secrets in text quoted from the peer. @default - none */
  readonly scrub?: (text: string) => string;
}

type Meta = Record<string, unknown> | undefined;
type LogRecord = (meta: Meta, message: unknown) => void;

/** A logger object in the shape nodemailer takes (bunyan-like), every level going to `record`. */
export function nodemailerLogger(record: LogRecord): Logger {
  return {
    level: () => undefined,
    trace: record,
    debug: record,
    info: record,
    warn: record,
    error: record,
    fatal: record,
  };
}

const REPLY_LINE = /^\d{3}(?:[ -]|$)/;
const CONTINUED = /^\d{3}-/;
/** Socket-level ways of saying the peer went away (nodemailer passes the socket's message on). */
const WENT_AWAY = /closed unexpectedly|ECONNRESET|EPIPE|socket hang up|disconnected before secure TLS/i;

/** One connection's steps; feed it the connection's log (`logged`) and `watch` the connection. */
export class SmtpSteps {
  private connected = false;
  private tls = false;
  /** The command the client sent last ("greeting" before any). */
  private current = 'greeting';
  /** The command whose reply came last: "greeting" once the greeting is complete, undefined before. */
  private answered?: string;
  /** A command sent and not yet answered. */
  private awaiting?: string;
  private ended = false;
  /** The caller closed (QUIT or close): the end that follows is no fault. */
  private closedByUs = false;
  private fault?: Error;
  private pending?: { reject: (err: Error) => void };
  private timer?: NodeJS.Timeout;
  private conn?: SMTPConnection;

  constructor(private readonly options: SmtpStepsOptions) {}

  /** Listens to the connection's 'error' and 'end'; without an 'error' listener nodemailer would throw. */
  watch(conn: SMTPConnection): void {
    this.conn = conn;
    conn.on('error', (err: Error) => {
      if (this.closedByUs) return;
      this.fail(this.classify(err), false);
    });
    conn.on('end', () => {
      this.ended = true;
      if (this.closedByUs) return this.settlePending(new Error(`${this.options.label}: the connection was closed`));
      this.fail(this.closedError(), false);
    });
  }

  /** One entry of nodemailer's log (transactionLog on): tracks the conversation and re-arms the step's timer. */
  logged(meta: Meta, message: unknown): void {
    const tnx = meta?.tnx;
    const text = typeof message === 'string' ? message : String(message);
    if (tnx === 'network' && typeof meta?.remoteAddress === 'string') this.connected = true;
    else if (tnx === 'server') {
      for (const line of text.split(/\r?\n/)) if (!this.serverLine(line)) return;
    } else if (tnx === 'client') {
      this.current = commandName(text, this.current);
      this.awaiting = this.current;
    } else if (tnx === 'smtp' && /upgraded with STARTTLS/.test(text)) this.tls = true;
    else return;
    this.arm();
  }

  /** False when the line is not SMTP: the step fails and the connection is closed. */
  private serverLine(line: string): boolean {
    if (line.trim() === '') return true; // nodemailer skips stray blank lines too
    if (!REPLY_LINE.test(line)) {
      const scrub = this.options.scrub ?? ((t: string) => t);
      const shown = JSON.stringify(scrub(line.length > 120 ? `${line.slice(0, 120)}…` : line));
      const where = this.answered ? `to ${this.current}` : 'instead of its greeting';
      const stage = this.answered ? 'session' : 'greeting';
      const message = `${this.options.label} answered something that is not SMTP ${where}: ${shown}`;
      this.fail(new SmtpStepError(message, 'not-smtp', stage, this.answered), true);
      return false;
    }
    if (!CONTINUED.test(line)) {
      this.answered = this.current;
      this.awaiting = undefined;
    }
    return true;
  }

  /** Runs one nodemailer step; it settles on its callback, an error, the end of the connection, or a timeout. */
  run<T = void>(start: (done: (err?: Error | null, value?: T) => void) => void): Promise<T> {
    if (this.fault) return Promise.reject(this.fault);
    if (this.ended || this.closedByUs)
      return Promise.reject(new Error(`${this.options.label}: the connection is already closed`));
    return new Promise<T>((resolve, reject) => {
      const pending = { reject };
      this.pending = pending;
      this.arm();
      const done = (err?: Error | null, value?: T) => {
        if (this.pending !== pending) return; // already settled by an error, the end or the timer
        this.pending = undefined;
        clearTimeout(this.timer);
        if (err) reject(this.classify(err));
        else resolve(value as T);
      };
      try {
        start(done);
      } catch (err) {
        done(err instanceof Error ? err : new Error(String(err)));
      }
    });
  }

  /** The caller closes the connection (QUIT or close): its end is no fault, and a step still running is told. */
  closing(): void {
    this.closedByUs = true;
    clearTimeout(this.timer);
    this.settlePending(new Error(`${this.options.label}: the connection was closed`));
  }

  /** The first fault the peer caused, whether or not a step was running then. */
  get firstFault(): Error | undefined {
    return this.fault;
  }

  private settlePending(err: Error): void {
    const p = this.pending;
    this.pending = undefined;
    clearTimeout(this.timer);
    p?.reject(err);
  }

  private fail(err: Error, close: boolean): void {
    this.fault ??= err;
    this.settlePending(err);
    if (close && this.conn && !this.ended) {
      // Nothing more can be learned on this connection; nodemailer's own error for it comes too late to count.
      this.closedByUs = true;
      this.conn.close();
    }
  }

  /** While a step runs, the peer has timeoutMs from the last thing said (either way) to say the next thing. */
  private arm(): void {
    clearTimeout(this.timer);
    if (!this.pending) return;
    // Before TCP is up, nodemailer's DNS and connect timers (timeoutMs each) answer first; this is the backstop.
    const ms = this.connected ? this.options.timeoutMs : 2 * this.options.timeoutMs + 1000;
    this.timer = setTimeout(() => this.fail(this.timeoutError(), true), ms);
  }

  /** nodemailer's errors, with the ones that mean "closed" or "stalled" said the same way as this class says them. */
  private classify(err: Error): Error {
    const e = err as Error & { code?: string; responseCode?: number };
    // Refused, unreachable, DNS and TLS certificate errors, and every SMTP reply, are explained by the caller.
    if (err instanceof SmtpStepError || e.responseCode || !this.connected) return err;
    if (e.code === 'ETIMEDOUT' || /^Timeout$|Greeting never received/.test(e.message)) return this.timeoutError();
    if (WENT_AWAY.test(e.message)) return this.closedError();
    return err;
  }

  private closedError(): SmtpStepError {
    const at = this.options.label;
    if (!this.connected) return new SmtpStepError(`${at} closed the connection`, 'closed', 'connect');
    if (!this.answered)
      return new SmtpStepError(`${at} closed the connection before its greeting`, 'closed', 'greeting');
    if (this.answered === 'STARTTLS' && !this.tls)
      return new SmtpStepError(
        `${at} closed the connection during the TLS handshake (after STARTTLS)`,
        'closed',
        'tls',
      );
    const after = this.answered === 'greeting' ? 'its greeting' : this.answered;
    return new SmtpStepError(`${at} closed the connection after ${after}`, 'closed', 'session', this.answered);
  }

  private timeoutError(): SmtpStepError {
    const at = this.options.label;
    const ms = this.options.timeoutMs;
    if (!this.connected) return new SmtpStepError(`could not connect to ${at} within ${ms} ms`, 'timeout', 'connect');
    if (!this.answered)
      return new SmtpStepError(
        `${at} accepted the TCP connection but sent no SMTP greeting within ${ms} ms`,
        'timeout',
        'greeting',
      );
    if (this.answered === 'STARTTLS' && !this.tls)
      return new SmtpStepError(
        `${at} did not finish the TLS handshake within ${ms} ms (after STARTTLS)`,
        'timeout',
        'tls',
      );
    const what = this.awaiting
      ? `did not answer ${this.awaiting} within ${ms} ms`
      : `stopped answering: nothing within ${ms} ms after ${this.answered === 'greeting' ? 'its greeting' : `its reply to ${this.answered}`}`;
    return new SmtpStepError(`${at} ${what}`, 'timeout', 'session', this.answered);
  }
}
