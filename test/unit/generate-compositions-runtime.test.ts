import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RUNTIME_SOURCE } from '../../src/generate/compositions/runtime-source.js';

/** The generated `_runtime.ts` helpers: batch keys, order-keeping joins, PostgreSQL's ordering. */

type Row = Record<string, unknown>;
type SortKind = 'number' | 'decimal' | 'text' | 'bpchar' | 'time' | 'bool' | 'auto' | { enum: readonly string[] };
interface Runtime {
  keyText(v: unknown): string | undefined;
  distinctValues(rows: readonly Row[], field: string): unknown[];
  joinRows(left: readonly Row[], right: readonly Row[], lk: readonly string[], rk: readonly string[], kind: 'inner' | 'left'): Row[];
  compareDecimal(a: string, b: string): number;
  compareText(a: string, b: string): number;
  compareValues(a: unknown, b: unknown, kind: SortKind): number;
  sortRows(rows: readonly Row[], keys: readonly { field: string; kind: SortKind; descending: boolean; nullsFirst: boolean }[]): Row[];
  compareWhere(a: unknown, op: '=' | '<>' | '<' | '<=' | '>' | '>=', b: unknown, kind: SortKind): boolean;
}

let dir: string;
let rt: Runtime;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dbsplit-runtime-'));
  const file = join(dir, '_runtime.ts');
  await writeFile(file, RUNTIME_SOURCE);
  rt = (await import(pathToFileURL(file).href)) as Runtime;
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('composition runtime', () => {
  it('compares keys by text: a bigint string equals the same integer, NULL matches nothing', () => {
    expect(rt.keyText('42')).toBe(rt.keyText(42));
    expect(rt.keyText(null)).toBeUndefined();
    expect(rt.distinctValues([{ k: '1' }, { k: 1 }, { k: null }, { k: '2' }], 'k')).toEqual(['1', '2']);
  });

  it('joins in memory keeping the left order; LEFT keeps unmatched rows; composite keys match whole', () => {
    const left = [{ a: 3, b: 'x' }, { a: 1, b: 'y' }, { a: 2, b: 'x' }, { a: null, b: 'x' }];
    const right = [{ ra: '1', rb: 'y', v: 'one' }, { ra: '3', rb: 'x', v: 'three' }, { ra: '3', rb: 'x', v: 'three again' }, { ra: '2', rb: 'z', v: 'wrong b' }];
    expect(rt.joinRows(left, right, ['a', 'b'], ['ra', 'rb'], 'inner').map((r) => r.v)).toEqual(['three', 'three again', 'one']);
    expect(rt.joinRows(left, right, ['a', 'b'], ['ra', 'rb'], 'left').map((r) => r.v ?? null)).toEqual(['three', 'three again', 'one', null, null]);
  });

  it('orders NULLs as PostgreSQL: last ascending, first descending, unless told otherwise', () => {
    const rows = [{ x: 2 }, { x: null }, { x: 1 }];
    const by = (descending: boolean, nullsFirst: boolean) => rt.sortRows(rows, [{ field: 'x', kind: 'number', descending, nullsFirst }]).map((r) => r.x);
    expect(by(false, false)).toEqual([1, 2, null]);
    expect(by(true, true)).toEqual([null, 2, 1]);
    expect(by(false, true)).toEqual([null, 1, 2]);
    expect(by(true, false)).toEqual([2, 1, null]);
  });

  it('sorts by several keys, stably', () => {
    const rows = [{ a: 'b', n: 1, id: 1 }, { a: 'a', n: 2, id: 2 }, { a: 'b', n: 0, id: 3 }, { a: 'a', n: 2, id: 4 }];
    const sorted = rt.sortRows(rows, [
      { field: 'a', kind: 'text', descending: false, nullsFirst: false },
      { field: 'n', kind: 'number', descending: true, nullsFirst: true },
    ]);
    expect(sorted.map((r) => r.id)).toEqual([2, 4, 1, 3]);
  });

  it('compares numeric and bigint strings exactly', () => {
    expect(rt.compareDecimal('9007199254740993', '9007199254740992')).toBe(1);
    expect(rt.compareDecimal('10.50', '10.5')).toBe(0);
    expect(rt.compareDecimal('-2', '-10')).toBe(1);
    expect(rt.compareDecimal('0.001', '0')).toBe(1);
    expect(rt.compareDecimal('-0.00', '0')).toBe(0);
    expect(rt.compareDecimal('NaN', '1e10')).toBe(1);
    expect(rt.compareDecimal('-Infinity', '-5')).toBe(-1);
    expect(rt.compareValues('99', 100, 'decimal')).toBe(-1);
  });

  it('compares text by code point (C collation), character(n) without padding, enums by declaration order', () => {
    expect(rt.compareText('B', 'a')).toBe(-1);
    expect(rt.compareText('é', 'z')).toBe(1);
    expect(rt.compareText('\u{1F600}', '\uFFFD')).toBe(1);
    expect(rt.compareValues('ab ', 'ab', 'bpchar')).toBe(0);
    expect(rt.compareValues('paid', 'pending', { enum: ['pending', 'paid'] })).toBe(1);
    expect(rt.compareValues(new Date(1000), new Date(2000), 'time')).toBe(-1);
    expect(rt.compareValues(false, true, 'bool')).toBe(-1);
  });

  it('a comparison involving NULL is never true', () => {
    expect(rt.compareWhere(null, '<>', '1', 'decimal')).toBe(false);
    expect(rt.compareWhere('1.0', '=', '1', 'decimal')).toBe(true);
    expect(rt.compareWhere('2', '<>', '1', 'decimal')).toBe(true);
    expect(rt.compareWhere('a', '<', 'b', 'text')).toBe(true);
  });
});
