/**
 * The message for a key nobody reads: a typo is named with the key it was probably meant to be, so
 * `smtp.pasword` says `did you mean "password"?` instead of leaving the reader to diff the key lists.
 */

/** Optimal string alignment distance (Levenshtein plus adjacent transpositions), for short keys only. */
function distance(a: string, b: string): number {
  const rows = Array.from({ length: a.length + 1 }, (_, i) => [i, ...new Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) rows[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      rows[i][j] = Math.min(rows[i - 1][j] + 1, rows[i][j - 1] + 1, rows[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        rows[i][j] = Math.min(rows[i][j], rows[i - 2][j - 2] + 1);
    }
  }
  return rows[a.length][b.length];
}

/** The known key closest to `key` when it is close enough to be a typo of it (case aside, at most 2 edits). */
export function closestKey(key: string, known: readonly string[]): string | undefined {
  // Keys are short; a long one (hostile input) is no typo of ours, and the table it would need is not built.
  if (key.length > 64) return undefined;
  const lower = key.toLowerCase();
  let best: { key: string; d: number } | undefined;
  for (const candidate of known) {
    const d = distance(lower, candidate.toLowerCase());
    const limit = Math.min(2, Math.floor(candidate.length / 3));
    if (d <= limit && (best === undefined || d < best.d)) best = { key: candidate, d };
  }
  return best?.key;
}

/** "unknown key …" with the likely meant key, when there is one. */
export function unknownKeyMessage(key: string, known: readonly string[]): string {
  const meant = closestKey(key, known);
  const hint = meant === undefined ? '(a typo?)' : `(did you mean ${JSON.stringify(meant)}?)`;
  return `unknown key ${hint}; see the config reference (docs/config.md)`;
}
