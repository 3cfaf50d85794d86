import type pg from 'pg';
import { markOwn } from '../db/connect.js';
import { DifferenceCollector } from './collector.js';
import { aggregateSql, fetchKeylessSegmentsSql, hashSegmentsSql, keyless, minMaxSql, splitPointsSql, type BlockRange, type Side } from './diff-sql.js';
import { fetchByKeys } from './fetch-rows.js';
import { compareKeyed, compareMultiset, type TextRow } from './row-compare.js';
import { chunkBuckets, INT8_MAX, intSpan, quantiles, splitInt, splitTuple, type Buckets, type KeyTuple, type Segment, type TupleSegment } from './segments.js';
import type { SidePool } from './side-pool.js';
import { buildShape, readSideTable, ShapeError, type TableShape } from './table-shape.js';
import type { DiffStats, DiffTableSpec } from './types.js';

/**
 * Checksum bisection of one table (as data-diff does it):
 *
 * 1. The key space is cut into buckets of about `leafRows` rows: arithmetic ranges between
 *    min and max of an integer key, or split points sampled in key order for any other key.
 *    One query per side and per run of buckets returns every bucket's count and sum of row
 *    hashes in a single scan (GROUP BY bucket): for a table with few differences this first pass
 *    is the whole cost, about one full-table checksum per side. The runs go in parallel
 *    (`jobs`), on both sides at once.
 * 2. A bucket whose checksums differ and that holds more than `leafRows` rows on a side is cut
 *    again (into as many parts as needed to reach `leafRows`) and checksummed again, on the
 *    sides that have rows in it; matching parts are dropped.
 * 3. Small mismatching segments (leaves) are fetched from both sides, several per query, and
 *    compared row by row in Node.
 *
 * Memory: bucket checksums (a few numbers each), a bounded batch of leaf rows per running
 * query, and differences up to `maxDetails`; nothing grows with the table.
 */

export interface DifferOptions {
  /** Queries in flight per side. */
  readonly jobs: number;
  /** A mismatching segment with at most this many rows per side is fetched and compared. */
  readonly leafRows: number;
  /** Details kept per table (counts are exact beyond it). */
  readonly maxDetails: number;
  /** Minimum parts a mismatching segment is cut into. */
  readonly fanout?: number;
  /** At most this many buckets in the first pass (tests use few, to exercise deep bisection). */
  readonly firstPassBuckets?: number;
  readonly onStart?: (estimatedRows: number) => void;
  readonly onProgress?: (rowsChecked: number, estimatedRows: number) => void;
}

export interface TableOutcome {
  readonly spec: DiffTableSpec;
  readonly shape?: TableShape;
  readonly collector: DifferenceCollector;
  readonly sourceRows: number;
  readonly targetRows: number;
  readonly estimatedRows: number;
  readonly stats: DiffStats;
  readonly durationMs: number;
  readonly error?: string;
}

const MAX_INT_BUCKETS = 65_536;
/** Split points travel in the SQL text (a CASE tree): keep that text a few hundred kB at most. */
const MAX_TUPLE_BUCKETS = 1_024;
/** Below this estimate, split points are exact quantiles instead of a block sample. */
const EXACT_SPLIT_ROWS = 200_000;
/** First-pass buckets hold about leafRows / this many rows. */
const FIRST_PASS_DIVISOR = 8;
/** Sampled keys per bucket when split points come from a block sample. */
const SAMPLE_PER_BUCKET = 20;

interface BucketSums {
  n: number;
  s: string;
}

interface Leaf {
  readonly segment: Segment;
  readonly sourceRows: number;
  readonly targetRows: number;
}

const clamp = (v: number, lo: number, hi: number) => Math.max(lo, Math.min(hi, v));

/** Below this many blocks (8 MB), one scan; above, ranges of about 100 MB (for progress), at least two per connection. */
const MIN_SPLIT_BLOCKS = 1024;
const BLOCKS_PER_RANGE = 12_800;

/** Block ranges covering a heap of `blocks` blocks; the last is open, for blocks added meanwhile. */
export function blockRanges(blocks: number, jobs: number): BlockRange[] {
  if (blocks < MIN_SPLIT_BLOCKS) return [{ from: 0, to: null }];
  const n = clamp(Math.ceil(blocks / BLOCKS_PER_RANGE), jobs * 2, 64);
  const width = Math.ceil(blocks / n);
  return Array.from({ length: n }, (_, i) => ({ from: i * width, to: i === n - 1 ? null : (i + 1) * width }));
}

