import { maskUrl } from '../redact.js';
import type { TrackedDifference } from './row-compare.js';
import { columnDifferences, rowCount, truncateValue } from './row-compare.js';
import { settleDifferences } from './settle.js';
import { SidePool } from './side-pool.js';
import { currentLsn, diffTable, type TableOutcome } from './table-differ.js';
import type { TableShape } from './table-shape.js';
import type { DiffEventSink, DiffResult, DiffTableSpec, RowDifference, TableDiff } from './types.js';

/**
 * Compare tables between two databases: bisection per table (table-differ.ts), then settling
 * of what differed while sync runs (settle.ts). Tables run concurrently; every query goes
 * through one small pool per side, so `jobs` bounds the load on each database.
 */

export interface DiffDatabasesOptions {
  readonly service: string;
  readonly sourceUrl: string;
  readonly targetUrl: string;
  readonly tables: readonly DiffTableSpec[];
  /** Connections (queries in flight) per side. Default 2. */
  readonly jobs?: number;
  /** Rows per side under which a mismatching segment is fetched and compared. Default 2,000. */
  readonly leafRows?: number;
  /** Cap on first-pass buckets per table (tuning, tests). */
  readonly firstPassBuckets?: number;
  /** Differences listed per table (counts stay exact). Default 10,000. */
  readonly maxDetails?: number;
  /** Re-check differences once sync has caught up. Default true (skipped without sync state). */
  readonly settle?: boolean;
  readonly settleTimeoutMs?: number;
  readonly events?: DiffEventSink;
}

/** What the diff knows beyond the result: shapes and full details, for --fix. */
export interface DiffRun {
  readonly result: DiffResult;
  readonly tables: readonly { readonly spec: DiffTableSpec; readonly shape?: TableShape; readonly details: readonly TrackedDifference[]; readonly truncated: boolean }[];
}

export const DIFF_DEFAULTS = { jobs: 2, leafRows: 2000, maxDetails: 10_000, settleTimeoutMs: 60_000 } as const;

async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return out;
}

function tableName(t: { schema: string; name: string }): string {
  return `${t.schema}.${t.name}`;
}

function publicDifference(shape: TableShape | undefined, d: TrackedDifference): RowDifference {
  const keyed = (shape?.key.length ?? 0) > 0;
  const key = keyed ? d.key : d.key.map((v) => truncateValue(v));
  const base = { kind: d.kind, key, ...(d.unsettled ? { unsettled: true } : {}) };
  if (!keyed) return { ...base, copies: rowCount(d) };
  if (d.kind === 'changed' && shape && d.source && d.target) return { ...base, columns: columnDifferences(shape.columns, d.source, d.target) };
  return base;
}

const KIND_ORDER = { missing: 0, extra: 1, changed: 2 } as const;

function tableDiff(o: TableOutcome, details: readonly TrackedDifference[], settled: number): TableDiff {
  const shape = o.shape;
  const counts = { ...o.collector.untracked };
  for (const d of details) counts[d.kind] += rowCount(d);
  const sorted = [...details].sort((a, b) => KIND_ORDER[a.kind] - KIND_ORDER[b.kind]);
  return {
    table: tableName(o.spec.source),
    target: tableName(o.spec.target),
    key: shape ? shape.key.map((k) => k.name) : [],
    columns: shape ? [...shape.columns] : [],
    onlyInSource: shape ? [...shape.onlyInSource] : [],
    onlyInTarget: shape ? [...shape.onlyInTarget] : [],
    sourceRows: o.sourceRows,
    targetRows: o.targetRows,
    rowsCompared: o.sourceRows + counts.extra,
    missing: counts.missing,
    extra: counts.extra,
    changed: counts.changed,
    settled,
    unsettled: details.filter((d) => d.unsettled).reduce((n, d) => n + rowCount(d), 0),
    differences: sorted.map((d) => publicDifference(shape, d)),
    truncated: o.collector.truncated,
    durationMs: o.durationMs,
    stats: o.stats,
    ...(o.error !== undefined ? { error: o.error } : {}),
  };
}

