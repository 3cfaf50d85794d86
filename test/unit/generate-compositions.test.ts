import { beforeAll, describe, expect, it } from 'vitest';
import { buildCatalog } from '../../src/analyzers/catalog.js';
import { ready } from '../../src/analyzers/sql-parser.js';
import { analyzeStatement, createResolver } from '../../src/analyzers/workload/query-shape.js';
import { generateCompositions, planComposition, planCompositions, type CompositionPlan } from '../../src/generate/compositions/index.js';
import type { GenerateContext } from '../../src/generate/types.js';
import type { Plan } from '../../src/model/plan.js';
import type { ForeignKey, SchemaModel } from '../../src/model/schema.js';
import type { QueryShape } from '../../src/model/workload.js';
import { col, fk, schemaOf, table, workloadOf } from '../helpers/model.js';

/**
 * The composition planner on hand-written queries over a small model: which queries compose,
 * how (order of fetches, keys, where ORDER BY and LIMIT run), and why the others become stubs.
 */

const cascade = (f: ForeignKey): ForeignKey => ({ ...f, onDelete: 'cascade' });

const SCHEMA: SchemaModel = schemaOf(
  [
    table('users', [col('id', 'bigint'), col('email', 'text'), col('name', 'text', true), col('country_code', 'character(2)', true), col('created_at', 'timestamp with time zone')]),
    table('user_stats', [col('user_id', 'bigint'), col('logins', 'integer')], ['user_id']),
    table('orders', [col('id', 'bigint'), col('user_id', 'bigint'), col('status', 'text'), col('total', 'numeric(12,2)'), col('placed_at', 'timestamp with time zone'), col('ship_country', 'character(2)', true)]),
    table('order_items', [col('id', 'bigint'), col('order_id', 'bigint'), col('product_id', 'bigint'), col('quantity', 'integer'), col('unit_price', 'numeric(12,2)')]),
    table('products', [col('id', 'bigint'), col('name', 'text'), col('price', 'numeric(12,2)')]),
    table('countries', [col('code', 'character(2)'), col('name', 'text')], ['code']),
    table('legacy_notes', [col('id', 'bigint'), col('order_id', 'bigint'), col('body', 'text')]),
  ],
  [cascade(fk('orders', 'user_id', 'users')), cascade(fk('order_items', 'order_id', 'orders')), fk('users', 'country_code', 'countries', 'code')],
);

const PLAN: Plan = {
  version: 1,
  services: [
    { name: 'identity', tables: ['public.users', 'public.user_stats'] },
    { name: 'orders', tables: ['public.orders', 'public.order_items'] },
    { name: 'catalog', tables: ['public.products'] },
  ],
  shared: ['public.countries'],
  unassigned: ['public.legacy_notes'],
};

function shape(sql: string, calls = 100): QueryShape {
  const a = analyzeStatement(sql, undefined, createResolver(SCHEMA, ['public']));
  return { ...a, calls, sources: ['test'] };
}

function plan(sql: string): CompositionPlan {
  return planComposition(shape(sql), { schema: SCHEMA, plan: PLAN });
}

function composed(sql: string) {
  const p = plan(sql);
  if (p.kind !== 'composed') throw new Error(`expected a composition, got a stub: ${p.reason}`);
  return p;
}

function stubReason(sql: string): string {
  const p = plan(sql);
  if (p.kind !== 'stub') throw new Error(`expected a stub, got a composition of ${p.steps.length} steps`);
  return p.reason;
}

function contextOf(sqls: readonly string[], serviceSchemaName: (s: string) => string | undefined = () => undefined): GenerateContext {
  const workload = workloadOf(sqls.map((s) => shape(s)));
  return { schema: SCHEMA, workload, plan: PLAN, catalog: buildCatalog(SCHEMA, workload, PLAN), serviceSchemaName };
}

beforeAll(async () => {
  await ready();
});

