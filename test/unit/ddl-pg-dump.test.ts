import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseDdl } from '../../src/analyzers/ddl/parse-ddl.js';
import { stripPsqlMeta } from '../../src/analyzers/ddl/psql-meta.js';
import { ready } from '../../src/analyzers/sql-parser.js';
import type { SchemaModel, Table } from '../../src/model/schema.js';

const fixture = fileURLToPath(new URL('../fixtures/ddl/pg-dump.sql', import.meta.url));

let model: SchemaModel;

beforeAll(async () => {
  await ready();
  model = parseDdl([{ path: 'pg-dump.sql', text: readFileSync(fixture, 'utf8') }], {});
});

function table(name: string, schema = 'public'): Table {
  const t = model.tables.find((x) => x.schema === schema && x.name === name);
  if (!t) throw new Error(`no table ${schema}.${name}`);
  return t;
}

describe('psql meta-commands and COPY data', () => {
  it('blanks meta-command lines and COPY data, keeping the line count', () => {
    const text = [
      '\\connect shop',
      'CREATE TABLE a (id int);',
      '  \\set ON_ERROR_STOP on',
      'COPY a (id) FROM stdin;',
      '1',
      '\\N',
      '\\.',
      'CREATE TABLE b (id int);',
    ].join('\n');
    const out = stripPsqlMeta(text);
    expect(out.split('\n')).toEqual(['', 'CREATE TABLE a (id int);', '', 'COPY a (id) FROM stdin;', '', '', '', 'CREATE TABLE b (id int);']);
  });

  it('leaves backslash lines inside strings, dollar quotes and comments alone', () => {
    const text = [
      "COMMENT ON TABLE a IS 'first line",
      "\\second line';",
      'CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $body$',
      '\\not a meta command',
      'SELECT 1 $body$;',
      '/* block',
      '\\still a comment */',
      "SELECT E'it''s \\' ; ok';",
      '\\echo this one goes',
    ].join('\n');
    expect(stripPsqlMeta(text).split('\n')).toEqual([...text.split('\n').slice(0, 8), '']);
  });

  it('does not take a comment mentioning COPY for a COPY statement', () => {
    const text = '-- copy from stdin would start data\nCREATE TABLE a (id int);\nCREATE TABLE b (id int);\n\\.';
    expect(stripPsqlMeta(text)).toBe('-- copy from stdin would start data\nCREATE TABLE a (id int);\nCREATE TABLE b (id int);\n');
  });

  it('parses a table whose COMMENT spans a line starting with a backslash', async () => {
    await ready();
    const m = parseDdl([{ path: 'x.sql', text: "CREATE TABLE a (id int);\nCOMMENT ON TABLE a IS 'one\n\\two';\n\\unrestrict key\n" }], {});
    expect(m.tables[0]!.comment).toBe('one\n\\two');
  });
});

