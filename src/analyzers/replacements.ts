import type { JoinEdge, Recommendation } from '../model/catalog.js';
import { tableKey, type ForeignKey } from '../model/schema.js';
import type { Workload } from '../model/workload.js';

/**
 * Recommend a replacement for each thing a split breaks, from the evidence in the schema and
 * the workload. The thresholds are deliberately simple and printed in the reasons, so a team
 * can argue with them.
 */
export interface ReplacementThresholds {
  /** Join calls at or above which a read model beats composing over the network on every call. */
  readonly hotJoinCalls: number;
  /** Writes per read below which a table counts as rarely changing (a copy stays fresh cheaply). */
  readonly rarelyChangingWriteRatio: number;
}

export const DEFAULT_THRESHOLDS: ReplacementThresholds = { hotJoinCalls: 10_000, rarelyChangingWriteRatio: 0.01 };

export interface TableActivity {
  readonly reads: number;
  readonly writes: number;
  readonly deletes: number;
}

export function tableActivity(workload: Workload): Map<string, TableActivity> {
  const activity = new Map<string, { reads: number; writes: number; deletes: number }>();
  const get = (k: string) => {
    let a = activity.get(k);
    if (!a) {
      a = { reads: 0, writes: 0, deletes: 0 };
      activity.set(k, a);
    }
    return a;
  };
  for (const q of workload.queries) {
    for (const r of q.reads) get(tableKey(r)).reads += q.calls;
    for (const w of q.writes) {
      const a = get(tableKey(w));
      a.writes += q.calls;
      if (q.kind === 'delete') a.deletes += q.calls;
    }
  }
  return activity;
}

const fmt = (n: number) => n.toLocaleString('en-US');

export function recommendForForeignKey(fk: ForeignKey, fromService: string, toService: string, activity: ReadonlyMap<string, TableActivity>): Recommendation {
  const target = tableKey({ schema: fk.to.schema, name: fk.to.table });
  const deletes = activity.get(target)?.deletes ?? 0;
  const ref = `${fk.from.table}.${fk.from.columns.join(',')}`;
  if (fk.onDelete === 'cascade') {
    return { kind: 'loose-foreign-key', onOwnerDelete: 'delete', reason: `ON DELETE CASCADE: ${toService} publishes deletions of ${fk.to.table}; ${fromService} deletes the matching ${fk.from.table} rows asynchronously` };
  }
  if (fk.onDelete === 'set null' || fk.onDelete === 'set default') {
    return { kind: 'loose-foreign-key', onOwnerDelete: 'nullify', reason: `ON DELETE ${fk.onDelete.toUpperCase()}: ${toService} publishes deletions of ${fk.to.table}; ${fromService} clears ${ref} asynchronously` };
  }
  if (deletes > 0) {
    return {
      kind: 'loose-foreign-key',
      onOwnerDelete: 'keep',
      reason: `the workload deletes ${fk.to.table} rows (${fmt(deletes)} calls) and the constraint forbids dangling ${ref}: ${toService} publishes deletions, ${fromService} decides per row (block, archive or keep)`,
    };
  }
  return { kind: 'plain-reference', reason: `the workload never deletes ${fk.to.table}: keep ${ref} as a plain id owned by ${toService}, validated at write time if needed` };
}

export function recommendForJoin(join: JoinEdge, leftService: string, rightService: string, activity: ReadonlyMap<string, TableActivity>, thresholds: ReplacementThresholds = DEFAULT_THRESHOLDS): Recommendation {
  const left = tableKey({ schema: join.left.schema, name: join.left.table });
  const right = tableKey({ schema: join.right.schema, name: join.right.table });
  // The side that is read more but written least is the one worth copying to the other service.
  const la = activity.get(left) ?? { reads: 0, writes: 0, deletes: 0 };
  const ra = activity.get(right) ?? { reads: 0, writes: 0, deletes: 0 };
  const ratio = (a: TableActivity) => (a.reads === 0 ? (a.writes === 0 ? 0 : Infinity) : a.writes / a.reads);
  const [copied, copiedService, consumer] = ratio(ra) <= ratio(la) ? [join.right.table, rightService, leftService] : [join.left.table, leftService, rightService];
  const copiedKey = copied === join.right.table ? right : left;
  const copiedRatio = copied === join.right.table ? ratio(ra) : ratio(la);
  if (copiedRatio < thresholds.rarelyChangingWriteRatio) {
    return {
      kind: 'bounded-duplication',
      consumer,
      copiedTable: copiedKey,
      reason: `${copied} rarely changes (writes/reads ${(copiedRatio * 100).toFixed(2)}% < ${thresholds.rarelyChangingWriteRatio * 100}%): ${consumer} keeps a copy of the columns it needs, refreshed from ${copiedService}'s change events`,
    };
  }
  if (join.calls >= thresholds.hotJoinCalls) {
    return {
      kind: 'cqrs-read-model',
      consumer,
      copiedTable: copiedKey,
      reason: `hot join (${fmt(join.calls)} calls ≥ ${fmt(thresholds.hotJoinCalls)}): ${consumer} maintains a read model of ${copied} fed from ${copiedService}'s change events`,
    };
  }
  return { kind: 'api-composition', reason: `${fmt(join.calls)} calls < ${fmt(thresholds.hotJoinCalls)}: compose in the application, batch-fetching from ${rightService === consumer ? leftService : rightService} by key` };
}

export function recommendForWrite(services: readonly string[], tables: readonly string[]): Recommendation {
  return { kind: 'saga', reason: `one transaction writes ${tables.join(', ')} across ${services.join(' and ')}: a saga with a compensating step per service (or move the tables into one service)` };
}
