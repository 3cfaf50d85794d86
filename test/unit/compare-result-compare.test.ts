import { describe, expect, it } from 'vitest';
import { compareResults, type Row } from '../../src/compare/result-compare.js';
import { PgTime } from '../../src/compare/values.js';

const set = (rows: Row[], columns = Object.keys(rows[0] ?? {})) => ({ columns, rows });

describe('compareResults', () => {
  const base: Row[] = [
    { id: 1, name: 'a', amount: '10.00' },
    { id: 2, name: 'b', amount: '20.00' },
    { id: 3, name: 'c', amount: '30.00' },
  ];

  it('equal multisets match whatever the order when unordered', () => {
    const r = compareResults(set(base), set([...base].reverse()), { ordered: false });
    expect(r).toMatchObject({ matched: 3, missing: 0, extra: 0, changed: 0, outOfOrder: 0, samples: [] });
  });

  it('reports missing and extra rows, and changed rows with the column when keyed', () => {
    const cand: Row[] = [{ id: 1, name: 'a', amount: '10.00' }, { id: 3, name: 'c', amount: '31.00' }, { id: 4, name: 'd', amount: '1' }];
    const unkeyed = compareResults(set(base), set(cand), { ordered: false });
    expect(unkeyed).toMatchObject({ missing: 2, extra: 2, changed: 0 });
    const keyed = compareResults(set(base), set(cand), { ordered: false, key: ['id'] });
    expect(keyed).toMatchObject({ missing: 1, extra: 1, changed: 1 });
    expect(keyed.samples).toEqual([
      { kind: 'changed', paramSet: 0, row: { id: '3' }, columns: [{ column: 'amount', legacy: '30.00', candidate: '31.00' }] },
      { kind: 'missing', paramSet: 0, row: { id: '2', name: 'b', amount: '20.00' } },
      { kind: 'extra', paramSet: 0, row: { id: '4', name: 'd', amount: '1' } },
    ]);
  });

  it('with no usable sort keys (ORDER BY cut short), every row is one run: any order passes; exact order is required only when ORDER BY is unknown', () => {
    const reversed = set([...base].reverse());
    expect(compareResults(set(base), reversed, { ordered: true, sortKeys: [], sortKeysPartial: true })).toMatchObject({ outOfOrder: 0, missing: 0, extra: 0 });
    expect(compareResults(set(base), reversed, { ordered: true, sortKeys: [] }).outOfOrder).toBeGreaterThan(0);
  });

  it('counts duplicates (multiset, not set)', () => {
    const r = compareResults(set([base[0]!, base[0]!]), set([base[0]!]), { ordered: false });
    expect(r).toMatchObject({ matched: 1, missing: 1 });
  });

  it('applies a numeric tolerance, and ignores columns', () => {
    const cand: Row[] = [{ id: 1, name: 'x', amount: '10.004' }, { id: 2, name: 'y', amount: '20.00' }, { id: 3, name: 'z', amount: 30.006 }];
    expect(compareResults(set(base), set(cand), { ordered: false, ignore: ['name'], tolerance: { numeric: 0.005 } })).toMatchObject({ missing: 1, extra: 1 });
    expect(compareResults(set(base), set(cand), { ordered: false, ignore: ['name'], tolerance: { numeric: 0.01 } })).toMatchObject({ matched: 3, missing: 0, extra: 0 });
    expect(compareResults(set(base), set(cand), { ordered: false, tolerance: { numeric: 0.01 } })).toMatchObject({ missing: 3, extra: 3 });
  });

  it('truncates times to the timestamp precision (Dates and PostgreSQL text alike)', () => {
    const l = [{ t: new PgTime('2025-03-01 10:00:00.123456+00') }];
    const c = [{ t: new PgTime('2025-03-01 10:00:00.123999+00') }];
    expect(compareResults(set(l), set(c), { ordered: false })).toMatchObject({ missing: 1, extra: 1 });
    expect(compareResults(set(l), set(c), { ordered: false, tolerance: { timestamp: 'ms' } })).toMatchObject({ matched: 1 });
    const d1 = [{ t: new Date('2025-03-01T10:00:59.900Z') }];
    const d2 = [{ t: new Date('2025-03-01T10:00:01.000Z') }];
    expect(compareResults(set(d1), set(d2), { ordered: false, tolerance: { timestamp: 's' } })).toMatchObject({ missing: 1 });
    expect(compareResults(set(d1), set(d2), { ordered: false, tolerance: { timestamp: 'min' } })).toMatchObject({ matched: 1 });
    // An offset is honoured: the same instant written in two zones.
    expect(compareResults(set([{ t: new PgTime('2025-03-01 12:00:00+02') }]), set([{ t: new PgTime('2025-03-01 10:00:00+00') }]), { ordered: false })).toMatchObject({ matched: 1 });
  });

  it('reports columns only one side has', () => {
    const r = compareResults(set(base), set(base.map(({ id, name }) => ({ id, name }))), { ordered: false });
    expect(r.onlyInLegacy).toEqual(['amount']);
    expect(r.matched).toBe(3);
  });

  it('ordered: finds rows out of order, but not rows tied on the sort values', () => {
    const rows: Row[] = [
      { id: 1, g: 1 },
      { id: 2, g: 1 },
      { id: 3, g: 2 },
      { id: 4, g: 3 },
    ];
    const sortKeys = [{ column: 'g', inCandidate: true }];
    const tiesSwapped = [rows[1]!, rows[0]!, rows[2]!, rows[3]!];
    expect(compareResults(set(rows), set(tiesSwapped), { ordered: true, sortKeys }).outOfOrder).toBe(0);
    const wrong = [rows[0]!, rows[2]!, rows[1]!, rows[3]!];
    const r = compareResults(set(rows), set(wrong), { ordered: true, sortKeys });
    expect(r.outOfOrder).toBe(2);
    expect(r.samples[0]).toMatchObject({ kind: 'order', position: 1, row: { id: '2', g: '1' }, candidateRow: { id: '3', g: '2' } });
    // Without sort information every row is its own run.
    expect(compareResults(set(rows), set(tiesSwapped), { ordered: true }).outOfOrder).toBe(2);
    expect(compareResults(set(rows), set(wrong), { ordered: false }).outOfOrder).toBe(0);
  });

  it('ORDER BY ... LIMIT: accepts any of the rows tied with the last one, not other rows', () => {
    const legacy: Row[] = [{ id: 1, g: 1 }, { id: 2, g: 2 }, { id: 3, g: 2 }];
    const sortKeys = [{ column: 'g', inCandidate: true }];
    const otherTie = [{ id: 1, g: 1 }, { id: 2, g: 2 }, { id: 9, g: 2 }];
    const r = compareResults(set(legacy), set(otherTie), { ordered: true, limited: true, sortKeys });
    expect(r).toMatchObject({ missing: 0, extra: 0, tiesAccepted: 1, outOfOrder: 0 });
    const notTied = [{ id: 1, g: 1 }, { id: 2, g: 2 }, { id: 9, g: 3 }];
    expect(compareResults(set(legacy), set(notTied), { ordered: true, limited: true, sortKeys })).toMatchObject({ missing: 1, extra: 1, tiesAccepted: 0 });
    // Without LIMIT a different tied row is a real difference.
    expect(compareResults(set(legacy), set(otherTie), { ordered: true, sortKeys })).toMatchObject({ missing: 1, extra: 1 });
  });

  it('keeps at most the given number of samples per kind', () => {
    const many: Row[] = Array.from({ length: 20 }, (_, i) => ({ id: i }));
    const r = compareResults(set(many), set([]), { ordered: false, samples: 3 });
    expect(r.missing).toBe(20);
    expect(r.samples).toHaveLength(3);
  });
});
