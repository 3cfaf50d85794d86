import { beforeAll, describe, expect, it } from 'vitest';
import { ready } from '../../src/analyzers/sql-parser.js';
import { analyzeStatement, createResolver, type StatementAnalysis } from '../../src/analyzers/workload/query-shape.js';
import type { JoinPredicate } from '../../src/model/workload.js';
import { shopModel } from '../fixtures/workload/model.js';

const resolver = createResolver(shopModel, ['public', 'billing']);

beforeAll(async () => {
  await ready();
});

function analyze(sql: string): StatementAnalysis {
  return analyzeStatement(sql, undefined, resolver);
}

function text(p: JoinPredicate): string {
  return `${p.left.schema}.${p.left.table}.${p.left.column} ${p.operator} ${p.right.schema}.${p.right.table}.${p.right.column} (${p.via})`;
}

/** Join predicates as `schema.table.column op schema.table.column (via)`. */
function joins(sql: string): string[] {
  return analyze(sql).joins.map(text);
}

function tables(refs: readonly { schema: string; name: string }[]): string[] {
  return refs.map((r) => `${r.schema}.${r.name}`);
}

function rw(sql: string): { kind: string; reads: string[]; writes: string[] } {
  const a = analyze(sql);
  return { kind: a.kind, reads: tables(a.reads), writes: tables(a.writes) };
}

const ORDERS_USERS = 'public.orders.user_id = public.users.id';

