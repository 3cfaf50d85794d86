import type { DdlCatalog } from './catalog.js';
import type { IndexState, RelationState, TableState } from './state.js';

/**
 * Removing objects, with what PostgreSQL removes along with them (a column's keys, indexes,
 * checks and foreign keys; a table's indexes, owned sequences and the foreign keys into it).
 */

function allTables(catalog: DdlCatalog): TableState[] {
  const out: TableState[] = [];
  for (const rel of catalog.relations.values()) if (rel.kind === 'table') out.push(rel);
  return out;
}

function removeIndex(catalog: DdlCatalog, index: IndexState): void {
  catalog.removeRelation(index);
  index.table.indexes = index.table.indexes.filter((i) => i !== index);
}

export function dropOwnedSequences(catalog: DdlCatalog, table: TableState, column?: string): void {
  for (const rel of [...catalog.relations.values()]) {
    if (rel.kind === 'sequence' && rel.ownedBy?.table === table && (column === undefined || rel.ownedBy.column === column)) {
      catalog.removeRelation(rel);
    }
  }
}

export function dropColumn(catalog: DdlCatalog, table: TableState, column: string): void {
  table.columns = table.columns.filter((c) => c.name !== column);
  if (table.primaryKey?.columns.includes(column)) dropConstraint(catalog, table, table.primaryKey.name);
  for (const u of [...table.uniques]) if (u.columns.includes(column)) dropConstraint(catalog, table, u.name);
  for (const i of [...table.indexes]) if (i.columns.some((c, k) => c === column && !i.expressions[k])) removeIndex(catalog, i);
  for (const c of [...table.checks]) if (c.columns.includes(column)) dropConstraint(catalog, table, c.name);
  for (const fk of [...table.foreignKeys]) if (fk.columns.includes(column)) dropConstraint(catalog, table, fk.name);
  for (const other of allTables(catalog)) {
    for (const fk of [...other.foreignKeys]) {
      if (fk.target === table && fk.targetColumns.includes(column)) dropConstraint(catalog, other, fk.name);
    }
  }
  dropOwnedSequences(catalog, table, column);
}

/** Drops the named constraint of `table`; false when it has none of that name. */
export function dropConstraint(catalog: DdlCatalog, table: TableState, name: string): boolean {
  let found = false;
  if (table.primaryKey?.name === name) {
    delete table.primaryKey;
    found = true;
  }
  const uniques = table.uniques.filter((u) => u.name !== name);
  if (uniques.length !== table.uniques.length) {
    table.uniques = uniques;
    found = true;
  }
  if (found) {
    const index = table.indexes.find((i) => i.name === name && i.constraintBacked);
    if (index) removeIndex(catalog, index);
  }
  const checks = table.checks.filter((c) => c.name !== name);
  if (checks.length !== table.checks.length) {
    table.checks = checks;
    found = true;
  }
  const fks = table.foreignKeys.filter((f) => f.name !== name);
  if (fks.length !== table.foreignKeys.length) {
    table.foreignKeys = fks;
    found = true;
  }
  if (found) catalog.removeConstraintName(table.schema, name);
  return found;
}

/** DROP TABLE / VIEW / SEQUENCE / INDEX of one relation. */
export function dropRelation(catalog: DdlCatalog, rel: RelationState): void {
  if (rel.kind === 'index') {
    // Dropping the index of a constraint is refused by PostgreSQL; drop only plain ones.
    if (!rel.constraintBacked) removeIndex(catalog, rel);
    return;
  }
  catalog.removeRelation(rel);
  if (rel.kind !== 'table') return;
  for (const index of rel.indexes) catalog.removeRelation(index);
  for (const c of [rel.primaryKey, ...rel.uniques, ...rel.checks, ...rel.foreignKeys]) {
    if (c) catalog.removeConstraintName(rel.schema, c.name);
  }
  dropOwnedSequences(catalog, rel);
  for (const other of allTables(catalog)) {
    // Partitions go with their parent; foreign keys into the table go with CASCADE.
    if (other.partitionOf === rel) dropRelation(catalog, other);
    for (const fk of [...other.foreignKeys]) if (fk.target === rel) dropConstraint(catalog, other, fk.name);
  }
}