describe('composition planner: what composes and how', () => {
  it('an inner join to another service: driving part first, the other batch-fetched by key, ORDER BY and LIMIT pushed down', () => {
    const p = composed(`SELECT o.id, u.email FROM orders o JOIN users u ON u.id = o.user_id WHERE o.status = 'paid' ORDER BY o.placed_at DESC LIMIT 10`);
    expect(p.owner).toBe('orders');
    expect(p.steps.map((s) => [s.service, s.join])).toEqual([
      ['orders', 'start'],
      ['identity', 'inner'],
    ]);
    expect(p.steps[1]!.keys.map((k) => [k.left.column, k.right.column])).toEqual([['user_id', 'id']]);
    expect(p.order).toBe('sql');
    // users.id is unique and orders.user_id is a declared NOT NULL foreign key: one row per order.
    expect(p.limit).toBe('sql');
  });

  it('ordering by the other service sorts in memory and then cannot push LIMIT down', () => {
    const p = composed(`SELECT o.id, u.email FROM orders o JOIN users u ON u.id = o.user_id WHERE o.status = 'paid' ORDER BY u.email LIMIT 5`);
    expect(p.order).toBe('memory');
    expect(p.limit).toBe('memory');
    expect(p.limitNote).toMatch(/another service/);
  });

  it('an inner join without a declared foreign key can drop rows: LIMIT runs after the join', () => {
    const p = composed(`SELECT oi.id, p.name FROM order_items oi JOIN products p ON p.id = oi.product_id WHERE oi.quantity > 1 ORDER BY oi.id LIMIT 3`);
    expect(p.order).toBe('sql');
    expect(p.limit).toBe('memory');
    expect(p.limitNote).toMatch(/declared foreign key/);
  });

  it('a LEFT JOIN by a unique key keeps every driving row exactly once: LIMIT is pushed down', () => {
    const p = composed(`SELECT oi.id, p.name FROM order_items oi LEFT JOIN products p ON p.id = oi.product_id ORDER BY oi.id LIMIT 3 OFFSET 6`);
    expect(p.steps[1]!.join).toBe('left');
    expect(p.limit).toBe('sql');
  });

  it('a join that can match several rows per driving row keeps LIMIT in memory', () => {
    const p = composed(`SELECT u.id, o.id AS order_id FROM users u LEFT JOIN orders o ON o.user_id = u.id ORDER BY u.id LIMIT 10`);
    expect(p.limit).toBe('memory');
    expect(p.limitNote).toMatch(/several rows/);
  });

  it('three services: a sequence of batch fetches, each keyed by columns fetched before', () => {
    const p = composed(
      `SELECT o.id, u.email, p.name, oi.quantity FROM orders o JOIN order_items oi ON oi.order_id = o.id JOIN products p ON p.id = oi.product_id JOIN users u ON u.id = o.user_id WHERE o.id = 42`,
    );
    expect(p.services).toEqual(['orders', 'catalog', 'identity']);
    expect(p.steps[0]!.items.map((i) => p.model.items[i]!.alias)).toEqual(['o', 'oi']);
  });

  it('comma joins with WHERE equalities; starts from the part that filters when the driving part has no filter', () => {
    const p = composed(`SELECT o.id, u.email FROM orders o, users u WHERE u.id = o.user_id AND u.email LIKE 'a%'`);
    expect(p.owner).toBe('orders');
    expect(p.steps.map((s) => s.service)).toEqual(['identity', 'orders']);
  });

  it('a constant on the other side reaches the driving part through the join key', () => {
    const p = composed(`SELECT o.id, u.email FROM orders o JOIN users u ON u.id = o.user_id WHERE u.id = 5`);
    expect(p.steps[0]!.service).toBe('orders');
    expect(p.steps[0]!.derived.map((d) => d.text)).toEqual(['o.user_id = 5']);
  });

  it('a shared table joins the service it links to, in that service’s query', () => {
    const p = composed(`SELECT o.id, c.name FROM orders o JOIN users u ON u.id = o.user_id JOIN countries c ON c.code = u.country_code WHERE o.status = 'paid'`);
    expect(p.steps).toHaveLength(2);
    expect(p.steps[1]!.items.map((i) => p.model.items[i]!.alias)).toEqual(['u', 'c']);
  });

  it('USING and * expand as PostgreSQL does', () => {
    const p = composed(`SELECT s.logins, o.id FROM orders o JOIN user_stats s USING (user_id) WHERE o.status = 'paid'`);
    expect(p.steps[1]!.keys.map((k) => `${p.model.items[k.left.item]!.alias}.${k.left.column}=${p.model.items[k.right.item]!.alias}.${k.right.column}`)).toEqual(['o.user_id=s.user_id']);
    const star = composed(`SELECT o.*, u.email FROM orders o JOIN users u ON u.id = o.user_id WHERE o.id = 1`);
    expect(star.model.targets.map((t) => t.name)).toEqual(['id', 'user_id', 'status', 'total', 'placed_at', 'ship_country', 'email']);
  });

  it('a comparison of two services’ columns after an equi-join runs in memory', () => {
    const p = composed(`SELECT oi.id FROM order_items oi JOIN products p ON p.id = oi.product_id WHERE oi.unit_price <> p.price AND oi.order_id = 3`);
    expect(p.postFilters.map((f) => f.expr.text)).toEqual(['(oi.unit_price <> p.price)']);
  });

  it('ORDER BY that names every row through unique keys is a total order', () => {
    expect(composed(`SELECT o.id, u.email FROM orders o JOIN users u ON u.id = o.user_id ORDER BY o.id`).totalOrder).toBe(true);
    expect(composed(`SELECT o.id, u.email FROM orders o JOIN users u ON u.id = o.user_id ORDER BY o.placed_at`).totalOrder).toBe(false);
  });
});