describe('join predicates', () => {
  it('takes explicit JOIN ... ON equalities, ANDed, and ignores column = constant', () => {
    expect(joins('SELECT * FROM orders o JOIN order_items oi ON oi.order_id = o.id JOIN products p ON p.id = oi.product_id AND oi.qty = 3 AND p.price > 5')).toEqual([
      'public.order_items.order_id = public.orders.id (on)',
      'public.order_items.product_id = public.products.id (on)',
    ]);
  });

  it('orders the sides canonically, so both spellings compare equal, and dedupes', () => {
    const a = joins('SELECT * FROM orders o JOIN users u ON o.user_id = u.id');
    const b = joins('SELECT * FROM users u JOIN orders o ON u.id = o.user_id WHERE u.id = o.user_id');
    expect(a).toEqual([`${ORDERS_USERS} (on)`]);
    expect(b).toEqual(a);
  });

  it('counts only equality as a join predicate', () => {
    expect(joins('SELECT * FROM users u JOIN orders o ON u.created_at < o.created_at OR o.total <> u.org_id')).toEqual([]);
    expect(joins('SELECT * FROM orders o JOIN invoices i ON i.amount BETWEEN o.total AND o.total')).toEqual([]);
    expect(joins('SELECT * FROM users WHERE id < ANY (SELECT user_id FROM orders)')).toEqual([]);
    expect(joins('SELECT * FROM orders o JOIN invoices i ON i.order_id IS NOT DISTINCT FROM o.id')).toEqual(['billing.invoices.order_id = public.orders.id (on)']);
  });

  it('does not count a comparison within one relation', () => {
    expect(joins('SELECT * FROM orders o JOIN users u ON true WHERE o.id = o.user_id')).toEqual([]);
  });

  it('expands USING to one predicate per column, taking the left relation that has the column', () => {
    expect(joins('SELECT * FROM invoices i JOIN payments p ON p.invoice_id = i.id JOIN orders o USING (user_id)')).toEqual([
      'billing.invoices.id = billing.payments.invoice_id (on)',
      'billing.invoices.user_id = public.orders.user_id (using)',
    ]);
    expect(joins('SELECT * FROM orders o JOIN order_items i USING (id) JOIN products p USING (id)')).toEqual([
      'public.order_items.id = public.orders.id (using)',
      'public.orders.id = public.products.id (using)',
    ]);
  });

  it('expands NATURAL JOIN to the column names both sides share in the schema model', () => {
    expect(joins('SELECT * FROM invoices NATURAL JOIN orders')).toEqual([
      'billing.invoices.id = public.orders.id (natural)',
      'billing.invoices.user_id = public.orders.user_id (natural)',
    ]);
  });

  it('reads comma joins from WHERE', () => {
    expect(joins('SELECT * FROM orders o, users u WHERE o.user_id = u.id AND u.org_id = 5')).toEqual([`${ORDERS_USERS} (where)`]);
  });

  it('pairs row comparisons element by element', () => {
    expect(joins('SELECT * FROM orders o, invoices i WHERE (o.id, o.user_id) = (i.order_id, i.user_id)')).toEqual([
      'billing.invoices.order_id = public.orders.id (where)',
      'billing.invoices.user_id = public.orders.user_id (where)',
    ]);
  });

  it('sees through casts on either side', () => {
    expect(joins('SELECT * FROM orders o JOIN users u ON o.user_id::text = u.id::text')).toEqual([`${ORDERS_USERS} (on)`]);
  });

  it('finds correlated EXISTS and NOT EXISTS predicates', () => {
    expect(joins('SELECT * FROM users u WHERE EXISTS (SELECT 1 FROM orders o WHERE o.user_id = u.id AND o.status = $1)')).toEqual([`${ORDERS_USERS} (exists)`]);
    expect(joins('SELECT * FROM users u WHERE NOT EXISTS (SELECT FROM orders WHERE orders.user_id = u.id)')).toEqual([`${ORDERS_USERS} (exists)`]);
    // Through a derived table inside the subquery, the reference still couples as EXISTS.
    expect(joins('SELECT * FROM users u WHERE EXISTS (SELECT 1 FROM (SELECT * FROM orders o WHERE o.user_id = u.id) x)')).toEqual([`${ORDERS_USERS} (exists)`]);
  });

  it('turns x IN (SELECT y ...) into x = y, also for row IN and = ANY', () => {
    expect(joins('SELECT * FROM users WHERE id IN (SELECT user_id FROM orders WHERE total > 5)')).toEqual([`${ORDERS_USERS} (in)`]);
    expect(joins('SELECT * FROM users WHERE id NOT IN (SELECT o.user_id FROM orders o)')).toEqual([`${ORDERS_USERS} (in)`]);
    expect(joins('SELECT * FROM users WHERE id = ANY (SELECT user_id FROM orders)')).toEqual([`${ORDERS_USERS} (in)`]);
    expect(joins('SELECT * FROM orders WHERE (user_id, id) IN (SELECT user_id, order_id FROM invoices)')).toEqual([
      'billing.invoices.order_id = public.orders.id (in)',
      'billing.invoices.user_id = public.orders.user_id (in)',
    ]);
    expect(joins('SELECT * FROM users WHERE id IN (SELECT 1)')).toEqual([]);
  });

  it('finds scalar subqueries correlated to the outer query, in the select list and compared to a column', () => {
    expect(joins('SELECT u.id, (SELECT count(*) FROM orders o WHERE o.user_id = u.id) AS n FROM users u')).toEqual([`${ORDERS_USERS} (scalar)`]);
    expect(joins('SELECT * FROM orders WHERE user_id = (SELECT id FROM users WHERE email = $1)')).toEqual([`${ORDERS_USERS} (scalar)`]);
  });

  it('finds LATERAL predicates', () => {
    expect(joins('SELECT * FROM users u, LATERAL (SELECT * FROM orders o WHERE o.user_id = u.id ORDER BY o.created_at DESC LIMIT 3) last3')).toEqual([
      `${ORDERS_USERS} (lateral)`,
    ]);
    expect(joins('SELECT * FROM users u LEFT JOIN LATERAL (SELECT o.total FROM orders o WHERE o.user_id = u.id) t ON true')).toEqual([`${ORDERS_USERS} (lateral)`]);
  });

  it('resolves pass-through columns of CTEs, including through * and column aliases', () => {
    expect(joins('WITH c AS (SELECT o.user_id FROM orders o) SELECT * FROM c JOIN users u ON c.user_id = u.id')).toEqual([`${ORDERS_USERS} (on)`]);
    expect(joins('WITH c AS (SELECT * FROM orders) SELECT * FROM users u WHERE EXISTS (SELECT 1 FROM c WHERE c.user_id = u.id)')).toEqual([`${ORDERS_USERS} (exists)`]);
    expect(joins('WITH c (uid) AS (SELECT user_id FROM orders) SELECT * FROM c JOIN users u ON u.id = c.uid')).toEqual([`${ORDERS_USERS} (on)`]);
    // A later CTE may name an earlier one.
    expect(joins('WITH a AS (SELECT user_id FROM orders), b AS (SELECT user_id AS who FROM a) SELECT * FROM b JOIN users ON users.id = b.who')).toEqual([
      `${ORDERS_USERS} (on)`,
    ]);
  });

  it('skips predicates on computed CTE and derived-table columns', () => {
    expect(joins('WITH c AS (SELECT max(user_id) AS m FROM orders) SELECT * FROM c JOIN users u ON u.id = c.m')).toEqual([]);
    expect(joins('SELECT * FROM (SELECT user_id + 0 AS uid FROM orders) x JOIN users u ON u.id = x.uid')).toEqual([]);
  });

  it('resolves derived tables in FROM, nested too', () => {
    expect(joins('SELECT * FROM (SELECT o.user_id AS uid, count(*) AS n FROM orders o GROUP BY 1) x JOIN users u ON u.id = x.uid')).toEqual([`${ORDERS_USERS} (on)`]);
    expect(joins('SELECT * FROM (SELECT * FROM (SELECT id, user_id FROM orders) i) x JOIN users u ON u.id = x.user_id')).toEqual([`${ORDERS_USERS} (on)`]);
    expect(joins('SELECT * FROM (SELECT o.id AS oid FROM orders o JOIN users u ON u.id = o.user_id) x JOIN order_items i ON i.order_id = x.oid')).toEqual([
      'public.order_items.order_id = public.orders.id (on)',
      `${ORDERS_USERS} (on)`,
    ]);
  });

  it('treats a parenthesized join with an alias as one relation', () => {
    expect(joins('SELECT * FROM users u JOIN (orders o JOIN order_items i ON i.order_id = o.id) AS oi ON oi.user_id = u.id')).toEqual([
      'public.order_items.order_id = public.orders.id (on)',
      `${ORDERS_USERS} (on)`,
    ]);
  });

  it('resolves an unqualified column to the one relation in scope that has it', () => {
    expect(joins('SELECT * FROM orders, users WHERE user_id = users.id')).toEqual([`${ORDERS_USERS} (where)`]);
    expect(joins('SELECT * FROM users u WHERE EXISTS (SELECT 1 FROM orders WHERE user_id = u.id)')).toEqual([`${ORDERS_USERS} (exists)`]);
    // Correlated unqualified column: not in the inner relation, so it is the outer one's.
    expect(joins('SELECT * FROM users WHERE EXISTS (SELECT 1 FROM invoices i WHERE i.order_id = org_id)')).toEqual(['billing.invoices.order_id = public.users.org_id (exists)']);
  });

  it('skips an unqualified column that is ambiguous or unknown', () => {
    expect(joins('SELECT * FROM orders o, users u WHERE id = user_id')).toEqual([]);
    expect(joins('SELECT * FROM orders o, users u WHERE o.user_id = nosuchcolumn')).toEqual([]);
  });

  it('handles quoted identifiers and schema-qualified names', () => {
    expect(joins('SELECT * FROM "Audit Log" a JOIN users u ON a."userId" = u.id')).toEqual(['public.Audit Log.userId = public.users.id (on)']);
    expect(joins('SELECT * FROM billing.invoices JOIN public.orders ON public.orders.id = billing.invoices.order_id')).toEqual([
      'billing.invoices.order_id = public.orders.id (on)',
    ]);
  });

  it('follows aliases that shadow table names', () => {
    // "orders" here is the alias of users.
    expect(joins('SELECT * FROM users orders JOIN orders o ON orders.id = o.user_id')).toEqual([`${ORDERS_USERS} (on)`]);
  });

  it('reads UPDATE ... FROM and DELETE ... USING joins', () => {
    expect(joins('UPDATE orders o SET total = 0 FROM users u WHERE o.user_id = u.id AND u.org_id = 3')).toEqual([`${ORDERS_USERS} (where)`]);
    expect(joins('UPDATE orders SET total = 1 FROM users WHERE user_id = users.id')).toEqual([`${ORDERS_USERS} (where)`]);
    expect(joins('DELETE FROM orders USING users WHERE orders.user_id = users.id AND users.email = $1')).toEqual([`${ORDERS_USERS} (where)`]);
    expect(joins('UPDATE orders o SET total = 0 WHERE o.user_id IN (SELECT u.id FROM users u WHERE u.org_id = 1)')).toEqual([`${ORDERS_USERS} (in)`]);
  });

  it('finds the join of MERGE ... USING ... ON', () => {
    expect(joins('MERGE INTO invoices i USING orders o ON i.order_id = o.id WHEN MATCHED THEN UPDATE SET amount = o.total WHEN NOT MATCHED THEN INSERT (order_id) VALUES (o.id)')).toEqual([
      'billing.invoices.order_id = public.orders.id (on)',
    ]);
  });

  it('resolves RETURNING columns of a data-modifying CTE', () => {
    expect(joins('WITH moved AS (DELETE FROM orders WHERE status = $1 RETURNING id, user_id) INSERT INTO invoices (order_id) SELECT m.id FROM moved m JOIN users u ON u.id = m.user_id')).toEqual([
      `${ORDERS_USERS} (on)`,
    ]);
  });
});

