import type {
  CheckConstraint,
  Column,
  Domain,
  EnumType,
  ForeignKey,
  Index,
  KeyConstraint,
  PartitionStrategy,
  ReferentialAction,
  Sequence,
  Table,
  TableRef,
  View,
} from '../model/schema.js';
import type {
  ColumnRow,
  DomainRow,
  EnumRow,
  ForeignKeyRow,
  IndexRow,
  InheritsRow,
  KeyRow,
  RelationRow,
  SequenceRow,
  ViewReadRow,
  ViewRow,
} from './introspect-queries.js';
import { compareKeys, compareText, stripEnclosingParens } from './introspect-text.js';

/**
 * Turns the rows of the catalog queries into the schema model: pure, no database. Partitions
 * are folded into their root here; optional flags are present only when they hold. Expression
 * text (defaults, generated columns, checks, index predicates) loses the parentheses the
 * deparser puts around a whole expression, so `((a > 0))` reads `a > 0`.
 */

export interface TableRows {
  /** server_version_num: before 14, reltuples cannot say "never analyzed" by itself. */
  readonly versionNum: number;
  readonly relations: readonly RelationRow[];
  readonly columns: readonly ColumnRow[];
  readonly keys: readonly KeyRow[];
  readonly indexes: readonly IndexRow[];
  readonly inherits: readonly InheritsRow[];
}

const ACTIONS: Readonly<Record<string, ReferentialAction>> = { a: 'no action', r: 'restrict', c: 'cascade', n: 'set null', d: 'set default' };
const MATCH: Readonly<Record<string, 'simple' | 'full' | 'partial'>> = { s: 'simple', f: 'full', p: 'partial' };
const STRATEGIES: Readonly<Record<string, PartitionStrategy>> = { r: 'range', l: 'list', h: 'hash' };
const REPLICA_IDENTITY: Readonly<Record<string, NonNullable<Table['replicaIdentity']>>> = { d: 'default', f: 'full', n: 'nothing', i: 'index' };

function groupBy<T, K>(items: readonly T[], key: (item: T) => K): Map<K, T[]> {
  const out = new Map<K, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = out.get(k);
    if (list) list.push(item);
    else out.set(k, [item]);
  }
  return out;
}

const byName = <T extends { readonly name: string }>(a: T, b: T): number => compareText(a.name, b.name);
const bySchemaName = <T extends { readonly schema: string; readonly name: string }>(a: T, b: T): number =>
  compareKeys([a.schema, a.name], [b.schema, b.name]);

/**
 * reltuples, or undefined when the planner has no estimate yet: -1 from PostgreSQL 14, and
 * before that 0 on a table never vacuumed or analyzed.
 */
function ownEstimate(row: RelationRow, versionNum: number): number | undefined {
  if (row.reltuples < 0) return undefined;
  if (versionNum < 140000 && row.reltuples === 0 && row.relpages === 0 && !row.maintained) return undefined;
  return Math.round(row.reltuples);
}

function rowEstimate(row: RelationRow, partitions: readonly RelationRow[], versionNum: number): number | undefined {
  if (row.relkind !== 'p') return ownEstimate(row, versionNum);
  // Only leaf partitions hold rows; an intermediate partitioned table's reltuples would count them twice.
  const known = partitions.filter((p) => p.relkind !== 'p').map((p) => ownEstimate(p, versionNum)).filter((n): n is number => n !== undefined);
  return known.length === 0 ? undefined : known.reduce((a, b) => a + b, 0);
}

function toColumn(row: ColumnRow): Column {
  const identity = row.identity === 'a' ? 'always' : row.identity === 'd' ? 'by default' : undefined;
  const expr = row.default_expr === null ? undefined : stripEnclosingParens(row.default_expr);
  const generated = row.generated !== '' ? expr : undefined;
  return {
    name: row.name,
    type: row.type,
    nullable: !row.not_null,
    ...(expr !== undefined && identity === undefined && generated === undefined ? { default: expr } : {}),
    ...(identity !== undefined ? { identity } : {}),
    ...(generated !== undefined ? { generated } : {}),
    ...(row.collation !== null ? { collation: row.collation } : {}),
    ...(row.comment !== null ? { comment: row.comment } : {}),
  };
}

function toIndex(row: IndexRow): Index {
  return {
    name: row.name,
    columns: row.columns,
    unique: row.is_unique,
    method: row.method,
    ...(row.predicate !== null ? { predicate: stripEnclosingParens(row.predicate) } : {}),
    ...(row.constraint_backed ? { constraintBacked: true } : {}),
  };
}

