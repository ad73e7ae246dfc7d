/**
 * Bytes in, lines out, in bounded memory: a line is held until its newline,
 * but never more than `maxLineBytes` of it (a file with no newline at all
 * would otherwise be held whole); the rest of an over-long line is dropped and
 * counted. Each line is decoded on its own, so a kept field never pins a
 * larger chunk of text in memory.
 */

export interface LineStats {
  /** Bytes given to the reader. */
  bytes: number;
  lines: number;
  /** Lines cut at maxLineBytes. */
  cutLines: number;
}

export class LineReader {
  readonly stats: LineStats = { bytes: 0, lines: 0, cutLines: 0 };
  private parts: Buffer[] = [];
  private held = 0;
  private cut = false;

  constructor(
    private readonly onLine: (text: string, lineNumber: number) => void,
    private readonly maxLineBytes: number,
  ) {}

  write(chunk: Buffer): void {
    this.stats.bytes += chunk.length;
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(10, start);
      if (nl < 0) break;
      if (this.held === 0 && !this.cut && nl - start <= this.maxLineBytes) this.line(chunk, start, nl, false);
      else {
        this.keep(chunk, start, nl);
        this.emit();
      }
      start = nl + 1;
    }
    if (start < chunk.length) this.keep(chunk, start, chunk.length);
  }

  /** The last line, when the input does not end with a newline. */
  end(): void {
    if (this.held > 0 || this.cut) this.emit();
  }

  private keep(chunk: Buffer, from: number, to: number): void {
    const room = this.maxLineBytes - this.held;
    const take = Math.min(room, to - from);
    if (take < to - from) this.cut = true;
    if (take > 0) {
      // A copy: a subarray would keep the whole (up to 64 KiB) read chunk alive with it.
      this.parts.push(Buffer.from(chunk.subarray(from, from + take)));
      this.held += take;
    }
  }

  private emit(): void {
    const bytes = this.parts.length === 1 ? this.parts[0] : Buffer.concat(this.parts, this.held);
    const cut = this.cut;
    this.parts = [];
    this.held = 0;
    this.cut = false;
    this.line(bytes, 0, bytes.length, cut);
  }

  /** Decoding makes a new string, so nothing of the buffer stays referenced. */
  private line(bytes: Buffer, from: number, to: number, cut: boolean): void {
    const end = to > from && bytes[to - 1] === 13 ? to - 1 : to; // CRLF
    this.stats.lines++;
    if (cut) this.stats.cutLines++;
    this.onLine(bytes.toString('utf8', from, end), this.stats.lines);
  }
}
