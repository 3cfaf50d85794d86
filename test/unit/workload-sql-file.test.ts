import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseText, ready } from '../../src/analyzers/sql-parser.js';
import { createResolver, type StatementAnalysis } from '../../src/analyzers/workload/query-shape.js';
import { chunkSql } from '../../src/analyzers/workload/sql-chunks.js';
import { analyzeSqlText } from '../../src/analyzers/workload/sql-file-source.js';
import { StatementAnalyzer } from '../../src/analyzers/workload/statement-analyzer.js';
import { shopModel } from '../fixtures/workload/model.js';

beforeAll(async () => {
  await ready();
});

function run(text: string): { sql: string; calls: number; parsed: boolean }[] {
  const out: { sql: string; calls: number; parsed: boolean }[] = [];
  const analyzer = new StatementAnalyzer(createResolver(shopModel, ['public', 'billing']));
  analyzeSqlText(text, analyzer, (a: StatementAnalysis, calls, sql) => out.push({ sql, calls, parsed: a.parsed }));
  return out;
}

describe('.sql workload files', () => {
  it('reads `-- calls: N` hints, skips psql meta-commands and survives a statement that does not parse', () => {
    const out = run(readFileSync(new URL('../fixtures/workload/queries.sql', import.meta.url), 'utf8'));
    expect(out.map((s) => [s.sql.split('\n')[0], s.calls, s.parsed])).toEqual([
      ['SELECT o.id, o.total', 1200, true],
      ["UPDATE orders SET status = 'paid' WHERE id = 17", 300, true],
      ["SELECT 'a;b' AS x, $$c;d$$ AS y FROM products WHERE sku = 'x'", 1, true],
      ['SELEKT * FROM users', 1, false],
      ["SELECT o.id, o.total FROM orders o JOIN users u ON u.id = o.user_id WHERE u.email = 'b@example.com'", 5, true],
      ['SET search_path = public', 1, true],
      // A trailing comment belongs to its own line's statement, not to the next one.
      ["INSERT INTO order_items (order_id, product_id, qty) SELECT o.id, p.id, 1 FROM orders o, products p WHERE p.sku = 'x' AND o.user_id = 3", 1, true],
      ["DELETE FROM order_items WHERE order_id IN (SELECT id FROM orders WHERE status = 'void')", 1, true],
    ]);
  });

  it('gives the same statements when the file is cut into many pieces', () => {
    const statements = Array.from({ length: 400 }, (_, i) =>
      i % 3 === 0 ? `-- calls: ${i + 1}\nSELECT '${'x;'.repeat(i % 7)}' AS s, $q$;${i}$q$ FROM users WHERE id = ${i};` : `UPDATE orders SET total = ${i} WHERE "id" = ${i}; /* ; */`,
    );
    const text = statements.join('\n') + '\n';
    expect(chunkSql(text, 1000).length).toBeGreaterThan(10);
    const whole = run(text);
    expect(whole).toHaveLength(400);
    expect(whole[3]).toEqual({ sql: "SELECT 'x;x;x;' AS s, $q$;3$q$ FROM users WHERE id = 3", calls: 4, parsed: true });
    expect(whole.filter((s) => s.calls > 1)).toHaveLength(133);
  });
});

describe('chunkSql', () => {
  it('cuts only after a semicolon that ends a line outside strings, comments and parentheses', () => {
    const text = [
      "SELECT 'a;\n' AS q;",
      'SELECT "we;\nird" FROM t;',
      'SELECT $body$ x;\n $body$;',
      "SELECT E'it\\';\n' AS e;",
      '/* c;\n /* nested; */ ; */ SELECT 1;',
      '-- comment;\nSELECT (1;\n);',
      'SELECT 2; SELECT 3;',
      'SELECT 4;',
    ].join('\n');
    const chunks = chunkSql(text, 1);
    expect(chunks.join('')).toBe(text);
    for (const chunk of chunks) expect(parseText(chunk).ok || chunk.includes('(1;'), chunk).toBe(true);
    expect(chunks[0]).toBe("SELECT 'a;\n' AS q;\n");
    expect(chunks[2]).toBe('SELECT $body$ x;\n $body$;\n');
    expect(chunks[3]).toBe("SELECT E'it\\';\n' AS e;\n");
    expect(chunks[4]).toBe('/* c;\n /* nested; */ ; */ SELECT 1;\n');
    expect(chunks[5]).toBe('-- comment;\nSELECT (1;\n);\n');
    expect(chunks[6]).toBe('SELECT 2; SELECT 3;\n');
  });

  it('does not cut files with BEGIN ATOMIC bodies, or small files', () => {
    const atomic = 'CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC\n SELECT 1;\n SELECT 2;\nEND;\n'.repeat(50);
    expect(chunkSql(atomic, 10)).toEqual([atomic]);
    expect(chunkSql('SELECT 1;\nSELECT 2;\n')).toHaveLength(1);
  });
});

describe('transactions in SQL files', () => {
  it('groups explicit BEGIN ... COMMIT blocks, drops rolled back ones, and leaves autocommit statements alone', async () => {
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { loadWorkload } = await import('../../src/analyzers/workload/load-workload.js');
    const { schemaOf, table, col } = await import('../helpers/model.js');
    const schema = schemaOf([table('orders', [col('id'), col('total')]), table('payments', [col('id'), col('order_id')]), table('stock', [col('id'), col('qty')])]);
    const dir = mkdtempSync(join(tmpdir(), 'dbsplit-tx-'));
    const file = join(dir, 'tx.sql');
    writeFileSync(file, `UPDATE stock SET qty = qty - 1 WHERE id = 1;
BEGIN;
INSERT INTO orders (id, total) VALUES (1, 10);
INSERT INTO payments (id, order_id) VALUES (1, 1);
COMMIT;
BEGIN;
UPDATE stock SET qty = 0 WHERE id = 2;
UPDATE orders SET total = 0 WHERE id = 2;
ROLLBACK;
`);
    const w = await loadWorkload([file], { schema });
    expect(w.transactions).toHaveLength(1);
    const byId = new Map(w.queries.map((q) => [q.id, q]));
    expect(w.transactions[0]!.queryIds.map((id) => byId.get(id)!.writes[0]!.name)).toEqual(['orders', 'payments']);
  });
});

describe('splitTopLevel', () => {
  it('cuts only at semicolons outside strings, names, dollar quotes, comments and parentheses', async () => {
    const { splitTopLevel } = await import('../../src/analyzers/workload/sql-chunks.js');
    const text = `-- calls: 3
SELECT 'a;b', "x;y" FROM t; /* c; */ SELECT $$p;q$$, E'it\\'s;' ;
CREATE RULE r AS ON INSERT TO t DO ALSO (INSERT INTO u VALUES (1); DELETE FROM v);
SELECT 1`;
    const pieces = splitTopLevel(text).map((p) => p.text);
    expect(pieces).toEqual([
      `SELECT 'a;b', "x;y" FROM t`,
      `SELECT $$p;q$$, E'it\\'s;'`,
      'CREATE RULE r AS ON INSERT TO t DO ALSO (INSERT INTO u VALUES (1); DELETE FROM v)',
      'SELECT 1',
    ]);
  });
});
