import { performance } from 'node:perf_hooks';
import type pg from 'pg';
import { connect } from '../../db/connect.js';
import { DbsplitError, isDbsplitError } from '../../errors.js';
import { sqlLiteral } from '../../generate/ddl/names.js';
import type { ExportedSlot } from '../source/replication.js';
import { copyTable, type CopyTask } from './copy-table.js';
import type { BackfillListener, TableCopyResult, TableEstimate } from './events.js';

/**
 * Copies tables in parallel, all inside one exported snapshot: a pool of workers, each with a
 * source connection whose transaction imported the snapshot and a target connection. Every
 * worker imports the snapshot before any copy starts; then the slot's replication connection
 * is released (the imported snapshots stay valid as long as their transactions). Largest
 * tables go first, so the longest copy does not start last.
 */

export interface RunBackfillRequest {
  readonly service: string;
  readonly sourceUrl: string;
  readonly targetUrl: string;
  readonly tasks: readonly CopyTask[];
  readonly snapshot: ExportedSlot;
  readonly jobs: number;
  readonly replicationRole: boolean;
  readonly onEvent?: BackfillListener | undefined;
}

export interface BackfillRunResult {
  readonly slot: string;
  readonly temporary: boolean;
  readonly snapshotLsn: string;
  readonly tables: readonly TableCopyResult[];
  readonly ms: number;
}

interface Worker {
  readonly source: pg.Client;
  readonly target: pg.Client;
}

export function estimateOf(task: CopyTask): TableEstimate {
  const t = task.table;
  return { table: t.key, ...(t.rowEstimate !== undefined && t.rowEstimate >= 0 ? { rows: t.rowEstimate } : {}), bytes: t.sizeBytes };
}

async function closeWorker(w: Partial<Worker>): Promise<void> {
  await w.source?.end().catch(() => undefined);
  await w.target?.end().catch(() => undefined);
}

async function openWorker(req: RunBackfillRequest): Promise<Worker> {
  const w: { source?: pg.Client; target?: pg.Client } = {};
  try {
    w.source = await connect(req.sourceUrl, { applicationName: 'dbsplit backfill' });
    await w.source.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    await w.source.query(`SET TRANSACTION SNAPSHOT ${sqlLiteral(req.snapshot.snapshotName)}`);
    // A large table copies for longer than servers usually let a statement or a transaction run.
    await w.source.query('SET LOCAL statement_timeout = 0');
    await w.source.query('SET LOCAL idle_in_transaction_session_timeout = 0');
    w.target = await connect(req.targetUrl, { applicationName: 'dbsplit backfill' });
    return { source: w.source, target: w.target };
  } catch (e) {
    await closeWorker(w);
    if (isDbsplitError(e)) throw e;
    throw new DbsplitError('E_SYNC', `cannot import the snapshot of slot ${req.snapshot.slot}: ${(e as Error).message}`, { hint: 'run the command again', cause: e });
  }
}

function tableError(service: string, failed: readonly { table: string; error: unknown }[]): DbsplitError {
  const first = failed[0]!;
  const msg = first.error instanceof Error ? first.error.message : String(first.error);
  const others = failed.length > 1 ? ` (and ${failed.slice(1).map((f) => f.table).join(', ')})` : '';
  return new DbsplitError('E_SYNC', `backfill of ${first.table}${others} failed: ${msg}`, {
    hint: `the tables copied so far are kept; fix the cause and run dbsplit shadow start ${service} again to copy the rest`,
    cause: first.error,
  });
}

export async function runBackfill(req: RunBackfillRequest): Promise<BackfillRunResult> {
  const started = performance.now();
  const queue = [...req.tasks].sort((a, b) => b.table.sizeBytes - a.table.sizeBytes || a.table.key.localeCompare(b.table.key));
  const n = Math.max(1, Math.min(req.jobs, queue.length));
  req.onEvent?.({ kind: 'snapshot', slot: req.snapshot.slot, temporary: req.snapshot.temporary, lsn: req.snapshot.consistentPoint, tables: queue.map(estimateOf), jobs: n });

  const opened = await Promise.allSettled(Array.from({ length: n }, () => openWorker(req)));
  await req.snapshot.close();
  const workers = opened.filter((o): o is PromiseFulfilledResult<Worker> => o.status === 'fulfilled').map((o) => o.value);
  const openFailure = opened.find((o): o is PromiseRejectedResult => o.status === 'rejected');
  if (openFailure) {
    await Promise.all(workers.map(closeWorker));
    throw openFailure.reason;
  }

  const results: TableCopyResult[] = [];
  const failed: { table: string; error: unknown }[] = [];
  const work = async (w: Worker): Promise<void> => {
    for (let task = queue.shift(); task !== undefined && failed.length === 0; task = queue.shift()) {
      const table = task.table.key;
      req.onEvent?.({ kind: 'table-start', table, estimate: estimateOf(task) });
      try {
        const r = await copyTable(w.source, w.target, task, {
          service: req.service,
          snapshotLsn: req.snapshot.consistentPoint,
          replicationRole: req.replicationRole,
          onProgress: (rows, bytes, elapsedMs) => req.onEvent?.({ kind: 'table-progress', table, rows, bytes, elapsedMs }),
        });
        results.push(r);
        req.onEvent?.({ kind: 'table-done', table, rows: r.rows, bytes: r.bytes, elapsedMs: r.ms, snapshotLsn: r.snapshotLsn });
      } catch (e) {
        failed.push({ table, error: e });
        req.onEvent?.({ kind: 'table-failed', table, error: e instanceof Error ? e.message : String(e) });
        return;
      }
    }
  };
  try {
    await Promise.all(workers.map(work));
  } finally {
    await Promise.all(workers.map(async (w) => {
      await w.source.query('COMMIT').catch(() => undefined);
      await closeWorker(w);
    }));
  }
  if (failed.length > 0) throw tableError(req.service, failed);
  return { slot: req.snapshot.slot, temporary: req.snapshot.temporary, snapshotLsn: req.snapshot.consistentPoint, tables: results, ms: performance.now() - started };
}
