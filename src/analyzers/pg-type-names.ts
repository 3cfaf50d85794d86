import { as, intValue, list, names, str } from './ddl/ast.js';

/**
 * Type names exactly as PostgreSQL's format_type() prints them, from a libpg-query `TypeName`
 * node, so that a schema read from DDL and one introspected live name column types alike.
 * The rules follow src/backend/utils/adt/format_type.c.
 */

export interface FormatTypeOptions {
  /**
   * The schema an unqualified, non-built-in type name resolves to (a search-path lookup among
   * the types defined so far), or undefined when no such type is known.
   */
  readonly resolveSchema?: (name: string) => string | undefined;
  /**
   * Schemas whose types format_type() prints without their schema: those on the search path of
   * the session that introspects. dbsplit introspects with the default `"$user", public`.
   */
  readonly visibleSchemas?: readonly string[];
}

export const DEFAULT_VISIBLE_SCHEMAS: readonly string[] = ['public'];

/** Every keyword that quote_identifier() quotes (all but the unreserved ones), from pg_get_keywords(). */
const QUOTED_KEYWORDS = new Set(
  (
    'all analyse analyze and any array as asc asymmetric both case cast check collate column constraint create ' +
    'current_catalog current_date current_role current_time current_timestamp current_user default deferrable desc ' +
    'distinct do else end except false fetch for foreign from grant group having in initially intersect into lateral ' +
    'leading limit localtime localtimestamp not null offset on only or order placing primary references returning ' +
    'select session_user some symmetric system_user table then to trailing true union unique user using variadic when ' +
    'where window with authorization binary collation concurrently cross current_schema freeze full ilike inner is ' +
    'isnull join left like natural notnull outer overlaps right similar tablesample verbose between bigint bit boolean ' +
    'char character coalesce dec decimal exists extract float greatest grouping inout int integer interval json ' +
    'json_array json_arrayagg json_exists json_object json_objectagg json_query json_scalar json_serialize json_table ' +
    'json_value least merge_action national nchar none normalize nullif numeric out overlay position precision real ' +
    'row setof smallint substring time timestamp treat trim values varchar xmlattributes xmlconcat xmlelement ' +
    'xmlexists xmlforest xmlnamespaces xmlparse xmlpi xmlroot xmlserialize xmltable'
  ).split(' '),
);

/** pg_catalog types format_type() prints by their catalog name. */
const CATALOG_TYPES = new Set(
  (
    'aclitem box bytea cid cidr circle date datemultirange daterange inet int2vector int4multirange int4range ' +
    'int8multirange int8range json jsonb jsonpath line lseg macaddr macaddr8 money name nummultirange numrange oid ' +
    'oidvector path pg_lsn pg_snapshot point polygon record refcursor regclass regcollation regconfig regdictionary ' +
    'regnamespace regoper regoperator regproc regprocedure regrole regtype text tid tsmultirange tsquery tsrange ' +
    'tstzmultirange tstzrange tsvector txid_snapshot uuid xid xid8 xml void'
  ).split(' '),
);

const SERIALS: Record<string, string> = {
  serial: 'integer',
  serial4: 'integer',
  bigserial: 'bigint',
  serial8: 'bigint',
  smallserial: 'smallint',
  serial2: 'smallint',
};

const INTERVAL_FULL_RANGE = 0x7fff;
const INTERVAL_FULL_PRECISION = 0xffff;
// Bits of the interval range typmod (INTERVAL_MASK in datetime.h).
const YEAR = 1 << 2;
const MONTH = 1 << 1;
const DAY = 1 << 3;
const HOUR = 1 << 10;
const MINUTE = 1 << 11;
const SECOND = 1 << 12;
const INTERVAL_FIELDS = new Map<number, string>([
  [YEAR, ' year'],
  [MONTH, ' month'],
  [DAY, ' day'],
  [HOUR, ' hour'],
  [MINUTE, ' minute'],
  [SECOND, ' second'],
  [YEAR | MONTH, ' year to month'],
  [DAY | HOUR, ' day to hour'],
  [DAY | HOUR | MINUTE, ' day to minute'],
  [DAY | HOUR | MINUTE | SECOND, ' day to second'],
  [HOUR | MINUTE, ' hour to minute'],
  [HOUR | MINUTE | SECOND, ' hour to second'],
  [MINUTE | SECOND, ' minute to second'],
  [INTERVAL_FULL_RANGE, ''],
]);

