import { as, list, listItems, names, str, type Fields } from './ast.js';
import type { DdlCatalog } from './catalog.js';
import type { StatementContext } from './context.js';
import { dropRelation } from './drops.js';
import { findColumn, objectKey } from './state.js';

/** COMMENT ON TABLE / COLUMN (IS NULL removes); comments on anything else are not modelled. */
export function comment(ctx: StatementContext, stmt: Fields): void {
  const catalog = ctx.catalog;
  const parts = names(listItems(stmt.object));
  const text = str(stmt.comment);
  if (stmt.objtype === 'OBJECT_TABLE') {
    const rel = lookupParts(catalog, parts);
    if (rel?.kind === 'table') {
      if (text === undefined) delete rel.comment;
      else rel.comment = text;
    }
  } else if (stmt.objtype === 'OBJECT_COLUMN' && parts.length >= 2) {
    const rel = lookupParts(catalog, parts.slice(0, -1));
    const column = rel?.kind === 'table' ? findColumn(rel, parts[parts.length - 1]!) : undefined;
    if (column) {
      if (text === undefined) delete column.comment;
      else column.comment = text;
    }
  }
}

function lookupParts(catalog: DdlCatalog, parts: readonly string[]) {
  const relname = parts[parts.length - 1];
  if (relname === undefined) return undefined;
  return parts.length > 1 ? catalog.lookup({ schemaname: parts[parts.length - 2]!, relname }) : catalog.lookup({ relname });
}

const RELATION_KINDS: Record<string, string> = {
  OBJECT_TABLE: 'table',
  OBJECT_VIEW: 'view',
  OBJECT_MATVIEW: 'view',
  OBJECT_SEQUENCE: 'sequence',
  OBJECT_INDEX: 'index',
};

/**
 * DROP TABLE / VIEW / MATERIALIZED VIEW / SEQUENCE / INDEX / TYPE / DOMAIN / SCHEMA. Dropping
 * something that is not there is not an error here: the model only needs the end state.
 */
export function drop(ctx: StatementContext, stmt: Fields): void {
  const catalog = ctx.catalog;
  const removeType = str(stmt.removeType) ?? '';
  const kind = RELATION_KINDS[removeType];
  for (const obj of list(stmt.objects)) {
    if (kind) {
      const rel = lookupParts(catalog, names(listItems(obj)));
      if (rel && rel.kind === kind) dropRelation(catalog, rel);
    } else if (removeType === 'OBJECT_TYPE' || removeType === 'OBJECT_DOMAIN') {
      const typeName = as(obj, 'TypeName');
      const parts = typeName ? names(typeName.names) : names(listItems(obj));
      const type = parts.length > 0 ? catalog.lookupType(parts) : undefined;
      if (type && (type.kind === 'enum' || type.kind === 'domain')) catalog.types.delete(objectKey(type.schema, type.name));
      else if (type?.kind === 'composite') catalog.removeRelation(type);
    } else if (removeType === 'OBJECT_SCHEMA') {
      const schema = as(obj, 'String')?.sval;
      if (typeof schema === 'string') dropSchema(catalog, schema);
    }
  }
}

function dropSchema(catalog: DdlCatalog, schema: string): void {
  catalog.createdSchemas.delete(schema);
  for (const rel of [...catalog.relations.values()]) {
    if (rel.schema === schema && catalog.findRelation(rel.schema, rel.name) === rel) dropRelation(catalog, rel);
  }
  for (const [key, type] of [...catalog.types.entries()]) if (type.schema === schema) catalog.types.delete(key);
}
