import type { Plan } from '../../model/plan.js';
import { tableKey, type SchemaModel } from '../../model/schema.js';
import type { Workload } from '../../model/workload.js';
import { buildCatalog } from '../catalog.js';
import type { CouplingSummary } from './suggest.js';

/** Totals of what crosses service boundaries under `plan`, counted exactly as `dbsplit analyze --plan` counts them. */
export function couplingOf(schema: SchemaModel, workload: Workload, plan: Plan): CouplingSummary {
  const cb = buildCatalog(schema, workload, plan).crossBoundary!;
  return {
    foreignKeys: cb.foreignKeys.length,
    joins: cb.joins.length,
    joinCalls: cb.joins.reduce((s, j) => s + j.join.calls, 0),
    multiServiceWrites: cb.multiServiceWrites.length,
    services: plan.services.length,
  };
}

/** The two anchors a suggestion is judged between: one service for everything, one per table. */
export function extremePlans(schema: SchemaModel): { allInOne: Plan; onePerTable: Plan } {
  const tables = schema.tables.map((t) => tableKey(t)).sort();
  return {
    allInOne: { version: 1, services: tables.length > 0 ? [{ name: 'monolith', tables }] : [], shared: [], unassigned: [] },
    onePerTable: { version: 1, services: tables.map((t, i) => ({ name: `t${i + 1}`, tables: [t] })), shared: [], unassigned: [] },
  };
}
