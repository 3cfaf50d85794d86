import type { ColumnRef, SchemaModel, TableRef } from '../../model/schema.js';

/** An ordered map from a relation's column names to the table columns they stand for. */
export type ColumnMap = ReadonlyMap<string, ColumnRef | undefined>;

export interface ResolvedRelation {
  readonly ref: TableRef;
  /**
   * `table` and `view` are in the schema model; `unknown` is not (its ref falls back to the first
   * search-path schema, or keeps the schema written); `system` is a PostgreSQL catalog, which
   * no service owns and which is left out of reads and writes.
   */
  readonly kind: 'table' | 'view' | 'unknown' | 'system';
  /** The table's columns, from the schema model; undefined for views and unknown relations. */
  readonly columns?: ColumnMap;
}

export interface RelationResolver {
  /** `schema` is the qualifier as written (undefined when unqualified). */
  resolve(schema: string | undefined, name: string): ResolvedRelation;
}

const SYSTEM_SCHEMAS = new Set(['pg_catalog', 'information_schema', 'pg_toast']);

/**
 * Resolve relation names as PostgreSQL would with the given search_path: an unqualified name
 * is the first search-path schema that has a table or view of that name in the model. A
 * partition named directly resolves to the table it is folded into, as the model does.
 */
export function createResolver(schema: SchemaModel, searchPath: readonly string[]): RelationResolver {
  const path = searchPath.length > 0 ? searchPath : ['public'];
  const relations = new Map<string, ResolvedRelation>();
  for (const table of schema.tables) {
    const ref: TableRef = { schema: table.schema, name: table.name };
    const columns = new Map<string, ColumnRef>();
    for (const column of table.columns) columns.set(column.name, { schema: table.schema, table: table.name, column: column.name });
    relations.set(`${table.schema}.${table.name}`, { ref, kind: 'table', columns });
  }
  for (const table of schema.tables) {
    const parent = relations.get(`${table.schema}.${table.name}`);
    for (const partition of table.partitions ?? []) if (parent && !relations.has(partition)) relations.set(partition, parent);
  }
  for (const view of schema.views) {
    const key = `${view.schema}.${view.name}`;
    if (!relations.has(key)) relations.set(key, { ref: { schema: view.schema, name: view.name }, kind: 'view' });
  }

  const memo = new Map<string, ResolvedRelation>();
  const lookup = (qualifier: string | undefined, name: string): ResolvedRelation => {
    if (qualifier !== undefined) {
      const known = relations.get(`${qualifier}.${name}`);
      if (known) return known;
      const ref = { schema: qualifier, name };
      return { ref, kind: SYSTEM_SCHEMAS.has(qualifier) ? 'system' : 'unknown' };
    }
    for (const s of path) {
      const known = relations.get(`${s}.${name}`);
      if (known) return known;
    }
    // pg_catalog is searched first implicitly; application tables are not named pg_*.
    if (name.startsWith('pg_')) return { ref: { schema: 'pg_catalog', name }, kind: 'system' };
    return { ref: { schema: path[0]!, name }, kind: 'unknown' };
  };
  return {
    resolve(qualifier, name) {
      const key = qualifier === undefined ? name : `${qualifier}\u0000${name}`;
      let hit = memo.get(key);
      if (hit === undefined) {
        hit = lookup(qualifier, name);
        memo.set(key, hit);
      }
      return hit;
    },
  };
}
