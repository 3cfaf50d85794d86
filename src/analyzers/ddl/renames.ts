import { displayName } from '../pg-type-names.js';
import { listItems, names, rangeVar, str, stringValue, type Fields } from './ast.js';
import { ddlError, type DdlCatalog } from './catalog.js';
import { nextvalText, type StatementContext } from './context.js';
import { findColumn, objectKey, type RelationState, type TableState, type TypeState } from './state.js';

/** ALTER ... RENAME (tables, views, sequences, indexes, columns, constraints, types, schemas) and SET SCHEMA. */

function tables(catalog: DdlCatalog): TableState[] {
  const out: TableState[] = [];
  for (const rel of catalog.relations.values()) if (rel.kind === 'table') out.push(rel);
  return out;
}

export function rename(ctx: StatementContext, stmt: Fields): void {
  const catalog = ctx.catalog;
  const newname = str(stmt.newname) ?? '';
  const rv = rangeVar(stmt.relation);
  switch (stmt.renameType) {
    case 'OBJECT_TABLE':
    case 'OBJECT_VIEW':
    case 'OBJECT_MATVIEW':
    case 'OBJECT_SEQUENCE':
    case 'OBJECT_INDEX': {
      const rel = rv ? catalog.lookup(rv) : undefined;
      if (!rel) {
        if (stmt.missing_ok) return;
        throw ddlError(ctx.site, `relation "${rv?.relname ?? '?'}" does not exist`);
      }
      renameRelation(catalog, rel, rel.schema, newname);
      return;
    }
    case 'OBJECT_COLUMN': {
      const rel = rv ? catalog.lookup(rv) : undefined;
      if (rel?.kind !== 'table') {
        if (!rel && !stmt.missing_ok) throw ddlError(ctx.site, `relation "${rv?.relname ?? '?'}" does not exist`);
        return;
      }
      const old = str(stmt.subname) ?? '';
      const column = findColumn(rel, old);
      if (!column) throw ddlError(ctx.site, `column "${old}" of relation "${rel.name}" does not exist`);
      renameColumn(catalog, rel, old, newname);
      return;
    }
    case 'OBJECT_TABCONSTRAINT': {
      const rel = rv ? catalog.lookup(rv) : undefined;
      if (rel?.kind !== 'table') {
        if (!rel && !stmt.missing_ok) throw ddlError(ctx.site, `relation "${rv?.relname ?? '?'}" does not exist`);
        return;
      }
      renameConstraint(catalog, rel, str(stmt.subname) ?? '', newname);
      return;
    }
    case 'OBJECT_TYPE':
    case 'OBJECT_DOMAIN': {
      const parts = names(listItems(stmt.object));
      const type = catalog.lookupType(parts);
      if (type && (type.kind === 'enum' || type.kind === 'domain')) moveType(catalog, type, type.schema, newname);
      return;
    }
    case 'OBJECT_SCHEMA':
      renameSchema(catalog, str(stmt.subname) ?? '', newname);
      return;
    default:
      return;
  }
}

/** Renames or moves a relation; a sequence's new name shows in the nextval() defaults using it. */
function renameRelation(catalog: DdlCatalog, rel: RelationState, schema: string, name: string): void {
  const oldName = rel.name;
  const oldSchema = rel.schema;
  const before = rel.kind === 'sequence' ? nextvalText(rel) : undefined;
  catalog.renameRelation(rel, schema, name);
  if (before !== undefined) {
    const after = nextvalText(rel);
    for (const table of tables(catalog)) for (const col of table.columns) if (col.default === before) col.default = after;
  }
  if (rel.kind === 'index' && rel.constraintBacked) {
    // The constraint of an index-backed key carries the index's name.
    const t = rel.table;
    if (t.primaryKey?.name === oldName) t.primaryKey.name = name;
    for (const u of t.uniques) if (u.name === oldName) u.name = name;
    catalog.removeConstraintName(oldSchema, oldName);
    catalog.addConstraintName(schema, name);
  }
}

