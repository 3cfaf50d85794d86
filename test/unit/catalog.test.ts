import { describe, expect, it } from 'vitest';
import { buildCatalog } from '../../src/analyzers/catalog.js';
import { couplingScore } from '../../src/analyzers/cross-boundary.js';
import type { Plan } from '../../src/model/plan.js';
import { col, fk, join, query, schemaOf, table, workloadOf } from '../helpers/model.js';

const schema = schemaOf(
  [
    table('users', [col('id')]),
    table('orders', [col('id'), col('user_id')]),
    table('order_items', [col('id'), col('order_id'), col('product_id')]),
    table('products', [col('id')]),
    table('reviews', [col('id'), col('user_id'), col('product_id')]),
    table('events', [col('at', 'timestamp with time zone')], []),
    table('countries', [col('code', 'text')], ['code']),
  ],
  [fk('orders', 'user_id', 'users'), fk('order_items', 'order_id', 'orders'), fk('order_items', 'product_id', 'products'), fk('reviews', 'user_id', 'users'), fk('reviews', 'product_id', 'products', 'id', true)],
);

const workload = workloadOf(
  [
    query('q1', 1000, { reads: ['orders', 'users'], joins: [join('orders.user_id', 'users.id')] }),
    query('q2', 10, { reads: ['orders', 'users'], joins: [join('orders.user_id', 'users.id')] }),
    query('q3', 50, { reads: ['order_items', 'products'], joins: [join('order_items.product_id', 'products.id')] }),
    query('q4', 5, { writes: ['orders', 'products'] }),
    query('q5', 7, { writes: ['orders'] }),
    query('q6', 3, { writes: ['products'] }),
    query('q7', 100, { writes: ['order_items'] }),
  ],
  [
    { sessionId: 's1', txId: '100', queryIds: ['q5', 'q6'], source: 'log' },
    { sessionId: 's2', txId: '101', queryIds: ['q5', 'q6'], source: 'log' },
    { sessionId: 's3', txId: '102', queryIds: ['q5'], source: 'log' },
  ],
);

const plan: Plan = {
  version: 1,
  services: [
    { name: 'identity', tables: ['public.users'] },
    { name: 'ordering', tables: ['public.orders', 'public.order_items'] },
    { name: 'catalog', tables: ['public.products', 'public.reviews'] },
  ],
  shared: ['public.countries'],
  unassigned: [],
};

describe('buildCatalog', () => {
  it('aggregates joins per column predicate, summing calls across queries', () => {
    const c = buildCatalog(schema, workload);
    expect(c.joins).toHaveLength(2);
    expect(c.joins[0]).toMatchObject({ left: { table: 'orders', column: 'user_id' }, right: { table: 'users', column: 'id' }, calls: 1010, queryIds: ['q1', 'q2'] });
  });

  it('finds hub tables and tables without a primary key', () => {
    const c = buildCatalog(schema, workload);
    expect(c.tablesWithoutPrimaryKey).toEqual(['public.events']);
    // users is referenced by orders and reviews only: below the hub threshold of 3 tables
    expect(c.hubs.map((h) => h.table)).toEqual([]);
    const hubSchema = schemaOf([...schema.tables, table('carts', [col('id'), col('user_id')])], [...schema.foreignKeys, fk('carts', 'user_id', 'users')]);
    expect(buildCatalog(hubSchema, workload).hubs).toEqual([{ table: 'public.users', referencedBy: 3, referencingTables: 3 }]);
  });

  it('has no cross-boundary section without a plan', () => {
    expect(buildCatalog(schema, workload).crossBoundary).toBeUndefined();
  });
});

