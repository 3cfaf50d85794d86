/**
 * The schema model: what dbsplit knows about the monolith's tables, whichever source it came
 * from (live introspection or DDL files). Plain readonly data; identifiers exactly as
 * PostgreSQL stores them (unquoted names folded to lower case, quoted names kept).
 */

export interface TableRef {
  readonly schema: string;
  readonly name: string;
}

export interface ColumnRef {
  readonly schema: string;
  readonly table: string;
  readonly column: string;
}

export type IdentityKind = 'always' | 'by default';

export interface Column {
  readonly name: string;
  /**
   * The type as format_type() prints it with search_path = public: `integer`,
   * `character varying(255)`, `order_status` (a type in public), `audit.kind`, `text[]`.
   */
  readonly type: string;
  readonly nullable: boolean;
  /** The default expression's SQL text, or undefined. Serial columns show their nextval() default. */
  readonly default?: string;
  readonly identity?: IdentityKind;
  /** Expression of a GENERATED ALWAYS AS (...) STORED column. */
  readonly generated?: string;
  readonly collation?: string;
  readonly comment?: string;
}

export interface KeyConstraint {
  readonly name: string;
  readonly columns: readonly string[];
}

export interface CheckConstraint {
  readonly name: string;
  /** The expression, as SQL text, without the CHECK keyword. */
  readonly expression: string;
}

export interface Index {
  readonly name: string;
  /** Columns, or expressions as SQL text. */
  readonly columns: readonly string[];
  readonly unique: boolean;
  readonly method: string;
  /** WHERE clause of a partial index, as SQL text. */
  readonly predicate?: string;
  /** True for the index behind a PRIMARY KEY or UNIQUE constraint. */
  readonly constraintBacked?: boolean;
}

export type ReferentialAction = 'no action' | 'restrict' | 'cascade' | 'set null' | 'set default';

export interface ForeignKey {
  readonly name: string;
  readonly from: { readonly schema: string; readonly table: string; readonly columns: readonly string[] };
  readonly to: { readonly schema: string; readonly table: string; readonly columns: readonly string[] };
  readonly onDelete: ReferentialAction;
  readonly onUpdate: ReferentialAction;
  readonly deferrable: boolean;
  readonly initiallyDeferred: boolean;
  readonly match?: 'simple' | 'full' | 'partial';
  /** True when no constraint exists and dbsplit inferred the relation from names and types. */
  readonly inferred: boolean;
}

export type PartitionStrategy = 'range' | 'list' | 'hash';

export interface Table {
  readonly schema: string;
  readonly name: string;
  readonly columns: readonly Column[];
  /** Column names of the primary key; empty when the table has none. */
  readonly primaryKey: readonly string[];
  readonly primaryKeyName?: string;
  readonly uniqueKeys: readonly KeyConstraint[];
  readonly checks: readonly CheckConstraint[];
  readonly indexes: readonly Index[];
  /** Set when the table is partitioned; its partitions are folded into it. */
  /** `key` is the partition key inside the parentheses: `occurred_at`, `region, (lower(code))`. */
  readonly partitioning?: { readonly strategy: PartitionStrategy; readonly key: string };
  /** Partitions folded into this table (qualified names). */
  readonly partitions?: readonly string[];
  /** Parents of an inheritance child (`INHERITS (...)`). */
  readonly inherits?: readonly TableRef[];
  readonly comment?: string;
  /** Planner row estimate (reltuples), when introspected live. */
  readonly rowEstimate?: number;
  /** Total on-disk size in bytes, when introspected live. */
  readonly sizeBytes?: number;
  readonly replicaIdentity?: 'default' | 'full' | 'nothing' | 'index';
  readonly unlogged?: boolean;
}

export interface View {
  readonly schema: string;
  readonly name: string;
  readonly materialized: boolean;
  /** Tables (and views) the view's query reads, qualified. */
  readonly reads: readonly TableRef[];
  readonly definition?: string;
}

export interface Sequence {
  readonly schema: string;
  readonly name: string;
  readonly type?: string;
  readonly start?: string;
  readonly increment?: string;
  /** The column that owns the sequence (serial / identity / OWNED BY). */
  readonly ownedBy?: ColumnRef;
  /** The current value, when read live (last_value, or undefined if never called). */
  readonly lastValue?: string;
}

export interface EnumType {
  readonly schema: string;
  readonly name: string;
  readonly values: readonly string[];
}

export interface Domain {
  readonly schema: string;
  readonly name: string;
  readonly baseType: string;
  readonly notNull: boolean;
  readonly default?: string;
  readonly checks: readonly CheckConstraint[];
}

export interface SchemaModel {
  /** Where the model came from, for reports: a masked URL or the DDL file list. */
  readonly source: { readonly kind: 'live' | 'ddl'; readonly description: string; readonly serverVersion?: string };
  readonly schemas: readonly string[];
  readonly tables: readonly Table[];
  readonly foreignKeys: readonly ForeignKey[];
  readonly views: readonly View[];
  readonly sequences: readonly Sequence[];
  readonly enums: readonly EnumType[];
  readonly domains: readonly Domain[];
}

/** The key under which a table is known everywhere in dbsplit: `schema.table`. */
export function tableKey(ref: { readonly schema: string; readonly name?: string; readonly table?: string }): string {
  return `${ref.schema}.${ref.name ?? ref.table ?? ''}`;
}

/**
 * Code-unit order, as PostgreSQL's "C" collation sorts: independent of the machine's locale, so
 * every source of the same schema lists objects in the same order.
 */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function columnKey(ref: ColumnRef): string {
  return `${ref.schema}.${ref.table}.${ref.column}`;
}

/** Split `schema.table` (or a bare `table`, taken to be in `defaultSchema`). */
export function parseTableKey(key: string, defaultSchema = 'public'): TableRef {
  const dot = key.indexOf('.');
  if (dot < 0) return { schema: defaultSchema, name: key };
  return { schema: key.slice(0, dot), name: key.slice(dot + 1) };
}

export function emptySchemaModel(source: SchemaModel['source']): SchemaModel {
  return { source, schemas: [], tables: [], foreignKeys: [], views: [], sequences: [], enums: [], domains: [] };
}