class TableDiffer {
  private readonly inflight = new Set<Promise<void>>();
  private failure: unknown;
  private leaves: Leaf[] = [];
  private leafRowsPending = 0;
  readonly collector: DifferenceCollector;
  sourceRows = 0;
  targetRows = 0;
  private segmentQueries = 0;
  private mismatched = 0;
  private rowsFetched = 0;
  private depth = 1;
  private firstPassRows = 0;

  constructor(
    private readonly shape: TableShape,
    private readonly pools: Readonly<Record<Side, SidePool>>,
    private readonly options: DifferOptions,
    private readonly estimatedRows: number,
  ) {
    this.collector = new DifferenceCollector(options.maxDetails);
  }

  stats(): DiffStats {
    return { segmentQueries: this.segmentQueries, mismatchedSegments: this.mismatched, rowsFetched: this.rowsFetched, depth: this.depth };
  }

  private spawn(task: () => Promise<void>): void {
    const p: Promise<void> = task()
      .catch((e: unknown) => {
        this.failure ??= e;
      })
      .finally(() => this.inflight.delete(p));
    this.inflight.add(p);
  }

  async run(top: Buckets): Promise<void> {
    const byBlocks = this.shape.source.blocks > 0 && this.shape.target.blocks > 0;
    if (byBlocks) {
      await this.firstPassByBlocks(top);
    } else {
      // Without block ranges (a foreign table, PostgreSQL before 14): runs of buckets, by key.
      // Ranges of a key that sorts under COLLATE "C" on a side where its index does not (or an
      // enum, ordered by label) cannot use the index: each run would be a full scan, so one run.
      const indexable = this.shape.key.every((k) => [k.source, k.target].every((c) => !c.enumType && (!c.collatable || c.collationIsC)));
      const runs = keyless(this.shape) || !indexable ? 1 : Math.min(64, Math.max(this.options.jobs * 2, Math.ceil(this.estimatedRows / 1_000_000)));
      for (const chunk of chunkBuckets(top, runs)) this.spawn(() => this.aggregate(chunk, 1, { source: true, target: true }));
    }
    for (;;) {
      if (this.failure !== undefined) break;
      if (this.inflight.size === 0) {
        if (this.leaves.length === 0) break;
        this.flushLeaves();
        continue;
      }
      await Promise.race(this.inflight);
    }
    await Promise.allSettled([...this.inflight]);
    if (this.failure !== undefined) throw this.failure;
  }

  /**
   * The first pass as sequential scans of heap block ranges (TID range scans), `jobs` at a time
   * on each side, each returning partial checksums of every bucket, added up here: the same
   * reads as one full-table checksum, split for parallelism, with no index traversal. The two
   * sides are cut independently (their physical layouts differ); only the buckets, defined by
   * key, are compared. Rows that move while the pass runs (a concurrent update) may be counted
   * twice or missed: that only makes their bucket mismatch, and rows are compared by key from a
   * fresh read.
   */
  private async firstPassByBlocks(top: Buckets): Promise<void> {
    const sums = { source: new Map<number, { n: number; s: bigint }>(), target: new Map<number, { n: number; s: bigint }>() };
    const queries: Promise<void>[] = [];
    for (const side of ['source', 'target'] as const) {
      for (const range of blockRanges(side === 'source' ? this.shape.source.blocks : this.shape.target.blocks, this.options.jobs)) {
        queries.push(
          this.pools[side].query<{ b: number; n: string; s: string }>(aggregateSql(this.shape, side, top, range)).then((res) => {
            let rows = 0;
            for (const r of res.rows) {
              const prev = sums[side].get(Number(r.b));
              const n = Number(r.n);
              rows += n;
              if (prev) {
                prev.n += n;
                prev.s += BigInt(r.s);
              } else sums[side].set(Number(r.b), { n, s: BigInt(r.s) });
            }
            if (side === 'source') {
              this.firstPassRows += rows;
              this.options.onProgress?.(this.firstPassRows, this.estimatedRows);
            }
          }),
        );
      }
    }
    const settled = await Promise.allSettled(queries);
    const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
    this.segmentQueries += queries.length;
    top.parts.forEach((part, i) => {
      const s = sums.source.get(i);
      const t = sums.target.get(i);
      const ns = s?.n ?? 0;
      const nt = t?.n ?? 0;
      this.sourceRows += ns;
      this.targetRows += nt;
      if (ns === nt && s?.s === t?.s) return;
      this.mismatched++;
      this.mismatch(part, ns, nt, 1);
    });
  }

