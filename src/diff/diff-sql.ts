import { quoteIdent } from '../analyzers/pg-type-names.js';
import type { Buckets, IntSegment, KeyTuple, Segment, TupleSegment } from './segments.js';
import type { SideColumn, TableShape } from './table-shape.js';

/**
 * The SQL of the diff, per side. Everything is computed inside each database:
 *
 * - a row's canonical text is `ROW(c1::text, c2::text, ...)::text` over the compared columns,
 *   named in the same order on both sides (so column order in the table does not matter), each
 *   cast to text by its own type on its own server (so types canonicalize server-side, under
 *   the session settings of side-pool.ts). Record output quotes fields and writes NULL as an
 *   empty unquoted field, so (NULL, 'x') and ('x', NULL) and ('', NULL) all differ — unlike
 *   concat_ws, which skips NULLs.
 * - a row's hash is the first 64 bits of md5 of that text (md5 is everywhere and the same on
 *   every platform; hashtextextended is faster but its value is not promised across versions and
 *   architectures);
 * - a segment's checksum is count(*) and sum() of the row hashes: order-independent, so no sort;
 *   sum of bigint is exact in numeric (no overflow); a changed, missing or extra row changes the
 *   sum except with probability ~2^-64.
 * - a table without primary key is keyed by another 60 bits of the same md5 (non-negative, so
 *   range arithmetic on it never overflows): the table becomes a multiset of rows bucketed by
 *   row hash.
 */

export type Side = 'source' | 'target';

export const ident = quoteIdent;

export function literal(value: string): string {
  // standard_conforming_strings is on in every diff session: backslashes are plain characters.
  return `'${value.replace(/'/g, "''")}'`;
}

function sideTable(shape: TableShape, side: Side) {
  return side === 'source' ? shape.source : shape.target;
}

/** The canonical text of a row (see above). */
export function rowTextSql(shape: TableShape, prefix = ''): string {
  return `ROW(${shape.columns.map((c) => `${prefix}${ident(c)}::text`).join(', ')})::text`;
}

const H64 = (md5: string) => `('x' || substr(${md5}, 1, 16))::bit(64)::int8`;
const H60 = (md5: string) => `('x' || substr(${md5}, 17, 15))::bit(60)::int8`;

/**
 * A value as fetched for comparison in Node: the whole text when short, else its start, its
 * length and its md5 (still different whenever the value differs), so that memory per row stays
 * small whatever a column holds.
 */
export const COMPACT_LIMIT = 256;
export function compactSql(expr: string): string {
  return `CASE WHEN length(${expr}) <= ${COMPACT_LIMIT} THEN ${expr} ELSE left(${expr}, 64) || '… [' || length(${expr}) || ' chars, md5 ' || md5(${expr}) || ']' END`;
}

export const keyless = (shape: TableShape) => shape.key.length === 0;

/**
 * FROM clause and key expression. A keyless table is read through a subquery computing one md5
 * per row (OFFSET 0 keeps PostgreSQL from inlining it and computing md5 twice).
 */
function source(shape: TableShape, side: Side, blocks?: BlockRange): { from: string; key: string; hash: string; where: string } {
  const t = sideTable(shape, side);
  const tid = blocks ? blockRangeSql(blocks) : '';
  if (keyless(shape)) {
    return {
      from: `(SELECT ${H64('m')} AS h, ${H60('m')} AS k FROM (SELECT md5(${rowTextSql(shape)}) AS m FROM ${t.sql}${tid ? ` WHERE ${tid}` : ''} OFFSET 0) a) b`,
      key: 'k',
      hash: 'h',
      where: '',
    };
  }
  return { from: t.sql, key: ident(shape.key[0]!.name), hash: H64(`md5(${rowTextSql(shape)})`), where: tid };
}

/** Heap blocks [from, to) of the table (each partition of a partitioned one); `to` null: to the end. */
export interface BlockRange {
  readonly from: number;
  readonly to: number | null;
}

/** A TID range: read as a sequential scan of those blocks (PostgreSQL 14+). */
export function blockRangeSql(b: BlockRange): string {
  const parts = [`ctid >= '(${b.from},0)'::tid`];
  if (b.to !== null) parts.push(`ctid < '(${b.to},0)'::tid`);
  return parts.join(' AND ');
}

/** Per key column: the expression it is ordered by, and how a bound is written, on one side. */
function keyOrder(col: SideColumn, name: string): { expr: string; literal: (v: string) => string } {
  if (col.enumType) return { expr: `(${ident(name)}::text) COLLATE "C"`, literal: (v) => `${literal(v)}::text` };
  if (col.collatable && !col.collationIsC) return { expr: `${ident(name)} COLLATE "C"`, literal: (v) => `${literal(v)}::${col.type}` };
  return { expr: ident(name), literal: (v) => `${literal(v)}::${col.type}` };
}

