/**
 * Every value of one `kind` in a deployed stack's outputs document, whatever its nesting: cdktf nests by stack and
 * construct path (`cdktf output --outputs-file`), terraform wraps each in { value } (`terraform output -json`).
 */
export function outputsOfKind(raw: unknown, kind: string): Record<string, unknown>[] {
  const found: Record<string, unknown>[] = [];
  const walk = (value: unknown, depth: number): void => {
    if (typeof value !== 'object' || value === null || depth > 32) return;
    if ((value as Record<string, unknown>).kind === kind) found.push(value as Record<string, unknown>);
    else for (const v of Object.values(value)) walk(v, depth + 1);
  };
  walk(raw, 0);
  return found;
}
