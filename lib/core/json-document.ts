/**
 * JSON text to a value, with what JSON.parse hides: a key given twice (the last
 * silently wins), a number that overflows to Infinity or underflows to 0, a
 * syntax error's line and column. JSON.parse stays the authority on values;
 * this scanner walks the same text once, without recursion (a deeply nested
 * file cannot overflow the stack) and without regular expressions, and names
 * each finding by its dotted path (`appliance.adminCidrs`).
 */
import { Problem, joinPath } from './problems';
import { Utf8Error, hex } from './utf8-text';

export interface JsonDocument {
  /** False when the text is not JSON; `problems` then holds the one syntax error. */
  readonly ok: boolean;
  /** The value, as JSON.parse reads it (a duplicated key keeps its last value). */
  readonly value?: unknown;
  /** Duplicate keys, unrepresentable numbers, bytes that were not UTF-8: at their paths. */
  readonly problems: readonly Problem[];
  /** Characters examined, for tests that bound the work. */
  readonly steps: number;
}

/** An object or array being read, and the member being read in it. */
interface Frame {
  readonly kind: 'object' | 'array';
  key: string | number;
  /** Offsets of the keys seen so far in this object (-1 once reported as duplicated). */
  readonly seen?: Map<string, number>;
}

type Expect = 'value' | 'value-or-close' | 'key' | 'key-or-close' | 'colon' | 'after';

const MAX_PROBLEMS = 100;

/** Parses `text`; `badBytes` (sorted) are where the decoder put U+FFFD, to be reported at the path that holds them. */
export function parseJsonDocument(text: string, badBytes: readonly Utf8Error[] = []): JsonDocument {
  return new Scanner(text, badBytes).run();
}

class Scanner {
  private i = 0;
  private steps = 0;
  private readonly stack: Frame[] = [];
  private readonly problems: Problem[] = [];
  private nextBad = 0;
  private lineStarts?: number[];

  constructor(
    private readonly text: string,
    private readonly bad: readonly Utf8Error[],
  ) {}

  run(): JsonDocument {
    const error = this.scan();
    if (error !== undefined) return { ok: false, problems: [{ path: '(file)', message: error }], steps: this.steps };
    try {
      return { ok: true, value: JSON.parse(this.text), problems: this.problems, steps: this.steps };
    } catch (err) {
      // Not expected (the scan follows RFC 8259 as JSON.parse does); V8's message may span lines.
      return {
        ok: false,
        problems: [{ path: '(file)', message: `not valid JSON: ${(err as Error).message.replace(/\s+/g, ' ')}` }],
        steps: this.steps,
      };
    }
  }

  /** One pass over the text; returns the syntax error's message, if any. */
  private scan(): string | undefined {
    const { text, stack } = this;
    let expect: Expect = 'value';
    for (;;) {
      while (this.i < text.length && isJsonSpace(text.charCodeAt(this.i))) this.step();
      const top = stack[stack.length - 1];
      if (this.i >= text.length)
        return expect === 'after' && !top ? undefined : this.syntax(`the file ends`, expect, top);
      const ch = text[this.i];
      if (expect === 'after') {
        if (!top) return this.syntax(`${JSON.stringify(ch)} after the value`, 'after', top);
        if (ch === ',') {
          this.step();
          if (top.kind === 'array') (top.key as number)++;
          expect = top.kind === 'object' ? 'key' : 'value';
        } else if (ch === (top.kind === 'object' ? '}' : ']')) {
          this.step();
          stack.pop();
        } else return this.syntax(JSON.stringify(ch), 'after', top);
      } else if (expect === 'colon') {
        if (ch !== ':') return this.syntax(JSON.stringify(ch), 'colon', top);
        this.step();
        expect = 'value';
      } else if (expect === 'key' || expect === 'key-or-close') {
        if (ch === '}') {
          if (expect === 'key') return this.syntax('a trailing comma before "}" (JSON allows none)');
          this.step();
          stack.pop();
          expect = 'after';
          continue;
        }
        if (ch !== '"') return this.syntax(JSON.stringify(ch), expect, top);
        const start = this.i;
        const error = this.string();
        if (error) return error;
        this.memberKey(top, start);
        this.badBytesIn(start, this.i);
        expect = 'colon';
      } else {
        if (ch === ']' && top?.kind === 'array') {
          if (expect === 'value') return this.syntax('a trailing comma before "]" (JSON allows none)');
          this.step();
          stack.pop();
          expect = 'after';
          continue;
        }
        const error = this.value(ch);
        if (error) return error;
        expect = ch === '{' ? 'key-or-close' : ch === '[' ? 'value-or-close' : 'after';
      }
    }
  }

