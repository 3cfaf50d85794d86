import type { SidePool } from './side-pool.js';
import type { DiffTableSpec, QualifiedTable } from './types.js';
import { quoteIdent } from '../analyzers/pg-type-names.js';
import { primaryKeyColumns } from '../db/primary-key.js';

/**
 * What the diff needs to know about one table on one side, read from that side's catalog:
 * the columns with their types, the primary key, and whether a text key already sorts like
 * the "C" collation there.
 */

export interface SideColumn {
  readonly name: string;
  /** format_type() under search_path = pg_catalog: user types come qualified. */
  readonly type: string;
  /** Base type (through domains) is int2, int4 or int8. */
  readonly integer: boolean;
  /** Base type is an enum: ordered by label text, since sort orders may differ between databases. */
  readonly enumType: boolean;
  /** Has a collation. */
  readonly collatable: boolean;
  /** Its collation sorts byte-wise (C or POSIX, directly or as the database default). */
  readonly collationIsC: boolean;
  readonly generated: boolean;
  /** GENERATED ALWAYS AS IDENTITY: an INSERT of it needs OVERRIDING SYSTEM VALUE. */
  readonly identityAlways: boolean;
}

export interface SideTable {
  readonly schema: string;
  readonly name: string;
  /** Quoted, qualified. */
  readonly sql: string;
  readonly columns: readonly SideColumn[];
  readonly primaryKey: readonly string[];
  /** Planner estimate summed over partitions; undefined when never analyzed. */
  readonly estimatedRows: number | undefined;
  /**
   * Size in blocks of its largest heap (the table, or its largest partition), when its rows can
   * be read by block ranges (a TID range scan, PostgreSQL 14+); 0 otherwise (a foreign table, an
   * older server).
   */
  readonly blocks: number;
}

export function qualifiedSql(t: QualifiedTable): string {
  return `${quoteIdent(t.schema)}.${quoteIdent(t.name)}`;
}

interface ColumnRow {
  name: string;
  type: string;
  integer: boolean;
  enum_type: boolean;
  collatable: boolean;
  collation_is_c: boolean;
  generated: boolean;
  identity_always: boolean;
}

