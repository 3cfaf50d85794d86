/**
 * The catalog queries behind live introspection: one query per kind of object, each over every
 * selected schema at once, so that a monolith of thousands of tables costs a dozen round trips.
 * All read pg_catalog only and work on PostgreSQL 12 and later.
 *
 * Every query takes the selected schema names as $1 (text[]). Partitions are mapped to the root
 * of their partition tree wherever another object refers to them, because a partition belongs to
 * its parent in the model.
 */

/** A pg_class oid mapped to the root of its partition tree (itself when not a partition). */
const rootOf = (rel: string): string => `CASE WHEN ${rel}.relispartition THEN pg_partition_root(${rel}.oid)::oid ELSE ${rel}.oid END`;

/** True when the object is a member of an extension (created by CREATE EXTENSION, not the user). */
const extensionMember = (catalog: string, oid: string): string =>
  `EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = '${catalog}'::regclass AND e.objid = ${oid} AND e.deptype = 'e')`;

/** Column names of `rel` for the attribute numbers in `keys`, in key order. */
const attnames = (rel: string, keys: string): string =>
  `array(SELECT a.attname::text FROM unnest(${keys}) WITH ORDINALITY k(num, ord)
         JOIN pg_attribute a ON a.attrelid = ${rel} AND a.attnum = k.num ORDER BY k.ord)`;

export const SERVER_SQL = `SELECT current_setting('server_version') AS version, current_setting('server_version_num')::int AS version_num`;

export interface ServerRow {
  version: string;
  version_num: number;
}

export const SCHEMAS_SQL = `
SELECT n.nspname AS name
FROM pg_namespace n
WHERE n.nspname !~ '^pg_' AND n.nspname NOT IN ('information_schema', '_dbsplit')`;

export interface SchemaRow {
  name: string;
}

/**
 * Tables (not partitions) in the selected schemas, and every partition whose root is in them.
 * Before PostgreSQL 14 a never-analyzed table has reltuples 0 rather than -1, so `maintained`
 * says whether it was ever vacuumed or analyzed.
 */
export function relationsSql(versionNum: number): string {
  const maintained =
    versionNum < 140000
      ? `(pg_stat_get_last_analyze_time(c.oid) IS NOT NULL OR pg_stat_get_last_autoanalyze_time(c.oid) IS NOT NULL
          OR pg_stat_get_last_vacuum_time(c.oid) IS NOT NULL OR pg_stat_get_last_autovacuum_time(c.oid) IS NOT NULL)`
      : 'true';
  return `
SELECT c.oid, n.nspname AS schema, c.relname AS name, c.relkind, c.relispartition AS is_partition,
       CASE WHEN c.relispartition THEN pg_partition_root(c.oid)::oid END AS root_oid,
       c.reltuples, c.relpages, ${maintained} AS maintained,
       c.relreplident, c.relpersistence,
       pg_total_relation_size(c.oid) AS size_bytes,
       d.description AS comment,
       pt.partstrat,
       CASE WHEN c.relkind = 'p' THEN pg_get_partkeydef(c.oid) END AS partition_key,
       ${extensionMember('pg_class', 'c.oid')} AS extension_member
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_partitioned_table pt ON pt.partrelid = c.oid
LEFT JOIN pg_description d ON d.objoid = c.oid AND d.classoid = 'pg_class'::regclass AND d.objsubid = 0
WHERE c.relkind IN ('r', 'p', 'f')
  AND CASE WHEN c.relispartition
           THEN (SELECT rn.nspname FROM pg_class rc JOIN pg_namespace rn ON rn.oid = rc.relnamespace
                 WHERE rc.oid = pg_partition_root(c.oid)) = ANY($1::text[])
           ELSE c.relkind <> 'f' AND n.nspname = ANY($1::text[]) END`;
}