describe('a pg_dump --schema-only file', () => {
  it('finds every table, partitions folded into their parent', () => {
    expect(model.tables.map((t) => `${t.schema}.${t.name}`)).toEqual([
      'audit.events',
      'public.OrderNotes',
      'public.customers',
      'public.order_items',
      'public.orders',
    ]);
    expect(model.schemas).toEqual(['audit', 'public']);
    expect(model.source).toEqual({ kind: 'ddl', description: 'pg-dump.sql' });
  });

  it('reads the serial pattern: sequence, OWNED BY, and ALTER ... SET DEFAULT nextval', () => {
    const customers = table('customers');
    expect(customers.columns[0]).toEqual({ name: 'id', type: 'integer', nullable: false, default: "nextval('customers_id_seq'::regclass)" });
    expect(model.sequences).toContainEqual({
      schema: 'public',
      name: 'customers_id_seq',
      type: 'integer',
      start: '1',
      increment: '1',
      ownedBy: { schema: 'public', table: 'customers', column: 'id' },
    });
  });

  it('reads identity columns added by ALTER TABLE ... ADD GENERATED', () => {
    const events = table('events', 'audit');
    expect(events.columns[0]).toEqual({ name: 'id', type: 'bigint', nullable: false, identity: 'always' });
    expect(events.primaryKeyName).toBe('events_pkey');
    expect(model.sequences).toContainEqual({
      schema: 'audit',
      name: 'events_id_seq',
      type: 'bigint',
      start: '1',
      increment: '1',
      ownedBy: { schema: 'audit', table: 'events', column: 'id' },
    });
  });

  it('shows types and expressions as introspection under the default search path does', () => {
    const customers = table('customers');
    expect(customers.columns.map((c) => [c.name, c.type, c.nullable, c.default])).toEqual([
      ['id', 'integer', false, "nextval('customers_id_seq'::regclass)"],
      ['email', 'email_address', false, undefined],
      ['name', 'character varying(120)', true, undefined],
      ['country', 'character(2)', false, "'NL'::bpchar"],
      ['created_at', 'timestamp with time zone', false, 'now()'],
      ['updated_at', 'timestamp with time zone', true, undefined],
    ]);
    expect(customers.comment).toBe('People who buy; one row per account');
    expect(customers.columns[1]!.comment).toBe('Login, unique');
    const orders = table('orders');
    expect(orders.columns.find((c) => c.name === 'status')).toEqual({
      name: 'status',
      type: 'order_status',
      nullable: false,
      default: "'pending'::order_status",
    });
    expect(orders.columns.find((c) => c.name === 'total_with_tax')?.generated).toBe('(total * 1.21)');
    expect(orders.checks).toEqual([{ name: 'orders_total_check', expression: '(total >= (0)::numeric)' }]);
    const events = table('events', 'audit');
    expect(events.columns.map((c) => c.type)).toEqual(['bigint', 'audit.event_kind', 'integer', 'jsonb', 'timestamp(3) with time zone']);
    expect(events.columns[4]!.default).toBe('CURRENT_TIMESTAMP');
    const notes = table('OrderNotes');
    expect(notes.unlogged).toBe(true);
    expect(notes.primaryKeyName).toBe('OrderNotes_pkey');
    expect(notes.columns.map((c) => [c.name, c.type, c.collation, c.default])).toEqual([
      ['noteId', 'integer', undefined, undefined],
      ['customerId', 'integer', undefined, undefined],
      ['body', 'text', 'C', undefined],
      ['tags', 'text[]', undefined, "'{}'::text[]"],
    ]);
  });

  it('folds the partitions of a partitioned table, their keys and attached indexes', () => {
    const orders = table('orders');
    expect(orders.partitioning).toEqual({ strategy: 'range', key: 'placed_at' });
    expect(orders.partitions).toEqual(['public.orders_2024', 'public.orders_default']);
    expect(orders.primaryKey).toEqual(['id', 'placed_at']);
    expect(orders.indexes.map((i) => i.name)).toEqual(['orders_customer_id_idx', 'orders_pkey']);
  });

  it('reads indexes with expressions and predicates as pg_get_indexdef shows them', () => {
    expect(table('customers').indexes).toEqual([
      { name: 'customers_email_key', columns: ['email'], unique: true, method: 'btree', constraintBacked: true },
      { name: 'customers_lower_name_idx', columns: ['lower((name)::text)'], unique: false, method: 'btree', predicate: '(updated_at IS NULL)' },
      { name: 'customers_pkey', columns: ['id'], unique: true, method: 'btree', constraintBacked: true },
    ]);
  });

  it('reads the foreign keys added at the end', () => {
    expect(model.foreignKeys).toEqual([
      {
        name: 'events_customer_id_fkey',
        from: { schema: 'audit', table: 'events', columns: ['customer_id'] },
        to: { schema: 'public', table: 'customers', columns: ['id'] },
        onDelete: 'set null',
        onUpdate: 'no action',
        deferrable: false,
        initiallyDeferred: false,
        match: 'simple',
        inferred: false,
      },
      {
        name: 'order_items_order_fkey',
        from: { schema: 'public', table: 'order_items', columns: ['order_id', 'order_placed_at'] },
        to: { schema: 'public', table: 'orders', columns: ['id', 'placed_at'] },
        onDelete: 'cascade',
        onUpdate: 'cascade',
        deferrable: true,
        initiallyDeferred: true,
        match: 'full',
        inferred: false,
      },
      {
        name: 'orders_customer_id_fkey',
        from: { schema: 'public', table: 'orders', columns: ['customer_id'] },
        to: { schema: 'public', table: 'customers', columns: ['id'] },
        onDelete: 'restrict',
        onUpdate: 'no action',
        deferrable: false,
        initiallyDeferred: false,
        match: 'simple',
        inferred: false,
      },
    ]);
  });

  it('reads views, materialized views, enums and domains', () => {
    expect(model.views.map((v) => [`${v.schema}.${v.name}`, v.materialized, v.reads.map((r) => `${r.schema}.${r.name}`)])).toEqual([
      ['audit.daily_counts', true, ['audit.events']],
      ['public.customer_totals', false, ['public.customers', 'public.orders']],
    ]);
    expect(model.enums).toEqual([
      { schema: 'audit', name: 'event_kind', values: ['created', 'updated', 'deleted'] },
      { schema: 'public', name: 'order_status', values: ['pending', 'paid', 'shipped'] },
    ]);
    expect(model.domains).toEqual([
      { schema: 'public', name: 'email_address', baseType: 'text', notNull: false, checks: [{ name: 'email_address_check', expression: "(VALUE ~~ '%@%'::text)" }] },
    ]);
  });
});