describe('composition planner: stubs and why', () => {
  const cases: [string, string, RegExp][] = [
    ['aggregate with GROUP BY', `SELECT u.email, count(*) FROM orders o JOIN users u ON u.id = o.user_id GROUP BY u.email`, /GROUP BY/],
    ['aggregate without GROUP BY', `SELECT count(*) FROM orders o JOIN users u ON u.id = o.user_id`, /aggregates/],
    ['OR across sides', `SELECT o.id FROM orders o JOIN users u ON u.id = o.user_id WHERE o.status = 'paid' OR u.email = 'x'`, /combines columns of orders and identity/],
    ['correlated subquery', `SELECT o.id, (SELECT u.email FROM users u WHERE u.id = o.user_id) AS email FROM orders o`, /scalar subquery/],
    ['IN subquery', `SELECT o.id FROM orders o WHERE o.user_id IN (SELECT u.id FROM users u WHERE u.email LIKE 'a%')`, /IN \/ ANY subquery/],
    ['non-equi join', `SELECT o.id FROM orders o JOIN users u ON u.created_at < o.placed_at`, /cross join across services/],
    ['DISTINCT', `SELECT DISTINCT u.email FROM orders o JOIN users u ON u.id = o.user_id`, /DISTINCT/],
    ['window function', `SELECT o.id, row_number() OVER (ORDER BY u.email) FROM orders o JOIN users u ON u.id = o.user_id`, /window/],
    ['set operation', `SELECT o.id FROM orders o JOIN users u ON u.id = o.user_id UNION SELECT 1`, /set operation/],
    ['write', `UPDATE orders o SET status = 'x' FROM users u WHERE u.id = o.user_id AND u.email = 'a'`, /write \(UPDATE\)/],
    ['WHERE on the nullable side', `SELECT o.id FROM orders o LEFT JOIN users u ON u.id = o.user_id WHERE u.email = 'x'`, /nullable side/],
    ['expression over both services', `SELECT o.total * p.price AS x FROM order_items oi JOIN orders o ON o.id = oi.order_id JOIN products p ON p.id = oi.product_id`, /combines columns of several services/],
    ['RIGHT JOIN', `SELECT o.id FROM orders o RIGHT JOIN users u ON u.id = o.user_id`, /RIGHT JOIN/],
    ['a table no service owns', `SELECT o.id, n.body FROM orders o JOIN legacy_notes n ON n.order_id = o.id JOIN users u ON u.id = o.user_id`, /no service owns yet \(unassigned\)/],
    ['FOR UPDATE', `SELECT o.id FROM orders o JOIN users u ON u.id = o.user_id FOR UPDATE`, /locks rows/],
  ];
  it.each(cases)('%s', (_name, sql, reason) => {
    expect(stubReason(sql)).toMatch(reason);
  });

  it('a stub file names the original query, why, and the options', () => {
    const sql = `SELECT u.email, count(*) FROM orders o JOIN users u ON u.id = o.user_id GROUP BY u.email`;
    const files = generateCompositions(contextOf([sql]));
    const stub = files.find((f) => f.path.startsWith('orders/compositions/') && !f.path.endsWith('_runtime.ts'))!;
    expect(stub.content).toContain('could NOT turn into an API composition');
    expect(stub.content).toContain('//   SELECT u.email, count(*) FROM orders o JOIN users u ON u.id = o.user_id GROUP BY u.email');
    expect(stub.content).toMatch(/Why not composed: it has GROUP BY/);
    expect(stub.content).toMatch(/CQRS read model/);
    expect(stub.content).toMatch(/bounded duplication/);
    expect(stub.content).toMatch(/move the query into one service/);
    expect(stub.content).toMatch(/compose it by hand/);
    expect(stub.content).toContain('composed: false');
  });
});

