import { beforeAll, describe, expect, it } from 'vitest';
import { ready } from '../../src/analyzers/sql-parser.js';
import { createResolver } from '../../src/analyzers/workload/query-shape.js';
import { normalizeSql } from '../../src/analyzers/workload/sql-normalize.js';
import { StatementAnalyzer } from '../../src/analyzers/workload/statement-analyzer.js';
import { shopModel } from '../fixtures/workload/model.js';

beforeAll(async () => {
  await ready();
});

describe('normalizeSql (the analyzer cache key)', () => {
  it('replaces every kind of literal and parameter with $', () => {
    expect(normalizeSql("SELECT * FROM t WHERE a = 1 AND b = 'x''y' AND c = $2 AND d = 1.5e-3 AND e = .5")).toBe(
      'SELECT * FROM t WHERE a = $ AND b = $ AND c = $ AND d = $ AND e = $',
    );
    expect(normalizeSql("SELECT E'a\\'b', B'101', X'ff', U&'d\\0061', $$x$$, $tag$ ' $tag$, 0x1F, 1_000")).toBe('SELECT $, $, $, $, $, $, $, $');
  });

  it('keeps identifiers, including ones with digits and $, and quoted names', () => {
    expect(normalizeSql('SELECT t1.c$2, "Col 1" FROM t1')).toBe('SELECT t1.c$2, "Col 1" FROM t1');
    // A type name before a string is a cast, not a string prefix.
    expect(normalizeSql("SELECT date '2026-01-01', e '1'")).toBe('SELECT date $, e $');
  });

  it('does not take quotes inside comments or quoted names for strings', () => {
    const a = normalizeSql("SELECT a -- it's\n FROM t WHERE x = 'y'");
    const b = normalizeSql("SELECT a -- it's\n FROM u WHERE x = 'y'");
    expect(a).not.toBe(b);
    expect(normalizeSql("SELECT \"it's\" FROM t /* don't */ WHERE x = 'y'")).toBe("SELECT \"it's\" FROM t /* don't */ WHERE x = $");
  });

  it('returns text without literals as it is', () => {
    const sql = 'SELECT * FROM users u JOIN orders o ON o.user_id = u.id';
    expect(normalizeSql(sql)).toBe(sql);
  });
});

describe('StatementAnalyzer caching', () => {
  it('analyzes a statement seen with other constants once, keeping the first text', () => {
    const analyzer = new StatementAnalyzer(createResolver(shopModel, ['public']));
    const [first] = analyzer.analyzeText("SELECT * FROM orders WHERE user_id = 7 AND status = 'new'");
    const [second] = analyzer.analyzeText("SELECT * FROM orders WHERE user_id = 8 AND status = 'paid'");
    expect(second).toBe(first);
    // Other layout: parsed again, but the same id and the same analysis of its tree.
    const [third] = analyzer.analyzeText('select *  from orders where user_id = $1 and status = $2');
    expect(third!.id).toBe(first!.id);
    expect(third!.sql).toBe('select *  from orders where user_id = $1 and status = $2');
  });

  it('splits multi-statement text and salvages the statements that parse', () => {
    const analyzer = new StatementAnalyzer(createResolver(shopModel, ['public']));
    const analyses = analyzer.analyzeText('BEGIN; UPDATE orders SET total = 1 WHERE id = 2; SELEKT 1; COMMIT');
    expect(analyses.map((a) => [a.kind, a.parsed, a.transactionControl])).toEqual([
      ['other', true, 'begin'],
      ['update', true, undefined],
      ['other', false, undefined],
      ['other', true, 'commit'],
    ]);
  });
});