describe('reads and writes', () => {
  it('reads every relation of a SELECT, including subqueries; FOR UPDATE is still a read', () => {
    expect(rw('SELECT * FROM users u WHERE EXISTS (SELECT 1 FROM orders o WHERE o.user_id = u.id) FOR UPDATE')).toEqual({
      kind: 'select',
      reads: ['public.orders', 'public.users'],
      writes: [],
    });
  });

  it('writes the target of UPDATE and DELETE without reading it', () => {
    expect(rw('UPDATE orders SET total = 1 FROM users WHERE orders.user_id = users.id')).toEqual({ kind: 'update', reads: ['public.users'], writes: ['public.orders'] });
    expect(rw('DELETE FROM orders WHERE id = 1')).toEqual({ kind: 'delete', reads: [], writes: ['public.orders'] });
  });

  it('writes the INSERT target and reads the source query', () => {
    expect(rw('INSERT INTO invoices (order_id, amount) SELECT o.id, o.total FROM orders o JOIN users u ON u.id = o.user_id')).toEqual({
      kind: 'insert',
      reads: ['public.orders', 'public.users'],
      writes: ['billing.invoices'],
    });
    expect(rw('INSERT INTO orders SELECT * FROM orders WHERE id = 1')).toEqual({ kind: 'insert', reads: ['public.orders'], writes: ['public.orders'] });
  });

  it('handles INSERT ... ON CONFLICT DO UPDATE', () => {
    const a = analyze('INSERT INTO orders (id, user_id) VALUES (1, 2) ON CONFLICT (id) DO UPDATE SET user_id = EXCLUDED.user_id WHERE orders.total < EXCLUDED.total');
    expect(tables(a.writes)).toEqual(['public.orders']);
    expect(a.reads).toEqual([]);
    expect(a.joins).toEqual([]);
  });

  it('collects every write of data-modifying CTEs', () => {
    expect(rw('WITH x AS (INSERT INTO invoices (order_id) VALUES (1) RETURNING id) UPDATE payments SET invoice_id = x.id FROM x WHERE payments.id = 7')).toEqual({
      kind: 'update',
      reads: [],
      writes: ['billing.invoices', 'billing.payments'],
    });
    expect(rw('WITH d AS (DELETE FROM orders WHERE id = 1 RETURNING *) SELECT * FROM d')).toEqual({ kind: 'select', reads: [], writes: ['public.orders'] });
  });

  it('handles MERGE, TRUNCATE, COPY and SELECT INTO', () => {
    expect(rw('MERGE INTO invoices i USING orders o ON i.order_id = o.id WHEN MATCHED THEN DELETE')).toEqual({ kind: 'merge', reads: ['public.orders'], writes: ['billing.invoices'] });
    expect(rw('TRUNCATE orders, billing.payments')).toEqual({ kind: 'delete', reads: [], writes: ['billing.payments', 'public.orders'] });
    expect(rw('COPY orders (id, total) FROM STDIN')).toEqual({ kind: 'insert', reads: [], writes: ['public.orders'] });
    expect(rw('COPY orders TO STDOUT')).toEqual({ kind: 'select', reads: ['public.orders'], writes: [] });
    expect(rw('COPY (SELECT * FROM users JOIN orgs ON orgs.id = users.org_id) TO STDOUT')).toEqual({ kind: 'select', reads: ['public.orgs', 'public.users'], writes: [] });
    // The INTO target is a new table of the session's own, not the monolith's.
    expect(rw('SELECT * INTO TEMP scratch FROM users')).toEqual({ kind: 'select', reads: ['public.users'], writes: [] });
  });

  it('does not take a CTE name for a table, even when it shadows one', () => {
    const a = analyze('WITH orders AS (SELECT * FROM invoices) SELECT * FROM orders');
    expect(tables(a.reads)).toEqual(['billing.invoices']);
    expect(a.unknownRelations).toBeUndefined();
  });

  it('resolves unqualified names along the search path, a partition to its table, and keeps views', () => {
    expect(rw('SELECT * FROM payments')).toMatchObject({ reads: ['billing.payments'] });
    expect(rw('SELECT * FROM events_2026 e JOIN users u ON u.id = e.user_id')).toMatchObject({ reads: ['public.events', 'public.users'] });
    expect(joins('SELECT * FROM active_users a JOIN orders o ON o.user_id = a.id')).toEqual(['public.active_users.id = public.orders.user_id (on)']);
    expect(rw('SELECT * FROM active_users')).toMatchObject({ reads: ['public.active_users'] });
  });

  it('records relations the model lacks in unknownRelations, under the first search-path schema', () => {
    const a = analyze('SELECT * FROM nope n JOIN users u ON u.id = n.user_id JOIN elsewhere.thing t ON t.id = n.id');
    expect(tables(a.reads)).toEqual(['elsewhere.thing', 'public.nope', 'public.users']);
    expect(a.unknownRelations).toEqual(['elsewhere.thing', 'public.nope']);
    expect(a.joins.map(text)).toEqual(['elsewhere.thing.id = public.nope.id (on)', 'public.nope.user_id = public.users.id (on)']);
    // With one relation of unknown columns in scope, an unqualified column can only be its.
    expect(joins('SELECT * FROM users u WHERE EXISTS (SELECT 1 FROM nope WHERE owner = u.id)')).toEqual(['public.nope.owner = public.users.id (exists)']);
  });

  it('leaves PostgreSQL catalogs out', () => {
    const a = analyze('SELECT c.relname FROM pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace JOIN information_schema.tables t ON true');
    expect(a.reads).toEqual([]);
    expect(a.unknownRelations).toBeUndefined();
  });

  it('uses the search path given, not only public', () => {
    const billingFirst = createResolver(shopModel, ['billing', 'public']);
    const a = analyzeStatement('SELECT * FROM invoices', undefined, billingFirst);
    expect(tables(a.reads)).toEqual(['billing.invoices']);
    const publicOnly = analyzeStatement('SELECT * FROM invoices', undefined, createResolver(shopModel, ['public']));
    expect(tables(publicOnly.reads)).toEqual(['public.invoices']);
    expect(publicOnly.unknownRelations).toEqual(['public.invoices']);
  });
});

describe('statements that are not workload', () => {
  it('marks utility statements as kind other with nothing read or written', () => {
    for (const sql of ['BEGIN', 'COMMIT', 'SET search_path = billing', 'SHOW work_mem', 'VACUUM orders', 'EXPLAIN SELECT * FROM users', 'EXPLAIN ANALYZE DELETE FROM orders']) {
      const a = analyze(sql);
      expect(a.kind, sql).toBe('other');
      expect(a.reads, sql).toEqual([]);
      expect(a.writes, sql).toEqual([]);
    }
    expect(analyze('START TRANSACTION').transactionControl).toBe('begin');
    expect(analyze('END').transactionControl).toBe('commit');
    expect(analyze('ROLLBACK').transactionControl).toBe('rollback');
  });

  it('returns parsed: false with the parser message, never throwing', () => {
    const a = analyze('SELEKT * FROM users');
    expect(a.parsed).toBe(false);
    expect(a.error).toMatch(/syntax error at or near "SELEKT"/);
    expect([a.reads, a.writes, a.joins]).toEqual([[], [], []]);
    expect(a.id).toMatch(/^h[0-9a-f]{15}$/);
    expect(analyze('UPDATE orders SET WHERE').kind).toBe('update');
  });
});
