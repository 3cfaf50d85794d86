import type { ColumnDifference, DifferenceKind } from './types.js';

/**
 * Comparing fetched rows in Node, for the small segments whose checksums differed. Pure.
 *
 * Rows arrive as arrays of text, exactly as diff-sql.ts selects them:
 * - keyed tables: key values, then one (compacted) value per compared column;
 * - keyless tables: the row hash, one value per column, then the number of identical copies.
 * Rows are matched through a Map (not by merging two sorted streams), so Node never has to
 * reproduce PostgreSQL's ordering of any type or collation.
 */

export type TextRow = readonly (string | null)[];

/** A difference as the diff tracks it until the end (settling and --fix re-read it by key). */
export interface TrackedDifference {
  kind: DifferenceKind;
  /** Key values (keyless: every column's value). */
  readonly key: readonly (string | null)[];
  /** Identity of the row: JSON of its key (keyless: of its values). */
  readonly id: string;
  /** Keyless tables: the row hash to re-read it by. */
  readonly hashKey?: string;
  /** Compared columns' values on each side (null: no such row). Keyless: the values once. */
  source: TextRow | null;
  target: TextRow | null;
  /** Keyless tables: identical rows on each side. */
  sourceCopies?: number;
  targetCopies?: number;
  /** The monolith's WAL position right after the row was read there (for settling). */
  readonly lsn: string | null;
  unsettled?: boolean;
}

export interface Comparison {
  readonly equal: number;
  readonly differences: TrackedDifference[];
}

function diffKind(source: TextRow | null, target: TextRow | null): DifferenceKind {
  if (source === null) return 'extra';
  if (target === null) return 'missing';
  return 'changed';
}

/** Rows of a keyed table: `keyWidth` key values, then the compared columns. */
export function compareKeyed(sourceRows: readonly TextRow[], targetRows: readonly TextRow[], keyWidth: number, lsn: string | null): Comparison {
  const bySource = new Map<string, TextRow>();
  for (const r of sourceRows) bySource.set(JSON.stringify(r.slice(0, keyWidth)), r);
  const differences: TrackedDifference[] = [];
  let equal = 0;
  for (const t of targetRows) {
    const id = JSON.stringify(t.slice(0, keyWidth));
    const s = bySource.get(id);
    if (s === undefined) {
      differences.push({ kind: 'extra', key: t.slice(0, keyWidth), id, source: null, target: t.slice(keyWidth), lsn });
      continue;
    }
    bySource.delete(id);
    if (sameValues(s, t, keyWidth)) equal++;
    else differences.push({ kind: 'changed', key: t.slice(0, keyWidth), id, source: s.slice(keyWidth), target: t.slice(keyWidth), lsn });
  }
  for (const [id, s] of bySource) differences.push({ kind: 'missing', key: s.slice(0, keyWidth), id, source: s.slice(keyWidth), target: null, lsn });
  return { equal, differences };
}

function sameValues(a: TextRow, b: TextRow, from: number): boolean {
  if (a.length !== b.length) return false;
  for (let i = from; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Rows of a keyless table: hash, values..., copies. Compared as multisets. */
export function compareMultiset(sourceRows: readonly TextRow[], targetRows: readonly TextRow[], lsn: string | null): Comparison {
  const index = (rows: readonly TextRow[]) => {
    const m = new Map<string, { hash: string; values: TextRow; copies: number }>();
    for (const r of rows) {
      const values = r.slice(1, -1);
      const id = JSON.stringify(values);
      const prev = m.get(id);
      const copies = Number(r[r.length - 1] ?? 0);
      if (prev) prev.copies += copies;
      else m.set(id, { hash: r[0] ?? '', values, copies });
    }
    return m;
  };
  const s = index(sourceRows);
  const t = index(targetRows);
  const differences: TrackedDifference[] = [];
  let equal = 0;
  for (const id of new Set([...s.keys(), ...t.keys()])) {
    const a = s.get(id);
    const b = t.get(id);
    const sc = a?.copies ?? 0;
    const tc = b?.copies ?? 0;
    equal += Math.min(sc, tc);
    if (sc === tc) continue;
    const row = (a ?? b)!;
    differences.push({
      kind: sc > tc ? 'missing' : 'extra',
      key: row.values,
      id,
      hashKey: row.hash,
      source: sc > 0 ? row.values : null,
      target: tc > 0 ? row.values : null,
      sourceCopies: sc,
      targetCopies: tc,
      lsn,
    });
  }
  return { equal, differences };
}

/** How many rows a difference stands for (a keyless row may be missing several times). */
export function rowCount(d: TrackedDifference): number {
  if (d.sourceCopies === undefined) return 1;
  return Math.abs(d.sourceCopies - (d.targetCopies ?? 0));
}

export const SAMPLE_WIDTH = 100;

/** A value cut for reports. */
export function truncateValue(v: string | null, width = SAMPLE_WIDTH): string | null {
  if (v === null) return null;
  const chars = [...v];
  return chars.length <= width ? v : chars.slice(0, width - 1).join('') + '…';
}

/** The columns of a changed row that differ, with both values (cut). */
export function columnDifferences(columns: readonly string[], source: TextRow, target: TextRow): ColumnDifference[] {
  const out: ColumnDifference[] = [];
  columns.forEach((column, i) => {
    const a = source[i] ?? null;
    const b = target[i] ?? null;
    if (a !== b) out.push({ column, source: truncateValue(a), target: truncateValue(b) });
  });
  return out;
}

/** Re-evaluate a tracked difference from fresh reads of both sides (settling, --fix). */
export function reclassify(d: TrackedDifference, source: TextRow | null, target: TextRow | null): 'equal' | DifferenceKind {
  if (source === null && target === null) return 'equal';
  if (source !== null && target !== null && source.length === target.length && source.every((v, i) => v === target[i])) return 'equal';
  return diffKind(source, target);
}
