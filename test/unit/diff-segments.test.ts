import { describe, expect, it } from 'vitest';
import { blockRanges } from '../../src/diff/table-differ.js';
import { chunkBuckets, INT8_MAX, INT8_MIN, quantiles, splitInt, splitTuple, type IntSegment } from '../../src/diff/segments.js';

/** Key ranges: cutting must cover a range exactly, with no gap and no overlap. */

function covers(parts: readonly IntSegment[], lo: bigint, hi: bigint): void {
  expect(parts[0]!.lo).toBe(lo);
  expect(parts[parts.length - 1]!.hi).toBe(hi);
  const gaps = parts.filter((p, i) => p.lo > p.hi || (i > 0 && p.lo !== parts[i - 1]!.hi + 1n));
  expect(gaps).toEqual([]);
}

describe('diff key segments', () => {
  it('cuts an integer range into equal widths, the last one shorter', () => {
    const b = splitInt({ kind: 'int', lo: 1n, hi: 10n }, 3);
    expect(b.width).toBe(4n);
    expect(b.parts.map((p) => [p.lo, p.hi])).toEqual([
      [1n, 4n],
      [5n, 8n],
      [9n, 10n],
    ]);
  });

  it('never makes empty or more buckets than keys', () => {
    const b = splitInt({ kind: 'int', lo: 5n, hi: 7n }, 16);
    expect(b.parts).toHaveLength(3);
    covers(b.parts, 5n, 7n);
    expect(splitInt({ kind: 'int', lo: 9n, hi: 9n }, 8).parts).toEqual([{ kind: 'int', lo: 9n, hi: 9n }]);
  });

  it('covers ranges at the ends of int8 and a 60-bit hash space', () => {
    covers(splitInt({ kind: 'int', lo: INT8_MAX - 100n, hi: INT8_MAX }, 7).parts, INT8_MAX - 100n, INT8_MAX);
    covers(splitInt({ kind: 'int', lo: INT8_MIN, hi: INT8_MIN + 1000n }, 9).parts, INT8_MIN, INT8_MIN + 1000n);
    const hash = splitInt({ kind: 'int', lo: 0n, hi: 2n ** 60n - 1n }, 65536);
    expect(hash.parts).toHaveLength(65536);
    covers(hash.parts, 0n, 2n ** 60n - 1n);
  });

  it('cuts a tuple range at its split points, keeping the open ends', () => {
    const b = splitTuple({ kind: 'tuple', lo: null, hi: null }, [['b'], ['d']]);
    expect(b.parts).toEqual([
      { kind: 'tuple', lo: null, hi: ['b'] },
      { kind: 'tuple', lo: ['b'], hi: ['d'] },
      { kind: 'tuple', lo: ['d'], hi: null },
    ]);
  });

  it('groups buckets into contiguous runs for parallel queries', () => {
    const runs = chunkBuckets(splitInt({ kind: 'int', lo: 0n, hi: 99n }, 10), 3);
    expect(runs).toHaveLength(3);
    covers(runs.map((r) => r.segment as IntSegment), 0n, 99n);
    expect(runs.reduce((n, r) => n + r.parts.length, 0)).toBe(10);
    const tuples = chunkBuckets(splitTuple({ kind: 'tuple', lo: ['a'], hi: null }, [['c'], ['e'], ['g']]), 2);
    expect(tuples.map((r) => r.segment)).toEqual([
      { kind: 'tuple', lo: ['a'], hi: ['e'] },
      { kind: 'tuple', lo: ['e'], hi: null },
    ]);
    expect(tuples.map((r) => (r.kind === 'tuple' ? r.bounds : []))).toEqual([[['c']], [['g']]]);
  });

  it('picks distinct, ordered quantiles from a sorted sample', () => {
    const sample = Array.from({ length: 100 }, (_, i) => [String(i).padStart(3, '0')]);
    const q = quantiles(sample, 4);
    expect(q).toEqual([['025'], ['050'], ['075']]);
    expect(quantiles([['a'], ['a'], ['a'], ['b']], 4)).toEqual([['a'], ['b']]);
    expect(quantiles(sample, 1)).toEqual([]);
  });

  it('cuts a heap into block ranges, the last one open for blocks added meanwhile', () => {
    expect(blockRanges(100, 2)).toEqual([{ from: 0, to: null }]);
    const r = blockRanges(130_000, 2);
    expect(r).toHaveLength(11);
    expect(r[0]).toEqual({ from: 0, to: 11819 });
    expect(r.slice(1).every((x, i) => x.from === r[i]!.to)).toBe(true);
    expect(r[r.length - 1]!.to).toBeNull();
    expect(blockRanges(2000, 4)).toHaveLength(8);
    expect(blockRanges(10_000_000, 2)).toHaveLength(64);
  });
});
