import { chooseName, nameAddition } from '../../analyzers/ddl/pg-names.js';
import { columnKey, tableKey, type SchemaModel, type Table } from '../../model/schema.js';
import type { GenerateContext } from '../types.js';
import { qualified, quoteIdent, sqlLiteral } from './names.js';
import { requalify } from './requalify.js';
import { sequenceOptions, sequenceStart } from './sequence-start.js';
import { serviceScope, type RemovedForeignKey, type ServiceScope } from './service-scope.js';
import { addForeignKeySql, createIndexSql, createTableSql, hasLeadingIndex, tableName } from './table-sql.js';

/**
 * One service's schema as a list of statements, grouped in the order they must run: schemas,
 * types, sequences, tables, indexes, foreign keys, comments. The same list is written as
 * schema.sql and as the knex migration's up(), and reversed for its down().
 */

export type DdlSection = 'schemas' | 'types' | 'sequences' | 'tables' | 'indexes' | 'foreign-keys' | 'comments';

export const SECTIONS: readonly DdlSection[] = ['schemas', 'types', 'sequences', 'tables', 'indexes', 'foreign-keys', 'comments'];

export interface DdlStatement {
  readonly section: DdlSection;
  /** Without the terminating semicolon. */
  readonly sql: string;
  /** Comment lines printed above it in schema.sql (without `-- `). */
  readonly notes?: readonly string[];
}

export interface ReferenceIndex {
  readonly table: string;
  readonly name: string;
  readonly columns: readonly string[];
}

export interface ServiceDdl {
  readonly service: string;
  readonly isolation: 'schema' | 'database';
  readonly serviceSchema?: string;
  /** Qualified monolith names. */
  readonly tables: readonly string[];
  readonly sharedCopies: readonly string[];
  readonly removedForeignKeys: readonly RemovedForeignKey[];
  readonly referenceIndexes: readonly ReferenceIndex[];
  /** Schemas the statements create (target names, never public). */
  readonly createdSchemas: readonly string[];
  /** Comment lines at the top of schema.sql. */
  readonly header: readonly string[];
  /** Comment lines at the top of each section. */
  readonly sectionNotes: Readonly<Partial<Record<DdlSection, readonly string[]>>>;
  readonly statements: readonly DdlStatement[];
  /** What the migration's down() runs: everything created, dropped in reverse order. */
  readonly drops: readonly string[];
}

const STRATEGY_WORD = { range: 'RANGE', list: 'LIST', hash: 'HASH' } as const;

function sequenceNotes(source: SchemaModel['source']['kind']): string[] {
  const common = [
    'The monolith keeps issuing values until writes move to this service: sync every sequence and',
    'identity again at write cutover (see references.md), or ids will collide.',
  ];
  if (source === 'live') {
    return ['Each sequence and identity starts above the value the monolith had reached when this file was', 'generated (read live), so rows copied from the monolith keep their ids.', ...common];
  }
  return ['The schema was read from DDL files: the monolith\'s current sequence values were not read live, so each', 'sequence and identity starts at its declared start. Set them (setval) before the service writes.', ...common];
}

function partitionNotes(table: Table, partitionName: string): string[] {
  const p = table.partitioning!;
  const monolith = table.partitions && table.partitions.length > 0 ? table.partitions.join(', ') : 'none';
  return [
    `${tableKey(table)} is partitioned by ${STRATEGY_WORD[p.strategy]} (${p.key}). Its partitions in the monolith`,
    `(${monolith}) are not recreated: dbsplit's schema model does not hold partition bounds.`,
    `One catch-all partition, ${partitionName}, takes every row so the table works at once. Create the real`,
    'partitions with CREATE TABLE ... PARTITION OF ... FOR VALUES ... before loading data (rows already in the',
    'catch-all would have to be moved out first).',
  ];
}

