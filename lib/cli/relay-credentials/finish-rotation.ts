/**
 * `relay-credentials --finish-rotation`: the step after `ghes-email apply` has given GHES the new key. Deletes the
 * user's access keys that the secret no longer names, and creates nothing. The key the secret names must exist:
 * deleting "the others" of a secret that names a lost key would leave GHES with nothing that works.
 */
import { SecretRedactor } from '../secrets/redact-secrets';
import { RelayAws, awsError } from './relay-aws';
import { RelayTarget } from './relay-target';
import { ReportContext, deleteKeyCommand } from './rotation-state';
import { describeStop, stopExitCode, stopName } from './stops';

export interface FinishIo {
  out(text: string): void;
  err(text: string): void;
  readonly stop?: AbortSignal;
  readonly stopNow?: AbortSignal;
}

export async function finishRotation(
  aws: RelayAws,
  target: RelayTarget,
  io: FinishIo,
  ctx: ReportContext,
  redactor: SecretRedactor,
): Promise<number> {
  const user = target.iamUserName;
  let named: string;
  let keys: string[];
  try {
    const value = await aws.readSecret(io.stop);
    if (value.password) redactor.add(value.password);
    if (value.username === undefined) {
      io.err(
        `${target.secretArn} names no access key (${value.missing}): there is no rotation to finish; nothing changed\n`,
      );
      return 2;
    }
    named = value.username;
  } catch (e) {
    if (io.stop?.aborted) return stopped(io, 'before anything was changed');
    io.err(`cannot read ${target.secretArn}: ${awsError(e)}; nothing changed\n`);
    return 2;
  }
  try {
    keys = await aws.listKeys(io.stop);
  } catch (e) {
    if (io.stop?.aborted) return stopped(io, 'before anything was changed');
    io.err(`cannot list the access keys of IAM user ${user}: ${awsError(e)}; nothing changed\n`);
    return 1;
  }
  if (!keys.includes(named)) {
    io.err(
      `the secret names ${named}, which IAM user ${user} does not have (it has ${keys.join(', ') || 'none'}): deleting the others would leave GHES nothing that works; nothing changed. Make a new key: ${ctx.finish.replace(/ --finish-rotation$/, '')}\n`,
    );
    return 2;
  }
  const others = keys.filter((id) => id !== named);
  if (others.length === 0) {
    io.out(`Nothing to finish: IAM user ${user} has only ${named}, the key the secret names.\n`);
    return 0;
  }
  const deleted: string[] = [];
  for (const id of others) {
    if (io.stop?.aborted) {
      const left = others.filter((k) => !deleted.includes(k));
      const cmds = left.map((k) => deleteKeyCommand(user, k)).join('; ');
      return stopped(io, `after deleting ${deleted.join(', ') || 'nothing'}; to finish: ${cmds}`);
    }
    try {
      await aws.deleteKey(id, io.stopNow);
      deleted.push(id);
      io.out(`Deleted the old key ${id}; ${named}, the key the secret names, stays.\n`);
    } catch (e) {
      io.err(
        `could not delete the old key ${id}: ${awsError(e)}; ${deleted.length > 0 ? `deleted ${deleted.join(', ')}; ` : 'nothing changed; '}delete it with ${deleteKeyCommand(user, id)}\n`,
      );
      return deleted.length > 0 ? 3 : 1;
    }
  }
  io.out(`If mail from GHES fails from now on, it was still using the old key: run ${ctx.apply}\n`);
  return 0;
}

function stopped(io: FinishIo, where: string): number {
  const name = stopName(io.stop!);
  io.err(`relay-credentials --finish-rotation stopped (${describeStop(name)}) ${where}.\n`);
  return stopExitCode(name);
}
