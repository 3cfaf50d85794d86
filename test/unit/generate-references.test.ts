import { beforeAll, describe, expect, it } from 'vitest';
import { buildCatalog } from '../../src/analyzers/catalog.js';
import { ready } from '../../src/analyzers/sql-parser.js';
import { analyzeStatement, createResolver } from '../../src/analyzers/workload/query-shape.js';
import { generatePlanMarkdown } from '../../src/generate/plan-markdown.js';
import { columnUsage, copiedColumns, generateReferences, type ServiceReferences } from '../../src/generate/references/index.js';
import type { GenerateContext } from '../../src/generate/types.js';
import type { Plan } from '../../src/model/plan.js';
import type { ForeignKey, SchemaModel } from '../../src/model/schema.js';
import type { QueryShape } from '../../src/model/workload.js';
import { col, fk, schemaOf, table, workloadOf } from '../helpers/model.js';

/**
 * references.md / references.json and plan.md on a small model whose workload is written so
 * that the catalog picks each replacement: a loose foreign key of each kind, a plain reference,
 * bounded duplication, a CQRS read model, API composition and a saga.
 */

const onDelete = (f: ForeignKey, action: ForeignKey['onDelete']): ForeignKey => ({ ...f, onDelete: action });

const users = table('users', [col('id', 'bigint'), col('email', 'text'), col('name', 'text', true), col('created_at', 'timestamp with time zone')]);
const SCHEMA: SchemaModel = {
  ...schemaOf(
    [
      { ...users, columns: users.columns.map((c) => (c.name === 'id' ? { ...c, identity: 'by default' as const } : c)) },
      table('orders', [col('id', 'bigint'), col('user_id', 'bigint'), col('status', 'text'), col('total', 'numeric(12,2)'), col('placed_at', 'timestamp with time zone')]),
      table('order_items', [col('id', 'bigint'), col('order_id', 'bigint'), col('product_id', 'bigint'), col('quantity', 'integer')]),
      table('order_history', [col('id', 'bigint'), col('order_id', 'bigint'), col('changed_by', 'bigint', true)]),
      table('carts', [col('id', 'bigint'), col('user_id', 'bigint')]),
      table('products', [{ name: 'id', type: 'bigint', nullable: false, default: "nextval('products_id_seq'::regclass)" }, col('sku', 'text'), col('name', 'text'), col('price', 'numeric(12,2)'), col('description', 'text', true)]),
      table('countries', [col('code', 'character(2)'), col('name', 'text')], ['code']),
    ],
    [
      onDelete(fk('orders', 'user_id', 'users'), 'cascade'),
      onDelete(fk('order_history', 'changed_by', 'users'), 'set null'),
      fk('carts', 'user_id', 'users'),
      fk('order_items', 'product_id', 'products'),
      fk('order_items', 'order_id', 'orders'),
    ],
  ),
  sequences: [
    { schema: 'public', name: 'orders_id_seq', type: 'bigint', ownedBy: { schema: 'public', table: 'orders', column: 'id' }, lastValue: '1234' },
    { schema: 'public', name: 'products_id_seq', type: 'bigint' },
  ],
};

const PLAN: Plan = {
  version: 1,
  services: [
    { name: 'identity', tables: ['public.users'] },
    { name: 'orders', tables: ['public.orders', 'public.order_items', 'public.order_history', 'public.carts'], target: { isolation: 'database', url: 'postgres://app:s3cret@db.internal/orders' } },
    { name: 'catalog', tables: ['public.products'] },
  ],
  shared: ['public.countries'],
  unassigned: [],
};

