import type pg from 'pg';
import { SyncFailure } from './errors.js';
import { qualifiedName } from './sql-text.js';
import { primaryKeyColumns } from '../../db/primary-key.js';

/** What the applier needs to know about a target table, read once from the target's catalog. */
export interface TargetColumn {
  readonly name: string;
  readonly typeOid: number;
  readonly typeName: string;
  /** For a domain, its base type (pgoutput describes a domain column by its base type); else typeOid. */
  readonly baseTypeOid: number;
  readonly baseTypeName: string;
  readonly typmod: number;
  /** format_type(type, typmod): for casts in VALUES lists. */
  readonly typeSql: string;
  /** Compared as text when matching rows (no equality operator: json, xml, point, ...). */
  readonly compareAsText: boolean;
  readonly generated: boolean;
}

export interface TargetTableInfo {
  readonly schema: string;
  readonly name: string;
  /** schema.name, quoted. */
  readonly sql: string;
  readonly columns: ReadonlyMap<string, TargetColumn>;
  readonly primaryKey: readonly string[];
  /** Columns a change may write (not generated). */
  readonly writable: ReadonlySet<string>;
  /** Has a GENERATED ALWAYS AS IDENTITY column (inserts then need OVERRIDING SYSTEM VALUE). */
  readonly identityAlways: boolean;
}

export async function readTargetTable(client: pg.Client, schema: string, name: string): Promise<TargetTableInfo> {
  const sql = qualifiedName(schema, name);
  const exists = await client.query<{ oid: string | null }>('SELECT to_regclass($1)::oid::text AS oid', [sql]);
  const oid = exists.rows[0]?.oid;
  if (!oid) {
    throw new SyncFailure(`table ${schema}.${name} does not exist in the service's database`, {
      retryable: false,
      hint: 'run dbsplit provision for the service (and dbsplit generate first if the plan changed)',
    });
  }
  const cols = await client.query<{ name: string; type_oid: number; type_name: string; base_oid: number; base_name: string; typmod: number; type_sql: string; has_eq: boolean; generated: boolean; identity: string }>(
    `SELECT a.attname AS name, a.atttypid::int AS type_oid, t.typname AS type_name, a.atttypmod AS typmod,
            COALESCE(NULLIF(t.typbasetype, 0), t.oid)::int AS base_oid, COALESCE(bt.typname, t.typname) AS base_name,
            format_type(a.atttypid, a.atttypmod) AS type_sql,
            EXISTS (SELECT 1 FROM pg_opclass o JOIN pg_am am ON am.oid = o.opcmethod
                     WHERE am.amname = 'btree' AND o.opcdefault
                       AND o.opcintype IN (t.oid, CASE WHEN t.typelem <> 0 THEN 'anyarray'::regtype::oid END, CASE WHEN t.typtype = 'e' THEN 'anyenum'::regtype::oid END, t.typbasetype)) AS has_eq,
            a.attgenerated <> '' AS generated, a.attidentity AS identity
       FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid LEFT JOIN pg_type bt ON bt.oid = NULLIF(t.typbasetype, 0)
      WHERE a.attrelid = $1::oid AND a.attnum > 0 AND NOT a.attisdropped
      ORDER BY a.attnum`,
    [oid],
  );
  const primaryKey = await primaryKeyColumns(client, oid);
  const columns = new Map<string, TargetColumn>();
  for (const c of cols.rows) {
    columns.set(c.name, {
      name: c.name,
      typeOid: c.type_oid,
      typeName: c.type_name,
      baseTypeOid: c.base_oid,
      baseTypeName: c.base_name,
      typmod: c.typmod,
      typeSql: c.type_sql,
      compareAsText: !c.has_eq,
      generated: c.generated,
    });
  }
  return {
    schema,
    name,
    sql,
    columns,
    primaryKey,
    writable: new Set(cols.rows.filter((c) => !c.generated).map((c) => c.name)),
    identityAlways: cols.rows.some((c) => c.identity === 'a'),
  };
}
