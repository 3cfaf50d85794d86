/**
 * Key ranges (segments) and how a range is cut into buckets. Pure: no SQL, no database.
 *
 * Two kinds of key space:
 * - integer: one int2/int4/int8 key column (or, for a table without primary key, a 60-bit
 *   hash of the row): inclusive ranges [lo, hi] cut arithmetically into equal widths, so a
 *   bucket is `(key - lo) / width`, computed in the database with no list of bounds;
 * - tuple: any other key (uuid, text, numeric, composite...): half-open ranges [lo, hi) of key
 *   tuples, cut at split points sampled from the data (quantiles), so buckets hold about the
 *   same number of rows whatever the key's distribution.
 */

/** Key column values as PostgreSQL text. */
export type KeyTuple = readonly string[];

export interface IntSegment {
  readonly kind: 'int';
  readonly lo: bigint;
  /** Inclusive: hi + 1 may not fit in int8. */
  readonly hi: bigint;
}

export interface TupleSegment {
  readonly kind: 'tuple';
  /** Inclusive lower bound; null: unbounded. */
  readonly lo: KeyTuple | null;
  /** Exclusive upper bound; null: unbounded. */
  readonly hi: KeyTuple | null;
}

export type Segment = IntSegment | TupleSegment;

/** A segment cut into contiguous buckets (bucket i is `parts[i]`). */
export type Buckets =
  | { readonly kind: 'int'; readonly segment: IntSegment; readonly width: bigint; readonly parts: readonly IntSegment[] }
  | { readonly kind: 'tuple'; readonly segment: TupleSegment; readonly bounds: readonly KeyTuple[]; readonly parts: readonly TupleSegment[] };

export const INT8_MIN = -(2n ** 63n);
export const INT8_MAX = 2n ** 63n - 1n;

export function intSpan(s: IntSegment): bigint {
  return s.hi - s.lo + 1n;
}

/** Cut [lo, hi] into at most `n` buckets of equal width (the last may be shorter). */
export function splitInt(segment: IntSegment, n: number): Buckets & { kind: 'int' } {
  const span = intSpan(segment);
  const count = BigInt(Math.max(1, Math.floor(n)));
  const width = span <= count ? 1n : (span + count - 1n) / count;
  const parts: IntSegment[] = [];
  for (let lo = segment.lo; lo <= segment.hi; lo += width) {
    const hi = lo + width - 1n > segment.hi ? segment.hi : lo + width - 1n;
    parts.push({ kind: 'int', lo, hi });
    if (hi === segment.hi) break;
  }
  return { kind: 'int', segment, width, parts };
}

/** Cut a tuple range at sorted, distinct split points lying inside it. */
export function splitTuple(segment: TupleSegment, bounds: readonly KeyTuple[]): Buckets & { kind: 'tuple' } {
  const parts: TupleSegment[] = [];
  let lo = segment.lo;
  for (const b of bounds) {
    parts.push({ kind: 'tuple', lo, hi: b });
    lo = b;
  }
  parts.push({ kind: 'tuple', lo, hi: segment.hi });
  return { kind: 'tuple', segment, bounds, parts };
}

/**
 * Group buckets into at most `n` contiguous runs: the first pass runs one query per run on
 * each side, in parallel, each returning its buckets' checksums.
 */
export function chunkBuckets(b: Buckets, n: number): Buckets[] {
  const runs = Math.max(1, Math.min(Math.floor(n), b.parts.length));
  const per = Math.ceil(b.parts.length / runs);
  const out: Buckets[] = [];
  for (let i = 0; i < b.parts.length; i += per) {
    if (b.kind === 'int') {
      const parts = b.parts.slice(i, i + per);
      out.push({ kind: 'int', segment: { kind: 'int', lo: parts[0]!.lo, hi: parts[parts.length - 1]!.hi }, width: b.width, parts });
    } else {
      const parts = b.parts.slice(i, i + per);
      out.push({ kind: 'tuple', segment: { kind: 'tuple', lo: parts[0]!.lo, hi: parts[parts.length - 1]!.hi }, bounds: parts.slice(1).map((p) => p.lo!), parts });
    }
  }
  return out;
}

/**
 * Evenly spaced picks from a sorted sample: `n - 1` split points for `n` buckets, distinct and
 * in order (duplicates, possible in a block sample of a composite key prefix, are dropped).
 */
export function quantiles(sorted: readonly KeyTuple[], n: number): KeyTuple[] {
  if (n <= 1 || sorted.length === 0) return [];
  const out: KeyTuple[] = [];
  let last: string | undefined;
  for (let i = 1; i < n; i++) {
    const idx = Math.floor((i * sorted.length) / n);
    const t = sorted[Math.min(idx, sorted.length - 1)]!;
    const id = t.join('\u0000');
    if (id !== last) out.push(t);
    last = id;
  }
  return out;
}

export function describeSegment(s: Segment): string {
  if (s.kind === 'int') return `[${s.lo}, ${s.hi}]`;
  const t = (k: KeyTuple | null, open: string) => (k === null ? open : `(${k.join(', ')})`);
  return `[${t(s.lo, '-∞')}, ${t(s.hi, '+∞')})`;
}
