import type { CrossBoundaryJoin } from '../../model/catalog.js';
import type { QueryShape } from '../../model/workload.js';
import type { GenerateContext, GeneratedFile } from '../types.js';
import { assignNames } from './naming.js';
import { planComposition, type CompositionPlan } from './planner.js';
import { renderComposition } from './render-composition.js';
import { renderStub } from './render-stub.js';
import { RUNTIME_SOURCE } from './runtime-source.js';

export type { CompositionPlan, ComposedPlan, StubPlan } from './planner.js';
export { planComposition } from './planner.js';

/** One cross-boundary join query and the file that replaces it. */
export interface CompositionEntry {
  readonly query: QueryShape;
  /** The service whose folder holds the file: the owner of the driving (FROM-first) table. */
  readonly service: string;
  /** Relative to the output directory, e.g. `orders/compositions/orders-with-users.ts`. */
  readonly path: string;
  readonly functionName: string;
  readonly plan: CompositionPlan;
  /** The catalog's cross-boundary joins this query uses. */
  readonly joins: readonly CrossBoundaryJoin[];
}

const cache = new WeakMap<GenerateContext, CompositionEntry[]>();

/** The cross-boundary join queries of the workload: every query behind a cross-boundary join edge. */
export function crossBoundaryJoinQueries(ctx: GenerateContext): QueryShape[] {
  const ids = new Set<string>();
  for (const j of ctx.catalog.crossBoundary?.joins ?? []) for (const id of j.join.queryIds) ids.add(id);
  const byId = new Map(ctx.workload.queries.map((q) => [q.id, q]));
  return [...ids]
    .map((id) => byId.get(id))
    .filter((q): q is QueryShape => q !== undefined)
    .sort((a, b) => b.calls - a.calls || a.id.localeCompare(b.id));
}

/** Plan every cross-boundary join query (memoized per context). libpg-query must be ready. */
export function planCompositions(ctx: GenerateContext): CompositionEntry[] {
  const hit = cache.get(ctx);
  if (hit) return hit;
  const queries = crossBoundaryJoinQueries(ctx);
  const plans = queries.map((q) => planComposition(q, { schema: ctx.schema, plan: ctx.plan }));
  const names = assignNames(plans.map((p) => ({ query: p.query, service: p.owner })));
  const joins = ctx.catalog.crossBoundary?.joins ?? [];
  const entries = plans.map((plan) => {
    const name = names.get(plan.query.id)!;
    return {
      query: plan.query,
      service: plan.owner,
      path: `${plan.owner}/compositions/${name.fileName}`,
      functionName: name.functionName,
      plan,
      joins: joins.filter((j) => j.join.queryIds.includes(plan.query.id)),
    };
  });
  cache.set(ctx, entries);
  return entries;
}

/** `<service>/compositions/*.ts` for every cross-boundary join query, and each service's `_runtime.ts`. */
export function generateCompositions(ctx: GenerateContext): GeneratedFile[] {
  const entries = planCompositions(ctx);
  const files: GeneratedFile[] = [];
  const services = new Set<string>();
  for (const e of entries) {
    services.add(e.service);
    const content =
      e.plan.kind === 'composed'
        ? renderComposition(e.plan, { schema: ctx.schema, functionName: e.functionName, serviceSchemaName: ctx.serviceSchemaName })
        : renderStub(e.plan, e.functionName, e.joins);
    files.push({ path: e.path, content });
  }
  for (const s of services) files.push({ path: `${s}/compositions/_runtime.ts`, content: RUNTIME_SOURCE });
  return files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}
