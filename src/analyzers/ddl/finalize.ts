import { compareText, type Column, type Domain, type EnumType, type ForeignKey, type Index, type SchemaModel, type Sequence, type Table, type TableRef, type View } from '../../model/schema.js';
import { ddlError, TEMP_SCHEMA, type DdlCatalog } from './catalog.js';
import { objectKey, type ColumnState, type IndexState, type TableState, type UnresolvedRef, type ViewState } from './state.js';

/**
 * The finished catalog as a SchemaModel: partitions folded into their root table, references
 * resolved, every list in a stable order (by schema then name; columns as declared).
 */

export { compareText };

function byQualifiedName(a: { schema: string; name: string }, b: { schema: string; name: string }): number {
  return compareText(a.schema, b.schema) || compareText(a.name, b.name);
}

/** The top of a partition tree: partitions are reported as part of it. */
function root(table: TableState): TableState {
  let t = table;
  while (t.partitionOf) t = t.partitionOf;
  return t;
}

function columnModel(c: ColumnState): Column {
  return {
    name: c.name,
    type: c.type,
    nullable: c.nullable,
    ...(c.default !== undefined && { default: c.default }),
    ...(c.identity !== undefined && { identity: c.identity }),
    ...(c.generated !== undefined && { generated: c.generated }),
    ...(c.collation !== undefined && { collation: c.collation }),
    ...(c.comment !== undefined && { comment: c.comment }),
  };
}

function indexModel(i: IndexState): Index {
  return {
    name: i.name,
    columns: [...i.columns],
    unique: i.unique,
    method: i.method,
    ...(i.predicate !== undefined && { predicate: i.predicate }),
    ...(i.constraintBacked && { constraintBacked: true }),
  };
}

export function finalize(catalog: DdlCatalog, description: string): SchemaModel {
  const tables: TableState[] = [];
  const views: ViewState[] = [];
  const sequences: Sequence[] = [];
  for (const rel of catalog.relations.values()) {
    if (rel.schema === TEMP_SCHEMA) continue;
    if (rel.kind === 'table') tables.push(rel);
    else if (rel.kind === 'view') views.push(rel);
  }
  const descendants = new Map<TableState, TableState[]>();
  for (const t of tables) {
    if (!t.partitionOf) continue;
    const r = root(t);
    const list = descendants.get(r) ?? [];
    list.push(t);
    descendants.set(r, list);
  }

  const resolve = (ref: TableState | ViewState | UnresolvedRef): TableState | ViewState | undefined => {
    if ('kind' in ref) return ref.kind === 'table' ? root(ref) : ref;
    for (const schema of ref.searchPath ?? [ref.schema]) {
      const rel = catalog.findRelation(schema, ref.name);
      if (rel?.kind === 'table') return root(rel);
      if (rel?.kind === 'view') return rel;
    }
    return undefined;
  };

  const tableModels: Table[] = [];
  for (const t of tables) {
    if (t.partitionOf) continue;
    const parts = descendants.get(t) ?? [];
    tableModels.push(tableModel(t, parts));
  }
  tableModels.sort(byQualifiedName);

  const foreignKeys = foreignKeyModels(tables, resolve);

  const viewModels: View[] = views.map((v) => {
    const reads = new Map<string, TableRef>();
    for (const ref of v.reads) {
      const target = resolve(ref) ?? ref;
      reads.set(objectKey(target.schema, target.name), { schema: target.schema, name: target.name });
    }
    return {
      schema: v.schema,
      name: v.name,
      materialized: v.materialized,
      reads: [...reads.values()].sort(byQualifiedName),
      ...(v.definition !== undefined && { definition: v.definition }),
    };
  });
  viewModels.sort(byQualifiedName);

  for (const rel of catalog.relations.values()) {
    if (rel.kind !== 'sequence' || rel.schema === TEMP_SCHEMA) continue;
    const owner = rel.ownedBy ? root(rel.ownedBy.table) : undefined;
    sequences.push({
      schema: rel.schema,
      name: rel.name,
      type: rel.type,
      start: rel.start,
      increment: rel.increment,
      ...(owner && rel.ownedBy && { ownedBy: { schema: owner.schema, table: owner.name, column: rel.ownedBy.column } }),
    });
  }
  sequences.sort(byQualifiedName);

  const enums: EnumType[] = [];
  const domains: Domain[] = [];
  for (const type of catalog.types.values()) {
    if (type.kind === 'enum') enums.push({ schema: type.schema, name: type.name, values: [...type.values] });
    else if (type.kind === 'domain') {
      domains.push({
        schema: type.schema,
        name: type.name,
        baseType: type.baseType,
        notNull: type.notNull,
        ...(type.default !== undefined && { default: type.default }),
        checks: type.checks.map((c) => ({ ...c })).sort((a, b) => compareText(a.name, b.name)),
      });
    }
  }
  enums.sort(byQualifiedName);
  domains.sort(byQualifiedName);

  const schemas = new Set(catalog.createdSchemas);
  for (const list of [tableModels, viewModels, sequences, enums, domains]) for (const o of list) schemas.add(o.schema);

  return {
    source: { kind: 'ddl', description },
    schemas: [...schemas].sort(compareText),
    tables: tableModels,
    foreignKeys,
    views: viewModels,
    sequences,
    enums,
    domains,
  };
}

