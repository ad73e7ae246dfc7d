/**
 * The steps of `relay-credentials` as a state machine that knows what it has done: list the keys, create one
 * (once), prove it with an SMTP login, write it to the secret, and only on request delete the key it replaces. On a
 * failure or a stop it undoes what it made that nothing uses (a key the secret does not name), resolves what it
 * cannot know (a write that failed after storing, a create that failed after making the key) by reading back, and
 * reports the state with the commands that finish the job.
 * Exit codes: 0 done; 1 failed, nothing left changed; 2 refused, nothing changed; 3 failed and something is left
 * changed (the report says what); 128 + N stopped by a signal (SIGPIPE for EPIPE on stdout).
 */
import { randomUUID } from 'node:crypto';
import { sesSmtpPassword } from '../../smtp/ses-smtp';
import { SecretRedactor } from '../secrets/redact-secrets';
import { RelayAws, awsError } from './relay-aws';
import { RelayTarget } from './relay-target';
import {
  ReportContext,
  RotationState,
  deleteKeyCommand,
  leftChanged,
  nextSteps,
  stateReport,
  whileDoing,
} from './rotation-state';
import { describeStop, stopExitCode, stopName } from './stops';
import { VerifyOptions, verifyLogin } from './verify-login';

export interface RotationIo {
  out(text: string): void;
  err(text: string): void;
  /** Aborted (with the signal's name) to stop the run: it rolls back and reports. */
  readonly stop?: AbortSignal;
  /** Aborted to give up the rollback as well: the report comes at once. */
  readonly stopNow?: AbortSignal;
  /** One SMTP AUTH LOGIN with the new key; rejects when refused or unreachable. */
  login(user: string, pass: string): Promise<void>;
}

export interface RotationSettings extends VerifyOptions {
  /** Delete the replaced key as soon as the secret names the new one (mail fails until `apply`). */
  readonly deleteOldKey: boolean;
}

export class Rotation {
  readonly state: RotationState = { phase: 'start', old: [], made: [], secret: 'unchanged', version: randomUUID() };

  constructor(
    private readonly aws: RelayAws,
    private readonly target: RelayTarget,
    private readonly io: RotationIo,
    private readonly settings: RotationSettings,
    private readonly ctx: ReportContext,
    private readonly redactor: SecretRedactor,
  ) {}