export interface RelationRow {
  oid: number;
  schema: string;
  name: string;
  relkind: 'r' | 'p' | 'f';
  is_partition: boolean;
  root_oid: number | null;
  reltuples: number;
  relpages: number;
  maintained: boolean;
  relreplident: 'd' | 'f' | 'n' | 'i';
  relpersistence: 'p' | 'u' | 't';
  /** bigint, so a string from the driver; null for a relation dropped since the snapshot. */
  size_bytes: string | null;
  comment: string | null;
  partstrat: 'r' | 'l' | 'h' | null;
  partition_key: string | null;
  extension_member: boolean;
}

/** Where a table of the model may be: tables and partitioned tables, not partitions. */
const TABLES_WHERE = `c.relkind IN ('r', 'p') AND NOT c.relispartition AND n.nspname = ANY($1::text[])`;

export const COLUMNS_SQL = `
SELECT a.attrelid AS rel, a.attname AS name,
       format_type(a.atttypid, a.atttypmod) AS type,
       a.attnotnull AS not_null, a.attidentity AS identity, a.attgenerated AS generated,
       pg_get_expr(ad.adbin, ad.adrelid) AS default_expr,
       CASE WHEN a.attcollation <> 0 AND a.attcollation <> t.typcollation THEN
         CASE WHEN pg_collation_is_visible(co.oid) THEN co.collname::text ELSE cn.nspname || '.' || co.collname END
       END AS collation,
       d.description AS comment
FROM pg_attribute a
JOIN pg_class c ON c.oid = a.attrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_type t ON t.oid = a.atttypid
LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
LEFT JOIN pg_collation co ON co.oid = a.attcollation
LEFT JOIN pg_namespace cn ON cn.oid = co.collnamespace
LEFT JOIN pg_description d ON d.objoid = a.attrelid AND d.classoid = 'pg_class'::regclass AND d.objsubid = a.attnum
WHERE ${TABLES_WHERE} AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY a.attrelid, a.attnum`;

export interface ColumnRow {
  rel: number;
  name: string;
  type: string;
  not_null: boolean;
  /** '' (none), 'a' (always) or 'd' (by default). */
  identity: string;
  /** '' (none), 's' (stored) or, from PostgreSQL 18, 'v' (virtual). */
  generated: string;
  default_expr: string | null;
  collation: string | null;
  comment: string | null;
}

/**
 * Primary keys, unique and check constraints of the tables. NOT NULL constraints, which
 * PostgreSQL 18 also records here (contype 'n'), are not selected: the columns carry them.
 */
export const KEYS_SQL = `
SELECT con.conrelid AS rel, con.conname AS name, con.contype,
       ${attnames('con.conrelid', 'con.conkey')} AS columns,
       CASE WHEN con.contype = 'c' THEN pg_get_expr(con.conbin, con.conrelid) END AS check_expr
FROM pg_constraint con
JOIN pg_class c ON c.oid = con.conrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE con.contype IN ('p', 'u', 'c') AND ${TABLES_WHERE}`;

export interface KeyRow {
  rel: number;
  name: string;
  contype: 'p' | 'u' | 'c';
  columns: string[];
  check_expr: string | null;
}

/**
 * Foreign keys declared by the user. A foreign key on a partitioned table is cloned onto every
 * partition (and one referencing a partitioned table onto every referenced partition) with
 * conparentid set; only the declared one (conparentid = 0) is kept. Both ends are mapped to
 * their partition roots.
 */
export const FOREIGN_KEYS_SQL = `
SELECT con.conname AS name,
       fn.nspname AS from_schema, fc.relname AS from_table, ${attnames('con.conrelid', 'con.conkey')} AS from_columns,
       tn.nspname AS to_schema, tc.relname AS to_table, ${attnames('con.confrelid', 'con.confkey')} AS to_columns,
       con.confdeltype, con.confupdtype, con.confmatchtype, con.condeferrable, con.condeferred
FROM pg_constraint con
JOIN pg_class src ON src.oid = con.conrelid
JOIN pg_class fc ON fc.oid = ${rootOf('src')}
JOIN pg_namespace fn ON fn.oid = fc.relnamespace
JOIN pg_class dst ON dst.oid = con.confrelid
JOIN pg_class tc ON tc.oid = ${rootOf('dst')}
JOIN pg_namespace tn ON tn.oid = tc.relnamespace
WHERE con.contype = 'f' AND con.conparentid = 0 AND fn.nspname = ANY($1::text[])`;

