import type { FixOutcome } from '../../diff/diff-service.js';
import type { DiffResult, RowDifference, TableDiff } from '../../diff/types.js';

/** What the diff reporters render: the diff, and the fix when --fix was given. */
export interface DiffReport {
  readonly result: DiffResult;
  readonly fix?: FixOutcome | undefined;
}

export type DiffFormat = 'table' | 'json' | 'markdown' | 'junit';
export const DIFF_FORMATS: readonly DiffFormat[] = ['table', 'json', 'markdown', 'junit'];

/** Exit code of a diff: 0 clean, 1 differences, 2 a table could not be compared. */
export function diffExitCode(r: DiffResult): number {
  if (r.totals.errors > 0) return 2;
  return r.clean ? 0 : 1;
}

export function differs(t: TableDiff): boolean {
  return t.missing + t.extra + t.changed > 0;
}

/** `a=1, b=x` for a keyed table; the row's values for a keyless one. */
export function keyText(t: TableDiff, d: RowDifference): string {
  const names = t.key.length > 0 ? t.key : t.columns;
  return d.key.map((v, i) => `${names[i] ?? `#${i + 1}`}=${v === null ? 'NULL' : v}`).join(', ');
}

export function quoteValue(v: string | null): string {
  return v === null ? 'NULL' : JSON.stringify(v);
}

/** One line per difference, without the kind. */
export function differenceText(t: TableDiff, d: RowDifference): string {
  const copies = d.copies !== undefined && d.copies > 1 ? ` (${d.copies} copies)` : '';
  const cols = d.columns?.map((c) => `${c.column}: ${quoteValue(c.source)} → ${quoteValue(c.target)}`).join('; ');
  return `${keyText(t, d)}${copies}${cols ? ` — ${cols}` : ''}${d.unsettled ? ' (unsettled: not confirmed before sync caught up)' : ''}`;
}

export function countsText(t: { missing: number; extra: number; changed: number }): string {
  const parts: string[] = [];
  if (t.missing > 0) parts.push(`${t.missing} missing`);
  if (t.extra > 0) parts.push(`${t.extra} extra`);
  if (t.changed > 0) parts.push(`${t.changed} changed`);
  return parts.length === 0 ? 'equal' : parts.join(', ');
}

export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)}s`;
}

/** What a list cut at `shown` leaves out, or undefined when nothing. */
export function moreText(t: TableDiff, shown: number): string | undefined {
  const hidden = Math.max(0, t.differences.length - shown);
  if (t.truncated) return `… ${hidden > 0 ? `${hidden} more listed in --format json, and ` : ''}more beyond the detail limit (--max-differences)`;
  return hidden > 0 ? `… and ${hidden} more (--format json lists them all)` : undefined;
}
