/**
 * The checks a log run lists, bounded: per category (an outcome, a status)
 * the last `max` checks are kept, every check is counted, and a category with
 * more than it kept gets one line saying how many were left out. A 1 GB log
 * then gives a report of a few hundred lines that still adds up.
 */
import { Check } from '../report';

const fmt = (n: number) => n.toLocaleString('en-US');

export class Listing {
  private seq = 0;
  private readonly kept = new Map<string, { seq: number; check: Check }[]>();
  private readonly counted = new Map<string, number>();

  constructor(private readonly max: number) {}

  add(category: string, check: Check): void {
    this.counted.set(category, (this.counted.get(category) ?? 0) + 1);
    let ring = this.kept.get(category);
    if (!ring) this.kept.set(category, (ring = []));
    ring.push({ seq: this.seq++, check });
    if (ring.length > this.max) ring.shift(); // at most max + 1 long
  }

  /** How many checks are held right now. */
  get size(): number {
    let n = 0;
    for (const ring of this.kept.values()) n += ring.length;
    return n;
  }

  /** Every category's count, in the order categories first appeared. */
  counts(): Record<string, number> {
    return Object.fromEntries(this.counted);
  }

  /** The kept checks in the order they were added, then one line per category that left some out. */
  checks(noun: string): Check[] {
    const all = [...this.kept.values()]
      .flat()
      .sort((a, b) => a.seq - b.seq)
      .map((k) => k.check);
    for (const [category, n] of this.counted) {
      const shown = this.kept.get(category)!.length;
      if (n > shown) {
        all.push({
          id: `more.${category}`,
          status: 'info',
          message: `${fmt(n - shown)} more ${noun}s "${category}" are not listed, only the last ${fmt(shown)} of ${fmt(n)}`,
          data: { category, count: n, listed: shown },
        });
      }
    }
    return all;
  }
}