export interface ForeignKeyRow {
  name: string;
  from_schema: string;
  from_table: string;
  from_columns: string[];
  to_schema: string;
  to_table: string;
  to_columns: string[];
  confdeltype: string;
  confupdtype: string;
  confmatchtype: string;
  condeferrable: boolean;
  condeferred: boolean;
}

/**
 * Indexes of the tables (a partitioned table's own indexes only: partitions are not tables of
 * the model, so theirs never appear). Key columns only, not INCLUDE columns.
 */
export const INDEXES_SQL = `
SELECT i.indrelid AS rel, ic.relname AS name, am.amname AS method, i.indisunique AS is_unique,
       array(SELECT CASE WHEN i.indkey[k] <> 0
                         THEN (SELECT a.attname::text FROM pg_attribute a WHERE a.attrelid = i.indrelid AND a.attnum = i.indkey[k])
                         ELSE pg_get_indexdef(i.indexrelid, k + 1, true) END
             FROM generate_series(0, i.indnkeyatts - 1) AS k ORDER BY k) AS columns,
       pg_get_expr(i.indpred, i.indrelid) AS predicate,
       EXISTS (SELECT 1 FROM pg_constraint con
               WHERE con.conindid = i.indexrelid AND con.conrelid = i.indrelid AND con.contype IN ('p', 'u', 'x')) AS constraint_backed
FROM pg_index i
JOIN pg_class ic ON ic.oid = i.indexrelid
JOIN pg_am am ON am.oid = ic.relam
JOIN pg_class c ON c.oid = i.indrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE ${TABLES_WHERE}`;

export interface IndexRow {
  rel: number;
  name: string;
  method: string;
  is_unique: boolean;
  columns: string[];
  predicate: string | null;
  constraint_backed: boolean;
}

/** Inheritance parents (`INHERITS`) of the tables; partitions never reach here. */
export const INHERITS_SQL = `
SELECT i.inhrelid AS rel, pn.nspname AS schema, p.relname AS name
FROM pg_inherits i
JOIN pg_class c ON c.oid = i.inhrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_class p ON p.oid = i.inhparent
JOIN pg_namespace pn ON pn.oid = p.relnamespace
WHERE ${TABLES_WHERE}
ORDER BY i.inhrelid, i.inhseqno`;

export interface InheritsRow {
  rel: number;
  schema: string;
  name: string;
}

export const VIEWS_SQL = `
SELECT c.oid, n.nspname AS schema, c.relname AS name, c.relkind = 'm' AS materialized,
       pg_get_viewdef(c.oid, true) AS definition,
       ${extensionMember('pg_class', 'c.oid')} AS extension_member
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('v', 'm') AND n.nspname = ANY($1::text[])`;

export interface ViewRow {
  oid: number;
  schema: string;
  name: string;
  materialized: boolean;
  definition: string | null;
  extension_member: boolean;
}

/** The relations each view's rewrite rule depends on: what its query reads. */
export const VIEW_READS_SQL = `
SELECT DISTINCT r.ev_class AS view, tn.nspname AS schema, tc.relname AS name
FROM pg_rewrite r
JOIN pg_class v ON v.oid = r.ev_class
JOIN pg_namespace vn ON vn.oid = v.relnamespace
JOIN pg_depend d ON d.classid = 'pg_rewrite'::regclass AND d.objid = r.oid AND d.refclassid = 'pg_class'::regclass
JOIN pg_class dep ON dep.oid = d.refobjid
JOIN pg_class tc ON tc.oid = ${rootOf('dep')}
JOIN pg_namespace tn ON tn.oid = tc.relnamespace
WHERE v.relkind IN ('v', 'm') AND vn.nspname = ANY($1::text[])
  AND d.refobjid <> r.ev_class AND dep.relkind IN ('r', 'p', 'v', 'm', 'f')`;