  private async sums(side: Side, b: Buckets, wanted: boolean): Promise<Map<number, BucketSums>> {
    const out = new Map<number, BucketSums>();
    if (!wanted) return out;
    const res = await this.pools[side].query<{ b: number; n: string; s: string }>(aggregateSql(this.shape, side, b));
    for (const r of res.rows) out.set(Number(r.b), { n: Number(r.n), s: r.s });
    return out;
  }

  private async aggregate(b: Buckets, depth: number, sides: Readonly<Record<Side, boolean>>): Promise<void> {
    this.depth = Math.max(this.depth, depth);
    const [src, tgt] = await Promise.all([this.sums('source', b, sides.source), this.sums('target', b, sides.target)]);
    this.segmentQueries += (sides.source ? 1 : 0) + (sides.target ? 1 : 0);
    b.parts.forEach((part, i) => {
      const s = src.get(i);
      const t = tgt.get(i);
      const ns = s?.n ?? 0;
      const nt = t?.n ?? 0;
      if (depth === 1) {
        this.sourceRows += ns;
        this.targetRows += nt;
      }
      if (ns === nt && (s?.s ?? null) === (t?.s ?? null)) return;
      this.mismatched++;
      this.mismatch(part, ns, nt, depth);
    });
    if (depth === 1) {
      let rows = 0;
      for (const s of src.values()) rows += s.n;
      this.firstPassRows += rows;
      this.options.onProgress?.(this.firstPassRows, this.estimatedRows);
    }
  }

  private mismatch(segment: Segment, ns: number, nt: number, depth: number): void {
    // A segment one side lacks entirely needs no comparison: every row of the other side
    // differs. Past the detail limit, count them without fetching.
    if ((ns === 0 || nt === 0) && this.collector.full) {
      this.collector.count(ns === 0 ? 'extra' : 'missing', ns + nt);
      return;
    }
    if (Math.max(ns, nt) <= this.options.leafRows) {
      this.addLeaf({ segment, sourceRows: ns, targetRows: nt });
      return;
    }
    this.spawn(() => this.bisect(segment, ns, nt, depth + 1));
  }

  private async bisect(segment: Segment, ns: number, nt: number, depth: number): Promise<void> {
    const biggest = Math.max(ns, nt);
    const parts = clamp(Math.ceil(biggest / this.options.leafRows), this.options.fanout ?? 16, 4096);
    const sides = { source: ns > 0, target: nt > 0 };
    if (segment.kind === 'int') {
      if (intSpan(segment) <= 1n) return this.addLeaf({ segment, sourceRows: ns, targetRows: nt });
      return this.aggregate(splitInt(segment, parts), depth, sides);
    }
    const side: Side = ns >= nt ? 'source' : 'target';
    const wanted = Math.min(parts, MAX_TUPLE_BUCKETS);
    let points = await this.splitPoints(side, segment, Math.ceil(biggest / wanted));
    // Rows written since the counts were taken may give more points than wanted: thin them.
    if (points.length >= wanted) points = quantiles(points, wanted);
    if (points.length === 0) return this.addLeaf({ segment, sourceRows: ns, targetRows: nt });
    return this.aggregate(splitTuple(segment, points), depth, sides);
  }

  private async splitPoints(side: Side, segment: TupleSegment, step: number, samplePercent?: number): Promise<KeyTuple[]> {
    const rows = await this.pools[side].rows(splitPointsSql(this.shape, side, segment, step, samplePercent));
    return rows.map((r) => r.map((v) => v ?? ''));
  }

  private addLeaf(leaf: Leaf): void {
    this.leaves.push(leaf);
    this.leafRowsPending += leaf.sourceRows + leaf.targetRows;
    // A batch of leaves is one query per side: few round trips, bounded rows in memory.
    if (this.leafRowsPending >= this.options.leafRows * 8 || this.leaves.length >= 64) this.flushLeaves();
  }

  private flushLeaves(): void {
    const batch = this.leaves;
    this.leaves = [];
    this.leafRowsPending = 0;
    if (batch.length > 0) this.spawn(() => this.fetchLeaves(batch));
  }

