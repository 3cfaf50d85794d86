import { beforeAll, describe, expect, it } from 'vitest';
import { parseDdl } from '../../src/analyzers/ddl/parse-ddl.js';
import { candidateNames, inferRelations, stemsOf } from '../../src/analyzers/infer-relations.js';
import { ready } from '../../src/analyzers/sql-parser.js';
import type { SchemaModel } from '../../src/model/schema.js';

beforeAll(async () => {
  await ready();
});

function infer(sql: string): SchemaModel {
  return inferRelations(parseDdl([{ path: 'test.sql', text: sql }], {}));
}

const edges = (m: SchemaModel): string[] =>
  m.foreignKeys.map((f) => `${f.from.schema}.${f.from.table}.${f.from.columns.join(',')} -> ${f.to.schema}.${f.to.table}.${f.to.columns.join(',')}${f.inferred ? ' (inferred)' : ''}`);

describe('inferRelations', () => {
  it('infers x_id -> xs.id when the types match, with PostgreSQL-like defaults', () => {
    const m = infer(`
      CREATE TABLE users (id bigint PRIMARY KEY);
      CREATE TABLE reviews (id int PRIMARY KEY, user_id bigint);`);
    expect(m.foreignKeys).toEqual([
      {
        name: 'reviews_user_id_inferred',
        from: { schema: 'public', table: 'reviews', columns: ['user_id'] },
        to: { schema: 'public', table: 'users', columns: ['id'] },
        onDelete: 'no action',
        onUpdate: 'no action',
        deferrable: false,
        initiallyDeferred: false,
        inferred: true,
      },
    ]);
  });

  it('handles the singular, -es and -ies forms and camelCase names', () => {
    const m = infer(`
      CREATE TABLE person (id int PRIMARY KEY);
      CREATE TABLE boxes (id int PRIMARY KEY);
      CREATE TABLE categories (id int PRIMARY KEY);
      CREATE TABLE order_lines (id int PRIMARY KEY);
      CREATE TABLE things (
        id int PRIMARY KEY,
        person_id int,
        box_id int,
        category_id int,
        "orderLineId" int,
        "personId" int
      );`);
    expect(edges(m)).toEqual([
      'public.things.box_id -> public.boxes.id (inferred)',
      'public.things.category_id -> public.categories.id (inferred)',
      'public.things.orderLineId -> public.order_lines.id (inferred)',
      // Sorted by constraint name in byte order: "personId" before "person_id".
      'public.things.personId -> public.person.id (inferred)',
      'public.things.person_id -> public.person.id (inferred)',
    ]);
  });

  it('leaves alone type mismatches, declared keys, composite keys and self references to the own key', () => {
    const m = infer(`
      CREATE TABLE users (id bigint PRIMARY KEY, user_id int);
      CREATE TABLE accounts (user_id bigint PRIMARY KEY);
      CREATE TABLE tenants (id int, region text, PRIMARY KEY (id, region));
      CREATE TABLE orders (
        id int PRIMARY KEY,
        user_id int,
        account_id bigint REFERENCES accounts,
        tenant_id int,
        billing_user_id bigint,
        uuid_id uuid
      );`);
    // orders.user_id is integer, users.id bigint: not inferred. accounts.user_id is the
    // table's own key named after users: it is a relation (a 1:1 extension of users).
    expect(edges(m)).toEqual(['public.accounts.user_id -> public.users.id (inferred)', 'public.orders.account_id -> public.accounts.user_id']);
  });

  it('prefers the same schema and skips a name found in several other schemas', () => {
    const m = infer(`
      CREATE SCHEMA a; CREATE SCHEMA b; CREATE SCHEMA c;
      CREATE TABLE a.users (id int PRIMARY KEY);
      CREATE TABLE b.users (id int PRIMARY KEY);
      CREATE TABLE b.orders (id int PRIMARY KEY, user_id int);
      CREATE TABLE c.notes (id int PRIMARY KEY, user_id int, order_id int);`);
    expect(edges(m)).toEqual([
      'b.orders.user_id -> b.users.id (inferred)',
      'c.notes.order_id -> b.orders.id (inferred)',
    ]);
  });

  it('does not infer a column covered as the first column of a declared key, and adds nothing twice', () => {
    const m = infer(`
      CREATE TABLE orders (id int, region int, PRIMARY KEY (id));
      CREATE TABLE regions (id int PRIMARY KEY);
      CREATE TABLE items (order_id int, region_id int, FOREIGN KEY (order_id, region_id) REFERENCES orders (id, region));`);
    expect(edges(m)).toEqual([
      'public.items.order_id,region_id -> public.orders.id,region',
      'public.items.region_id -> public.regions.id (inferred)',
    ]);
    expect(inferRelations(m)).toBe(m);
  });
});

describe('name helpers', () => {
  it('finds stems and candidate table names', () => {
    expect(stemsOf('user_id')).toEqual(['user']);
    expect(stemsOf('userId')).toEqual(['user']);
    expect(stemsOf('orderLineId')).toEqual(['orderLine', 'order_line']);
    expect(stemsOf('id')).toEqual([]);
    expect(stemsOf('paid')).toEqual([]);
    expect(stemsOf('valid')).toEqual([]);
    expect(candidateNames('category')).toEqual(['category', 'categorys', 'categoryes', 'categories']);
    expect(candidateNames('day')).toEqual(['day', 'days', 'dayes']);
  });
});
