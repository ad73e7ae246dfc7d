/**
 * Finds unicorn.log, mail.log and metroplex.log in what the operator hands
 * over, and streams each into a LogsRun: a support bundle (.tgz / .tar.gz /
 * .tar, read with the `tar` package, never unpacked to disk), a directory
 * (searched recursively), or single files. Rotated copies (`mail.log.1`,
 * `mail.log.2.gz`) count too. Nothing is read whole: bytes flow through
 * (de)compression into the line readers, within the byte limits of the run.
 */
import { Dirent, createReadStream, readdirSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { Parser, ReadEntry } from 'tar';
import { LogFeed, LogKind, LogsRun, sizeFlag, sizeText } from './logs-run';
import { PATTERNS, match } from '../patterns';

/** Thrown for an input that cannot be read at all (exit code 2). */
export class LogInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LogInputError';
  }
}

/** The log kind a file name stands for, if any. */
export function kindOfName(name: string): LogKind | undefined {
  return match(PATTERNS.LOG_NAME, basename(name))?.[1] as LogKind | undefined;
}

const isArchive = (path: string) => /\.(tgz|tar\.gz|tar)$/i.test(path);
const isGz = (path: string) => /\.gz$/i.test(path);
/** Read size for files and bundles; small for bundles, since one compressed chunk can expand ~1000×. */
const FILE_CHUNK = 64 * 1024;
const BUNDLE_CHUNK = 16 * 1024;

/** Bytes read so far from one input (a bundle or a directory), against --max-bundle-bytes. */
class Budget {
  used = 0;
  constructor(readonly max: number) {}
  take(n: number): boolean {
    this.used += n;
    return this.used <= this.max;
  }
}

function bundleLimit(run: LogsRun, input: string, where: string): void {
  const max = run.limits.maxBundleBytes;
  run.note({
    id: 'limit.bundle',
    status: 'warn',
    message: `${input}: stopped after ${sizeText(max)} (--max-bundle-bytes ${sizeFlag(max)}); ${where}`,
    fix: 'raise --max-bundle-bytes to read the rest, or pass the log files themselves',
    data: { source: input, limit: max },
  });
}

/** Reads every known log out of the inputs, in input order. */
export async function readLogInputs(inputs: readonly string[], run: LogsRun): Promise<void> {
  for (const input of inputs) {
    let st;
    try {
      st = statSync(input);
    } catch (err) {
      throw new LogInputError(`cannot read ${input}: ${(err as Error).message}`);
    }
    if (st.isDirectory()) await readDirectory(input, input, run, new Budget(run.limits.maxBundleBytes));
    else if (isArchive(input)) await readArchive(input, run);
    else {
      const error = await pumpFile(input, run.open(input, kindOfName(input)));
      if (error) throw new LogInputError(`cannot read ${input}: ${error}`);
    }
  }
}

/**
 * Feeds one file (gunzipped when .gz) into `feed`; stops at the file's limit or the budget's.
 * Returns an error message when the file could not be read to its end.
 */
async function pumpFile(
  path: string,
  feed: LogFeed,
  budget?: Budget,
  onBudget?: () => void,
): Promise<string | undefined> {
  const file = createReadStream(path, { highWaterMark: FILE_CHUNK });
  const source: Readable = isGz(path) ? file.pipe(createGunzip()) : file;
  file.on('error', (err) => source.destroy(err));
  try {
    for await (const chunk of source as AsyncIterable<Buffer>) {
      if (budget && !budget.take(chunk.length)) {
        onBudget?.();
        break;
      }
      if (!feed.write(chunk)) break; // breaking out destroys the stream: no more is read or inflated
    }
    return undefined;
  } catch (err) {
    return (err as Error).message;
  } finally {
    file.destroy();
    feed.end();
  }
}

/** A directory: its logs by name, recursively, in name order. False once the budget is spent. */
async function readDirectory(dir: string, input: string, run: LogsRun, budget: Budget): Promise<boolean> {
  let entries: Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name));
  } catch (err) {
    throw new LogInputError(`cannot read ${dir}: ${(err as Error).message}`);
  }
  for (const e of entries) {
    const path = join(dir, e.name);
    if (e.isDirectory() && !(await readDirectory(path, input, run, budget))) return false;
    const kind = e.isFile() ? kindOfName(e.name) : undefined;
    if (!kind) continue;
    let spent = false;
    const error = await pumpFile(path, run.open(path, kind), budget, () => (spent = true));
    if (error)
      run.note({
        id: 'file.unreadable',
        status: 'warn',
        message: `${path}: could not be read to its end: ${error}`,
        data: { source: path },
      });
    if (spent) {
      bundleLimit(run, input, `${path} was read in part, and the files after it were not read`);
      return false;
    }
  }
  return true;
}

