import type { Phase } from '../../cutover/phases.js';
import { PreconditionError } from '../../errors.js';
import { evaluateTargetPreconditions, preconditionError, readTargetFacts } from '../preconditions.js';
import type { SyncSession } from '../lifecycle/session.js';
import { createExportedSlot, type ExportedSlot } from '../source/replication.js';
import type { SyncTable } from '../source/service-tables.js';
import type { BackfillListener } from './events.js';
import { runBackfill, type BackfillRunResult } from './run-backfill.js';
import { markCopying } from './target-state.js';

/**
 * Copy `tables` of a service into its target, inside `snapshot` (the slot's own, when shadow
 * start has just created it) or, when none is given, inside the snapshot of a temporary slot
 * created for the purpose: its consistent point becomes those tables' snapshot LSN, and the
 * stream, which restarts from an earlier position, applies their changes only from there.
 */
export interface CopyTablesRequest {
  readonly session: SyncSession;
  readonly tables: readonly SyncTable[];
  readonly phase: Phase;
  readonly jobs: number;
  readonly snapshot?: ExportedSlot | undefined;
  readonly onEvent?: BackfillListener | undefined;
  readonly command?: string;
}

export const DEFAULT_JOBS = 4;

/** `<slot>_tmp_<random>`, cut to PostgreSQL's 63 characters of a slot name. */
export function temporarySlotName(slot: string): string {
  const suffix = `_tmp_${Math.random().toString(36).slice(2, 10).padEnd(8, '0')}`;
  return slot.slice(0, 63 - suffix.length) + suffix;
}

export async function copyTables(req: CopyTablesRequest): Promise<BackfillRunResult> {
  const { session, tables } = req;
  const { svc, target } = session;
  try {
    if (!target) throw new PreconditionError(`the target database of ${svc.service} does not exist`, `dbsplit provision ${svc.service}`);
    const readiness = await readTargetFacts(session.monolith, target, tables, req.phase);
    const problems = evaluateTargetPreconditions(svc.service, readiness.facts);
    if (problems.length > 0) throw preconditionError(svc.service, problems, req.command);
    const tasks = tables.map((table) => ({ table, columns: readiness.columns.get(table.key)!.columns }));
    await markCopying(target, svc.service, tables.map((t) => t.key));
    const snapshot = req.snapshot ?? (await createExportedSlot(svc.monolithUrl, temporarySlotName(svc.slot), { temporary: true, serverVersionNum: session.serverVersionNum }));
    try {
      return await runBackfill({
        service: svc.service,
        sourceUrl: svc.monolithUrl,
        targetUrl: svc.target.url,
        tasks,
        snapshot,
        jobs: req.jobs,
        // Without foreign keys between the tables the role is a nicety (target triggers stay
        // quiet): used when allowed, required only when needed (checked above).
        replicationRole: readiness.facts.canSetReplicationRole,
        onEvent: req.onEvent,
      });
    } finally {
      await snapshot.close();
    }
  } finally {
    await req.snapshot?.close();
  }
}
