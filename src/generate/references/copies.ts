import type { CrossBoundaryJoin } from '../../model/catalog.js';
import { ownership, type Plan } from '../../model/plan.js';
import { columnKey, parseTableKey, tableKey, type SchemaModel } from '../../model/schema.js';
import type { Workload } from '../../model/workload.js';
import { columnUsage, type Usage } from './column-usage.js';
import { changeEvents } from './events.js';
import type { ColumnUse, CopyReference } from './references-model.js';

/**
 * The copies a split needs: for every cross-boundary join the catalog answers with bounded
 * duplication or a CQRS read model, the consumer keeps the columns of the owner's table that
 * the queries behind those joins actually use (plus its key), fed by the owner's change events.
 */

const USE_ORDER: readonly ColumnUse[] = ['key', 'select', 'filter', 'join', 'order'];

/** Columns of `table` that the given queries use, in table order, key columns always included. */
export function copiedColumns(table: string, queryIds: readonly string[], workload: Workload, schema: SchemaModel, joinColumns: readonly string[] = []): CopyReference['columns'] {
  const ref = parseTableKey(table);
  const model = schema.tables.find((t) => t.schema === ref.schema && t.name === ref.name);
  if (!model) return [];
  const used = new Map<string, Set<ColumnUse>>();
  const add = (column: string, how: ColumnUse) => {
    let set = used.get(column);
    if (!set) used.set(column, (set = new Set()));
    set.add(how);
  };
  for (const k of model.primaryKey) add(k, 'key');
  for (const c of joinColumns) add(c, 'join');
  const byId = new Map(workload.queries.map((q) => [q.id, q]));
  for (const id of queryIds) {
    const q = byId.get(id);
    // A statement that writes the table runs where the table lives, not against the copy.
    if (!q || q.writes.some((w) => tableKey(w) === tableKey(model))) continue;
    const usage = columnUsage(q, schema).get(tableKey(model));
    for (const [column, hows] of usage ?? []) for (const how of hows) add(column, how as Usage);
  }
  return model.columns
    .filter((c) => used.has(c.name))
    .map((c) => ({ name: c.name, usedFor: USE_ORDER.filter((u) => used.get(c.name)!.has(u)) }));
}

export function buildCopies(joins: readonly CrossBoundaryJoin[], plan: Plan, workload: Workload, schema: SchemaModel): CopyReference[] {
  const owner = ownership(plan);
  const groups = new Map<string, { kind: CopyReference['kind']; consumer: string; table: string; joins: CrossBoundaryJoin[] }>();
  for (const j of joins) {
    const r = j.recommendation;
    if ((r.kind !== 'bounded-duplication' && r.kind !== 'cqrs-read-model') || !r.consumer || !r.copiedTable) continue;
    const key = `${r.kind}\u0000${r.consumer}\u0000${r.copiedTable}`;
    const g = groups.get(key) ?? { kind: r.kind, consumer: r.consumer, table: r.copiedTable, joins: [] };
    g.joins.push(j);
    groups.set(key, g);
  }
  const out: CopyReference[] = [];
  for (const g of groups.values()) {
    const queries = [...new Set(g.joins.flatMap((j) => j.join.queryIds))].sort();
    const joinColumns = g.joins.flatMap((j) => [j.join.left, j.join.right].filter((c) => tableKey({ schema: c.schema, name: c.table }) === g.table).map((c) => c.column));
    const columns = copiedColumns(g.table, queries, workload, schema, joinColumns);
    const ownerService = owner.get(g.table) ?? 'unowned';
    const ref = parseTableKey(g.table);
    const key = columns.filter((c) => c.usedFor.includes('key')).map((c) => c.name);
    out.push({
      kind: g.kind,
      consumer: g.consumer,
      owner: ownerService,
      table: g.table,
      columns,
      events: changeEvents(ownerService, ref.name, key.length > 0 ? key : columns.slice(0, 1).map((c) => c.name), columns.map((c) => c.name)),
      reasons: [...new Set(g.joins.map((j) => `${columnKey(j.join.left)} = ${columnKey(j.join.right)}: ${j.recommendation.reason}`))],
      queries,
    });
  }
  return out.sort((a, b) => a.consumer.localeCompare(b.consumer) || a.table.localeCompare(b.table) || a.kind.localeCompare(b.kind));
}
