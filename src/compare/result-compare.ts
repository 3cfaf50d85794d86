import type { ColumnChange, MismatchSample, ResultComparison, SampleRow, Tolerance } from './types.js';
import type { SortKeyRef } from './order.js';
import { cellOf, cellsEqual, type Cell } from './values.js';

/**
 * Comparing two query results in Node. Pure.
 *
 * Rows are compared as multisets first: exact matches by canonical text (after truncating
 * times to the timestamp precision), then, with a numeric tolerance, the leftovers pairwise.
 * With a key, leftover rows of equal key are "changed" (with the columns that differ). Only
 * when both sides hold the same rows is order judged (see order.ts for where sort values come
 * from): the legacy rows are cut into runs of equal sort values, and the candidate's rows at
 * those positions must be the same run, in any order inside it. Under ORDER BY ... LIMIT the
 * last run may be cut anywhere, so rows tied with the last row are accepted whichever the
 * candidate returned (counted in tiesAccepted).
 */

export type Row = Readonly<Record<string, unknown>>;

export interface ResultSet {
  readonly columns: readonly string[];
  readonly rows: readonly Row[];
}

export interface ResultCompareOptions {
  readonly key?: readonly string[] | undefined;
  readonly ignore?: readonly string[] | undefined;
  readonly tolerance?: Tolerance | undefined;
  readonly ordered: boolean;
  /** Sort values of the legacy rows (ordered only); none: each row is its own run (exact order). */
  readonly sortKeys?: readonly SortKeyRef[] | undefined;
  /** ORDER BY has more keys than sortKeys: rows equal on sortKeys (all rows, when there are none) are one run. */
  readonly sortKeysPartial?: boolean | undefined;
  /** The legacy query has LIMIT (and ORDER BY): the last run of ties may be cut. */
  readonly limited?: boolean | undefined;
  /** Columns of the legacy rows that are not compared (added sort columns). */
  readonly hidden?: readonly string[] | undefined;
  readonly orderNote?: string | undefined;
  /** Samples kept per kind (default 5). */
  readonly samples?: number | undefined;
  readonly paramSet?: number | undefined;
  readonly params?: SampleRow | undefined;
}

interface Prepared {
  readonly index: number;
  readonly row: Row;
  readonly cells: readonly Cell[];
  readonly id: string;
}

/** Pairwise tolerant matching is quadratic: above this many comparisons leftovers stay unmatched. */
const MAX_PAIRWISE = 4_000_000;

export function rowColumns(rows: readonly Row[]): string[] {
  const seen = new Set<string>();
  for (const r of rows) for (const k of Object.keys(r)) seen.add(k);
  return [...seen];
}

function prepare(rows: readonly Row[], columns: readonly string[], tolerance: Tolerance | undefined): Prepared[] {
  return rows.map((row, index) => {
    const cells = columns.map((c) => cellOf(row[c], tolerance));
    return { index, row, cells, id: JSON.stringify(cells.map((c) => c.key)) };
  });
}

function sampleOf(columns: readonly string[], cells: readonly Cell[]): SampleRow {
  return Object.fromEntries(columns.map((c, i) => [c, cells[i]!.shown]));
}

function rowsEqual(a: Prepared, b: Prepared, tolerance: Tolerance | undefined): boolean {
  if (a.id === b.id) return true;
  return a.cells.every((c, i) => cellsEqual(c, b.cells[i]!, tolerance));
}

