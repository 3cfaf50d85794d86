import { beforeAll, describe, expect, it } from 'vitest';
import { ready } from '../../src/analyzers/sql-parser.js';
import { bindParams, rewriteNamedParams } from '../../src/compare/params.js';
import { analyzeOrder } from '../../src/compare/order.js';

beforeAll(async () => {
  await ready();
});

describe('named parameters', () => {
  it('rewrites :name to $n, once per name, leaving strings, casts, comments and quoted names alone', () => {
    const r = rewriteNamedParams(`SELECT ':a', x::int, "col:b", $$ :c $$, E'\\':d' /* :e */ FROM t WHERE a = :user_id AND b > :since AND c = :user_id -- :f`);
    expect(r.names).toEqual(['user_id', 'since']);
    expect(r.text).toBe(`SELECT ':a', x::int, "col:b", $$ :c $$, E'\\':d' /* :e */ FROM t WHERE a = $1 AND b > $2 AND c = $1 -- :f`);
  });

  it('does not take an array slice for a parameter', () => {
    expect(rewriteNamedParams('SELECT a[1:n], a[:k] FROM t WHERE id = :id')).toEqual({ text: 'SELECT a[1:n], a[:k] FROM t WHERE id = $1', names: ['id'] });
  });

  it('binds values in $n order and names a missing one', () => {
    const named = rewriteNamedParams('SELECT :b, :a, :b');
    expect(bindParams(named, { a: 1, b: 'x', extra: true }, 'legacy')).toEqual(['x', 1]);
    expect(() => bindParams(named, { a: 1 }, 'legacy, parameter set 2')).toThrow('legacy, parameter set 2: parameter :b has no value');
  });
});

describe('ORDER BY analysis', () => {
  it('maps sort keys to output columns by position, name and expression, and adds the others', () => {
    const o = analyzeOrder('SELECT o.id AS oid, u.email FROM orders o JOIN users u ON u.id = o.user_id ORDER BY 2, oid DESC, u.created_at, o.id LIMIT 5');
    expect(o.hasOrderBy).toBe(true);
    expect(o.limited).toBe(true);
    expect(o.keys).toEqual([
      { column: 'email', inCandidate: true },
      { column: 'oid', inCandidate: true },
      { column: '__dbsplit_sort_3', inCandidate: false },
      { column: 'oid', inCandidate: true },
    ]);
    expect(o.sql).toBe('SELECT "u"."created_at" AS __dbsplit_sort_3, o.id AS oid, u.email FROM orders o JOIN users u ON u.id = o.user_id ORDER BY 2, oid DESC, u.created_at, o.id LIMIT 5');
    expect(o.added).toEqual(['__dbsplit_sort_3']);
  });

  it('adds sort expressions that are not selected, cut from the ORDER BY clause', () => {
    const o = analyzeOrder('SELECT id, name FROM t WHERE x IN (SELECT y FROM u ORDER BY y, z) ORDER BY id / 10, lower(name) DESC NULLS LAST, count(*) OVER (ORDER BY a, b) USING <, id LIMIT 3');
    expect(o.keys).toEqual([
      { column: '__dbsplit_sort_1', inCandidate: false },
      { column: '__dbsplit_sort_2', inCandidate: false },
      { column: '__dbsplit_sort_3', inCandidate: false },
      { column: 'id', inCandidate: true },
    ]);
    expect(o.note).toBeUndefined();
    expect(o.sql).toBe(
      'SELECT (id / 10) AS __dbsplit_sort_1, (lower(name)) AS __dbsplit_sort_2, (count(*) OVER (ORDER BY a, b)) AS __dbsplit_sort_3, id, name FROM t WHERE x IN (SELECT y FROM u ORDER BY y, z) ORDER BY id / 10, lower(name) DESC NULLS LAST, count(*) OVER (ORDER BY a, b) USING <, id LIMIT 3',
    );
    expect(analyzeOrder('SELECT id FROM t').hasOrderBy).toBe(false);
    expect(analyzeOrder('SELECT id FROM t ORDER BY id').limited).toBe(false);
  });
});