const WORKLOAD_SQL: [string, number][] = [
  [`SELECT o.id, p.name, p.price FROM order_items oi JOIN products p ON p.id = oi.product_id JOIN orders o ON o.id = oi.order_id WHERE o.user_id = 5 ORDER BY p.name`, 50_000],
  [`SELECT count(*) FROM order_items oi WHERE EXISTS (SELECT 1 FROM products p WHERE p.id = oi.product_id AND p.sku LIKE 'A%')`, 300],
  [`SELECT o.id, u.email FROM orders o JOIN users u ON u.id = o.user_id WHERE o.id = 1`, 20_000],
  [`UPDATE users SET name = 'x' WHERE id = 1`, 1_000],
  [`INSERT INTO orders (user_id, status, total, placed_at) VALUES (1, 'new', 10, now())`, 10_000],
  [`DELETE FROM users WHERE id = 3`, 1],
  [`WITH o AS (INSERT INTO orders (user_id, status, total, placed_at) VALUES (1, 'new', 1, now()) RETURNING id) UPDATE users SET name = 'buyer' WHERE id = 1`, 7],
];

function shape(sql: string, calls: number): QueryShape {
  return { ...analyzeStatement(sql, undefined, createResolver(SCHEMA, ['public'])), calls, sources: ['test'] };
}

function context(order: 'forward' | 'reverse' = 'forward'): GenerateContext {
  const list = order === 'forward' ? WORKLOAD_SQL : [...WORKLOAD_SQL].reverse();
  const workload = workloadOf(list.map(([sql, calls]) => shape(sql, calls)));
  return { schema: SCHEMA, workload, plan: PLAN, catalog: buildCatalog(SCHEMA, workload, PLAN), serviceSchemaName: () => undefined };
}

function refsOf(ctx: GenerateContext, service: string): { json: ServiceReferences; md: string } {
  const files = generateReferences(ctx);
  const json = JSON.parse(files.find((f) => f.path === `${service}/references.json`)!.content) as ServiceReferences;
  return { json, md: files.find((f) => f.path === `${service}/references.md`)!.content };
}

beforeAll(async () => {
  await ready();
});

describe('column usage', () => {
  const usageOf = (sql: string, t: string) => Object.fromEntries([...(columnUsage(shape(sql, 1), SCHEMA).get(`public.${t}`) ?? new Map())].map(([c, u]) => [c, [...u].sort()]));

  it('tells select, filter, join and ordering apart', () => {
    expect(usageOf(`SELECT p.name FROM order_items oi JOIN products p ON p.id = oi.product_id WHERE p.price > 10 ORDER BY p.name`, 'products')).toEqual({
      id: ['join'],
      name: ['order', 'select'],
      price: ['filter'],
    });
  });

  it('follows subqueries (correlated ones too), CTE bodies, * and unqualified columns', () => {
    expect(usageOf(`SELECT o.id FROM orders o WHERE EXISTS (SELECT 1 FROM users u WHERE u.id = o.user_id AND email = 'x')`, 'users')).toEqual({ id: ['join'], email: ['filter'] });
    expect(Object.keys(usageOf(`SELECT u.* FROM users u JOIN orders o ON o.user_id = u.id`, 'users'))).toEqual(['id', 'email', 'name', 'created_at']);
    expect(usageOf(`WITH big AS (SELECT user_id FROM orders WHERE total > 100) SELECT u.email FROM big JOIN users u ON u.id = big.user_id`, 'orders')).toEqual({ user_id: ['select'], total: ['filter'] });
  });
});

describe('copied columns (duplication and read models)', () => {
  it('holds the key and the columns the queries use, in table order; statements that write the table do not count', () => {
    const ctx = context();
    const ids = ctx.workload.queries.map((q) => q.id);
    const cols = copiedColumns('public.products', ids, ctx.workload, SCHEMA);
    expect(cols).toEqual([
      { name: 'id', usedFor: ['key', 'join'] },
      { name: 'sku', usedFor: ['filter'] },
      { name: 'name', usedFor: ['select', 'order'] },
      { name: 'price', usedFor: ['select'] },
    ]);
    const write = shape(`UPDATE products SET description = 'x' WHERE price > 3`, 1);
    const withWrite = workloadOf([...ctx.workload.queries, write]);
    expect(copiedColumns('public.products', [...ids, write.id], withWrite, SCHEMA).map((c) => c.name)).toEqual(['id', 'sku', 'name', 'price']);
  });
});