function toTable(
  row: RelationRow,
  partitions: readonly RelationRow[],
  versionNum: number,
  parts: {
    columns: ReadonlyMap<number, ColumnRow[]>;
    keys: ReadonlyMap<number, KeyRow[]>;
    indexes: ReadonlyMap<number, IndexRow[]>;
    inherits: ReadonlyMap<number, InheritsRow[]>;
  },
): Table {
  const keys = parts.keys.get(row.oid) ?? [];
  const pk = keys.find((k) => k.contype === 'p');
  const uniqueKeys: KeyConstraint[] = keys
    .filter((k) => k.contype === 'u')
    .map((k) => ({ name: k.name, columns: k.columns }))
    .sort(byName);
  const checks: CheckConstraint[] = keys
    .filter((k) => k.contype === 'c')
    .map((k) => ({ name: k.name, expression: stripEnclosingParens(k.check_expr ?? '') }))
    .sort(byName);
  const inherits: TableRef[] = (parts.inherits.get(row.oid) ?? []).map((i) => ({ schema: i.schema, name: i.name }));
  const strategy = row.partstrat === null ? undefined : STRATEGIES[row.partstrat];
  const estimate = rowEstimate(row, partitions, versionNum);
  const replicaIdentity = REPLICA_IDENTITY[row.relreplident];
  return {
    schema: row.schema,
    name: row.name,
    columns: (parts.columns.get(row.oid) ?? []).map(toColumn),
    primaryKey: pk?.columns ?? [],
    ...(pk ? { primaryKeyName: pk.name } : {}),
    uniqueKeys,
    checks,
    indexes: (parts.indexes.get(row.oid) ?? []).map(toIndex).sort(byName),
    ...(row.relkind === 'p' && strategy !== undefined && row.partition_key !== null
      ? {
          // pg_get_partkeydef says `RANGE (occurred_at)`; the model keeps what is inside the parentheses.
          partitioning: { strategy, key: row.partition_key.replace(/^\w+\s*\(([\s\S]*)\)$/, '$1') },
          partitions: partitions.map((p) => `${p.schema}.${p.name}`).sort(compareText),
        }
      : {}),
    ...(inherits.length > 0 ? { inherits } : {}),
    ...(row.comment !== null ? { comment: row.comment } : {}),
    ...(estimate !== undefined ? { rowEstimate: estimate } : {}),
    sizeBytes: partitions.reduce((sum, p) => sum + Number(p.size_bytes), Number(row.size_bytes)),
    ...(replicaIdentity !== undefined ? { replicaIdentity } : {}),
    ...(row.relpersistence === 'u' ? { unlogged: true } : {}),
  };
}

export function assembleTables(rows: TableRows): Table[] {
  const parts = {
    columns: groupBy(rows.columns, (c) => c.rel),
    keys: groupBy(rows.keys, (k) => k.rel),
    indexes: groupBy(rows.indexes, (i) => i.rel),
    inherits: groupBy(rows.inherits, (i) => i.rel),
  };
  const partitionsOf = groupBy(
    rows.relations.filter((r) => r.is_partition),
    (r) => r.root_oid,
  );
  return rows.relations
    .filter((r) => !r.is_partition && !r.extension_member)
    .map((r) => toTable(r, partitionsOf.get(r.oid) ?? [], rows.versionNum, parts))
    .sort(bySchemaName);
}

/**
 * Foreign keys whose referencing table is in the model. A foreign key declared on several
 * partitions under one name folds into a single entry on the root.
 */
export function assembleForeignKeys(rows: readonly ForeignKeyRow[], tables: readonly Table[]): ForeignKey[] {
  const known = new Set(tables.map((t) => `${t.schema}.${t.name}`));
  const seen = new Map<string, ForeignKey>();
  for (const row of rows) {
    if (!known.has(`${row.from_schema}.${row.from_table}`)) continue;
    const fk: ForeignKey = {
      name: row.name,
      from: { schema: row.from_schema, table: row.from_table, columns: row.from_columns },
      to: { schema: row.to_schema, table: row.to_table, columns: row.to_columns },
      onDelete: ACTIONS[row.confdeltype] ?? 'no action',
      onUpdate: ACTIONS[row.confupdtype] ?? 'no action',
      deferrable: row.condeferrable,
      initiallyDeferred: row.condeferred,
      ...(MATCH[row.confmatchtype] !== undefined ? { match: MATCH[row.confmatchtype] } : {}),
      inferred: false,
    };
    seen.set(JSON.stringify(fk), fk);
  }
  return [...seen.entries()]
    .sort(([ka, a], [kb, b]) => compareKeys([a.from.schema, a.from.table, a.name, ka], [b.from.schema, b.from.table, b.name, kb]))
    .map(([, fk]) => fk);
}

export function assembleViews(views: readonly ViewRow[], reads: readonly ViewReadRow[]): View[] {
  const readsOf = groupBy(reads, (r) => r.view);
  return views
    .filter((v) => !v.extension_member)
    .map((v) => {
      const refs = new Map<string, TableRef>();
      for (const r of readsOf.get(v.oid) ?? []) refs.set(`${r.schema}.${r.name}`, { schema: r.schema, name: r.name });
      return {
        schema: v.schema,
        name: v.name,
        materialized: v.materialized,
        reads: [...refs.values()].sort(bySchemaName),
        ...(v.definition !== null ? { definition: v.definition } : {}),
      };
    })
    .sort(bySchemaName);
}

export function assembleSequences(rows: readonly SequenceRow[]): Sequence[] {
  return rows
    .filter((s) => !s.extension_member)
    .map((s) => ({
      schema: s.schema,
      name: s.name,
      type: s.type,
      start: s.start,
      increment: s.increment,
      ...(s.owner_schema !== null && s.owner_table !== null && s.owner_column !== null
        ? { ownedBy: { schema: s.owner_schema, table: s.owner_table, column: s.owner_column } }
        : {}),
      ...(s.last_value !== null ? { lastValue: s.last_value } : {}),
    }))
    .sort(bySchemaName);
}

export function assembleEnums(rows: readonly EnumRow[]): EnumType[] {
  return rows
    .filter((e) => !e.extension_member)
    .map((e) => ({ schema: e.schema, name: e.name, values: e.labels }))
    .sort(bySchemaName);
}

export function assembleDomains(rows: readonly DomainRow[]): Domain[] {
  return rows
    .filter((d) => !d.extension_member)
    .map((d) => ({
      schema: d.schema,
      name: d.name,
      baseType: d.base_type,
      notNull: d.not_null,
      ...(d.default_expr !== null ? { default: stripEnclosingParens(d.default_expr) } : {}),
      checks: d.checks.map((c) => ({ name: c.name, expression: stripEnclosingParens(c.expression) })).sort(byName),
    }))
    .sort(bySchemaName);
}
