import { parseText, type AstNode } from '../../analyzers/sql-parser.js';
import type { MultiServiceWrite } from '../../model/catalog.js';
import { ownership, type Plan } from '../../model/plan.js';
import type { QueryShape, Workload } from '../../model/workload.js';
import type { SagaReference, SagaStep } from './references-model.js';

/**
 * A multi-service write becomes a saga: the writes in the order the statement (or transaction)
 * makes them, grouped into one local transaction per service, each with the compensation a
 * later failure must run. The last step needs none: if it fails, the earlier ones are undone.
 */

type Write = SagaStep['writes'][number];

const OPERATIONS: Record<string, Write['operation']> = { InsertStmt: 'insert', UpdateStmt: 'update', DeleteStmt: 'delete', MergeStmt: 'merge' };

/** Tables a statement writes, in execution order (data-modifying WITH queries first, as listed). */
export function writesInOrder(query: QueryShape): Write[] {
  const parsed = query.parsed ? parseText(query.sql) : undefined;
  if (!parsed?.ok) return query.writes.map((t) => ({ table: `${t.schema}.${t.name}`, operation: query.kind === 'other' || query.kind === 'select' ? 'update' : query.kind }));
  const out: Write[] = [];
  const resolve = (rv: AstNode): string => {
    const name = rv.relname as string;
    const schema = (rv.schemaname as string | undefined) ?? query.writes.find((w) => w.name === name)?.schema ?? 'public';
    return `${schema}.${name}`;
  };
  const visit = (node: AstNode): void => {
    const key = Object.keys(node)[0];
    if (key === undefined) return;
    const body = node[key] as AstNode;
    for (const c of ((body.withClause as { ctes?: AstNode[] } | undefined)?.ctes ?? [])) {
      const q = (c.CommonTableExpr as AstNode).ctequery as AstNode | undefined;
      if (q) visit(q);
    }
    let operation = OPERATIONS[key];
    if (operation === 'insert' && (body.onConflictClause as { action?: string } | undefined)?.action === 'ONCONFLICT_UPDATE') operation = 'upsert';
    if (operation && body.relation) out.push({ table: resolve(body.relation as AstNode), operation });
  };
  for (const s of parsed.statements) visit(s.stmt);
  return out;
}

function compensationOf(write: Write): string {
  switch (write.operation) {
    case 'insert':
      return `delete the ${write.table} rows it inserted`;
    case 'upsert':
      return `delete the ${write.table} rows it inserted and restore the ones its ON CONFLICT DO UPDATE changed (record which, and their values, before writing)`;
    case 'update':
      return `restore the ${write.table} values it changed (read them before updating)`;
    case 'delete':
      return `re-insert the ${write.table} rows it deleted (keep a copy before deleting)`;
    default:
      return `undo the merge into ${write.table} (delete what it inserted, restore what it updated)`;
  }
}

export function buildSaga(write: MultiServiceWrite, workload: Workload, plan: Plan): SagaReference {
  const owner = ownership(plan);
  const byId = new Map(workload.queries.map((q) => [q.id, q]));
  let writes: Write[] = [];
  if (write.kind === 'statement') {
    const q = byId.get(write.id);
    writes = q ? writesInOrder(q) : [];
  } else {
    const tx = workload.transactions.find((t) => `tx:${t.sessionId}:${t.txId}` === write.id);
    for (const id of tx?.queryIds ?? []) {
      const q = byId.get(id);
      if (q) writes.push(...writesInOrder(q));
    }
  }
  if (writes.length === 0) writes = write.tables.map((table) => ({ table, operation: 'update' as const }));
  const steps: { service: string; writes: Write[] }[] = [];
  for (const w of writes) {
    const service = owner.get(w.table) ?? 'shared';
    const last = steps[steps.length - 1];
    if (last && last.service === service) {
      if (!last.writes.some((x) => x.table === w.table && x.operation === w.operation)) last.writes.push(w);
    } else steps.push({ service, writes: [w] });
  }
  return {
    id: write.id,
    kind: write.kind,
    calls: write.calls,
    services: write.services,
    tables: write.tables,
    ...(write.sql ? { sql: write.sql } : {}),
    reason: write.recommendation.reason,
    steps: steps.map((s, i) => ({
      order: i + 1,
      service: s.service,
      writes: s.writes,
      ...(i < steps.length - 1 ? { compensation: s.writes.map(compensationOf).join('; ') } : {}),
    })),
  };
}