/** Pair rows of `left` with equal rows of `right`; returns the unmatched of each, in order. */
function matchRows(left: readonly Prepared[], right: readonly Prepared[], tolerance: Tolerance | undefined): { left: Prepared[]; right: Prepared[] } {
  const byId = new Map<string, Prepared[]>();
  for (const l of left) {
    const list = byId.get(l.id);
    if (list) list.push(l);
    else byId.set(l.id, [l]);
  }
  const restRight: Prepared[] = [];
  for (const r of right) {
    const list = byId.get(r.id);
    if (list && list.length > 0) list.shift();
    else restRight.push(r);
  }
  let restLeft = [...byId.values()].flat().sort((a, b) => a.index - b.index);
  if (tolerance?.numeric === undefined || restLeft.length === 0 || restRight.length === 0 || restLeft.length * restRight.length > MAX_PAIRWISE) return { left: restLeft, right: restRight };
  const usedRight = new Set<number>();
  const unmatchedLeft: Prepared[] = [];
  for (const l of restLeft) {
    const hit = restRight.findIndex((r, i) => !usedRight.has(i) && rowsEqual(l, r, tolerance));
    if (hit >= 0) usedRight.add(hit);
    else unmatchedLeft.push(l);
  }
  restLeft = unmatchedLeft;
  return { left: restLeft, right: restRight.filter((_, i) => !usedRight.has(i)) };
}

function sortText(row: Row, keys: readonly SortKeyRef[], onlyInCandidate: boolean): string {
  return JSON.stringify(keys.filter((k) => !onlyInCandidate || k.inCandidate).map((k) => cellOf(row[k.column]).key));
}

export function compareResults(legacy: ResultSet, candidate: ResultSet, options: ResultCompareOptions): ResultComparison {
  const maxSamples = options.samples ?? 5;
  const ignore = new Set([...(options.ignore ?? []), ...(options.hidden ?? [])]);
  const legacyCols = legacy.columns.filter((c) => !ignore.has(c));
  const candidateCols = candidate.columns.filter((c) => !ignore.has(c));
  const candidateSet = new Set(candidateCols);
  const legacySet = new Set(legacyCols);
  const columns = legacyCols.filter((c) => candidateSet.has(c));
  const onlyInLegacy = legacyCols.filter((c) => !candidateSet.has(c));
  const onlyInCandidate = candidateCols.filter((c) => !legacySet.has(c));
  const tol = options.tolerance;
  const L = prepare(legacy.rows, columns, tol);
  const C = prepare(candidate.rows, columns, tol);
  const samples: MismatchSample[] = [];
  const kindCount = new Map<string, number>();
  const sample = (s: Omit<MismatchSample, 'paramSet' | 'params'>): void => {
    const n = kindCount.get(s.kind) ?? 0;
    if (n >= maxSamples) return;
    kindCount.set(s.kind, n + 1);
    samples.push({ ...s, paramSet: options.paramSet ?? 0, ...(options.params ? { params: options.params } : {}) });
  };

  let { left: restL, right: restC } = matchRows(L, C, tol);

  // Ties cut by LIMIT: legacy rows of the last run, against candidate rows with the same sort values.
  let tiesAccepted = 0;
  const sortKeys = options.sortKeys ?? [];
  const lastRun = options.ordered && options.limited && L.length > 0 && sortKeys.length > 0 ? sortText(L[L.length - 1]!.row, sortKeys, true) : undefined;
  if (lastRun !== undefined && restL.length > 0 && restC.length > 0) {
    const fullLast = sortText(L[L.length - 1]!.row, sortKeys, false);
    const tiedL = restL.filter((l) => sortText(l.row, sortKeys, false) === fullLast);
    const tiedC = restC.filter((c) => sortText(c.row, sortKeys, true) === lastRun);
    tiesAccepted = Math.min(tiedL.length, tiedC.length);
    const dropL = new Set(tiedL.slice(0, tiesAccepted));
    const dropC = new Set(tiedC.slice(0, tiesAccepted));
    restL = restL.filter((l) => !dropL.has(l));
    restC = restC.filter((c) => !dropC.has(c));
  }

  // With a key, leftover rows of equal key are the same row, changed.
  let changed = 0;
  const key = (options.key ?? []).filter((k) => columns.includes(k));
  if (key.length > 0 && key.length === (options.key ?? []).length) {
    const keyIdx = key.map((k) => columns.indexOf(k));
    const keyId = (p: Prepared) => JSON.stringify(keyIdx.map((i) => p.cells[i]!.key));
    const byKey = new Map<string, Prepared[]>();
    for (const c of restC) {
      const list = byKey.get(keyId(c));
      if (list) list.push(c);
      else byKey.set(keyId(c), [c]);
    }
    const pairedC = new Set<Prepared>();
    const pairedL = new Set<Prepared>();
    for (const l of restL) {
      const c = byKey.get(keyId(l))?.find((x) => !pairedC.has(x));
      if (!c) continue;
      pairedC.add(c);
      pairedL.add(l);
      changed++;
      const cols: ColumnChange[] = [];
      columns.forEach((col, i) => {
        if (!cellsEqual(l.cells[i]!, c.cells[i]!, tol)) cols.push({ column: col, legacy: l.cells[i]!.shown, candidate: c.cells[i]!.shown });
      });
      sample({ kind: 'changed', row: Object.fromEntries(key.map((k, j) => [k, l.cells[keyIdx[j]!]!.shown])), columns: cols });
    }
    restL = restL.filter((l) => !pairedL.has(l));
    restC = restC.filter((c) => !pairedC.has(c));
  }
  for (const l of restL) sample({ kind: 'missing', row: sampleOf(columns, l.cells) });
  for (const c of restC) sample({ kind: 'extra', row: sampleOf(columns, c.cells) });

  let outOfOrder = 0;
  const sameRows = restL.length === 0 && restC.length === 0 && changed === 0 && L.length === C.length;
  if (options.ordered && sameRows) outOfOrder = checkOrder(L, C, sortKeys, options.sortKeysPartial ?? false, options.limited ?? false, tol, (s) => sample({ ...s, row: sampleOf(columns, s.row), candidateRow: sampleOf(columns, s.candidateRow) }));

  return {
    legacyRows: L.length,
    candidateRows: C.length,
    matched: L.length - restL.length - changed,
    missing: restL.length,
    extra: restC.length,
    changed,
    outOfOrder,
    tiesAccepted,
    onlyInLegacy,
    onlyInCandidate,
    ordered: options.ordered,
    ...(options.ordered && options.orderNote ? { orderNote: options.orderNote } : {}),
    samples,
  };
}