  /** Reads one value at `ch`; containers are only opened (the main loop reads their members). */
  private value(ch: string): string | undefined {
    if (ch === '{' || ch === '[') {
      this.step();
      this.stack.push(ch === '{' ? { kind: 'object', key: '', seen: new Map() } : { kind: 'array', key: 0 });
      return undefined;
    }
    if (ch === '"') {
      const start = this.i;
      const error = this.string();
      if (!error) this.badBytesIn(start, this.i);
      return error;
    }
    if (ch === '-' || (ch >= '0' && ch <= '9')) return this.number();
    for (const literal of ['true', 'false', 'null']) {
      if (this.text.startsWith(literal, this.i)) {
        for (let k = 0; k < literal.length; k++) this.step();
        return undefined;
      }
    }
    return this.syntax(JSON.stringify(ch), 'value', this.stack[this.stack.length - 1]);
  }

  /** A string token (RFC 8259 §7). */
  private string(): string | undefined {
    const { text } = this;
    const start = this.i;
    this.step();
    for (;;) {
      if (this.i >= text.length)
        return this.syntax(`a string that never ends (it starts at ${this.where(start)})`, undefined, undefined, false);
      const c = text.charCodeAt(this.i);
      if (c === 0x22) break;
      if (c < 0x20)
        return this.syntax(
          c === 0x0a
            ? 'a line break inside a string (write it as \\n)'
            : `a control character U+${c.toString(16).padStart(4, '0')} inside a string`,
        );
      if (c === 0x5c) {
        this.step();
        const e = text[this.i];
        if (e === 'u') {
          for (let k = 0; k < 4; k++) {
            this.step();
            if (!isHexDigit(text.charCodeAt(this.i))) return this.syntax('a \\u escape without four hex digits');
          }
        } else if (e === undefined || !'"\\/bfnrt'.includes(e))
          return this.syntax(`an unknown escape ${JSON.stringify(`\\${e ?? ''}`)}`);
      }
      this.step();
    }
    this.step();
    return undefined;
  }

  /** RFC 8259 §6: -? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)? */
  private number(): string | undefined {
    const { text } = this;
    const start = this.i;
    const digits = (): number => {
      const from = this.i;
      while (this.i < text.length && text[this.i] >= '0' && text[this.i] <= '9') this.step();
      return this.i - from;
    };
    if (text[this.i] === '-') this.step();
    if (text[this.i] === '0') {
      this.step();
      if (text[this.i] >= '0' && text[this.i] <= '9') return this.syntax('a number with a leading zero');
    } else if (digits() === 0) return this.syntax('a "-" without digits');
    let nonZero = false;
    for (let k = start; k < this.i; k++) nonZero ||= text[k] >= '1' && text[k] <= '9';
    if (text[this.i] === '.') {
      this.step();
      const from = this.i;
      if (digits() === 0) return this.syntax('a "." without digits after it');
      for (let k = from; k < this.i; k++) nonZero ||= text[k] !== '0';
    }
    if (text[this.i] === 'e' || text[this.i] === 'E') {
      this.step();
      if (text[this.i] === '+' || text[this.i] === '-') this.step();
      if (digits() === 0) return this.syntax('an exponent without digits');
    }
    const literal = text.slice(start, this.i);
    const value = Number(literal);
    const shown = literal.length > 40 ? `${literal.slice(0, 37)}...` : literal;
    if (!Number.isFinite(value)) {
      this.add(
        `got ${shown}, a number too large to represent (JSON readers turn it into ${value > 0 ? 'Infinity' : '-Infinity'}); write a number in range`,
      );
    } else if (value === 0 && nonZero) {
      this.add(`got ${shown}, a number too small to represent (JSON readers turn it into 0); write 0 if you mean it`);
    }
    return undefined;
  }