export function buildServiceDdl(ctx: GenerateContext, serviceName: string): ServiceDdl {
  const scope = serviceScope(ctx, serviceName);
  const source = ctx.schema.source.kind;
  const statements: DdlStatement[] = [];
  const drops: string[] = [];
  const add = (section: DdlSection, sql: string, notes?: readonly string[]) => statements.push({ section, sql, ...(notes && notes.length > 0 ? { notes } : {}) });

  // Relation names taken per target schema, so added indexes and partitions get free names.
  const taken = new Map<string, Set<string>>();
  const takenIn = (schema: string) => {
    let set = taken.get(schema);
    if (!set) taken.set(schema, (set = new Set()));
    return set;
  };
  for (const t of scope.tables) {
    const set = takenIn(scope.place(t.schema));
    set.add(t.name);
    for (const i of t.indexes) set.add(i.name);
  }
  for (const s of [...scope.sequences, ...scope.identitySequences.values()]) takenIn(scope.place(s.schema)).add(s.name);

  const createdSchemas = scope.schemas.filter((s) => s !== 'public');
  for (const s of createdSchemas) add('schemas', `CREATE SCHEMA IF NOT EXISTS ${quoteIdent(s)}`);

  for (const e of scope.enums) add('types', `CREATE TYPE ${qualified(scope.place(e.schema), e.name)} AS ENUM (${e.values.map(sqlLiteral).join(', ')})`);
  for (const d of scope.domains) {
    const parts = [`CREATE DOMAIN ${qualified(scope.place(d.schema), d.name)} AS ${scope.typeSql(d.baseType)}`];
    if (d.default !== undefined) parts.push(`DEFAULT ${requalify(d.default, scope.resolver)}`);
    if (d.notNull) parts.push('NOT NULL');
    for (const c of d.checks) parts.push(`CONSTRAINT ${quoteIdent(c.name)} CHECK (${requalify(c.expression, scope.resolver)})`);
    add('types', parts.join('\n    '));
  }

  for (const s of scope.sequences) {
    const start = sequenceStart(s, source);
    const as = s.type !== undefined && s.type !== 'bigint' ? ` AS ${s.type}` : '';
    add('sequences', `CREATE SEQUENCE ${qualified(scope.place(s.schema), s.name)}${as} ${sequenceOptions(s, start)}`, [`${tableKey(s)}: ${start.why}`]);
  }
  const identityNotes: string[] = [];
  for (const [column, s] of [...scope.identitySequences.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const start = sequenceStart(s, source);
    identityNotes.push(`${column} (identity, created with its table, START WITH ${start.start}): ${start.why}`);
  }

  for (const t of scope.tables) {
    const notes = scope.sharedCopies.includes(t) ? [`${tableKey(t)}: a copy of a shared table (plan.shared)`] : [];
    if (t.inherits && t.inherits.length > 0) {
      notes.push(`${tableKey(t)} inherits from ${t.inherits.map((p) => tableKey(p)).join(', ')} in the monolith; inheritance is not recreated (its columns are)`);
    }
    add('tables', createTableSql(scope, t, source), notes);
    for (const s of scope.sequences) {
      if (s.ownedBy && s.ownedBy.schema === t.schema && s.ownedBy.table === t.name) {
        add('tables', `ALTER SEQUENCE ${qualified(scope.place(s.schema), s.name)} OWNED BY ${tableName(scope, t)}.${quoteIdent(s.ownedBy.column)}`);
      }
    }
    if (t.partitioning) {
      const schema = scope.place(t.schema);
      const label = t.partitioning.strategy === 'hash' ? 'p0' : 'default';
      const name = chooseName(t.name, undefined, label, (n) => takenIn(schema).has(n));
      takenIn(schema).add(name);
      const bound = t.partitioning.strategy === 'hash' ? 'FOR VALUES WITH (MODULUS 1, REMAINDER 0)' : 'DEFAULT';
      add('tables', `CREATE TABLE ${qualified(schema, name)} PARTITION OF ${tableName(scope, t)} ${bound}`, partitionNotes(t, name));
    }
    if (t.replicaIdentity === 'full' || t.replicaIdentity === 'nothing') add('tables', `ALTER TABLE ${tableName(scope, t)} REPLICA IDENTITY ${t.replicaIdentity.toUpperCase()}`);
  }

  // Indexes: the monolith's, except those behind PRIMARY KEY and UNIQUE (the constraints make them).
  for (const t of scope.tables) for (const i of t.indexes) if (!i.constraintBacked) add('indexes', createIndexSql(scope, t, i));

  // A removed foreign key leaves a plain reference column, indexed so that the owner's deletions
  // (a loose foreign key's clean-up) and lookups by it stay cheap.
  const tablesByKey = new Map(scope.tables.map((t) => [tableKey(t), t]));
  const referenceIndexes: ReferenceIndex[] = [];
  const columnNotes = new Map<string, string[]>();
  for (const r of scope.removedForeignKeys) {
    const fk = r.foreignKey;
    const t = tablesByKey.get(tableKey({ schema: fk.from.schema, name: fk.from.table }))!;
    for (const c of fk.from.columns) {
      const key = columnKey({ schema: t.schema, table: t.name, column: c });
      columnNotes.set(key, [...(columnNotes.get(key) ?? []), r.note]);
    }
    const added = referenceIndexes.filter((x) => x.table === tableKey(t)).map((x) => ({ columns: x.columns }));
    if (hasLeadingIndex([...t.indexes, ...added], t.primaryKey, fk.from.columns)) continue;
    const schema = scope.place(t.schema);
    const name = chooseName(t.name, nameAddition(fk.from.columns), 'idx', (n) => takenIn(schema).has(n));
    takenIn(schema).add(name);
    referenceIndexes.push({ table: tableKey(t), name, columns: fk.from.columns });
    const target = `${fk.to.schema}.${fk.to.table}`;
    add('indexes', `CREATE INDEX ${quoteIdent(name)} ON ${tableName(scope, t)} (${fk.from.columns.map(quoteIdent).join(', ')})`, [`reference to ${target} (${fk.inferred ? 'relation inferred from names, never a constraint' : `foreign key ${fk.name} removed`})`]);
  }

  for (const fk of scope.keptForeignKeys) add('foreign-keys', addForeignKeySql(scope, fk));

  for (const t of scope.tables) {
    if (t.comment !== undefined) add('comments', `COMMENT ON TABLE ${tableName(scope, t)} IS ${sqlLiteral(t.comment)}`);
    for (const c of t.columns) {
      const notes = columnNotes.get(columnKey({ schema: t.schema, table: t.name, column: c.name })) ?? [];
      const text = [...(c.comment !== undefined ? [c.comment] : []), ...notes].join('\n');
      if (text !== '') add('comments', `COMMENT ON COLUMN ${tableName(scope, t)}.${quoteIdent(c.name)} IS ${sqlLiteral(text)}`);
    }
  }
  for (const r of referenceIndexes) {
    const t = tablesByKey.get(r.table)!;
    add('comments', `COMMENT ON INDEX ${qualified(scope.place(t.schema), r.name)} IS ${sqlLiteral('dbsplit: index of a reference column whose foreign key crossed a service boundary')}`);
  }

  // down(): foreign keys first (they may form cycles), then tables, sequences, types, schemas.
  for (const fk of [...scope.keptForeignKeys].reverse()) drops.push(`ALTER TABLE ${tableName(scope, { schema: fk.from.schema, name: fk.from.table })} DROP CONSTRAINT ${quoteIdent(fk.name)}`);
  for (const t of [...scope.tables].reverse()) drops.push(`DROP TABLE ${tableName(scope, t)}`);
  // Owned sequences went with their tables.
  for (const s of [...scope.sequences].reverse()) drops.push(`DROP SEQUENCE IF EXISTS ${qualified(scope.place(s.schema), s.name)}`);
  for (const d of [...scope.domains].reverse()) drops.push(`DROP DOMAIN ${qualified(scope.place(d.schema), d.name)}`);
  for (const e of [...scope.enums].reverse()) drops.push(`DROP TYPE ${qualified(scope.place(e.schema), e.name)}`);
  // A schema is dropped only when nothing else is left in it (knex keeps its migration tables in
  // the service schema with isolation: schema; another tenant's objects may share it).
  for (const s of [...createdSchemas].reverse()) {
    drops.push(`DO $dbsplit$ BEGIN DROP SCHEMA IF EXISTS ${quoteIdent(s)}; EXCEPTION WHEN dependent_objects_still_exist THEN NULL; END $dbsplit$`);
  }

  const sectionNotes: Partial<Record<DdlSection, readonly string[]>> = {
    sequences: [...sequenceNotes(source), ...identityNotes],
  };
  if (scope.removedForeignKeys.length > 0) {
    sectionNotes.indexes = ['Reference columns whose foreign key crossed a service boundary keep an index (added below unless an', 'index already starts with them); their column comments say where they point.'];
  }

  return {
    service: scope.service.name,
    isolation: scope.isolation,
    ...(scope.serviceSchema !== undefined ? { serviceSchema: scope.serviceSchema } : {}),
    tables: scope.owned.map((t) => tableKey(t)),
    sharedCopies: scope.sharedCopies.map((t) => tableKey(t)),
    removedForeignKeys: scope.removedForeignKeys,
    referenceIndexes,
    createdSchemas,
    header: headerLines(ctx, scope),
    sectionNotes,
    statements,
    drops,
  };
}

function headerLines(ctx: GenerateContext, scope: ServiceScope): string[] {
  const lines = [
    `dbsplit: the schema of service ${scope.service.name}, generated from the monolith's schema and the plan.`,
    `Source: ${ctx.schema.source.kind === 'live' ? 'live database' : 'DDL'} ${ctx.schema.source.description}`,
    scope.serviceSchema !== undefined
      ? `Isolation: schema. Every table, type and sequence is created in schema ${scope.serviceSchema}; names are re-qualified.`
      : 'Isolation: database. Schema names are kept as in the monolith.',
    `Tables: ${scope.owned.map((t) => tableKey(t)).join(', ')}`,
  ];
  if (scope.sharedCopies.length > 0) {
    lines.push(`Shared tables copied here (referenced by this service; kept in sync from the monolith): ${scope.sharedCopies.map((t) => tableKey(t)).join(', ')}`);
  }
  lines.push(
    scope.removedForeignKeys.length > 0
      ? `Foreign keys removed because they cross a service boundary: ${scope.removedForeignKeys.length} (each column keeps an index and a comment; see references.md)`
      : 'No foreign key crosses this service\'s boundary.',
  );
  lines.push('Views, functions, triggers, grants and index sort orders are not part of dbsplit\'s model and are not generated.');
  return lines;
}