export interface ViewReadRow {
  view: number;
  schema: string;
  name: string;
}

/**
 * Sequences. last_value is read only with the privilege to read it (as pg_sequences does), so
 * a user without it gets no value rather than an error. The owning column comes from the
 * 'a' (serial, OWNED BY) or 'i' (identity) dependency.
 */
export const SEQUENCES_SQL = `
SELECT n.nspname AS schema, c.relname AS name, format_type(s.seqtypid, NULL) AS type,
       s.seqstart::text AS start, s.seqincrement::text AS increment,
       CASE WHEN has_sequence_privilege(c.oid, 'SELECT,USAGE') THEN pg_sequence_last_value(c.oid)::text END AS last_value,
       owner.sch AS owner_schema, owner.tbl AS owner_table, owner.col AS owner_column,
       ${extensionMember('pg_class', 'c.oid')} AS extension_member
FROM pg_sequence s
JOIN pg_class c ON c.oid = s.seqrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN LATERAL (
  SELECT tn.nspname AS sch, tc.relname AS tbl, a.attname AS col
  FROM pg_depend d
  JOIN pg_class t ON t.oid = d.refobjid
  JOIN pg_class tc ON tc.oid = ${rootOf('t')}
  JOIN pg_namespace tn ON tn.oid = tc.relnamespace
  JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
  WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.refclassid = 'pg_class'::regclass
    AND d.refobjsubid > 0 AND d.deptype IN ('a', 'i')
  LIMIT 1
) owner ON true
WHERE n.nspname = ANY($1::text[])`;

export interface SequenceRow {
  schema: string;
  name: string;
  type: string;
  start: string;
  increment: string;
  last_value: string | null;
  owner_schema: string | null;
  owner_table: string | null;
  owner_column: string | null;
  extension_member: boolean;
}

export const ENUMS_SQL = `
SELECT n.nspname AS schema, t.typname AS name,
       array(SELECT e.enumlabel::text FROM pg_enum e WHERE e.enumtypid = t.oid ORDER BY e.enumsortorder) AS labels,
       ${extensionMember('pg_type', 't.oid')} AS extension_member
FROM pg_type t
JOIN pg_namespace n ON n.oid = t.typnamespace
WHERE t.typtype = 'e' AND n.nspname = ANY($1::text[])`;

export interface EnumRow {
  schema: string;
  name: string;
  labels: string[];
  extension_member: boolean;
}

/** Domains; from PostgreSQL 17 their NOT NULL is also a constraint (contype 'n'), not selected. */
export const DOMAINS_SQL = `
SELECT n.nspname AS schema, t.typname AS name, format_type(t.typbasetype, t.typtypmod) AS base_type,
       t.typnotnull AS not_null, t.typdefault AS default_expr,
       coalesce((SELECT json_agg(json_build_object('name', con.conname, 'expression', pg_get_expr(con.conbin, 0)))
                 FROM pg_constraint con WHERE con.contypid = t.oid AND con.contype = 'c'), '[]'::json) AS checks,
       ${extensionMember('pg_type', 't.oid')} AS extension_member
FROM pg_type t
JOIN pg_namespace n ON n.oid = t.typnamespace
WHERE t.typtype = 'd' AND n.nspname = ANY($1::text[])`;

export interface DomainRow {
  schema: string;
  name: string;
  base_type: string;
  not_null: boolean;
  default_expr: string | null;
  checks: { name: string; expression: string }[];
  extension_member: boolean;
}