  async run(): Promise<number> {
    try {
      return await this.steps();
    } catch (e) {
      // A bug of ours must not leave a key behind unreported either.
      return this.report(`unexpected error: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  private async steps(): Promise<number> {
    const { io, state: s, target } = this;
    const user = target.iamUserName;
    let old: string[];
    try {
      old = await this.aws.listKeys(io.stop);
    } catch (e) {
      if (this.stopped()) return this.report();
      io.err(`cannot list the access keys of IAM user ${user}: ${awsError(e)}; nothing changed\n`);
      return 1;
    }
    if (this.stopped()) return this.report();
    if (old.length >= 2) return this.twoKeys(old);
    s.old = old.map((id) => ({ id, fate: 'kept' }));

    s.phase = 'create';
    let created: { id: string; secret: string };
    try {
      created = await this.aws.createKey(io.stop);
    } catch (e) {
      await this.findKeysMadeAnyway(old);
      return this.report(`cannot create an access key for IAM user ${user}: ${awsError(e)}`);
    }
    s.made.push({ id: created.id, fate: 'live' });
    this.redactor.add(created.secret);
    const password = sesSmtpPassword(created.secret, target.region);
    this.redactor.add(password);
    io.out(`Created access key ${created.id} for IAM user ${user}; SMTP password derived for ${target.region}.\n`);

    s.phase = 'verify';
    const verified = await verifyLogin(
      () => io.login(created.id, password),
      this.settings,
      io.stop,
      (t) => io.out(t),
    );
    if (verified.kind === 'stopped') return this.report();
    if (verified.kind === 'refused') {
      const endpoint = `${this.settings.host}:${this.settings.port}`;
      return this.report(verified.hint ?? `the new key did not authenticate at ${endpoint} (${verified.why})`);
    }

    s.phase = 'write';
    if (this.stopped()) return this.report();
    const failure = await this.writeSecret(JSON.stringify({ username: created.id, password }));
    if (s.secret !== 'written') return this.report(failure);
    io.out(`Wrote {username, password} to ${target.secretArn} (version ${s.version}).\n`);
    if (this.stopped()) return this.report();
    return this.afterWrite();
  }

  /** PutSecretValue; when it fails, whether it stored the value anyway decides (the secret's current version). */
  private async writeSecret(value: string): Promise<string | undefined> {
    const s = this.state;
    try {
      await this.aws.putSecret(value, s.version, this.io.stop);
      s.secret = 'written';
      return undefined;
    } catch (e) {
      const failed = this.stopped()
        ? `PutSecretValue was cut off by ${stopName(this.io.stop!)}`
        : `PutSecretValue answered ${awsError(e)}`;
      try {
        const facts = await this.aws.describeSecret(this.io.stopNow);
        s.secret = facts.currentVersion === s.version ? 'written' : 'unchanged';
      } catch (e2) {
        s.secret = 'unknown';
        s.secretNote = `${failed}; reading it back failed: ${awsError(e2)}`;
        return `cannot tell whether ${this.target.secretArn} was written`;
      }
      if (s.secret === 'written')
        this.io.out(`${failed}; reading the secret back shows this run's version is current: written.\n`);
      return `cannot write ${this.target.secretArn}: ${awsError(e)}`;
    }
  }

  /** The secret names the new key: keep the old one (no mail gap), or delete it when asked to. */
  private async afterWrite(): Promise<number> {
    const { io, state: s, ctx } = this;
    if (s.old.length === 0) {
      io.out('First credentials: a boot script waiting for this secret picks them up within seconds.\n');
      s.phase = 'done';
      return 0;
    }
    if (!this.settings.deleteOldKey) {
      const kept = s.old.map((o) => o.id).join(', ');
      io.out(`Kept the old key ${kept}: GHES uses it until it has the new one. Next:\n`);
      io.out(
        nextSteps(s, ctx)
          .map((l) => `  ${l}\n`)
          .join(''),
      );
      s.phase = 'done';
      return 0;
    }
    s.phase = 'delete-old';
    for (const o of s.old) {
      if (this.stopped()) return this.report();
      try {
        await this.aws.deleteKey(o.id, io.stopNow);
        o.fate = 'deleted';
        io.out(`Deleted the old key ${o.id} (the new one authenticated).\n`);
      } catch (e) {
        o.fate = 'undeleted';
        o.note = awsError(e);
        return this.report(`could not delete the old key ${o.id}: ${awsError(e)}`);
      }
    }
    s.phase = 'done';
    io.out(`mail from GHES fails until it has the new credentials: run ${ctx.apply} now.\n`);
    return 0;
  }

  /** After CreateAccessKey failed: a key it made anyway (a 500 after the commit, a stop mid-call) shows in a list. */
  private async findKeysMadeAnyway(old: string[]): Promise<void> {
    try {
      const now = await this.aws.listKeys(this.io.stopNow);
      for (const id of now.filter((k) => !old.includes(k))) this.state.made.push({ id, fate: 'live', stray: true });
    } catch (e) {
      this.state.relistFailed = awsError(e);
    }
  }

  /** Deletes the keys this run made that the secret does not name; a second stop cuts this short. */
  private async undo(): Promise<void> {
    const s = this.state;
    for (const k of s.made) {
      if (k.fate !== 'live' || (s.secret !== 'unchanged' && !k.stray)) continue;
      if (this.io.stopNow?.aborted) {
        k.fate = 'unknown';
        continue;
      }
      try {
        await this.aws.deleteKey(k.id, this.io.stopNow);
        k.fate = 'deleted';
      } catch (e) {
        k.fate = this.io.stopNow?.aborted ? 'unknown' : 'undeleted';
        k.note = awsError(e);
      }
    }
  }

  private stopped(): boolean {
    return this.io.stop?.aborted === true;
  }

  /** Rolls back what nothing uses, prints the state, and returns the exit code. */
  private async report(failure?: string): Promise<number> {
    const s = this.state;
    const stopped = this.stopped() ? stopName(this.io.stop!) : undefined;
    if (stopped === undefined && failure === undefined) throw new Error('report: neither stopped nor failed');
    await this.undo();
    // After a stop, the failure is the aborted call itself: the state lines say what it left.
    const headline = stopped
      ? `relay-credentials stopped (${describeStop(stopped)}) ${whileDoing(s.phase)}.`
      : `${failure}${failure?.endsWith('.') ? '' : '.'}`;
    if (stopped && s.phase === 'start') this.io.err(`${headline}\n`);
    else this.io.err(stateReport(headline, s, this.ctx));
    return stopped ? stopExitCode(stopped) : leftChanged(s) ? 3 : 1;
  }

  /** IAM allows two keys per user: say which one to delete, from the key the secret names. */
  private async twoKeys(old: string[]): Promise<number> {
    const { ctx } = this;
    let text = `IAM user ${ctx.user} already has two access keys, ${old.join(' and ')} (IAM allows two): nothing changed.\nOf these, `;
    let named: string | undefined;
    let why: string;
    try {
      const value = await this.aws.readSecret(this.io.stop);
      if (value.password) this.redactor.add(value.password);
      named = value.username;
      why = value.username ? `it names ${value.username}` : value.missing!;
    } catch (e) {
      why = `cannot read it: ${awsError(e)}`;
    }
    if (this.stopped()) return this.report();
    const other = old.find((id) => id !== named);
    if (named !== undefined && old.includes(named) && other !== undefined) {
      text += `the secret names ${named}; ${other} is the one to delete. Once ghes-email apply has given GHES ${named}, finish that rotation: ${ctx.finish}\n  (or: ${deleteKeyCommand(ctx.user, other)}), then run this again.\n`;
    } else {
      text += `the secret names neither (${why}): find out which key GHES uses (aws iam get-access-key-last-used --access-key-id ID), delete the other (${deleteKeyCommand(ctx.user, 'ID')}), then run this again.\n`;
    }
    this.io.err(text);
    return 2;
  }
}