function tableModel(t: TableState, partitions: readonly TableState[]): Table {
  // A partition's own indexes fold into the parent's unless attached to one of its indexes;
  // its keys and checks mirror the parent's and are not repeated.
  const indexes = new Map<string, Index>();
  for (const i of t.indexes) indexes.set(i.name, indexModel(i));
  for (const p of partitions) {
    for (const i of p.indexes) if (!i.attachedTo && !i.constraintBacked && !indexes.has(i.name)) indexes.set(i.name, indexModel(i));
  }
  return {
    schema: t.schema,
    name: t.name,
    columns: t.columns.map(columnModel),
    primaryKey: t.primaryKey ? [...t.primaryKey.columns] : [],
    ...(t.primaryKey && { primaryKeyName: t.primaryKey.name }),
    uniqueKeys: t.uniques.map((u) => ({ name: u.name, columns: [...u.columns] })).sort((a, b) => compareText(a.name, b.name)),
    checks: t.checks.map((c) => ({ name: c.name, expression: c.expression })).sort((a, b) => compareText(a.name, b.name)),
    indexes: [...indexes.values()].sort((a, b) => compareText(a.name, b.name)),
    ...(t.partitioning && { partitioning: { ...t.partitioning } }),
    ...(partitions.length > 0 && { partitions: partitions.map((p) => `${p.schema}.${p.name}`).sort(compareText) }),
    ...(t.inherits.length > 0 && { inherits: t.inherits.map((p) => ({ schema: p.schema, name: p.name })) }),
    ...(t.comment !== undefined && { comment: t.comment }),
    ...(t.replicaIdentity !== undefined && { replicaIdentity: t.replicaIdentity }),
    ...(t.unlogged && { unlogged: true }),
  };
}

function foreignKeyModels(
  tables: readonly TableState[],
  resolve: (ref: TableState | ViewState | UnresolvedRef) => TableState | ViewState | undefined,
): ForeignKey[] {
  const out = new Map<string, ForeignKey>();
  for (const t of tables) {
    const from = root(t);
    for (const fk of t.foreignKeys) {
      const key = objectKey(objectKey(from.schema, from.name), fk.name);
      if (out.has(key)) continue;
      const target = resolve(fk.target);
      if (target?.kind !== 'table') {
        const ref = fk.target;
        throw ddlError(fk.site, `referenced table "${ref.schema}.${ref.name}" of foreign key "${fk.name}" does not exist`);
      }
      let targetColumns = fk.targetColumns;
      if (targetColumns.length === 0) {
        if (!target.primaryKey) throw ddlError(fk.site, `there is no primary key for referenced table "${target.name}"`);
        targetColumns = target.primaryKey.columns;
      }
      out.set(key, {
        name: fk.name,
        from: { schema: from.schema, table: from.name, columns: [...fk.columns] },
        to: { schema: target.schema, table: target.name, columns: [...targetColumns] },
        onDelete: fk.onDelete,
        onUpdate: fk.onUpdate,
        deferrable: fk.deferrable,
        initiallyDeferred: fk.initiallyDeferred,
        match: fk.match,
        inferred: false,
      });
    }
  }
  return [...out.values()].sort(compareForeignKeys);
}

export function compareForeignKeys(a: ForeignKey, b: ForeignKey): number {
  return compareText(a.from.schema, b.from.schema) || compareText(a.from.table, b.from.table) || compareText(a.name, b.name);
}