  private async fetchLeaves(batch: readonly Leaf[]): Promise<void> {
    const srcSegs = batch.filter((l) => l.sourceRows > 0).map((l) => l.segment);
    const tgtSegs = batch.filter((l) => l.targetRows > 0).map((l) => l.segment);
    if (keyless(this.shape)) return this.fetchKeylessLeaves(srcSegs, tgtSegs);
    // 1. key and row hash of every row in the batch, on both sides
    const hashes = (side: Side, segs: readonly Segment[]) => (segs.length === 0 ? Promise.resolve([] as TextRow[]) : this.pools[side].rows(hashSegmentsSql(this.shape, side, segs)));
    const [srcHashes, tgtHashes] = await Promise.all([hashes('source', srcSegs), hashes('target', tgtSegs)]);
    this.rowsFetched += srcHashes.length + tgtHashes.length;
    const width = this.shape.key.length;
    const bySource = new Map<string, { key: TextRow; hash: string | null }>();
    for (const r of srcHashes) bySource.set(JSON.stringify(r.slice(0, width)), { key: r.slice(0, width), hash: r[width] ?? null });
    const keys: TextRow[] = [];
    for (const r of tgtHashes) {
      const id = JSON.stringify(r.slice(0, width));
      const s = bySource.get(id);
      if (s === undefined || s.hash !== (r[width] ?? null)) keys.push(r.slice(0, width));
      bySource.delete(id);
    }
    for (const s of bySource.values()) keys.push(s.key);
    if (keys.length === 0) return;
    // 2. the rows that differ, by key (an index lookup), both sides; the monolith's WAL position
    //    right after its read is what settling waits for
    const [src, tgt] = await Promise.all([
      this.pools.source.use(async (c) => ({ rows: await fetchByKeys(c, this.shape, 'source', keys), lsn: await currentLsn(c) })),
      this.pools.target.use((c) => fetchByKeys(c, this.shape, 'target', keys)),
    ]);
    this.rowsFetched += src.rows.length + tgt.length;
    for (const d of compareKeyed(src.rows, tgt, width, src.lsn).differences) this.collector.add(d);
  }

  /** Keyless tables: rows grouped by value in one scan per side (the row hash has no index). */
  private async fetchKeylessLeaves(srcSegs: readonly Segment[], tgtSegs: readonly Segment[]): Promise<void> {
    const [src, tgt] = await Promise.all([
      srcSegs.length === 0
        ? Promise.resolve({ rows: [] as TextRow[], lsn: null })
        : this.pools.source.use(async (c) => {
            const rows = (await c.query<(string | null)[]>({ text: markOwn(fetchKeylessSegmentsSql(this.shape, 'source', srcSegs)), rowMode: 'array' })).rows;
            return { rows, lsn: await currentLsn(c) };
          }),
      tgtSegs.length === 0 ? Promise.resolve([] as TextRow[]) : this.pools.target.rows(fetchKeylessSegmentsSql(this.shape, 'target', tgtSegs)),
    ]);
    this.rowsFetched += src.rows.length + tgt.length;
    for (const d of compareMultiset(src.rows, tgt, src.lsn).differences) this.collector.add(d);
  }
}

/**
 * The monolith's WAL position now: the insert position, not pg_current_wal_lsn() (the write
 * position), which lags behind commits under synchronous_commit = off — every transaction
 * visible to a query that ran before this call has its commit record before the insert position.
 * On a standby: the replayed position.
 */
export async function currentLsn(c: pg.Client): Promise<string | null> {
  try {
    const res = await c.query<{ lsn: string | null }>(markOwn(`SELECT (CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn() ELSE pg_current_wal_insert_lsn() END)::text AS lsn`));
    return res.rows[0]?.lsn ?? null;
  } catch {
    return null;
  }
}

