import { describe, expect, it } from 'vitest';
import { DifferenceCollector } from '../../src/diff/collector.js';
import { columnDifferences, compareKeyed, compareMultiset, truncateValue } from '../../src/diff/row-compare.js';

/** Comparing fetched rows in Node: matched by key through a map, never by sort order. */

describe('diff row comparison', () => {
  it('keyed rows: missing, extra, changed, equal — whatever order they come in', () => {
    const source = [
      ['1', '1', 'a'],
      ['2', '2', 'b'],
      ['3', '3', null],
    ];
    const target = [
      ['3', '3', 'x'],
      ['4', '4', 'd'],
      ['1', '1', 'a'],
    ];
    const c = compareKeyed(source, target, 1, '0/10');
    expect(c.equal).toBe(1);
    expect(c.differences.map((d) => [d.kind, d.key, d.source, d.target, d.lsn])).toEqual([
      ['changed', ['3'], ['3', null], ['3', 'x'], '0/10'],
      ['extra', ['4'], null, ['4', 'd'], '0/10'],
      ['missing', ['2'], ['2', 'b'], null, '0/10'],
    ]);
  });

  it('composite keys are matched on every key column', () => {
    const c = compareKeyed([['1', 'a', '1', 'a', 'v']], [['1', 'b', '1', 'b', 'v']], 2, null);
    expect(c.differences.map((d) => [d.kind, d.key])).toEqual([
      ['extra', ['1', 'b']],
      ['missing', ['1', 'a']],
    ]);
  });

  it('NULL and the empty string differ', () => {
    const c = compareKeyed([['1', '1', null]], [['1', '1', '']], 1, null);
    expect(c.differences).toHaveLength(1);
    expect(columnDifferences(['id', 'v'], c.differences[0]!.source!, c.differences[0]!.target!)).toEqual([{ column: 'v', source: null, target: '' }]);
  });

  it('keyless rows are multisets: a missing duplicate is one missing copy', () => {
    // hash, values..., copies
    const source = [
      ['11', 'a', '3'],
      ['22', 'b', '1'],
    ];
    const target = [
      ['11', 'a', '2'],
      ['33', 'c', '1'],
      ['22', 'b', '1'],
    ];
    const c = compareMultiset(source, target, null);
    expect(c.equal).toBe(3);
    expect(c.differences.map((d) => [d.kind, d.key, d.sourceCopies, d.targetCopies, d.hashKey])).toEqual([
      ['missing', ['a'], 3, 2, '11'],
      ['extra', ['c'], 0, 1, '33'],
    ]);
  });

  it('cuts long values for reports', () => {
    expect(truncateValue('x'.repeat(150))).toBe('x'.repeat(99) + '…');
    expect(truncateValue('short')).toBe('short');
    expect(truncateValue(null)).toBeNull();
  });

  it('keeps details up to its limit and exact counts beyond', () => {
    const c = new DifferenceCollector(2);
    const d = (id: string) => ({ kind: 'missing' as const, key: [id], id, source: [id], target: null, lsn: null });
    c.add(d('1'));
    c.add(d('2'));
    c.add(d('3'));
    c.count('extra', 10);
    expect(c.details).toHaveLength(2);
    expect(c.truncated).toBe(true);
    expect(c.totals()).toEqual({ missing: 3, extra: 10, changed: 0 });
  });
});