/** The table on one side, or undefined when it does not exist there. */
export async function readSideTable(pool: SidePool, t: QualifiedTable): Promise<SideTable | undefined> {
  const sql = qualifiedSql(t);
  const rel = await pool.query<{ oid: string | null }>(`SELECT c.oid::text AS oid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relname = $2 AND c.relkind IN ('r', 'p', 'f', 'm')`, [t.schema, t.name]);
  const oid = rel.rows[0]?.oid;
  if (!oid) return undefined;
  // The database default collation counts as C only for libc C/POSIX (a builtin or ICU default
  // is treated as not C: an explicit COLLATE "C" is then added, which is always correct).
  const cols = await pool.query<ColumnRow>(
    `WITH db AS (
       SELECT d.datcollate IN ('C', 'POSIX') AND coalesce(to_jsonb(d) ->> 'datlocprovider', 'c') = 'c' AS default_is_c
         FROM pg_database d WHERE d.datname = current_database()
     )
     SELECT a.attname AS name,
            format_type(a.atttypid, a.atttypmod) AS type,
            coalesce(nullif(t.typbasetype, 0), t.oid) IN ('int2'::regtype, 'int4'::regtype, 'int8'::regtype) AS integer,
            coalesce(bt.typtype, t.typtype) = 'e' AS enum_type,
            a.attcollation <> 0 AS collatable,
            CASE WHEN a.attcollation = 0 THEN false
                 WHEN co.collname = 'default' THEN (SELECT default_is_c FROM db)
                 ELSE co.collprovider = 'c' AND co.collcollate IN ('C', 'POSIX') END AS collation_is_c,
            a.attgenerated <> '' AS generated,
            a.attidentity = 'a' AS identity_always
       FROM pg_attribute a
       JOIN pg_type t ON t.oid = a.atttypid
       LEFT JOIN pg_type bt ON bt.oid = nullif(t.typbasetype, 0)
       LEFT JOIN pg_collation co ON co.oid = a.attcollation
      WHERE a.attrelid = $1::oid AND a.attnum > 0 AND NOT a.attisdropped
      ORDER BY a.attnum`,
    [oid],
  );
  const primaryKey = await primaryKeyColumns(pool, oid);
  // A partitioned table's own reltuples is not its rows: sum the leaves (the table itself when
  // not partitioned). -1 (PostgreSQL 14+) or 0 with no pages means never analyzed.
  const est = await pool.query<{ rows: number | null; analyzed: boolean; blocks: string | null }>(
    `SELECT sum(greatest(c.reltuples, 0))::float8 AS rows, bool_or(c.reltuples > 0 OR c.relpages > 0) AS analyzed,
            CASE WHEN current_setting('server_version_num')::int >= 140000 AND bool_and(c.relkind IN ('r', 'm'))
                 THEN max(pg_relation_size(c.oid) / current_setting('block_size')::int)::text END AS blocks
       FROM pg_class c
      WHERE (c.oid = $1::oid AND c.relkind <> 'p') OR c.oid IN (SELECT relid FROM pg_partition_tree($1::oid) WHERE isleaf)`,
    [oid],
  );
  const e = est.rows[0];
  return {
    schema: t.schema,
    name: t.name,
    sql,
    columns: cols.rows.map((c) => ({
      name: c.name,
      type: c.type,
      integer: c.integer,
      enumType: c.enum_type,
      collatable: c.collatable,
      collationIsC: c.collation_is_c,
      generated: c.generated,
      identityAlways: c.identity_always,
    })),
    primaryKey,
    estimatedRows: e?.analyzed ? Number(e.rows ?? 0) : undefined,
    blocks: Number(e?.blocks ?? 0),
  };
}

/** A key column as each side orders and casts it. */
export interface KeyColumnShape {
  readonly name: string;
  readonly source: SideColumn;
  readonly target: SideColumn;
}

/** The table as compared: both sides' shapes and what they have in common. */
export interface TableShape {
  readonly spec: DiffTableSpec;
  readonly source: SideTable;
  readonly target: SideTable;
  /** Compared columns, in the monolith's order. */
  readonly columns: readonly string[];
  readonly onlyInSource: readonly string[];
  readonly onlyInTarget: readonly string[];
  /** Empty: compared as a multiset of rows. */
  readonly key: readonly KeyColumnShape[];
  /** One integer column on both sides: ranges by arithmetic on min/max. */
  readonly integerKey: boolean;
}

export class ShapeError extends Error {}

export function buildShape(spec: DiffTableSpec, source: SideTable, target: SideTable): TableShape {
  const targetCols = new Map(target.columns.map((c) => [c.name, c]));
  const sourceCols = new Map(source.columns.map((c) => [c.name, c]));
  const columns = source.columns.filter((c) => targetCols.has(c.name)).map((c) => c.name);
  const onlyInSource = source.columns.filter((c) => !targetCols.has(c.name)).map((c) => c.name);
  const onlyInTarget = target.columns.filter((c) => !sourceCols.has(c.name)).map((c) => c.name);
  const keyNames = spec.key ?? source.primaryKey;
  const key: KeyColumnShape[] = [];
  for (const name of keyNames) {
    const s = sourceCols.get(name);
    const t = targetCols.get(name);
    if (!s || !t) throw new ShapeError(`key column ${name} is missing in the ${s ? 'service database' : 'monolith'}`);
    key.push({ name, source: s, target: t });
  }
  if (columns.length === 0) throw new ShapeError('the two sides have no column in common');
  const integerKey = key.length === 1 && key[0]!.source.integer && key[0]!.target.integer;
  return { spec, source, target, columns, onlyInSource, onlyInTarget, key, integerKey };
}