/**
 * Runs of equal sort values in the legacy rows; the candidate's rows at each run's positions
 * must be that run's rows. Returns how many positions hold a row of another run.
 */
function checkOrder(
  L: readonly Prepared[],
  C: readonly Prepared[],
  sortKeys: readonly SortKeyRef[],
  partial: boolean,
  limited: boolean,
  tol: Tolerance | undefined,
  sample: (s: { kind: 'order'; position: number; row: readonly Cell[]; candidateRow: readonly Cell[] }) => void,
): number {
  const runs: [number, number][] = [];
  for (let i = 0; i < L.length; i++) {
    const same = (sortKeys.length > 0 || partial) && i > 0 && sortText(L[i]!.row, sortKeys, false) === sortText(L[i - 1]!.row, sortKeys, false);
    if (same) runs[runs.length - 1]![1] = i + 1;
    else runs.push([i, i + 1]);
  }
  let misplaced = 0;
  runs.forEach(([from, to], r) => {
    const cut = limited && r === runs.length - 1 && sortKeys.length > 0;
    const want = L.slice(from, to);
    const got = C.slice(from, to);
    if (cut) {
      // Any tied rows will do; their sort values (those the candidate has) must be the run's.
      const runKey = sortText(want[0]!.row, sortKeys, true);
      got.forEach((g, i) => {
        if (sortText(g.row, sortKeys, true) !== runKey) {
          if (misplaced === 0) sample({ kind: 'order', position: from + i, row: want[i]!.cells, candidateRow: g.cells });
          misplaced++;
        }
      });
      return;
    }
    const rest = matchRows(want, got, tol);
    if (rest.right.length === 0) return;
    if (misplaced === 0) {
      const first = rest.right.reduce((a, b) => (a.index < b.index ? a : b));
      sample({ kind: 'order', position: first.index, row: L[first.index]!.cells, candidateRow: first.cells });
    }
    misplaced += rest.right.length;
  });
  return misplaced;
}
