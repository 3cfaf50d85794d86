import type { CrossBoundaryForeignKey } from '../../model/catalog.js';
import { columnKey, tableKey } from '../../model/schema.js';
import { planCompositions } from '../compositions/index.js';
import type { GenerateContext } from '../types.js';
import { buildCopies } from './copies.js';
import { deletionEvent } from './events.js';
import type { CompositionLink, ForeignKeyReference, JoinReference, ServiceReferences } from './references-model.js';
import { buildSaga } from './sagas.js';
import { sequencesOf } from './sequences.js';

/** The references of every service of the plan, in plan order. libpg-query must be ready. */
export function buildAllReferences(ctx: GenerateContext): ServiceReferences[] {
  const cb = ctx.catalog.crossBoundary;
  const copies = buildCopies(cb?.joins ?? [], ctx.plan, ctx.workload, ctx.schema);
  const compositions = new Map(planCompositions(ctx).map((e) => [e.query.id, e]));
  const link = (id: string): CompositionLink | undefined => {
    const e = compositions.get(id);
    if (!e) return undefined;
    return { service: e.service, path: e.path, function: e.functionName, composed: e.plan.kind === 'composed', ...(e.plan.kind === 'stub' ? { reason: e.plan.reason } : {}) };
  };
  const queryCalls = new Map(ctx.workload.queries.map((q) => [q.id, q.calls]));

  return ctx.plan.services.map((service) => {
    const name = service.name;
    const fks = cb?.foreignKeys ?? [];
    const outgoing = fks.filter((f) => f.fromService === name).map((f) => foreignKeyReference(f, 'outgoing'));
    const incoming = fks.filter((f) => f.toService === name).map((f) => foreignKeyReference(f, 'incoming'));
    const joins: JoinReference[] = (cb?.joins ?? [])
      .filter((j) => j.leftService === name || j.rightService === name)
      .map((j) => ({
        left: columnKey(j.join.left),
        right: columnKey(j.join.right),
        leftService: j.leftService,
        rightService: j.rightService,
        calls: j.join.calls,
        replacement: j.recommendation.kind,
        reason: j.recommendation.reason,
        queries: j.join.queryIds.map((id) => {
          const composition = link(id);
          return { id, calls: queryCalls.get(id) ?? 0, ...(composition ? { composition } : {}) };
        }),
      }));
    const sagas = (cb?.multiServiceWrites ?? []).filter((w) => w.services.includes(name)).map((w) => buildSaga(w, ctx.workload, ctx.plan));
    return {
      version: 1 as const,
      service: name,
      tables: [...service.tables],
      foreignKeys: { outgoing: sortFks(outgoing), incoming: sortFks(incoming) },
      copies: { kept: copies.filter((c) => c.consumer === name), served: copies.filter((c) => c.owner === name) },
      joins,
      multiServiceWrites: sagas,
      sequences: sequencesOf(service.tables, ctx.schema),
    };
  });
}

function sortFks(list: ForeignKeyReference[]): ForeignKeyReference[] {
  return list.sort((a, b) => a.from.table.localeCompare(b.from.table) || a.from.columns.join().localeCompare(b.from.columns.join()) || a.constraint.localeCompare(b.constraint));
}

function foreignKeyReference(f: CrossBoundaryForeignKey, side: 'outgoing' | 'incoming'): ForeignKeyReference {
  const fk = f.foreignKey;
  const r = f.recommendation;
  const from = { service: f.fromService, table: tableKey({ schema: fk.from.schema, name: fk.from.table }), columns: [...fk.from.columns] };
  const to = { service: f.toService, table: tableKey({ schema: fk.to.schema, name: fk.to.table }), columns: [...fk.to.columns] };
  const cols = fk.from.columns.join(', ');
  const loose = r.kind === 'loose-foreign-key';
  const event = loose ? deletionEvent(f.toService, fk.to.table, fk.to.columns) : undefined;
  let action: string;
  if (side === 'outgoing') {
    if (!loose) action = `keep ${fk.from.table}.${cols} as a plain id of ${f.toService}'s ${fk.to.table}; no event (validate it at write time if needed)`;
    else if (r.onOwnerDelete === 'delete') action = `on ${event}: delete the ${fk.from.table} rows whose ${cols} match`;
    else if (r.onOwnerDelete === 'nullify') action = `on ${event}: ${fk.onDelete === 'set default' ? 'reset' : 'set'} ${fk.from.table}.${cols} to ${fk.onDelete === 'set default' ? 'its default' : 'NULL'}`;
    else action = `on ${event}: keep the ${fk.from.table} rows and decide per row (block the deletion upstream, archive, or keep the dangling id)`;
  } else {
    const what = r.onOwnerDelete === 'delete' ? 'deletes its' : r.onOwnerDelete === 'nullify' ? 'clears the reference in' : 'decides what to do with its';
    action = loose
      ? `publish ${event} whenever a row of ${fk.to.table} is deleted (${f.fromService} ${what} ${fk.from.table} rows)`
      : `nothing to publish: ${f.fromService} keeps ${fk.from.table}.${cols} as a plain id (never reuse ${fk.to.table} ids)`;
  }
  return {
    constraint: fk.name,
    inferred: fk.inferred,
    from,
    to,
    monolithOnDelete: fk.onDelete,
    replacement: loose ? 'loose-foreign-key' : 'plain-reference',
    reason: r.reason,
    ...(event ? { event } : {}),
    ...(r.onOwnerDelete ? { onOwnerDelete: r.onOwnerDelete } : {}),
    action,
  };
}