describe('cross-boundary catalog', () => {
  const cb = buildCatalog(schema, workload, plan).crossBoundary!;

  it('lists every foreign key whose ends belong to different services, inferred ones included', () => {
    const names = cb.foreignKeys.map((x) => `${x.fromService}->${x.toService}:${x.foreignKey.name}`).sort();
    expect(names).toEqual([
      'catalog->identity:reviews_user_id_fkey',
      'ordering->catalog:order_items_product_id_fkey',
      'ordering->identity:orders_user_id_fkey',
    ]);
  });

  it('lists joins across services with their calls', () => {
    expect(cb.joins.map((j) => [j.leftService, j.rightService, j.join.calls])).toEqual([
      ['ordering', 'identity', 1010],
      ['ordering', 'catalog', 50],
    ]);
  });

  it('finds statements and logged transactions that write tables of two services, merging repeated transactions', () => {
    const stmt = cb.multiServiceWrites.filter((w) => w.kind === 'statement');
    const tx = cb.multiServiceWrites.filter((w) => w.kind === 'transaction');
    expect(stmt.map((w) => w.id)).toEqual(['q4']);
    expect(tx).toHaveLength(1);
    expect(tx[0]).toMatchObject({ services: ['catalog', 'ordering'], tables: ['public.orders', 'public.products'], calls: 2 });
  });

  it('reports unowned tables but not shared ones', () => {
    expect(cb.unowned).toEqual(['public.events']);
    expect(cb.shared).toEqual(['public.countries']);
  });

  it('scores coupling per service pair', () => {
    const oc = cb.coupling.find((p) => p.a === 'catalog' && p.b === 'ordering')!;
    expect(oc).toMatchObject({ foreignKeys: 1, joins: 1, joinCalls: 50, multiServiceWrites: 2 });
    expect(oc.score).toBe(couplingScore(oc));
    expect(cb.coupling.map((p) => `${p.a}/${p.b}`)).toContain('identity/ordering');
    expect(cb.coupling[0]!.score).toBeGreaterThanOrEqual(cb.coupling[cb.coupling.length - 1]!.score);
  });
});

describe('replacement recommendations', () => {
  const cb = buildCatalog(schema, workload, plan).crossBoundary!;

  it('recommends a plain reference when the referenced table is never deleted', () => {
    const x = cb.foreignKeys.find((f) => f.foreignKey.name === 'orders_user_id_fkey')!;
    expect(x.recommendation.kind).toBe('plain-reference');
  });

  it('recommends a loose foreign key that deletes for ON DELETE CASCADE', async () => {
    const { recommendForForeignKey } = await import('../../src/analyzers/replacements.js');
    const cascade = { ...fk('order_items', 'order_id', 'orders'), onDelete: 'cascade' as const };
    expect(recommendForForeignKey(cascade, 'a', 'b', new Map())).toMatchObject({ kind: 'loose-foreign-key', onOwnerDelete: 'delete' });
    const setNull = { ...fk('order_items', 'order_id', 'orders'), onDelete: 'set null' as const };
    expect(recommendForForeignKey(setNull, 'a', 'b', new Map())).toMatchObject({ kind: 'loose-foreign-key', onOwnerDelete: 'nullify' });
    const deleted = new Map([['public.orders', { reads: 1, writes: 5, deletes: 5 }]]);
    expect(recommendForForeignKey(fk('order_items', 'order_id', 'orders'), 'a', 'b', deleted)).toMatchObject({ kind: 'loose-foreign-key', onOwnerDelete: 'keep' });
  });

  it('recommends by join frequency and how often the copied side changes', () => {
    const hot = cb.joins.find((j) => j.rightService === 'identity')!;
    // users is read 1010 times and never written: a copy stays fresh for free
    expect(hot.recommendation).toMatchObject({ kind: 'bounded-duplication', consumer: 'ordering', copiedTable: 'public.users' });
    const cold = cb.joins.find((j) => j.rightService === 'catalog')!;
    // products is written (q4, q6) as often as it is read (q3): not rarely changing, and 50 calls is cold
    expect(cold.recommendation.kind).toBe('api-composition');
  });

  it('recommends a saga for every multi-service write', () => {
    expect(cb.multiServiceWrites.every((w) => w.recommendation.kind === 'saga')).toBe(true);
  });
});