describe('generated composition code', () => {
  const SQL = `SELECT o.id, o.status, u.email, c.name AS country FROM orders o JOIN users u ON u.id = o.user_id LEFT JOIN countries c ON c.code = u.country_code WHERE o.status IN ('paid', 'packed') AND o.total > 10.5 ORDER BY o.placed_at DESC LIMIT 20`;

  it('one file per query under the driving service, plus _runtime.ts; constants become named parameters with the workload values as defaults', () => {
    const files = generateCompositions(contextOf([SQL]));
    expect(files.map((f) => f.path)).toEqual(['orders/compositions/_runtime.ts', 'orders/compositions/orders-with-users-and-countries.ts']);
    const code = files[1]!.content;
    expect(code).toContain('export async function ordersWithUsersAndCountries(db: { readonly orders: Queryable; readonly identity: Queryable }, params: OrdersWithUsersAndCountriesParams = {}): Promise<OrdersWithUsersAndCountriesRow[]>');
    expect(code).toContain('readonly status?: string[];');
    expect(code).toContain('status: params.status ?? ["paid","packed"],');
    expect(code).toContain('total: params.total ?? 10.5,');
    expect(code).toContain('limit: params.limit ?? 20,');
    expect(code).toContain('WHERE o.status = ANY ($1)\n  AND o.total > $2::numeric');
    expect(code).toContain('ORDER BY o_placed_at DESC\nLIMIT $3');
    // The batch fetch: one query for all keys, never one per row.
    expect(code).toContain('WHERE u.id = ANY ($1)');
    expect(code).toContain('const keys2 = distinctValues(rows, "o_user_id");');
    // The shared table joins inside identity's query.
    expect(code).toContain('LEFT JOIN public.countries AS c ON c.code = u.country_code\nWHERE u.id = ANY ($1)');
    expect(code).toContain('country: r["c_name"] ?? null,');
    expect(code).toContain('Query ');
    expect(code).toContain('//   SELECT o.id, o.status, u.email, c.name AS country FROM orders o');
  });

  it('character(n) join keys are compared by their text, without padding', () => {
    const code = generateCompositions(contextOf([`SELECT o.id, u.email FROM orders o JOIN users u ON u.country_code = o.ship_country WHERE o.id = 1`]))[1]!.content;
    expect(code).toContain('(o.ship_country)::text AS o_ship_country_key');
    expect(code).toContain('(u.country_code)::text AS u_country_code_key');
    expect(code).toContain('rows = joinRows(rows, fetched2, ["o_ship_country_key"], ["u_country_code_key"], "inner");');
  });

  it('with schema isolation, each service’s tables (and its copies of shared tables) are re-qualified into its schema', () => {
    const files = generateCompositions(contextOf([SQL], (s) => `svc_${s}`));
    const code = files[1]!.content;
    expect(code).toContain('FROM svc_orders.orders AS o');
    expect(code).toContain('FROM svc_identity.users AS u');
    expect(code).toContain('LEFT JOIN svc_identity.countries AS c ON');
    expect(code).not.toContain('public.');
  });

  it('is deterministic: the same inputs give byte-identical files', () => {
    const sqls = [SQL, `SELECT oi.id, p.name FROM order_items oi JOIN products p ON p.id = oi.product_id`, `SELECT count(*) FROM orders o JOIN users u ON u.id = o.user_id`];
    const a = generateCompositions(contextOf(sqls));
    const b = generateCompositions(contextOf([...sqls].reverse()));
    expect(b).toEqual(a);
    expect(planCompositions(contextOf(sqls)).map((e) => e.plan.kind).sort()).toEqual(['composed', 'composed', 'stub']);
  });

  it('queries of one service that would share a name get their id appended', () => {
    const ctx = contextOf([`SELECT o.id, u.email FROM orders o JOIN users u ON u.id = o.user_id WHERE o.id = 1`, `SELECT o.status, u.name FROM orders o JOIN users u ON u.id = o.user_id WHERE o.total > 3`]);
    const names = planCompositions(ctx).map((e) => e.functionName);
    expect(names).toHaveLength(2);
    for (const n of names) expect(n).toMatch(/^ordersWithUsers_[0-9a-f]{8}$/);
  });
});
