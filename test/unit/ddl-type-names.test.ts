import { beforeAll, describe, expect, it } from 'vitest';
import { displayName, formatTypeName, quoteIdent, serialBaseType } from '../../src/analyzers/pg-type-names.js';
import { parseText, ready } from '../../src/analyzers/sql-parser.js';

beforeAll(async () => {
  await ready();
});

/** The TypeName node of `CREATE TABLE t (c <type>)`. */
function typeNode(type: string): unknown {
  const parsed = parseText(`CREATE TABLE t (c ${type})`);
  if (!parsed.ok) throw new Error(parsed.error.message);
  const create = parsed.statements[0]!.stmt.CreateStmt as { tableElts: { ColumnDef: { typeName: unknown } }[] };
  return create.tableElts[0]!.ColumnDef.typeName;
}

const fmt = (type: string, options?: Parameters<typeof formatTypeName>[1]): string => formatTypeName(typeNode(type), options);

describe('formatTypeName', () => {
  it.each([
    ['int', 'integer'],
    ['integer', 'integer'],
    ['int4', 'integer'],
    ['int8', 'bigint'],
    ['bigint', 'bigint'],
    ['int2', 'smallint'],
    ['smallint', 'smallint'],
    ['float8', 'double precision'],
    ['double precision', 'double precision'],
    ['float', 'double precision'],
    ['float(10)', 'real'],
    ['float4', 'real'],
    ['real', 'real'],
    ['bool', 'boolean'],
    ['boolean', 'boolean'],
    ['varchar(40)', 'character varying(40)'],
    ['character varying', 'character varying'],
    ['char', 'character(1)'],
    ['char(3)', 'character(3)'],
    ['bpchar(5)', 'character(5)'],
    ['bpchar', 'bpchar'],
    ['"char"', '"char"'],
    ['numeric', 'numeric'],
    ['numeric(10)', 'numeric(10,0)'],
    ['decimal(12, 2)', 'numeric(12,2)'],
    ['timestamp', 'timestamp without time zone'],
    ['timestamp(3)', 'timestamp(3) without time zone'],
    ['timestamptz', 'timestamp with time zone'],
    ['timestamp(0) with time zone', 'timestamp(0) with time zone'],
    ['time', 'time without time zone'],
    ['timetz', 'time with time zone'],
    ['time(2) with time zone', 'time(2) with time zone'],
    ['interval', 'interval'],
    ['interval(3)', 'interval(3)'],
    ['interval day to second(2)', 'interval day to second(2)'],
    ['interval year to month', 'interval year to month'],
    ['interval hour', 'interval hour'],
    ['bit', 'bit(1)'],
    ['bit(8)', 'bit(8)'],
    ['bit varying(8)', 'bit varying(8)'],
    ['varbit', 'bit varying'],
    ['text[]', 'text[]'],
    ['integer[][]', 'integer[]'],
    ['varchar(20)[]', 'character varying(20)[]'],
    ['int ARRAY', 'integer[]'],
    ['jsonb', 'jsonb'],
    ['json', 'json'],
    ['uuid', 'uuid'],
    ['pg_catalog.text', 'text'],
    ['serial', 'integer'],
    ['bigserial', 'bigint'],
    ['smallserial', 'smallint'],
    ['serial8', 'bigint'],
  ])('%s prints as %s', (input, expected) => {
    expect(fmt(input)).toBe(expected);
  });

  it('prints types in public without their schema and others qualified', () => {
    expect(fmt('public.order_status')).toBe('order_status');
    expect(fmt('audit.kind')).toBe('audit.kind');
    expect(fmt('audit.kind[]')).toBe('audit.kind[]');
    expect(fmt('public."OrderState"')).toBe('"OrderState"');
    expect(fmt('"Audit"."user"')).toBe('"Audit"."user"');
  });

  it('resolves unqualified user types through the given lookup', () => {
    const resolveSchema = (name: string): string | undefined => (name === 'kind' ? 'audit' : name === 'mood' ? 'public' : undefined);
    expect(fmt('kind', { resolveSchema })).toBe('audit.kind');
    expect(fmt('mood[]', { resolveSchema })).toBe('mood[]');
    // An unknown type (from an extension) is assumed visible.
    expect(fmt('citext', { resolveSchema })).toBe('citext');
    // Built-in names win over user types, as pg_catalog comes first on the search path.
    expect(fmt('text', { resolveSchema: () => 'audit' })).toBe('text');
  });

  it('honours another set of visible schemas', () => {
    expect(fmt('audit.kind', { visibleSchemas: ['audit', 'public'] })).toBe('kind');
    expect(fmt('public.kind', { visibleSchemas: ['audit'] })).toBe('public.kind');
  });

  it('keeps the modifiers of unknown types', () => {
    expect(fmt('geometry(Point, 4326)')).toBe('geometry(point,4326)');
  });
});

describe('identifier helpers', () => {
  it('quotes like quote_identifier()', () => {
    expect(quoteIdent('orders')).toBe('orders');
    expect(quoteIdent('OrderLines')).toBe('"OrderLines"');
    expect(quoteIdent('user')).toBe('"user"');
    expect(quoteIdent('position')).toBe('"position"');
    expect(quoteIdent('name')).toBe('name');
    expect(quoteIdent('with"quote')).toBe('"with""quote"');
    expect(quoteIdent('has$dollar')).toBe('"has$dollar"');
  });

  it('qualifies only what is not visible', () => {
    expect(displayName('public', 'orders_id_seq')).toBe('orders_id_seq');
    expect(displayName('audit', 'events_id_seq')).toBe('audit.events_id_seq');
    expect(displayName('pg_catalog', 'int4')).toBe('int4');
  });

  it('knows the serial pseudo-types', () => {
    expect(serialBaseType(typeNode('serial'))).toBe('integer');
    expect(serialBaseType(typeNode('bigserial'))).toBe('bigint');
    expect(serialBaseType(typeNode('integer'))).toBeUndefined();
  });
});
