/**
 * Finds unicorn.log, mail.log and metroplex.log in what the operator hands
 * over: a support bundle (.tgz / .tar.gz / .tar, read with the `tar` package
 * without unpacking to disk), a directory (searched recursively), or single
 * files. Rotated copies (`mail.log.1`, `mail.log.2.gz`) count too.
 */
import { Dirent, readFileSync, readdirSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { list } from 'tar';

export type LogKind = 'unicorn' | 'mail' | 'metroplex';

export interface FoundLog {
  readonly kind: LogKind;
  /** Where it was found: a path, or "bundle.tgz:path/inside". */
  readonly source: string;
  readonly text: string;
}

/** Thrown for an input that cannot be read at all (exit code 2). */
export class LogInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LogInputError';
  }
}

const NAME = /^(unicorn|mail|metroplex)\.log(\.\d+)?(\.gz)?$/;

/** The log kind a file name stands for, if any. */
export function kindOfName(name: string): LogKind | undefined {
  return NAME.exec(basename(name))?.[1] as LogKind | undefined;
}

function isArchive(path: string): boolean {
  return /\.(tgz|tar\.gz|tar)$/i.test(path);
}

function decode(name: string, data: Buffer): string {
  return (/\.gz$/i.test(name) ? gunzipSync(data) : data).toString('utf8');
}

/** Reads every known log out of the inputs, in input order, oldest rotation last. */
export async function findLogs(inputs: readonly string[]): Promise<FoundLog[]> {
  const found: FoundLog[] = [];
  for (const input of inputs) {
    let st;
    try {
      st = statSync(input);
    } catch (err) {
      throw new LogInputError(`cannot read ${input}: ${(err as Error).message}`);
    }
    if (st.isDirectory()) found.push(...walk(input));
    else if (isArchive(input)) found.push(...(await readArchive(input)));
    else {
      const text = decode(input, readFileSync(input));
      found.push({ kind: kindOfName(input) ?? sniff(text), source: input, text });
    }
  }
  return found;
}

function walk(dir: string): FoundLog[] {
  const out: FoundLog[] = [];
  let entries: Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name));
  } catch (err) {
    throw new LogInputError(`cannot read ${dir}: ${(err as Error).message}`);
  }
  for (const e of entries) {
    const path = join(dir, e.name);
    if (e.isDirectory()) out.push(...walk(path));
    else if (e.isFile() && kindOfName(e.name)) out.push({ kind: kindOfName(e.name)!, source: path, text: decode(e.name, readFileSync(path)) });
  }
  return out;
}

async function readArchive(file: string): Promise<FoundLog[]> {
  const out: FoundLog[] = [];
  try {
    await list({
      file,
      onReadEntry: (entry) => {
        const kind = entry.type === 'File' ? kindOfName(entry.path) : undefined;
        if (!kind) {
          entry.resume();
          return;
        }
        const chunks: Buffer[] = [];
        entry.on('data', (c: Buffer) => chunks.push(c));
        entry.on('end', () => out.push({ kind, source: `${file}:${entry.path}`, text: decode(entry.path, Buffer.concat(chunks)) }));
      },
    });
  } catch (err) {
    throw new LogInputError(`cannot read the bundle ${file}: ${(err as Error).message}`);
  }
  return out;
}

/** A file with another name: decide by its content. */
function sniff(text: string): LogKind {
  if (/\bpostfix[\w.-]*\/\w+\[\d+\]:/.test(text)) return 'mail';
  if (/\bprocessing\s+<?\S+@/.test(text) || /metroplex/.test(text)) return 'metroplex';
  return 'unicorn';
}