  /** A key just read at `start`: decoded as JSON.parse does, checked against the keys before it. */
  private memberKey(top: Frame, start: number): void {
    const raw = this.text.slice(start + 1, this.i - 1);
    const key = raw.includes('\\') ? (JSON.parse(`"${raw}"`) as string) : raw;
    top.key = key;
    const first = top.seen!.get(key);
    if (first === undefined) {
      top.seen!.set(key, start);
      return;
    }
    // Once per key: a third copy adds nothing to "remove one".
    if (first < 0) return;
    top.seen!.set(key, -1);
    const [a, b] = [this.lineColumn(first), this.lineColumn(start)];
    const where =
      a.line === b.line ? `line ${a.line}, columns ${a.column} and ${b.column}` : `lines ${a.line} and ${b.line}`;
    this.add(`given twice (${where}); JSON keeps only the last, so the first would be silently ignored: remove one`);
  }

  /** Reports the first undecodable byte inside [start, end) at the current path; skips those before. */
  private badBytesIn(start: number, end: number): void {
    const { bad } = this;
    while (this.nextBad < bad.length && bad[this.nextBad].charIndex < start) this.nextBad++;
    if (this.nextBad < bad.length && bad[this.nextBad].charIndex < end)
      this.add(notUtf8(bad[this.nextBad], this.where(bad[this.nextBad].charIndex)));
    while (this.nextBad < bad.length && bad[this.nextBad].charIndex < end) this.nextBad++;
  }

  /** A syntax error at the current character (an undecodable byte there is named as such). */
  private syntax(what: string, expect?: Expect, top?: Frame, here = true): string {
    const at = this.bad.find((b) => b.charIndex === this.i);
    if (at && here) return notUtf8(at, this.where(this.i));
    const wanted = expect === undefined ? '' : `; expected ${expected(expect, top)}`;
    const comment = what === '"/"' ? ' (JSON has no comments)' : '';
    return `not valid JSON: ${what}${comment}${here ? ` at ${this.where(this.i)}` : ''}${wanted}`;
  }

  private add(message: string): void {
    if (this.problems.length >= MAX_PROBLEMS) return;
    // The path is built only here: building it per member would cost O(depth) each time.
    const path = this.stack.reduce<string>((acc, f) => joinPath(acc, f.key), '') || '(root)';
    this.problems.push({ path, message });
  }

  private step(): void {
    this.i++;
    this.steps++;
  }

  private where(offset: number): string {
    const { line, column } = this.lineColumn(offset);
    return `line ${line}, column ${column}`;
  }

  /** 1-based line and column (in characters) of an offset; line starts are found once, in one pass. */
  private lineColumn(offset: number): { line: number; column: number } {
    if (!this.lineStarts) {
      this.lineStarts = [0];
      for (let k = this.text.indexOf('\n'); k !== -1; k = this.text.indexOf('\n', k + 1)) this.lineStarts.push(k + 1);
    }
    const starts = this.lineStarts;
    let [lo, hi] = [0, starts.length - 1];
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - starts[lo] + 1 };
  }
}

function notUtf8(e: Utf8Error, where: string): string {
  return `not UTF-8: byte ${hex(e.byte)} at ${where} (a Latin-1 or Windows-1252 file?); save the file as UTF-8`;
}

function expected(expect: Expect, top: Frame | undefined): string {
  switch (expect) {
    case 'value':
      return 'a value (object, array, string, number, true, false or null)';
    case 'value-or-close':
      return 'a value or "]"';
    case 'key':
      return 'a double-quoted key';
    case 'key-or-close':
      return 'a double-quoted key or "}"';
    case 'colon':
      return '":"';
    default:
      return top ? `"," or "${top.kind === 'object' ? '}' : ']'}"` : 'nothing more (a config file is one JSON value)';
  }
}

/** JSON's whitespace is these four characters only (RFC 8259 §2). */
function isJsonSpace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
}

function isHexDigit(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
}
