import type {
  CrossBoundaryCatalog,
  CrossBoundaryForeignKey,
  CrossBoundaryJoin,
  JoinEdge,
  MultiServiceWrite,
  ServiceCoupling,
} from '../model/catalog.js';
import { ownership, type Plan } from '../model/plan.js';
import { tableKey, type SchemaModel } from '../model/schema.js';
import type { Workload } from '../model/workload.js';
import { recommendForForeignKey, recommendForJoin, recommendForWrite, tableActivity } from './replacements.js';

/**
 * Weights of the coupling score. A foreign key is a hard dependency that needs a loose-FK
 * replacement; a multi-service write needs a saga (the most expensive fix); joins cost in
 * proportion to how often they run, on a log scale so one hot query does not drown the rest.
 */
export const COUPLING_WEIGHTS = { foreignKey: 3, join: 1, joinCallsLog10: 2, multiServiceWrite: 5 } as const;

export function couplingScore(c: Omit<ServiceCoupling, 'score' | 'a' | 'b'>): number {
  const w = COUPLING_WEIGHTS;
  const raw = w.foreignKey * c.foreignKeys + w.join * c.joins + w.joinCallsLog10 * Math.log10(1 + c.joinCalls) + w.multiServiceWrite * c.multiServiceWrites;
  return Math.round(raw * 10) / 10;
}

export function crossBoundary(schema: SchemaModel, workload: Workload, joins: readonly JoinEdge[], plan: Plan): CrossBoundaryCatalog {
  const owner = ownership(plan);
  const activity = tableActivity(workload);
  const pairs = new Map<string, { a: string; b: string; foreignKeys: number; joins: number; joinCalls: number; multiServiceWrites: number }>();
  const pair = (x: string, y: string) => {
    const [a, b] = x < y ? [x, y] : [y, x];
    const key = `${a}\u0000${b}`;
    let p = pairs.get(key);
    if (!p) {
      p = { a, b, foreignKeys: 0, joins: 0, joinCalls: 0, multiServiceWrites: 0 };
      pairs.set(key, p);
    }
    return p;
  };

  const foreignKeys: CrossBoundaryForeignKey[] = [];
  for (const fk of schema.foreignKeys) {
    const fromService = owner.get(tableKey({ schema: fk.from.schema, name: fk.from.table }));
    const toService = owner.get(tableKey({ schema: fk.to.schema, name: fk.to.table }));
    if (!fromService || !toService || fromService === toService) continue;
    foreignKeys.push({ foreignKey: fk, fromService, toService, recommendation: recommendForForeignKey(fk, fromService, toService, activity) });
    pair(fromService, toService).foreignKeys++;
  }

  const crossJoins: CrossBoundaryJoin[] = [];
  for (const join of joins) {
    const leftService = owner.get(tableKey({ schema: join.left.schema, name: join.left.table }));
    const rightService = owner.get(tableKey({ schema: join.right.schema, name: join.right.table }));
    if (!leftService || !rightService || leftService === rightService) continue;
    crossJoins.push({ join, leftService, rightService, recommendation: recommendForJoin(join, leftService, rightService, activity) });
    const p = pair(leftService, rightService);
    p.joins++;
    p.joinCalls += join.calls;
  }

  const multiServiceWrites: MultiServiceWrite[] = [];
  const servicesOf = (tables: readonly string[]) => [...new Set(tables.map((t) => owner.get(t)).filter((s): s is string => s !== undefined))].sort();
  for (const q of workload.queries) {
    const tables = [...new Set(q.writes.map((t) => tableKey(t)))].sort();
    const services = servicesOf(tables);
    if (services.length < 2) continue;
    multiServiceWrites.push({ id: q.id, kind: 'statement', services, tables, calls: q.calls, sql: q.sql, recommendation: recommendForWrite(services, tables) });
  }
  const byId = new Map(workload.queries.map((q) => [q.id, q]));
  for (const tx of workload.transactions) {
    // A one-statement transaction is already judged above as a statement.
    if (tx.queryIds.length < 2) continue;
    const tables = [...new Set(tx.queryIds.flatMap((id) => byId.get(id)?.writes.map((t) => tableKey(t)) ?? []))].sort();
    const services = servicesOf(tables);
    if (services.length < 2) continue;
    multiServiceWrites.push({ id: `tx:${tx.sessionId}:${tx.txId}`, kind: 'transaction', services, tables, calls: 1, recommendation: recommendForWrite(services, tables) });
  }
  const mergedWrites = mergeTransactionShapes(multiServiceWrites);
  for (const w of mergedWrites) {
    for (let i = 0; i < w.services.length; i++)
      for (let j = i + 1; j < w.services.length; j++) pair(w.services[i]!, w.services[j]!).multiServiceWrites++;
  }

  const shared = new Set(plan.shared);
  const unassigned = new Set(plan.unassigned);
  const unowned = schema.tables.map((t) => tableKey(t)).filter((k) => !owner.has(k) && !shared.has(k) && !unassigned.has(k));

  const coupling: ServiceCoupling[] = [...pairs.values()]
    .map((p) => ({ ...p, score: couplingScore(p) }))
    .sort((x, y) => y.score - x.score || x.a.localeCompare(y.a) || x.b.localeCompare(y.b));

  return {
    services: plan.services.map((s) => ({ name: s.name, tables: [...s.tables] })),
    foreignKeys,
    joins: crossJoins,
    multiServiceWrites: mergedWrites,
    unowned,
    shared: [...plan.shared],
    unassigned: [...plan.unassigned],
    coupling,
  };
}

/**
 * The same application transaction shows up many times in a log; report each distinct
 * shape (the set of tables it writes) once, with how often it ran.
 */
function mergeTransactionShapes(writes: readonly MultiServiceWrite[]): MultiServiceWrite[] {
  const out: MultiServiceWrite[] = [];
  const txByShape = new Map<string, MultiServiceWrite>();
  for (const w of writes) {
    if (w.kind === 'statement') {
      out.push(w);
      continue;
    }
    const shape = w.tables.join(',');
    const prev = txByShape.get(shape);
    txByShape.set(shape, prev ? { ...prev, calls: prev.calls + w.calls } : w);
  }
  return [...out.sort((a, b) => b.calls - a.calls || a.id.localeCompare(b.id)), ...[...txByShape.values()].sort((a, b) => b.calls - a.calls || a.id.localeCompare(b.id))];
}