async function topBuckets(shape: TableShape, pools: Readonly<Record<Side, SidePool>>, estimate: number, leafRows: number, cap = Infinity): Promise<Buckets | 'empty'> {
  // First-pass buckets much smaller than a leaf: the pass costs one scan whatever their number
  // (a hash aggregate of a few tens of thousands of groups is cheap), and the smaller a
  // mismatching bucket, the fewer rows are re-read around each difference.
  const wanted = Math.max(1, Math.min(cap, Math.ceil(estimate / Math.max(1, Math.floor(leafRows / FIRST_PASS_DIVISOR)))));
  if (keyless(shape)) return splitInt({ kind: 'int', lo: 0n, hi: 2n ** 60n - 1n }, clamp(wanted, 1, MAX_INT_BUCKETS));
  if (shape.integerKey) {
    const [s, t] = await Promise.all((['source', 'target'] as const).map((side) => pools[side].query<{ lo: string | null; hi: string | null }>(minMaxSql(shape, side))));
    const ends = [s!.rows[0], t!.rows[0]].filter((r) => r?.lo != null && r?.hi != null).map((r) => ({ lo: BigInt(r!.lo!), hi: BigInt(r!.hi!) }));
    if (ends.length === 0) return 'empty';
    const lo = ends.reduce((m, e) => (e.lo < m ? e.lo : m), ends[0]!.lo);
    const hi = ends.reduce((m, e) => (e.hi > m ? e.hi : m), ends[0]!.hi);
    // key - lo must fit in int8 for the bucket arithmetic; otherwise treat it as any other key.
    if (hi - lo < INT8_MAX) return splitInt({ kind: 'int', lo, hi }, clamp(wanted, 1, MAX_INT_BUCKETS));
  }
  const full: TupleSegment = { kind: 'tuple', lo: null, hi: null };
  const n = clamp(wanted, 1, MAX_TUPLE_BUCKETS);
  if (n === 1) return splitTuple(full, []);
  // Split points from the side with more rows (the monolith, usually), in key order.
  const side: Side = (shape.target.estimatedRows ?? 0) > (shape.source.estimatedRows ?? 0) ? 'target' : 'source';
  const exact = estimate <= EXACT_SPLIT_ROWS;
  const percent = exact ? undefined : Math.min(100, (100 * n * SAMPLE_PER_BUCKET) / estimate);
  const step = exact ? Math.ceil(estimate / n) : SAMPLE_PER_BUCKET;
  const rows = await pools[side].rows(splitPointsSql(shape, side, full, step, percent));
  const sample = rows.map((r) => r.map((v) => v ?? ''));
  return splitTuple(full, sample.length < n ? sample : quantiles(sample, n));
}

/** Diff one table. Problems with the table itself (missing, no common column) come back as `error`. */
export async function diffTable(spec: DiffTableSpec, pools: Readonly<Record<Side, SidePool>>, options: DifferOptions): Promise<TableOutcome> {
  const started = Date.now();
  const collector = new DifferenceCollector(options.maxDetails);
  const noStats: DiffStats = { segmentQueries: 0, mismatchedSegments: 0, rowsFetched: 0, depth: 0 };
  const fail = (error: string, shape?: TableShape): TableOutcome => ({
    spec,
    ...(shape ? { shape } : {}),
    collector,
    sourceRows: 0,
    targetRows: 0,
    estimatedRows: 0,
    stats: noStats,
    durationMs: Date.now() - started,
    error,
  });
  const [s, t] = await Promise.all([readSideTable(pools.source, spec.source), readSideTable(pools.target, spec.target)]);
  if (!s) return fail(`table ${spec.source.schema}.${spec.source.name} does not exist in the monolith`);
  if (!t) return fail(`table ${spec.target.schema}.${spec.target.name} does not exist in the service's database (run dbsplit provision)`);
  let shape: TableShape;
  try {
    shape = buildShape(spec, s, t);
  } catch (e) {
    if (e instanceof ShapeError) return fail(e.message);
    throw e;
  }
  let estimate = Math.max(s.estimatedRows ?? -1, t.estimatedRows ?? -1);
  if (estimate < 0) {
    // Never analyzed: count (the table is probably small, or it would have been analyzed).
    const res = await pools.source.query<{ n: string }>(`SELECT count(*)::text AS n FROM ${s.sql}`);
    estimate = Number(res.rows[0]?.n ?? 0);
  }
  options.onStart?.(estimate);
  const top = await topBuckets(shape, pools, estimate, options.leafRows, options.firstPassBuckets);
  const differ = new TableDiffer(shape, pools, options, estimate);
  if (top !== 'empty') await differ.run(top);
  return {
    spec,
    shape,
    collector: differ.collector,
    sourceRows: differ.sourceRows,
    targetRows: differ.targetRows,
    estimatedRows: estimate,
    stats: differ.stats(),
    durationMs: Date.now() - started,
  };
}
