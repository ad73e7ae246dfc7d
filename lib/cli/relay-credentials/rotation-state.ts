/**
 * What a `relay-credentials` run has done so far, and the report made of it: which keys it made and what became of
 * them, whether the secret names the new key, and the commands that finish the job by hand. Pure: the state machine
 * (rotation.ts) updates the state; this file only words it.
 */

/** What became of a key this run made: it exists; deleted again; a delete failed; a delete was cut off. */
export type KeyFate = 'live' | 'deleted' | 'undeleted' | 'unknown';

export interface MadeKey {
  readonly id: string;
  fate: KeyFate;
  /** Found by listing the keys again after CreateAccessKey failed: made, but its secret never reached us. */
  readonly stray?: boolean;
  /** Why the delete failed. */
  note?: string;
}

/** Where the run was: the report's "while …". */
export type Phase = 'start' | 'create' | 'verify' | 'write' | 'delete-old' | 'done';

export interface RotationState {
  phase: Phase;
  /** The keys the user had before, and which of them this run deleted. */
  old: { readonly id: string; fate: 'kept' | 'deleted' | 'undeleted'; note?: string }[];
  made: MadeKey[];
  /** 'written': the secret's current version is this run's (it names the new key). */
  secret: 'unchanged' | 'written' | 'unknown';
  secretNote?: string;
  /** CreateAccessKey failed and listing the keys again failed too: a key may exist that nobody knows of. */
  relistFailed?: string;
  /** The ClientRequestToken of this run's PutSecretValue: the secret version it writes. */
  readonly version: string;
}

/** How to name things in commands. */
export interface ReportContext {
  readonly user: string;
  readonly secretArn: string;
  /** `ghes-email apply …`, ready to run. */
  readonly apply: string;
  /** `ghes-email relay-credentials … --finish-rotation`, ready to run. */
  readonly finish: string;
}

const WHILE: Record<Phase, string> = {
  start: 'before anything was changed',
  create: 'while creating the access key',
  verify: 'while waiting for SES to accept the new key',
  write: 'while writing the secret',
  'delete-old': 'while deleting the old key',
  done: 'after the last step',
};

export function whileDoing(phase: Phase): string {
  return WHILE[phase];
}

/** A word for the shell: as is when it is plain, else single-quoted. */
export function shellArg(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

export function deleteKeyCommand(user: string, id: string): string {
  return `aws iam delete-access-key --user-name ${shellArg(user)} --access-key-id ${shellArg(id)}`;
}

/** The new key the secret names (or would name): the one CreateAccessKey returned. */
function newKey(s: RotationState): MadeKey | undefined {
  return s.made.find((k) => !k.stray);
}

function keyLine(k: MadeKey, s: RotationState): string {
  const label = k.stray ? 'made by this run although CreateAccessKey failed' : 'new';
  const fate =
    k.fate === 'deleted'
      ? 'deleted again'
      : k.fate === 'undeleted'
        ? `still exists (could not delete it: ${k.note})`
        : k.fate === 'unknown'
          ? 'may still exist (stopped again while deleting it)'
          : s.secret === 'written' && !k.stray
            ? 'exists, and the secret names it'
            : 'exists';
  return `  access key ${k.id} (${label}): ${fate}\n`;
}

function secretLine(s: RotationState, ctx: ReportContext): string {
  const key = newKey(s)?.id ?? '?';
  const what =
    s.secret === 'written'
      ? `names the new key ${key}`
      : s.secret === 'unknown'
        ? `unknown: it may name the new key ${key} (${s.secretNote})`
        : 'unchanged';
  return `  secret ${ctx.secretArn}: ${what}\n`;
}

/** True when the run leaves anything different from how it found it. */
export function leftChanged(s: RotationState): boolean {
  return (
    s.secret !== 'unchanged' ||
    s.relistFailed !== undefined ||
    s.made.some((k) => k.fate !== 'deleted') ||
    s.old.some((k) => k.fate === 'deleted')
  );
}

/** The state block and what to run to finish; `headline` says what happened ("… stopped (SIGINT) while …"). */
export function stateReport(headline: string, s: RotationState, ctx: ReportContext): string {
  let text = `${headline}\nState now:\n`;
  if (s.made.length === 0 && s.relistFailed === undefined) text += `  no access key was made\n`;
  for (const k of s.made) text += keyLine(k, s);
  for (const o of s.old) {
    const fate = o.fate === 'deleted' ? 'deleted' : o.fate === 'undeleted' ? `not deleted (${o.note})` : 'untouched';
    text += `  access key ${o.id}: ${fate}\n`;
  }
  const others = s.old.map((o) => o.id).join(', ');
  if (s.relistFailed !== undefined)
    text += `  IAM user ${ctx.user}: CreateAccessKey failed and listing the keys again failed too (${s.relistFailed}): ${others ? `a key other than ${others}` : 'any key it has'} was made by this run\n`;
  text += secretLine(s, ctx);
  if (!leftChanged(s)) return `${text}Nothing is left changed.\n`;
  return `${text}To finish:\n${finishSteps(s, ctx)
    .map((l) => `  ${l}\n`)
    .join('')}`;
}

/** The steps after the secret names the new key: give it to GHES, then delete the old one. */
export function nextSteps(s: RotationState, ctx: ReportContext): string[] {
  if (s.old.length === 0)
    return [
      `nothing: a boot script waiting for the secret picks it up (a GHES already running without it: ${ctx.apply})`,
    ];
  const kept = s.old.filter((o) => o.fate !== 'deleted').map((o) => o.id);
  const steps = [`1. ${ctx.apply}    (gives GHES the new credentials; until then it uses the old key)`];
  if (kept.length === 0) return steps;
  return [
    ...steps,
    `2. ${ctx.finish}    (deletes ${kept.join(', ')})`,
    ...kept.map((id) => `   or: ${deleteKeyCommand(ctx.user, id)}`),
  ];
}

function finishSteps(s: RotationState, ctx: ReportContext): string[] {
  const steps: string[] = [];
  const leftover = s.made.filter((k) => k.fate !== 'deleted' && (k.stray || s.secret === 'unchanged'));
  if (s.relistFailed !== undefined) {
    const others = s.old.map((o) => o.id).join(', ');
    steps.push(
      `aws iam list-access-keys --user-name ${shellArg(ctx.user)}`,
      `a key it lists ${others ? `other than ${others} ` : ''}was made by this run and is unused: ${deleteKeyCommand(ctx.user, 'THAT_KEY_ID')}`,
    );
  }
  for (const k of leftover) steps.push(deleteKeyCommand(ctx.user, k.id));
  const key = newKey(s);
  if (s.secret === 'written') steps.push(...nextSteps(s, ctx));
  if (s.secret === 'unknown' && key) {
    steps.push(
      `aws secretsmanager describe-secret --secret-id ${shellArg(ctx.secretArn)} --query VersionIdsToStages`,
      `if it lists ${s.version} as AWSCURRENT, the secret names ${key.id}: keep that key, then`,
      ...nextSteps(s, ctx).map((l) => `  ${l}`),
      `otherwise the secret is unchanged: ${deleteKeyCommand(ctx.user, key.id)}`,
    );
  }
  return steps;
}
