import { PreconditionError } from '../../errors.js';
import { controlSchemaVersion } from '../../db/control-schema.js';
import { asSyncError } from '../lifecycle/errors.js';
import { openSyncSession, readPhase } from '../lifecycle/session.js';
import { summarize, updateBackfillSummary, type BackfillSummary } from '../lifecycle/sync-state.js';
import { inspectSlot } from '../source/replication.js';
import { findSyncTable, loadSyncService, type SyncService } from '../source/service-tables.js';
import { ensureTargetState } from '../target-tables.js';
import type { BackfillListener, TableCopyResult } from './events.js';
import { copyTables, DEFAULT_JOBS } from './pending.js';
import { ensurePosition, readBackfillRows } from './target-state.js';

export type { BackfillEvent, BackfillListener, TableCopyResult, TableEstimate } from './events.js';
export { DEFAULT_JOBS } from './pending.js';

export interface BackfillPendingOptions {
  /** The plan file (dbsplit.yaml). */
  readonly planPath: string;
  readonly service: string;
  /** The monolith (overrides the plan's monolith.url). */
  readonly url?: string | undefined;
  /** Parallel table copies (default 4). */
  readonly jobs?: number | undefined;
  /** Re-copy these tables (`schema.table` or a bare name) even when done. Default: every table not done. */
  readonly tables?: readonly string[] | undefined;
  readonly onEvent?: BackfillListener | undefined;
  /** The service as loadSyncService resolved it, to save introspecting the monolith again. */
  readonly syncService?: SyncService | undefined;
}

export interface BackfillPendingResult {
  readonly service: string;
  /** Tables copied now (empty when every table was done already). */
  readonly copied: readonly TableCopyResult[];
  /** The temporary slot whose snapshot they were copied in, and its consistent point. */
  readonly slot: string | null;
  readonly snapshotLsn: string | null;
  readonly summary: BackfillSummary;
}

/**
 * Copy every table of the service whose backfill is not done (after a crash, or a table added
 * to the plan), or the tables named, each inside the snapshot of a temporary slot. The
 * service's slot must exist (shadow start created it). Takes no lock: the caller (the runner,
 * or shadow start) holds the service's runner lock on the target.
 */
export async function backfillPending(options: BackfillPendingOptions): Promise<BackfillPendingResult> {
  const svc = options.syncService ?? (await loadSyncService({ planPath: options.planPath, service: options.service, url: options.url }));
  const session = await openSyncSession(svc, 'dbsplit backfill');
  try {
    const { monolith, target } = session;
    if (!target) throw new PreconditionError(`the target database of ${svc.service} does not exist`, `dbsplit provision ${svc.service}`);
    const slot = await inspectSlot(monolith, svc.slot);
    if (!slot) throw new PreconditionError(`shadow sync of ${svc.service} is not started: the monolith has no replication slot ${svc.slot}`, `dbsplit shadow start ${svc.service}`);
    const forced = options.tables?.map((t) => findSyncTable(svc, t));
    await ensureTargetState(target);
    // The slot's confirmed position is where its stream resumes; every table copied from now
    // on is at a later LSN, so no change it needs can be behind the stream.
    await ensurePosition(target, svc.service, slot.confirmedFlushLsn ?? slot.restartLsn!);
    const before = await readBackfillRows(target, svc.service);
    const pending = forced ?? svc.tables.filter((t) => before.get(t.key)?.status !== 'done');
    let copied: TableCopyResult[] = [];
    let slotName: string | null = null;
    let lsn: string | null = null;
    if (pending.length > 0) {
      const phase = await readPhase(monolith, svc.service);
      const r = await copyTables({ session, tables: pending, phase, jobs: options.jobs ?? DEFAULT_JOBS, onEvent: options.onEvent, command: 'shadow backfill' });
      copied = [...r.tables];
      slotName = r.slot;
      lsn = r.snapshotLsn;
    }
    const summary = summarize(await readBackfillRows(target, svc.service), svc.tables.map((t) => t.key));
    if ((await controlSchemaVersion(monolith)) >= 2) await updateBackfillSummary(monolith, svc.service, summary);
    return { service: svc.service, copied, slot: slotName, snapshotLsn: lsn, summary };
  } catch (e) {
    throw asSyncError(e, `backfill of ${svc.service}`);
  } finally {
    await session.close();
  }
}

/** The name the streaming runner calls it by. */
export const resumeBackfill = backfillPending;
