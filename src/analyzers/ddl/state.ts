import type { CheckConstraint, IdentityKind, PartitionStrategy, ReferentialAction } from '../../model/schema.js';

/**
 * The mutable catalog the DDL statements are applied to, in order. Objects point at each other
 * (a foreign key at its tables, a view at what it reads) so that renames need no fix-ups; the
 * finished catalog is turned into a plain SchemaModel by finalize.ts.
 */

/**
 * Where a statement came from, for error messages raised while applying it. The line is
 * computed only when an error is raised (counting lines for every statement would be quadratic).
 */
export interface Site {
  readonly file: string;
  /** The whole (meta-command-stripped) file text. */
  readonly text: string;
  /** Char offset of the statement in `text`. */
  readonly offset: number;
  readonly statement: string;
}

export interface ColumnState {
  name: string;
  type: string;
  nullable: boolean;
  default?: string;
  identity?: IdentityKind;
  generated?: string;
  collation?: string;
  comment?: string;
}

export interface KeyState {
  name: string;
  columns: string[];
}

export interface CheckState extends CheckConstraint {
  name: string;
  expression: string;
  /** Columns the expression mentions (dropping one drops the check, as in PostgreSQL). */
  columns: string[];
}

export interface IndexState {
  readonly kind: 'index';
  name: string;
  schema: string;
  table: TableState;
  /** Column names, or expression text. */
  columns: string[];
  /** Parallel to `columns`: true for an expression. */
  expressions: boolean[];
  /**
   * The index's own column names (pg_attribute of the index: `lower`, `expr`, `a1`, INCLUDE
   * columns too), from which PostgreSQL names copies made by LIKE ... INCLUDING INDEXES.
   */
  attnames: string[];
  unique: boolean;
  method: string;
  predicate?: string;
  constraintBacked: boolean;
  /** The partitioned parent's index this partition index was attached to. */
  attachedTo?: IndexState;
}

export interface UnresolvedRef {
  readonly schema: string;
  readonly name: string;
  /** The search path at the point of reference, for resolving forward references later. */
  readonly searchPath?: readonly string[];
}

export interface ForeignKeyState {
  name: string;
  table: TableState;
  columns: string[];
  target: TableState | UnresolvedRef;
  /** Empty until resolved when the DDL omitted the referenced columns (the target's primary key). */
  targetColumns: string[];
  onDelete: ReferentialAction;
  onUpdate: ReferentialAction;
  deferrable: boolean;
  initiallyDeferred: boolean;
  match: 'simple' | 'full' | 'partial';
  site: Site;
}

export interface TableState {
  readonly kind: 'table';
  schema: string;
  name: string;
  columns: ColumnState[];
  primaryKey?: KeyState;
  uniques: KeyState[];
  checks: CheckState[];
  indexes: IndexState[];
  foreignKeys: ForeignKeyState[];
  partitioning?: { strategy: PartitionStrategy; key: string };
  partitionOf?: TableState;
  inherits: TableState[];
  comment?: string;
  unlogged: boolean;
  replicaIdentity?: 'default' | 'full' | 'nothing' | 'index';
}

export interface ViewState {
  readonly kind: 'view';
  schema: string;
  name: string;
  materialized: boolean;
  reads: (TableState | ViewState | UnresolvedRef)[];
  definition?: string;
}

export interface SequenceState {
  readonly kind: 'sequence';
  schema: string;
  name: string;
  type: string;
  start: string;
  increment: string;
  ownedBy?: { table: TableState; column: string };
}

/** A composite type: it has a pg_class row, so it takes a relation name. */
export interface CompositeState {
  readonly kind: 'composite';
  schema: string;
  name: string;
}

export type RelationState = TableState | ViewState | SequenceState | IndexState | CompositeState;

export interface EnumState {
  readonly kind: 'enum';
  schema: string;
  name: string;
  values: string[];
}

export interface DomainState {
  readonly kind: 'domain';
  schema: string;
  name: string;
  baseType: string;
  notNull: boolean;
  default?: string;
  checks: { name: string; expression: string }[];
}

export type TypeState = EnumState | DomainState | CompositeState | TableState | ViewState;

export function objectKey(schema: string, name: string): string {
  return schema + '\u0000' + name;
}

export function newTable(schema: string, name: string): TableState {
  return {
    kind: 'table',
    schema,
    name,
    columns: [],
    uniques: [],
    checks: [],
    indexes: [],
    foreignKeys: [],
    inherits: [],
    unlogged: false,
  };
}

export function findColumn(table: TableState, name: string): ColumnState | undefined {
  return table.columns.find((c) => c.name === name);
}
