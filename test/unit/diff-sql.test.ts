import { describe, expect, it } from 'vitest';
import { aggregateSql, bucketSql, compactSql, fetchKeysSql, predicateSql, rowTextSql, tableChecksumSql } from '../../src/diff/diff-sql.js';
import { splitInt, splitTuple } from '../../src/diff/segments.js';
import { buildShape, type SideColumn, type SideTable } from '../../src/diff/table-shape.js';

/** The SQL each side runs: canonical row text, checksums, ranges under a byte-wise order. */

const col = (name: string, type: string, extra: Partial<SideColumn> = {}): SideColumn => ({
  name,
  type,
  integer: ['bigint', 'integer', 'smallint'].includes(type),
  enumType: false,
  collatable: ['text', 'character varying(20)'].includes(type),
  collationIsC: false,
  generated: false,
  identityAlways: false,
  ...extra,
});

const side = (columns: SideColumn[], primaryKey: string[], schema = 'public'): SideTable => ({ schema, name: 't', sql: `${schema}.t`, columns, primaryKey, estimatedRows: 100, blocks: 0 });

function shapeOf(source: SideColumn[], target: SideColumn[], key: string[]) {
  return buildShape({ source: { schema: 'public', name: 't' }, target: { schema: 'svc', name: 't' } }, side(source, key), side(target, key, 'svc'));
}

describe('diff SQL', () => {
  it('canonical row text names the compared columns in the monolith order, each cast to text', () => {
    const s = shapeOf([col('id', 'bigint'), col('b', 'text'), col('a', 'text'), col('only_src', 'text')], [col('a', 'text'), col('id', 'bigint'), col('b', 'text')], ['id']);
    expect(s.columns).toEqual(['id', 'b', 'a']);
    expect(s.onlyInSource).toEqual(['only_src']);
    expect(rowTextSql(s)).toBe('ROW(id::text, b::text, a::text)::text');
    expect(tableChecksumSql(s, 'target')).toBe("SELECT count(*)::text AS n, sum(('x' || substr(md5(ROW(id::text, b::text, a::text)::text), 1, 16))::bit(64)::int8)::text AS s FROM svc.t");
  });

  it('integer keys: buckets by arithmetic from the range start', () => {
    const s = shapeOf([col('id', 'bigint'), col('v', 'text')], [col('id', 'integer'), col('v', 'text')], ['id']);
    expect(s.integerKey).toBe(true);
    const b = splitInt({ kind: 'int', lo: -5n, hi: 10n }, 4);
    expect(aggregateSql(s, 'source', b)).toBe(
      "SELECT ((id - (-5)::int8) / 4::int8)::int4 AS b, count(*)::text AS n, sum(('x' || substr(md5(ROW(id::text, v::text)::text), 1, 16))::bit(64)::int8)::text AS s FROM public.t WHERE id BETWEEN (-5)::int8 AND 10::int8 GROUP BY 1",
    );
  });

  it('text keys are ordered under COLLATE "C" unless their collation already sorts that way', () => {
    const s = shapeOf([col('code', 'text'), col('v', 'text')], [col('code', 'text', { collationIsC: true }), col('v', 'text')], ['code']);
    const seg = { kind: 'tuple' as const, lo: ['b'], hi: ['d'] };
    expect(predicateSql(s, 'source', seg)).toBe(`code COLLATE "C" >= 'b'::text AND code COLLATE "C" < 'd'::text`);
    expect(predicateSql(s, 'target', seg)).toBe(`code >= 'b'::text AND code < 'd'::text`);
  });

  it('enum keys are ordered by label text (sort orders may differ between databases)', () => {
    const s = shapeOf([col('status', 'public.order_status', { enumType: true })], [col('status', 'public.order_status', { enumType: true })], ['status']);
    expect(predicateSql(s, 'source', { kind: 'tuple', lo: ["it's"], hi: null })).toBe(`(status::text) COLLATE "C" >= 'it''s'::text`);
  });

  it('composite keys compare as row values, each column with its own order and type', () => {
    const s = shapeOf([col('a', 'integer'), col('b', 'text'), col('v', 'text')], [col('a', 'integer'), col('b', 'text'), col('v', 'text')], ['a', 'b']);
    expect(s.integerKey).toBe(false);
    expect(predicateSql(s, 'source', { kind: 'tuple', lo: null, hi: ['1', 'x'] })).toBe(`(a, b COLLATE "C") < ('1'::integer, 'x'::text)`);
    expect(fetchKeysSql(s, 'target')).toContain('WHERE (a, b) IN (SELECT * FROM unnest($1::text[]::integer[], $2::text[]::text[]))');
  });

  it('tuple buckets: a binary search over the split points', () => {
    const s = shapeOf([col('code', 'text')], [col('code', 'text')], ['code']);
    const b = splitTuple({ kind: 'tuple', lo: null, hi: null }, [['b'], ['d'], ['f']]);
    const k = `code COLLATE "C"`;
    expect(bucketSql(s, 'source', b, 'unused')).toBe(
      `CASE WHEN ${k} < 'd'::text THEN CASE WHEN ${k} < 'b'::text THEN 0 ELSE 1 END ELSE CASE WHEN ${k} < 'f'::text THEN 2 ELSE 3 END END`,
    );
    expect(bucketSql(s, 'source', splitTuple({ kind: 'tuple', lo: null, hi: null }, []), 'unused')).toBe('0');
  });

  it('a table without primary key is keyed by row hash, md5 computed once per row', () => {
    const s = shapeOf([col('x', 'integer'), col('y', 'text')], [col('x', 'integer'), col('y', 'text')], []);
    const sql = aggregateSql(s, 'source', splitInt({ kind: 'int', lo: 0n, hi: 2n ** 60n - 1n }, 4));
    expect(sql.match(/md5\(/g)).toHaveLength(1);
    expect(sql).toContain('OFFSET 0');
    expect(sql).toContain("('x' || substr(m, 17, 15))::bit(60)::int8 AS k");
  });

  it('long values are compacted to a prefix, their length and md5', () => {
    expect(compactSql('v::text')).toBe("CASE WHEN length(v::text) <= 256 THEN v::text ELSE left(v::text, 64) || '… [' || length(v::text) || ' chars, md5 ' || md5(v::text) || ']' END");
  });
});
