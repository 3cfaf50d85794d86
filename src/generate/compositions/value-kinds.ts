import type { SchemaModel } from '../../model/schema.js';

/**
 * What generated code knows about a column's values as node-postgres returns them: how to
 * compare two of them the way PostgreSQL orders them, and their TypeScript type.
 */
export type SortKind = 'number' | 'decimal' | 'text' | 'bpchar' | 'time' | 'bool' | 'auto' | { readonly enum: readonly string[] };

export interface ValueType {
  readonly sort: SortKind;
  /** The TypeScript type of a non-null value. */
  readonly ts: string;
  /** character(n): compared without trailing spaces, as PostgreSQL compares bpchar. */
  readonly bpchar: boolean;
}

const UNKNOWN: ValueType = { sort: 'auto', ts: 'unknown', bpchar: false };

/** The base type name (`character varying`, `numeric`, ...) of a format_type() string, without typmods. */
function baseName(type: string): string {
  return type.replace(/\(.*?\)/g, '').replace(/\s+/g, ' ').trim();
}

function scalar(name: string): ValueType | undefined {
  switch (name) {
    case 'smallint':
    case 'integer':
    case 'real':
    case 'double precision':
    case 'oid':
      return { sort: 'number', ts: 'number', bpchar: false };
    case 'bigint':
    case 'numeric':
    case 'decimal':
    case 'money':
      // node-postgres returns these as strings so that no precision is lost.
      return { sort: 'decimal', ts: 'string', bpchar: false };
    case 'text':
    case 'character varying':
    case 'varchar':
    case 'name':
    case 'uuid':
    case 'citext':
      return { sort: name === 'citext' ? 'auto' : 'text', ts: 'string', bpchar: false };
    case 'character':
    case 'char':
    case 'bpchar':
      return { sort: 'bpchar', ts: 'string', bpchar: true };
    case 'boolean':
      return { sort: 'bool', ts: 'boolean', bpchar: false };
    case 'timestamp with time zone':
    case 'timestamp without time zone':
    case 'date':
      return { sort: 'time', ts: 'Date', bpchar: false };
    case 'time with time zone':
    case 'time without time zone':
    case 'inet':
    case 'cidr':
    case 'macaddr':
      return { sort: 'auto', ts: 'string', bpchar: false };
    case 'bytea':
      return { sort: 'auto', ts: 'Uint8Array', bpchar: false };
    default:
      return undefined;
  }
}

/** Resolve a column type of the schema model (format_type() text) to what generated code needs. */
export function valueTypeOf(type: string, schema: SchemaModel, depth = 0): ValueType {
  const trimmed = type.trim();
  if (trimmed.endsWith('[]')) {
    const element = valueTypeOf(trimmed.slice(0, -2), schema, depth + 1);
    const ts = element.ts === 'unknown' ? 'unknown[]' : element.ts.includes('|') ? `(${element.ts})[]` : `${element.ts}[]`;
    return { sort: 'auto', ts, bpchar: false };
  }
  const name = baseName(trimmed);
  const known = scalar(name);
  if (known) return known;
  const qualified = (s: string, n: string) => (s === 'public' ? n : `${s}.${n}`);
  const en = schema.enums.find((e) => qualified(e.schema, e.name) === name || e.name === name);
  if (en) return { sort: { enum: en.values }, ts: en.values.length > 0 ? en.values.map((v) => JSON.stringify(v)).join(' | ') : 'string', bpchar: false };
  const domain = schema.domains.find((d) => qualified(d.schema, d.name) === name || d.name === name);
  if (domain && depth < 5) return valueTypeOf(domain.baseType, schema, depth + 1);
  return UNKNOWN;
}

export const UNKNOWN_VALUE: ValueType = UNKNOWN;
