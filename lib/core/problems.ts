/**
 * Validation problems: every check adds `{ path, message }` to a list, and the
 * caller throws once with all of them, so an operator fixes a config in one pass.
 */

/** One thing wrong with the input, named by its dotted path (e.g. `smtp.port`). */
export interface Problem {
  /** Dotted path of the bad value: a config path or a construct prop name. */
  readonly path: string;
  /** What is wrong: the value received (never a secret) and what is expected. */
  readonly message: string;
}

/** Thrown when input is invalid. Carries every problem found, not just the first. */
export class ValidationError extends Error {
  /** All problems, in the order they were found. */
  public readonly problems: readonly Problem[];

  constructor(problems: readonly Problem[], heading = 'Invalid ghes-email input') {
    super(`${heading} (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n` + formatProblems(problems));
    this.name = 'ValidationError';
    this.problems = problems;
  }
}

/** One problem per line, as the CLI and main.ts print them. */
export function formatProblems(problems: readonly Problem[]): string {
  return problems.map((p) => `  ${p.path}: ${p.message}`).join('\n');
}

/** Joins a prefix and a key into a dotted path; array indexes render as `[i]`. */
export function joinPath(prefix: string, key: string | number): string {
  if (typeof key === 'number') return `${prefix}[${key}]`;
  // A key from a file may hold a line break or an escape sequence: a problem stays one line, and inert.
  const safe = key.replace(/[\x00-\x1f\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return prefix ? `${prefix}.${safe}` : safe;
}

/** True when `path` is `parent` itself or a value inside it (`parent.x`, `parent[0]`). */
export function isWithin(path: string, parent: string): boolean {
  return parent === '(root)' || path === parent || path.startsWith(`${parent}.`) || path.startsWith(`${parent}[`);
}

/** Renders a received value for an error message (strings quoted, objects as JSON). */
/**
 * Props renamed since 0.1.0 (CHANGELOG.md): an old name, which TypeScript would catch but JavaScript or
 * an `as` cast would not, is refused with its new name instead of being silently ignored.
 */
export function renamedProps(p: Problems, props: object, renames: Readonly<Record<string, string>>): void {
  for (const [old, now] of Object.entries(renames)) if (old in props) p.add(old, `renamed to ${now}`);
}

export function show(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'string') return JSON.stringify(value);
  // JSON.stringify writes Infinity and NaN as "null", which names the wrong problem.
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  // String() is the last resort for what JSON cannot write (functions, symbols, cycles).
  try {
    // eslint-disable-next-line @typescript-eslint/no-base-to-string
    return JSON.stringify(value) ?? String(value);
  } catch {
    // eslint-disable-next-line @typescript-eslint/no-base-to-string
    return String(value);
  }
}

/** Collects problems under a path prefix; `throwIfAny` raises one ValidationError. */
export class Problems {
  constructor(
    private readonly prefix = '',
    private readonly list: Problem[] = [],
  ) {}

  /** Records a problem at `key` below this collector's prefix. */
  add(key: string | number | undefined, message: string): void {
    this.list.push({ path: key === undefined ? this.prefix || '(root)' : joinPath(this.prefix, key), message });
  }

  /** A collector for a nested object that writes into the same list. */
  at(key: string | number): Problems {
    return new Problems(joinPath(this.prefix, key), this.list);
  }

  /** Adds problems found elsewhere (already carrying full paths). */
  addAll(problems: readonly Problem[]): void {
    this.list.push(...problems);
  }

  get all(): readonly Problem[] {
    return this.list;
  }

  throwIfAny(heading?: string): void {
    if (this.list.length > 0) throw new ValidationError([...this.list], heading);
  }
}
