import { performance } from 'node:perf_hooks';
import { Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import { qualified, quoteIdent } from '../../generate/ddl/names.js';
import type { SyncTable } from '../source/service-tables.js';
import type { TableCopyResult } from './events.js';
import { markDone } from './target-state.js';

/**
 * One table's copy: COPY TO STDOUT on the source (inside the snapshot the worker imported)
 * streamed into COPY FROM STDIN on the target, with back-pressure, so memory holds a few
 * chunks whatever the table's size. On the target it is one transaction: empty the table,
 * copy, record the table as done at the snapshot's LSN. A crash anywhere leaves either the
 * previous state or the complete copy, never half of one.
 */

export interface CopyTask {
  readonly table: SyncTable;
  readonly columns: readonly string[];
}

export interface CopyContext {
  readonly service: string;
  readonly snapshotLsn: string;
  /** SET LOCAL session_replication_role = replica: no foreign key checks nor triggers while copying. */
  readonly replicationRole: boolean;
  readonly onProgress?: (rows: number, bytes: number, elapsedMs: number) => void;
  /** Minimum interval between progress reports. */
  readonly progressIntervalMs?: number;
}

const NEWLINE = 0x0a;

/**
 * Counts what flows through. In COPY's text format a row ends with the only unescaped newline
 * (newlines inside values are written as \n), so counting newline bytes counts rows.
 */
class Meter extends Transform {
  rows = 0;
  bytes = 0;
  private last = 0;
  constructor(
    private readonly started: number,
    private readonly interval: number,
    private readonly report: ((rows: number, bytes: number, elapsedMs: number) => void) | undefined,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.bytes += chunk.length;
    let i = chunk.indexOf(NEWLINE);
    while (i !== -1) {
      this.rows++;
      i = chunk.indexOf(NEWLINE, i + 1);
    }
    if (this.report) {
      const now = performance.now();
      if (now - this.last >= this.interval) {
        this.last = now;
        this.report(this.rows, this.bytes, now - this.started);
      }
    }
    done(null, chunk);
  }
}

export function sourceCopySql(task: CopyTask): string {
  const cols = task.columns.map(quoteIdent).join(', ');
  const name = qualified(task.table.schema, task.table.name);
  // COPY table TO reads that table only (not inheritance children); a partitioned table has no
  // rows of its own, so it is read through a query over its partitions.
  return task.table.partitioned ? `COPY (SELECT ${cols} FROM ${name}) TO STDOUT` : `COPY ${name} (${cols}) TO STDOUT`;
}

export function targetCopySql(task: CopyTask): string {
  return `COPY ${qualified(task.table.target.schema, task.table.target.name)} (${task.columns.map(quoteIdent).join(', ')}) FROM STDIN`;
}

/**
 * How to empty the target table inside the copy's transaction. TRUNCATE is refused for a table
 * other tables reference by foreign key (whatever the replication role), DELETE is not (and,
 * in replica role, cascades nothing).
 */
async function emptySql(target: pg.Client, task: CopyTask): Promise<string> {
  const name = qualified(task.table.target.schema, task.table.target.name);
  const res = await target.query<{ referenced: boolean; partitioned: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM pg_constraint WHERE contype = 'f' AND confrelid = c.oid AND conrelid <> c.oid) AS referenced, c.relkind = 'p' AS partitioned
       FROM pg_class c WHERE c.oid = $1::regclass`,
    [name],
  );
  const r = res.rows[0]!;
  if (r.referenced) return `DELETE FROM ${name}`;
  return r.partitioned ? `TRUNCATE ${name}` : `TRUNCATE ONLY ${name}`;
}

/**
 * Copy one table. `source` must be inside a transaction that imported the snapshot whose
 * consistent point is `ctx.snapshotLsn`; `target` must be idle (not in a transaction).
 */
export async function copyTable(source: pg.Client, target: pg.Client, task: CopyTask, ctx: CopyContext): Promise<TableCopyResult> {
  const started = performance.now();
  await target.query('BEGIN');
  try {
    await target.query('SET LOCAL statement_timeout = 0');
    if (ctx.replicationRole) await target.query('SET LOCAL session_replication_role = replica');
    await target.query(await emptySql(target, task));
    const meter = new Meter(started, ctx.progressIntervalMs ?? 250, ctx.onProgress);
    const reader = source.query(copyTo(sourceCopySql(task)));
    const writer = target.query(copyFrom(targetCopySql(task)));
    await pipeline(reader, meter, writer);
    const rows = writer.rowCount ?? meter.rows;
    await markDone(target, ctx.service, task.table.key, ctx.snapshotLsn, rows, meter.bytes);
    await target.query('COMMIT');
    const ms = performance.now() - started;
    ctx.onProgress?.(rows, meter.bytes, ms);
    return { table: task.table.key, target: `${task.table.target.schema}.${task.table.target.name}`, rows, bytes: meter.bytes, ms, snapshotLsn: ctx.snapshotLsn };
  } catch (e) {
    await target.query('ROLLBACK').catch(() => undefined);
    throw e;
  }
}
