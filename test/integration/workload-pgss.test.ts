import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ready } from '../../src/analyzers/sql-parser.js';
import { loadWorkload } from '../../src/analyzers/workload/load-workload.js';
import { analyzeStatement, createResolver } from '../../src/analyzers/workload/query-shape.js';
import { readPgStatStatements } from '../../src/db/pg-stat-statements.js';
import { isDbsplitError } from '../../src/errors.js';
import { emptySchemaModel, type SchemaModel, type Table } from '../../src/model/schema.js';
import { createTestDatabase, type TestDatabase } from '../helpers/pg.js';

function table(name: string, columns: string[]): Table {
  return { schema: 'public', name, columns: columns.map((c) => ({ name: c, type: 'bigint', nullable: c !== 'id' })), primaryKey: ['id'], uniqueKeys: [], checks: [], indexes: [] };
}

const model: SchemaModel = {
  ...emptySchemaModel({ kind: 'live', description: 'hand-built for workload-pgss.test.ts' }),
  schemas: ['public'],
  tables: [table('customers', ['id', 'name']), table('purchases', ['id', 'customer_id', 'amount'])],
};

const JOIN_QUERY = 'SELECT c.name, p.amount FROM customers c JOIN purchases p ON p.customer_id = c.id WHERE c.id = $1';

describe('pg_stat_statements workload source', () => {
  let db: TestDatabase;
  let other: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase('wlpgss');
    other = await createTestDatabase('wlother');
    await db.exec(`
      CREATE EXTENSION IF NOT EXISTS pg_stat_statements;
      CREATE TABLE customers (id bigint PRIMARY KEY, name text);
      CREATE TABLE purchases (id bigint PRIMARY KEY, customer_id bigint REFERENCES customers (id), amount bigint);
      INSERT INTO customers SELECT g, 'c' || g FROM generate_series(1, 10) g;
    `);
    // pg_stat_statements is per server: the same statement in another database must not count.
    await other.exec('CREATE TABLE customers (id bigint PRIMARY KEY, name text)');
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      for (let i = 1; i <= 3; i++) await client.query(`INSERT INTO purchases (id, customer_id, amount) VALUES (${i}, ${i}, ${i * 10})`);
      for (let i = 1; i <= 5; i++) await client.query(JOIN_QUERY, [i]);
      for (let i = 0; i < 4; i++) await client.query('SELECT name FROM customers WHERE id IN (SELECT customer_id FROM purchases WHERE amount > $1)', [i]);
    } finally {
      await client.end();
    }
    const o = new pg.Client({ connectionString: other.url });
    await o.connect();
    try {
      for (let i = 0; i < 7; i++) await o.query('SELECT name FROM customers WHERE id = $1', [i]);
    } finally {
      await o.end();
    }
  });

  afterAll(async () => {
    await db?.drop();
    await other?.drop();
  });

  it('returns each statement of this database with its calls and join predicates', async () => {
    const workload = await loadWorkload(['pg_stat_statements'], { url: db.url, schema: model });
    expect(workload.sources).toEqual(['pg_stat_statements']);

    const join = workload.queries.find((q) => q.sql.includes('JOIN purchases'));
    expect(join).toBeDefined();
    expect(join!.calls).toBe(5);
    expect(join!.totalTimeMs).toBeGreaterThan(0);
    expect(join!.rows).toBe(3); // customers 1 to 3 have one purchase each, 4 and 5 none
    expect(join!.reads.map((t) => t.name)).toEqual(['customers', 'purchases']);
    expect(join!.joins).toEqual([
      { left: { schema: 'public', table: 'customers', column: 'id' }, right: { schema: 'public', table: 'purchases', column: 'customer_id' }, operator: '=', via: 'on' },
    ]);

    const insert = workload.queries.find((q) => q.kind === 'insert');
    expect(insert?.calls).toBe(3);
    expect(insert?.writes).toEqual([{ schema: 'public', name: 'purchases' }]);

    const semi = workload.queries.find((q) => q.sql.includes('IN (SELECT customer_id'));
    expect(semi?.calls).toBe(4);
    expect(semi?.joins.map((j) => j.via)).toEqual(['in']);

    // Nothing from the other database, nothing of dbsplit's own, no utility statements.
    expect(workload.queries.some((q) => q.calls === 7 || (q.sql.includes('WHERE id = $1') && !q.sql.includes('JOIN')))).toBe(false);
    expect(workload.queries.some((q) => /pg_stat_statements|CREATE TABLE|CREATE EXTENSION/i.test(q.sql))).toBe(false);
    // Sorted by calls, most first.
    const calls = workload.queries.map((q) => q.calls);
    expect([...calls].sort((a, b) => b - a)).toEqual(calls);
  });

  it('gives normalized pg_stat_statements text the id of the same statement with literals', async () => {
    await ready();
    const workload = await loadWorkload(['pgss'], { url: db.url, schema: model });
    const literal = analyzeStatement('INSERT INTO purchases (id, customer_id, amount) VALUES (99, 1, 5)', undefined, createResolver(model, ['public']));
    expect(workload.queries.find((q) => q.kind === 'insert')?.id).toBe(literal.id);
  });

  it('honours minCalls and limit', async () => {
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      const rows = await readPgStatStatements(client, { minCalls: 4 });
      expect(rows.length).toBeGreaterThan(0);
      expect(rows.every((r) => r.calls >= 4)).toBe(true);
      expect(rows.some((r) => r.query.includes('JOIN purchases'))).toBe(true);
      expect(await readPgStatStatements(client, { limit: 1 })).toHaveLength(1);
    } finally {
      await client.end();
    }
  });

  it('says how to install pg_stat_statements when the database lacks it', async () => {
    const error = await loadWorkload(['pg_stat_statements'], { url: other.url, schema: model }).catch((e: unknown) => e);
    expect(isDbsplitError(error)).toBe(true);
    expect((error as { code: string }).code).toBe('E_PRECONDITION');
    expect((error as { hint: string }).hint).toMatch(/shared_preload_libraries/);
    expect((error as { hint: string }).hint).toMatch(/CREATE EXTENSION pg_stat_statements/);
  });
});