function orderExprs(shape: TableShape, side: Side): string[] {
  return shape.key.map((k) => keyOrder(side === 'source' ? k.source : k.target, k.name).expr);
}

function tupleExpr(items: readonly string[]): string {
  return items.length === 1 ? items[0]! : `(${items.join(', ')})`;
}

function boundSql(shape: TableShape, side: Side, bound: KeyTuple): string {
  return tupleExpr(shape.key.map((k, i) => keyOrder(side === 'source' ? k.source : k.target, k.name).literal(bound[i]!)));
}

function int8(v: bigint): string {
  return v < 0n ? `(${v})::int8` : `${v}::int8`;
}

function segmentPredicate(shape: TableShape, side: Side, seg: Segment, key: string): string {
  if (seg.kind === 'int') return `${key} BETWEEN ${int8(seg.lo)} AND ${int8(seg.hi)}`;
  const lhs = tupleExpr(orderExprs(shape, side));
  const parts: string[] = [];
  if (seg.lo !== null) parts.push(`${lhs} >= ${boundSql(shape, side, seg.lo)}`);
  if (seg.hi !== null) parts.push(`${lhs} < ${boundSql(shape, side, seg.hi)}`);
  return parts.length === 0 ? 'true' : parts.join(' AND ');
}

export function predicateSql(shape: TableShape, side: Side, seg: Segment): string {
  return segmentPredicate(shape, side, seg, source(shape, side).key);
}

/**
 * The bucket of a row: arithmetic for integer keys; for tuple keys a binary search written as
 * nested CASE over the split points (log2(n) comparisons per row; width_bucket() would be one
 * call but walks a text array linearly and cannot compare composite keys under COLLATE "C").
 */
export function bucketSql(shape: TableShape, side: Side, b: Buckets, key: string): string {
  if (b.parts.length === 1) return '0';
  if (b.kind === 'int') return `((${key} - ${int8(b.segment.lo)}) / ${int8(b.width)})::int4`;
  const lhs = tupleExpr(orderExprs(shape, side));
  const search = (lo: number, hi: number): string => {
    if (lo === hi) return String(lo);
    const mid = (lo + hi + 1) >> 1;
    return `CASE WHEN ${lhs} < ${boundSql(shape, side, b.bounds[mid - 1]!)} THEN ${search(lo, mid - 1)} ELSE ${search(mid, hi)} END`;
  };
  return search(0, b.parts.length - 1);
}

/**
 * Checksums of each bucket of a segment: `b, count, sum` (empty buckets give no row). With
 * `blocks`, only the rows in those heap blocks: partial sums, added up over the block ranges.
 */
export function aggregateSql(shape: TableShape, side: Side, b: Buckets, blocks?: BlockRange): string {
  const s = source(shape, side, blocks);
  const where = [segmentPredicate(shape, side, b.segment, s.key), s.where].filter((w) => w !== '' && w !== 'true');
  return `SELECT ${bucketSql(shape, side, b, s.key)} AS b, count(*)::text AS n, sum(${s.hash})::text AS s FROM ${s.from}${where.length > 0 ? ` WHERE ${where.join(' AND ')}` : ''} GROUP BY 1`;
}

/** Checksum of the whole table (the benchmark's floor). */
export function tableChecksumSql(shape: TableShape, side: Side): string {
  const s = source(shape, side);
  return `SELECT count(*)::text AS n, sum(${s.hash})::text AS s FROM ${s.from}`;
}

/** min/max of an integer key (an index lookup each). */
export function minMaxSql(shape: TableShape, side: Side): string {
  const t = sideTable(shape, side);
  const k = ident(shape.key[0]!.name);
  return `SELECT min(${k})::text AS lo, max(${k})::text AS hi FROM ${t.sql}`;
}

/**
 * Every `step`-th key of a tuple segment in key order: split points (quantiles) for cutting it.
 * With `samplePercent`, from a block sample of the table (first pass over a large table).
 */
export function splitPointsSql(shape: TableShape, side: Side, seg: TupleSegment, step: number, samplePercent?: number): string {
  const t = sideTable(shape, side);
  const keys = shape.key.map((k) => ident(k.name));
  const sample = samplePercent !== undefined && samplePercent < 100 ? ` TABLESAMPLE SYSTEM (${samplePercent.toFixed(6)}) REPEATABLE (42)` : '';
  const out = keys.map((k, i) => `${k}::text AS k${i}`).join(', ');
  return `SELECT ${shape.key.map((_, i) => `k${i}`).join(', ')} FROM (SELECT ${out}, row_number() OVER (ORDER BY ${orderExprs(shape, side).join(', ')}) AS rn FROM ${t.sql}${sample} WHERE ${segmentPredicate(shape, side, seg, '')}) s WHERE rn % ${Math.max(1, Math.floor(step))} = 0`;
}