/** A support bundle, streamed entry by entry. Not a tar at all → LogInputError; cut short → a warning. */
async function readArchive(file: string, run: LogsRun): Promise<void> {
  const budget = new Budget(run.limits.maxBundleBytes);
  const pending: EntryReader[] = [];
  let entries = 0;
  let problem: string | undefined;
  let stopped = false;
  const input = createReadStream(file, { highWaterMark: BUNDLE_CHUNK });
  const parser = new Parser({
    onwarn: (_code: string, message: string | Error) => {
      problem ??= message instanceof Error ? message.message : message;
    },
    onReadEntry: (entry: ReadEntry) => {
      if (stopped) return void entry.resume();
      entries++;
      if (!budget.take(entry.size))
        return stop(`${entry.path} (${entry.size} bytes) and the entries after it were not read`, entry);
      const kind = entry.type === 'File' ? kindOfName(entry.path) : undefined;
      if (!kind) return void entry.resume(); // still inflated to be skipped: counted above
      const source = `${file}:${entry.path}`;
      pending.push(
        readEntry(entry, run.open(source, kind), budget, {
          onBudget: () => stop(`${entry.path} was read in part, and the entries after it were not read`, entry),
          onError: (error) =>
            run.note({
              id: 'file.unreadable',
              status: 'warn',
              message: `${source}: could not be read to its end: ${error}`,
              data: { source },
            }),
        }),
      );
    },
  });
  const stop = (where: string, entry: ReadEntry) => {
    if (stopped) return;
    stopped = true;
    bundleLimit(run, file, where);
    entry.resume();
    parser.abort(new Error('--max-bundle-bytes reached'));
  };
  await new Promise<void>((resolve) => {
    parser.on('end', resolve);
    parser.on('abort', resolve);
    parser.on('error', (err: Error) => {
      if (!stopped) problem ??= err.message;
      resolve();
    });
    input.on('error', (err) => {
      problem ??= err.message;
      resolve();
    });
    input.pipe(parser);
  });
  input.destroy();
  // An entry cut off by the end of a damaged bundle never ends by itself: close what it gave.
  for (const r of pending) r.cut();
  await Promise.all(pending.map((r) => r.done));
  if (entries === 0 && !stopped)
    throw new LogInputError(
      `${file} is not a readable support bundle (.tgz, .tar.gz or .tar): ${problem ?? 'no entries'}`,
    );
  if (problem && !stopped) {
    run.note({
      id: 'bundle.truncated',
      status: 'warn',
      message: `${file}: the bundle ends early or is damaged (${problem}); what could be read is reported`,
      data: { source: file, entries },
    });
  }
}

/** A log entry being read: `done` once all of it went to its feed; `cut()` ends it early. */
interface EntryReader {
  readonly done: Promise<void>;
  cut(): void;
}

/** One log entry of a bundle; a .gz entry is inflated here, with backpressure, within both limits. */
function readEntry(
  entry: ReadEntry,
  feed: LogFeed,
  budget: Budget,
  on: { onBudget: () => void; onError: (message: string) => void },
): EntryReader {
  let cut = () => undefined as void;
  const done = new Promise<void>((resolve) => {
    let finished = false;
    let ended = false;
    entry.on('end', () => (ended = true));
    const finish = () => {
      if (finished) return;
      finished = true;
      feed.end();
      resolve();
    };
    const take = (chunk: Buffer): boolean => {
      if (!budget.take(chunk.length)) {
        on.onBudget();
        return false;
      }
      return feed.write(chunk);
    };
    if (!isGz(entry.path)) {
      let open = true;
      entry.on('data', (chunk: Buffer) => {
        if (open) open = feed.write(chunk); // the entry's size was counted against the budget already
      });
      entry.on('end', finish);
      cut = () => (ended ? undefined : finish());
      return;
    }
    const gunzip = createGunzip();
    let reading = true;
    gunzip.on('data', (chunk: Buffer) => {
      if (reading && !take(chunk)) {
        reading = false;
        gunzip.destroy(); // stop inflating; the rest of the (small) compressed entry is drained below
        entry.resume();
        finish();
      }
    });
    gunzip.on('drain', () => entry.resume());
    gunzip.on('end', finish);
    gunzip.on('close', finish);
    gunzip.on('error', (err) => {
      if (reading) on.onError(err.message);
      entry.resume();
      finish();
    });
    entry.on('data', (chunk: Buffer) => {
      if (reading && !gunzip.write(chunk)) entry.pause();
    });
    entry.on('end', () => {
      if (reading) gunzip.end();
    });
    cut = () => {
      if (!ended && reading) gunzip.end(); // inflates what arrived, then ends (or fails: "unexpected end of file")
    };
  });
  return { done, cut: () => cut() };
}