describe('references.json and references.md', () => {
  it('outgoing foreign keys: loose foreign keys with the event and what this side does, plain references without one', () => {
    const { json } = refsOf(context(), 'orders');
    expect(json.version).toBe(1);
    const byColumn = Object.fromEntries(json.foreignKeys.outgoing.map((f) => [`${f.from.table}.${f.from.columns.join()}`, f]));
    expect(byColumn['public.orders.user_id']).toMatchObject({ replacement: 'loose-foreign-key', event: 'identity.users deleted {id}', onOwnerDelete: 'delete' });
    expect(byColumn['public.orders.user_id']!.action).toBe('on identity.users deleted {id}: delete the orders rows whose user_id match');
    expect(byColumn['public.order_history.changed_by']).toMatchObject({ onOwnerDelete: 'nullify', action: 'on identity.users deleted {id}: set order_history.changed_by to NULL' });
    // The workload deletes users and the constraint forbids dangling carts: decide per row.
    expect(byColumn['public.carts.user_id']).toMatchObject({ onOwnerDelete: 'keep' });
    expect(byColumn['public.order_items.product_id']).toMatchObject({ replacement: 'plain-reference' });
    expect(byColumn['public.order_items.product_id']!.event).toBeUndefined();
    expect(json.foreignKeys.outgoing.find((f) => f.from.table === 'public.order_items' && f.to.table === 'public.orders')).toBeUndefined();
  });

  it('incoming foreign keys: the owner publishes the deletion event', () => {
    const { json, md } = refsOf(context(), 'identity');
    const events = json.foreignKeys.incoming.map((f) => f.event).filter(Boolean);
    expect(new Set(events)).toEqual(new Set(['identity.users deleted {id}']));
    expect(json.foreignKeys.incoming.find((f) => f.from.table === 'public.orders')!.action).toBe(
      'publish identity.users deleted {id} whenever a row of users is deleted (orders deletes its orders rows)',
    );
    expect(md).toContain('## Foreign keys from other services');
  });

  it('bounded duplication: the consumer copies the used columns, refreshed by the owner’s change events', () => {
    const { json, md } = refsOf(context(), 'orders');
    const copy = json.copies.kept.find((c) => c.table === 'public.products')!;
    expect(copy).toMatchObject({ kind: 'bounded-duplication', consumer: 'orders', owner: 'catalog' });
    expect(copy.columns.map((c) => c.name)).toEqual(['id', 'sku', 'name', 'price']);
    expect(copy.events).toEqual(['catalog.products created {id, sku, name, price}', 'catalog.products updated {id, sku, name, price}', 'catalog.products deleted {id}']);
    expect(md).toContain('### `public.products` from catalog: bounded duplication');
    expect(md).toContain('`name` (select, order)');
    const served = refsOf(context(), 'catalog').json.copies.served;
    expect(served.map((c) => [c.consumer, c.table])).toEqual([['orders', 'public.products']]);
  });

  it('CQRS read model: the consumer keeps a read model of the hot join’s other side', () => {
    const { json } = refsOf(context(), 'orders');
    const model = json.copies.kept.find((c) => c.kind === 'cqrs-read-model')!;
    expect(model).toMatchObject({ consumer: 'orders', owner: 'identity', table: 'public.users' });
    expect(model.columns.map((c) => c.name)).toEqual(['id', 'email']);
    expect(model.events[1]).toBe('identity.users updated {id, email}');
  });

  it('cross-boundary joins list their queries and the composition that replaces each', () => {
    const { json, md } = refsOf(context(), 'orders');
    const join = json.joins.find((j) => j.right === 'public.users.id' || j.left === 'public.users.id')!;
    expect(join.replacement).toBe('cqrs-read-model');
    expect(join.queries).toHaveLength(1);
    expect(join.queries[0]!.composition).toMatchObject({ service: 'orders', path: 'orders/compositions/orders-with-users.ts', function: 'ordersWithUsers', composed: true });
    expect(md).toContain('[ordersWithUsers](compositions/orders-with-users.ts)');
    const identityMd = refsOf(context(), 'identity').md;
    expect(identityMd).toContain('[ordersWithUsers](../orders/compositions/orders-with-users.ts)');
  });

  it('multi-service writes become sagas: steps in order per service, compensations for all but the last', () => {
    const { json, md } = refsOf(context(), 'identity');
    expect(json.multiServiceWrites).toHaveLength(1);
    const saga = json.multiServiceWrites[0]!;
    expect(saga.steps).toEqual([
      { order: 1, service: 'orders', writes: [{ table: 'public.orders', operation: 'insert' }], compensation: 'delete the public.orders rows it inserted' },
      { order: 2, service: 'identity', writes: [{ table: 'public.users', operation: 'update' }] },
    ]);
    expect(md).toContain('1. **orders**: insert `public.orders`, in one local transaction.');
    expect(md).toContain('2. **identity** (this service): update `public.users`, in one local transaction.');
    expect(md).toContain('Last step: needs no compensation');
  });

  it('sequences: owned, named in a nextval() default, or behind an identity column; with the monolith value when known', () => {
    const orders = refsOf(context(), 'orders');
    expect(orders.json.sequences).toEqual([
      expect.objectContaining({ sequence: 'public.orders_id_seq', table: 'public.orders', column: 'id', monolithValue: '1234' }),
    ]);
    expect(orders.json.sequences[0]!.note).toMatch(/above the monolith's value.*write cutover.*synced again.*dbsplit cutover/);
    expect(orders.md).toMatch(/\| public\.orders_id_seq \| public\.orders\.id \| bigint \| 1234 \|/);
    expect(orders.md).toContain('`dbsplit cutover` does this');
    expect(refsOf(context(), 'catalog').json.sequences).toEqual([expect.objectContaining({ sequence: 'public.products_id_seq', column: 'id', monolithValue: null })]);
    expect(refsOf(context(), 'identity').json.sequences).toEqual([expect.objectContaining({ table: 'public.users', column: 'id', monolithValue: null })]);
  });

  it('is deterministic, whatever the order the workload lists its statements in', () => {
    expect(generateReferences(context('reverse'))).toEqual(generateReferences(context()));
    expect(generatePlanMarkdown(context('reverse'))).toEqual(generatePlanMarkdown(context()));
  });
});

describe('plan.md', () => {
  it('lists each service with its tables and target, what it loses and what replaces it, with links', () => {
    const plan = generatePlanMarkdown(context());
    expect(plan.path).toBe('plan.md');
    const md = plan.content;
    expect(md).toContain('### `orders`');
    expect(md).toContain('- Target: own database postgres://app:***@db.internal/orders');
    expect(md).not.toContain('s3cret');
    expect(md).toContain('- Tables (4): `public.orders`, `public.order_items`, `public.order_history`, `public.carts`');
    expect(md).toContain('- References: [orders/references.md](orders/references.md)');
    expect(md).toContain('FK `public.orders(user_id)` → identity `public.users`: loose foreign key, on identity.users deleted {id}: delete the orders rows whose user_id match');
    expect(md).toMatch(/join `public\.orders\.user_id = public\.users\.id` with identity \(20,000 calls\): CQRS read model \(orders keeps `public\.users`\); compositions: \[ordersWithUsers\]\(orders\/compositions\/orders-with-users\.ts\)/);
    expect(md).toMatch(/multi-service write `[0-9a-f]{16}` \(7 calls\): saga orders → identity/);
    expect(md).toContain('## Shared tables');
    expect(md).toContain('`public.countries`');
    expect(md).toContain('## Unassigned tables\n\nNone.');
  });
});
