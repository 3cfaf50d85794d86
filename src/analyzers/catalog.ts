import type { Catalog, HubTable, JoinEdge } from '../model/catalog.js';
import type { Plan } from '../model/plan.js';
import { columnKey, tableKey, type SchemaModel } from '../model/schema.js';
import type { Workload } from '../model/workload.js';
import { crossBoundary } from './cross-boundary.js';

/**
 * Fold a schema and a workload into the coupling catalog. Pure.
 */
export function buildCatalog(schema: SchemaModel, workload: Workload, plan?: Plan): Catalog {
  const joins = aggregateJoins(workload);
  const catalog: Catalog = {
    schema,
    tables: schema.tables,
    foreignKeys: schema.foreignKeys,
    queries: workload.queries,
    joins,
    hubs: findHubs(schema),
    tablesWithoutPrimaryKey: schema.tables.filter((t) => t.primaryKey.length === 0).map((t) => tableKey(t)),
    unparsed: workload.queries.filter((q) => !q.parsed),
  };
  if (!plan) return catalog;
  return { ...catalog, crossBoundary: crossBoundary(schema, workload, joins, plan) };
}

/** One edge per distinct column-level predicate, with the calls of every query that uses it. */
export function aggregateJoins(workload: Workload): JoinEdge[] {
  const edges = new Map<string, { left: JoinEdge['left']; right: JoinEdge['right']; calls: number; queryIds: string[] }>();
  for (const q of workload.queries) {
    const seen = new Set<string>();
    for (const j of q.joins) {
      const key = `${columnKey(j.left)}=${columnKey(j.right)}`;
      if (seen.has(key)) continue;
      seen.add(key);
      let edge = edges.get(key);
      if (!edge) {
        edge = { left: j.left, right: j.right, calls: 0, queryIds: [] };
        edges.set(key, edge);
      }
      edge.calls += q.calls;
      edge.queryIds.push(q.id);
    }
  }
  return [...edges.values()]
    .map((e) => ({ ...e, queryIds: [...e.queryIds].sort() }))
    .sort((a, b) => b.calls - a.calls || columnKey(a.left).localeCompare(columnKey(b.left)) || columnKey(a.right).localeCompare(columnKey(b.right)));
}

/**
 * Hub tables are referenced from many places (users, accounts): the tables every service will
 * want, and the first thing a split has to decide about.
 */
export function findHubs(schema: SchemaModel, minReferencingTables = 3): HubTable[] {
  const refs = new Map<string, { count: number; from: Set<string> }>();
  for (const fk of schema.foreignKeys) {
    const to = tableKey({ schema: fk.to.schema, name: fk.to.table });
    const from = tableKey({ schema: fk.from.schema, name: fk.from.table });
    if (to === from) continue;
    let entry = refs.get(to);
    if (!entry) {
      entry = { count: 0, from: new Set() };
      refs.set(to, entry);
    }
    entry.count++;
    entry.from.add(from);
  }
  return [...refs.entries()]
    .filter(([, e]) => e.from.size >= minReferencingTables)
    .map(([table, e]) => ({ table, referencedBy: e.count, referencingTables: e.from.size }))
    .sort((a, b) => b.referencingTables - a.referencingTables || b.referencedBy - a.referencedBy || a.table.localeCompare(b.table));
}