/** quote_identifier(): double-quote unless a plain lower-case name that is no keyword. */
export function quoteIdent(name: string): string {
  if (/^[a-z_][a-z0-9_]*$/.test(name) && !QUOTED_KEYWORDS.has(name)) return name;
  return '"' + name.replace(/"/g, '""') + '"';
}

/** A name as format_type() or regclass output shows it: qualified only when not visible. */
export function displayName(schema: string, name: string, visibleSchemas: readonly string[] = DEFAULT_VISIBLE_SCHEMAS): string {
  if (schema === 'pg_catalog' || visibleSchemas.includes(schema)) return quoteIdent(name);
  return quoteIdent(schema) + '.' + quoteIdent(name);
}

/** For `serial`, `bigserial`, `smallserial` (and serial2/4/8): the underlying type. */
export function serialBaseType(typeName: unknown): string | undefined {
  const fields = typeNameFields(typeName);
  const parts = names(fields.names);
  if (parts.length !== 1 || list(fields.arrayBounds).length > 0) return undefined;
  return SERIALS[parts[0]!];
}

function typeNameFields(typeName: unknown): Record<string, unknown> {
  return as(typeName, 'TypeName') ?? ((typeName ?? {}) as Record<string, unknown>);
}

function typmodTexts(mods: unknown): string[] {
  return list(mods).map((m) => {
    const n = intValue(m);
    if (n !== undefined) return String(n);
    const c = as(m, 'A_Const');
    if (c?.sval !== undefined) return str((c.sval as Record<string, unknown>).sval) ?? '';
    const ref = as(m, 'ColumnRef');
    if (ref) return names(ref.fields).join('.');
    return '?';
  });
}

function withPrecision(base: string, mods: readonly number[], suffix: string): string {
  return mods.length > 0 ? `${base}(${mods[0]})${suffix}` : base + suffix;
}

function intervalText(mods: readonly number[]): string {
  if (mods.length === 0) return 'interval';
  const range = mods[0]!;
  const precision = mods.length > 1 ? mods[1]! : INTERVAL_FULL_PRECISION;
  const fields = INTERVAL_FIELDS.get(range) ?? '';
  return precision === INTERVAL_FULL_PRECISION ? `interval${fields}` : `interval${fields}(${precision})`;
}

/** The built-in spelling of a pg_catalog type, or undefined if `name` is not one. */
function builtinText(name: string, mods: readonly number[], rawMods: readonly string[]): string | undefined {
  switch (name) {
    case 'bool':
      return 'boolean';
    case 'int2':
      return 'smallint';
    case 'int4':
      return 'integer';
    case 'int8':
      return 'bigint';
    case 'float4':
      return 'real';
    case 'float8':
      return 'double precision';
    case 'bpchar':
      return mods.length > 0 ? `character(${mods[0]})` : 'bpchar';
    case 'varchar':
      return withPrecision('character varying', mods, '');
    case 'bit':
      return withPrecision('bit', mods, '');
    case 'varbit':
      return withPrecision('bit varying', mods, '');
    case 'numeric':
      if (mods.length === 0) return 'numeric';
      return `numeric(${mods[0]},${mods[1] ?? 0})`;
    case 'time':
      return withPrecision('time', mods, ' without time zone');
    case 'timetz':
      return withPrecision('time', mods, ' with time zone');
    case 'timestamp':
      return withPrecision('timestamp', mods, ' without time zone');
    case 'timestamptz':
      return withPrecision('timestamp', mods, ' with time zone');
    case 'interval':
      return intervalText(mods);
    case 'char':
      return '"char"';
    default:
      if (SERIALS[name]) return SERIALS[name];
      if (CATALOG_TYPES.has(name)) return rawMods.length > 0 ? `${name}(${rawMods.join(',')})` : name;
      return undefined;
  }
}

/**
 * format_type() text for a `TypeName` node (wrapped or not). Arrays print as the element type
 * followed by one `[]`, whatever the declared dimensions, as PostgreSQL does.
 */
export function formatTypeName(typeName: unknown, options: FormatTypeOptions = {}): string {
  const fields = typeNameFields(typeName);
  const parts = names(fields.names);
  const rawMods = typmodTexts(fields.typmods);
  const mods = rawMods.map(Number).filter((n) => Number.isFinite(n));
  const array = list(fields.arrayBounds).length > 0 ? '[]' : '';
  const visible = options.visibleSchemas ?? DEFAULT_VISIBLE_SCHEMAS;
  const name = parts[parts.length - 1] ?? '';
  const schema = parts.length > 1 ? parts[parts.length - 2]! : undefined;
  const userMods = rawMods.length > 0 ? `(${rawMods.join(',')})` : '';

  if (schema === undefined || schema === 'pg_catalog') {
    const builtin = builtinText(name, mods, rawMods);
    if (builtin !== undefined) return builtin + array;
    if (schema === 'pg_catalog') return quoteIdent(name) + userMods + array;
    const resolved = options.resolveSchema?.(name);
    // Unknown unqualified types (from extensions: citext, geometry...) are assumed visible.
    return (resolved === undefined ? quoteIdent(name) : displayName(resolved, name, visible)) + userMods + array;
  }
  return displayName(schema, name, visible) + userMods + array;
}
