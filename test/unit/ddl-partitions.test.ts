import { beforeAll, describe, expect, it } from 'vitest';
import { parseDdl } from '../../src/analyzers/ddl/parse-ddl.js';
import { ready } from '../../src/analyzers/sql-parser.js';
import type { SchemaModel, Table } from '../../src/model/schema.js';

beforeAll(async () => {
  await ready();
});

function parse(sql: string): SchemaModel {
  return parseDdl([{ path: 'test.sql', text: sql }], {});
}

function table(model: SchemaModel, name: string, schema = 'public'): Table {
  const t = model.tables.find((x) => x.schema === schema && x.name === name);
  if (!t) throw new Error(`no table ${schema}.${name}: ${model.tables.map((x) => x.name).join(', ')}`);
  return t;
}

describe('partitioned tables', () => {
  it('folds PARTITION OF children into the parent, including sub-partitions', () => {
    const m = parse(`
      CREATE TABLE customers (id int PRIMARY KEY);
      CREATE TABLE events (id bigint, at timestamptz NOT NULL, region text, customer_id int, PRIMARY KEY (id, at, region))
        PARTITION BY LIST (region);
      CREATE TABLE events_eu PARTITION OF events FOR VALUES IN ('eu') PARTITION BY RANGE (at);
      CREATE TABLE events_eu_2024 PARTITION OF events_eu FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
      CREATE TABLE events_us PARTITION OF events FOR VALUES IN ('us');
      CREATE TABLE events_other PARTITION OF events DEFAULT;
      ALTER TABLE events_us ADD CONSTRAINT events_us_customer_fk FOREIGN KEY (customer_id) REFERENCES customers;
      CREATE INDEX events_us_region_idx ON events_us (region);`);
    expect(m.tables.map((t) => t.name)).toEqual(['customers', 'events']);
    const events = table(m, 'events');
    expect(events.partitioning).toEqual({ strategy: 'list', key: 'region' });
    expect(events.partitions).toEqual(['public.events_eu', 'public.events_eu_2024', 'public.events_other', 'public.events_us']);
    expect(events.indexes.map((i) => i.name)).toEqual(['events_pkey', 'events_us_region_idx']);
    // A foreign key declared on a partition is the parent's.
    expect(m.foreignKeys).toEqual([
      expect.objectContaining({
        name: 'events_us_customer_fk',
        from: { schema: 'public', table: 'events', columns: ['customer_id'] },
        to: { schema: 'public', table: 'customers', columns: ['id'] },
      }),
    ]);
  });

  it('reads partition keys with expressions and hash partitioning', () => {
    const m = parse(`
      CREATE TABLE logs (id int, msg text, at date) PARTITION BY RANGE (date_trunc('month', at), (lower(msg)), id);
      CREATE TABLE buckets (id int) PARTITION BY HASH (id);`);
    expect(table(m, 'logs').partitioning).toEqual({ strategy: 'range', key: "date_trunc('month', at), (lower(msg)), id" });
    expect(table(m, 'buckets').partitioning).toEqual({ strategy: 'hash', key: 'id' });
  });

  it('folds tables attached with ATTACH PARTITION, and indexes attached with ALTER INDEX', () => {
    const m = parse(`
      CREATE TABLE orders (id int NOT NULL, placed date NOT NULL, customer_id int) PARTITION BY RANGE (placed);
      CREATE TABLE orders_2024 (id int NOT NULL, placed date NOT NULL, customer_id int);
      CREATE TABLE customers (id int PRIMARY KEY);
      ALTER TABLE ONLY orders ATTACH PARTITION orders_2024 FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
      ALTER TABLE ONLY orders ADD CONSTRAINT orders_pkey PRIMARY KEY (id, placed);
      ALTER TABLE ONLY orders_2024 ADD CONSTRAINT orders_2024_pkey PRIMARY KEY (id, placed);
      CREATE INDEX orders_customer_idx ON ONLY orders USING btree (customer_id);
      CREATE INDEX orders_2024_customer_id_idx ON orders_2024 USING btree (customer_id);
      ALTER INDEX orders_customer_idx ATTACH PARTITION orders_2024_customer_id_idx;
      ALTER INDEX orders_pkey ATTACH PARTITION orders_2024_pkey;
      ALTER TABLE orders ADD CONSTRAINT orders_customer_id_fkey FOREIGN KEY (customer_id) REFERENCES customers(id);
      ALTER TABLE orders_2024 ADD CONSTRAINT orders_customer_id_fkey FOREIGN KEY (customer_id) REFERENCES customers(id);`);
    expect(m.tables.map((t) => t.name)).toEqual(['customers', 'orders']);
    const orders = table(m, 'orders');
    expect(orders.partitions).toEqual(['public.orders_2024']);
    expect(orders.primaryKeyName).toBe('orders_pkey');
    expect(orders.indexes.map((i) => i.name)).toEqual(['orders_customer_idx', 'orders_pkey']);
    // The clone on the partition carries the same name: one entry.
    expect(m.foreignKeys.map((f) => `${f.from.table}.${f.name}`)).toEqual(['orders.orders_customer_id_fkey']);
  });

  it('points foreign keys to a partition at its root, and gives a detached partition back its own table', () => {
    const m = parse(`
      CREATE TABLE p (id int PRIMARY KEY) PARTITION BY RANGE (id);
      CREATE TABLE p1 PARTITION OF p FOR VALUES FROM (0) TO (10);
      CREATE TABLE p2 PARTITION OF p FOR VALUES FROM (10) TO (20);
      CREATE TABLE r (p_id int REFERENCES p1 (id));
      ALTER TABLE p DETACH PARTITION p2;`);
    expect(m.tables.map((t) => t.name)).toEqual(['p', 'p2', 'r']);
    expect(table(m, 'p').partitions).toEqual(['public.p1']);
    expect(table(m, 'p2').columns.map((c) => c.name)).toEqual(['id']);
    expect(m.foreignKeys[0]!.to).toEqual({ schema: 'public', table: 'p', columns: ['id'] });
  });

  it('reads the tables of views over partitions as the parent', () => {
    const m = parse(`
      CREATE TABLE p (id int) PARTITION BY LIST (id);
      CREATE TABLE p1 PARTITION OF p FOR VALUES IN (1);
      CREATE VIEW v AS SELECT * FROM p1;`);
    expect(m.views[0]!.reads).toEqual([{ schema: 'public', name: 'p' }]);
  });
});