export function renameColumn(catalog: DdlCatalog, table: TableState, old: string, name: string): void {
  const swap = (cols: string[]): string[] => cols.map((c) => (c === old ? name : c));
  findColumn(table, old)!.name = name;
  if (table.primaryKey) table.primaryKey.columns = swap(table.primaryKey.columns);
  for (const u of table.uniques) u.columns = swap(u.columns);
  for (const c of table.checks) c.columns = swap(c.columns);
  for (const i of table.indexes) i.columns = i.columns.map((c, k) => (c === old && !i.expressions[k] ? name : c));
  for (const fk of table.foreignKeys) fk.columns = swap(fk.columns);
  for (const other of tables(catalog)) {
    for (const fk of other.foreignKeys) if (fk.target === table) fk.targetColumns = swap(fk.targetColumns);
  }
  for (const rel of catalog.relations.values()) {
    if (rel.kind === 'sequence' && rel.ownedBy?.table === table && rel.ownedBy.column === old) rel.ownedBy.column = name;
  }
}

function renameConstraint(catalog: DdlCatalog, table: TableState, old: string, name: string): void {
  const index = table.indexes.find((i) => i.name === old && i.constraintBacked);
  if (index) {
    renameRelation(catalog, index, index.schema, name);
    return;
  }
  for (const c of [...table.checks, ...table.foreignKeys]) {
    if (c.name === old) {
      c.name = name;
      catalog.removeConstraintName(table.schema, old);
      catalog.addConstraintName(table.schema, name);
    }
  }
}

/** Renames or moves an enum or domain; column types already formatted with its old name follow. */
function moveType(catalog: DdlCatalog, type: TypeState & { kind: 'enum' | 'domain' }, schema: string, name: string): void {
  const before = displayName(type.schema, type.name);
  catalog.types.delete(objectKey(type.schema, type.name));
  type.schema = schema;
  type.name = name;
  catalog.types.set(objectKey(schema, name), type);
  const after = displayName(schema, name);
  if (before === after) return;
  for (const table of tables(catalog)) {
    for (const col of table.columns) {
      if (col.type === before) col.type = after;
      else if (col.type === before + '[]') col.type = after + '[]';
    }
  }
}

function renameSchema(catalog: DdlCatalog, old: string, name: string): void {
  if (catalog.createdSchemas.delete(old)) catalog.createdSchemas.add(name);
  for (const rel of [...catalog.relations.values()]) if (rel.schema === old) renameRelation(catalog, rel, name, rel.name);
  for (const type of [...catalog.types.values()]) {
    if (type.schema === old && (type.kind === 'enum' || type.kind === 'domain')) moveType(catalog, type, name, type.name);
  }
}

/** ALTER TABLE / VIEW / SEQUENCE / TYPE ... SET SCHEMA: a table's indexes and owned sequences move with it. */
export function setSchema(ctx: StatementContext, stmt: Fields): void {
  const catalog = ctx.catalog;
  const newschema = str(stmt.newschema) ?? '';
  const rv = rangeVar(stmt.relation);
  if (rv) {
    const rel = catalog.lookup(rv);
    if (!rel) {
      if (stmt.missing_ok) return;
      throw ddlError(ctx.site, `relation "${rv.relname}" does not exist`);
    }
    renameRelation(catalog, rel, newschema, rel.name);
    if (rel.kind === 'table') {
      for (const index of rel.indexes) catalog.renameRelation(index, newschema, index.name);
      for (const r of [...catalog.relations.values()]) {
        if (r.kind === 'sequence' && r.ownedBy?.table === rel) renameRelation(catalog, r, newschema, r.name);
      }
    }
    return;
  }
  const objectNames = names(listItems(stmt.object));
  if (objectNames.length === 0) {
    const single = stringValue(stmt.object);
    if (single !== undefined) objectNames.push(single);
  }
  if (objectNames.length === 0) return;
  const type = catalog.lookupType(objectNames);
  if (type && (type.kind === 'enum' || type.kind === 'domain')) moveType(catalog, type, newschema, type.name);
}