export async function diffDatabases(options: DiffDatabasesOptions): Promise<DiffRun> {
  const started = new Date();
  const jobs = Math.max(1, options.jobs ?? DIFF_DEFAULTS.jobs);
  const pools = { source: await SidePool.open(options.sourceUrl, jobs), target: undefined as SidePool | undefined };
  try {
    pools.target = await SidePool.open(options.targetUrl, jobs);
    const sides = { source: pools.source, target: pools.target };
    const sourceLsn = await pools.source.use((c) => currentLsn(c));
    const outcomes = await mapLimit(options.tables, jobs, async (spec) => {
      const name = tableName(spec.source);
      const outcome = await diffTable(spec, sides, {
        jobs,
        leafRows: options.leafRows ?? DIFF_DEFAULTS.leafRows,
        maxDetails: options.maxDetails ?? DIFF_DEFAULTS.maxDetails,
        ...(options.firstPassBuckets !== undefined ? { firstPassBuckets: options.firstPassBuckets } : {}),
        onStart: (estimatedRows) => options.events?.({ kind: 'table-start', table: name, estimatedRows }),
        onProgress: (rowsChecked, estimatedRows) => options.events?.({ kind: 'table-progress', table: name, rowsChecked, estimatedRows }),
      });
      const totals = outcome.collector.totals();
      options.events?.({
        kind: 'table-done',
        table: name,
        rowsChecked: outcome.sourceRows,
        differences: totals.missing + totals.extra + totals.changed,
        ...(outcome.error !== undefined ? { error: outcome.error } : {}),
      });
      return outcome;
    });

    const settleTables = outcomes.filter((o) => o.shape && o.collector.details.length > 0);
    const settle =
      options.settle === false
        ? { info: { attempted: false, note: 'settling disabled', waitedMs: 0 }, tables: settleTables.map((o) => ({ details: o.collector.details, settled: 0 })) }
        : await settleDifferences(
            sides,
            settleTables.map((o) => ({ shape: o.shape!, details: o.collector.details })),
            { service: options.service, timeoutMs: options.settleTimeoutMs ?? DIFF_DEFAULTS.settleTimeoutMs, ...(options.events ? { events: options.events } : {}) },
          );
    const settledBy = new Map(settleTables.map((o, i) => [o, settle.tables[i]!]));
    const tables = outcomes.map((o) => {
      const s = settledBy.get(o);
      return { outcome: o, details: s?.details ?? o.collector.details, settled: s?.settled ?? 0 };
    });
    const diffs = tables.map((t) => tableDiff(t.outcome, t.details, t.settled));
    const totals = {
      missing: diffs.reduce((n, t) => n + t.missing, 0),
      extra: diffs.reduce((n, t) => n + t.extra, 0),
      changed: diffs.reduce((n, t) => n + t.changed, 0),
      settled: diffs.reduce((n, t) => n + t.settled, 0),
      unsettled: diffs.reduce((n, t) => n + t.unsettled, 0),
      rowsCompared: diffs.reduce((n, t) => n + t.rowsCompared, 0),
      errors: diffs.filter((t) => t.error !== undefined).length,
    };
    const finished = new Date();
    const result: DiffResult = {
      service: options.service,
      source: maskUrl(options.sourceUrl),
      target: maskUrl(options.targetUrl),
      startedAt: started.toISOString(),
      finishedAt: finished.toISOString(),
      durationMs: finished.getTime() - started.getTime(),
      sourceLsn,
      clean: totals.missing + totals.extra + totals.changed === 0 && totals.errors === 0,
      tables: diffs,
      totals,
      settle: settle.info,
    };
    return {
      result,
      tables: tables.map((t) => ({
        spec: t.outcome.spec,
        ...(t.outcome.shape ? { shape: t.outcome.shape } : {}),
        details: t.details,
        truncated: t.outcome.collector.truncated,
      })),
    };
  } finally {
    await Promise.all([pools.source.close(), pools.target?.close()]);
  }
}
