/** Reads the public surface from lib/index.ts and from docs/api.md (used by api.test.ts and the consumer check). */

export interface ApiNames {
  readonly values: string[];
  readonly types: string[];
}

/** The names of `export { … } from` (values) and `export type { … } from` (types), sorted. */
export function exportedNames(source: string): ApiNames {
  const values: string[] = [];
  const types: string[] = [];
  for (const m of source.matchAll(/^export\s+(type\s+)?\{([^}]*)\}/gm)) {
    const names = m[2]
      .split(',')
      .map((n) => n.trim())
      .filter((n) => n !== '');
    (m[1] ? types : values).push(...names);
  }
  return { values: values.sort(), types: types.sort() };
}

/** The backquoted first cells of the tables under "## Values" and "## Types", sorted. */
export function documentedApi(markdown: string): ApiNames {
  const section = (title: string): string[] => {
    const start = markdown.indexOf(`## ${title}\n`);
    if (start < 0) return [];
    const rest = markdown.slice(start + title.length + 4);
    const end = rest.search(/^## /m);
    const body = end < 0 ? rest : rest.slice(0, end);
    return [...body.matchAll(/^\|\s*`([^`]+)`/gm)].map((m) => m[1]).sort();
  };
  return { values: section('Values'), types: section('Types') };
}