/** The columns fetched for comparison: key values exactly, every compared column compacted. */
function fetchColumns(shape: TableShape, prefix = ''): string[] {
  return [...shape.key.map((k) => `${prefix}${ident(k.name)}::text`), ...shape.columns.map((c) => compactSql(`${prefix}${ident(c)}::text`))];
}

/**
 * Rows of a keyless table by row hash, grouped: `k, values..., copies` (identical rows collapse
 * into one with their count, so memory follows distinct rows).
 */
function keylessFetchSql(shape: TableShape, side: Side, where: (key: string) => string): string {
  const t = sideTable(shape, side);
  const vals = shape.columns.map((c) => compactSql(`x.${ident(c)}::text`));
  const m = '"dbsplit md5"';
  return `SELECT ${H60(`x.${m}`)}::text AS k, ${vals.join(', ')}, count(*)::text AS copies FROM (SELECT t.*, md5(${rowTextSql(shape, 't.')}) AS ${m} FROM ${t.sql} t OFFSET 0) x WHERE ${where(H60(`x.${m}`))} GROUP BY ${vals.map((_, i) => i + 2).concat([1]).join(', ')}`;
}

/**
 * Key and row hash of every row of several segments (keyed tables): the first look at a batch of
 * small mismatching segments. Only the rows whose hashes differ are then fetched by key, so the
 * values of equal rows never leave the database.
 */
export function hashSegmentsSql(shape: TableShape, side: Side, segments: readonly Segment[]): string {
  const s = source(shape, side);
  const where = segments.map((seg) => `(${segmentPredicate(shape, side, seg, s.key)})`).join(' OR ');
  return `SELECT ${shape.key.map((k) => `${ident(k.name)}::text`).join(', ')}, ${s.hash}::text AS h FROM ${s.from} WHERE ${where}`;
}

/**
 * Rows of several segments of a keyless table (one query: a batch of leaves), grouped by value.
 * Keyed tables go through hashSegmentsSql and fetchKeysSql instead.
 */
export function fetchKeylessSegmentsSql(shape: TableShape, side: Side, segments: readonly Segment[]): string {
  return keylessFetchSql(shape, side, (k) => segments.map((s) => `(${segmentPredicate(shape, side, s, k)})`).join(' OR '));
}

/**
 * Rows by key: one text[] parameter per key column ($1, $2, ...), cast to the side's types
 * (for a keyless table, one int8[] of row hashes).
 */
export function fetchKeysSql(shape: TableShape, side: Side): string {
  if (keyless(shape)) return keylessFetchSql(shape, side, (k) => `${k} = ANY ($1::int8[])`);
  const t = sideTable(shape, side);
  const cols = shape.key.map((k) => (side === 'source' ? k.source : k.target));
  const where =
    shape.key.length === 1
      ? `${ident(shape.key[0]!.name)} = ANY ($1::text[]::${cols[0]!.type}[])`
      : `(${shape.key.map((k) => ident(k.name)).join(', ')}) IN (SELECT * FROM unnest(${cols.map((c, i) => `$${i + 1}::text[]::${c.type}[]`).join(', ')}))`;
  return `SELECT ${fetchColumns(shape).join(', ')} FROM ${t.sql} WHERE ${where}`;
}

/** Full values by key, for --fix (no compaction: the values are written back). */
export function fetchFullRowsSql(shape: TableShape, side: Side): string {
  const t = sideTable(shape, side);
  const cols = shape.columns.map((c) => `${ident(c)}::text`);
  if (keyless(shape)) {
    const m = '"dbsplit md5"';
    return `SELECT ${H60(`x.${m}`)}::text AS k, ${shape.columns.map((c) => `x.${ident(c)}::text`).join(', ')}, count(*)::text AS copies FROM (SELECT t.*, md5(${rowTextSql(shape, 't.')}) AS ${m} FROM ${t.sql} t OFFSET 0) x WHERE ${H60(`x.${m}`)} = ANY ($1::int8[]) GROUP BY ${shape.columns.map((_, i) => i + 2).concat([1]).join(', ')}`;
  }
  const keyCols = shape.key.map((k) => (side === 'source' ? k.source : k.target));
  const where =
    shape.key.length === 1
      ? `${ident(shape.key[0]!.name)} = ANY ($1::text[]::${keyCols[0]!.type}[])`
      : `(${shape.key.map((k) => ident(k.name)).join(', ')}) IN (SELECT * FROM unnest(${keyCols.map((c, i) => `$${i + 1}::text[]::${c.type}[]`).join(', ')}))`;
  return `SELECT ${shape.key.map((k) => `${ident(k.name)}::text`).join(', ')}, ${cols.join(', ')} FROM ${t.sql} WHERE ${where}`;
}
