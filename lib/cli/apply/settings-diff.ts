/**
 * The difference between an appliance's current `smtp` settings and the ones
 * the config renders, field by field. The password is never shown: only
 * whether it changes.
 */
import { SmtpPayload } from '../../smtp/smtp-settings';

export interface SmtpChange {
  readonly key: string;
  /** Current value as shown (JSON), or "(unset)"; "(hidden)" for the password. */
  readonly from: string;
  readonly to: string;
  readonly changed: boolean;
}

const show = (v: unknown) => (v === undefined ? '(unset)' : JSON.stringify(v));

/** Rows for every key the PUT will send; `password` undefined means none is sent. */
export function diffSmtp(
  current: Record<string, unknown> | undefined,
  desired: SmtpPayload,
  password: string | undefined,
): SmtpChange[] {
  const cur = current ?? {};
  const rows: SmtpChange[] = Object.entries(desired).map(([key, to]) => ({
    key,
    from: show(cur[key]),
    to: show(to),
    // GHES returns the port as a string; compare values as the API would store them.
    changed: show(cur[key]) !== show(to),
  }));
  if (password !== undefined) {
    const changed = cur.password !== password;
    rows.push({ key: 'password', from: '(hidden)', to: changed ? '(changed)' : '(unchanged)', changed });
  }
  return rows;
}

/** One line per field: "  ~ key: from -> to" for a change, "    key: value" otherwise. */
export function formatDiff(rows: readonly SmtpChange[]): string {
  return rows
    .map((r) =>
      r.key === 'password'
        ? `  ${r.changed ? '~' : ' '} password: ${r.to}`
        : r.changed
          ? `  ~ ${r.key}: ${r.from} -> ${r.to}`
          : `    ${r.key}: ${r.to}`,
    )
    .join('\n');
}
