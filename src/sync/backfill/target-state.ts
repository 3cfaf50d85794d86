import type pg from 'pg';
import { qualified } from '../../generate/ddl/names.js';
import { TARGET_STATE_SCHEMA } from '../contract.js';

/**
 * The backfill's bookkeeping in the target (`_dbsplit_sync.backfill` and `.position`), read
 * and written beside the data it describes.
 */

export type BackfillStatus = 'pending' | 'copying' | 'done';

export interface BackfillRow {
  readonly table: string;
  readonly status: BackfillStatus;
  readonly snapshotLsn: string | null;
  readonly rows: number;
  readonly bytes: number;
  readonly updatedAt: Date;
}

export interface PositionRow {
  readonly lsn: string;
  readonly sourceTxid: string | null;
  readonly appliedAt: Date;
  readonly sourceCommitTime: Date | null;
}

async function stateExists(client: pg.Client): Promise<boolean> {
  const res = await client.query<{ t: string | null }>(`SELECT to_regclass('${TARGET_STATE_SCHEMA}.backfill')::text AS t`);
  return Boolean(res.rows[0]?.t);
}

/** The service's backfill rows by monolith table key; empty when the state tables do not exist yet. */
export async function readBackfillRows(client: pg.Client, service: string): Promise<Map<string, BackfillRow>> {
  if (!(await stateExists(client))) return new Map();
  const res = await client.query<{ table_name: string; status: BackfillStatus; snapshot_lsn: string | null; rows: string; bytes: string; updated_at: Date }>(
    `SELECT table_name, status, snapshot_lsn::text, rows::text, bytes::text, updated_at FROM ${TARGET_STATE_SCHEMA}.backfill WHERE service = $1 ORDER BY table_name`,
    [service],
  );
  return new Map(res.rows.map((r) => [r.table_name, { table: r.table_name, status: r.status, snapshotLsn: r.snapshot_lsn, rows: Number(r.rows), bytes: Number(r.bytes), updatedAt: r.updated_at }]));
}

export async function readPosition(client: pg.Client, service: string): Promise<PositionRow | undefined> {
  if (!(await stateExists(client))) return undefined;
  const res = await client.query<{ lsn: string; source_txid: string | null; applied_at: Date; source_commit_time: Date | null }>(
    `SELECT lsn::text, source_txid::text, applied_at, source_commit_time FROM ${TARGET_STATE_SCHEMA}.position WHERE service = $1`,
    [service],
  );
  const r = res.rows[0];
  return r ? { lsn: r.lsn, sourceTxid: r.source_txid, appliedAt: r.applied_at, sourceCommitTime: r.source_commit_time } : undefined;
}

/**
 * A new slot starts a new stream: whatever an earlier one copied or applied (a cancelled
 * shadow sync) says nothing about it. Every table becomes pending, and the position is the new
 * slot's consistent point.
 */
export async function resetTargetState(client: pg.Client, service: string, lsn: string, tables: readonly string[]): Promise<void> {
  await client.query('BEGIN');
  try {
    await client.query(`DELETE FROM ${TARGET_STATE_SCHEMA}.backfill WHERE service = $1`, [service]);
    await client.query(
      `INSERT INTO ${TARGET_STATE_SCHEMA}.backfill (service, table_name, status) SELECT $1, t, 'pending' FROM unnest($2::text[]) AS t`,
      [service, tables],
    );
    await client.query(
      `INSERT INTO ${TARGET_STATE_SCHEMA}.position (service, lsn, source_txid, applied_at, source_commit_time) VALUES ($1, $2::pg_lsn, NULL, now(), NULL)
       ON CONFLICT (service) DO UPDATE SET lsn = EXCLUDED.lsn, source_txid = NULL, applied_at = now(), source_commit_time = NULL`,
      [service, lsn],
    );
    await client.query('COMMIT');
  } catch (e) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw e;
  }
}

/** Write the position only when there is none (a resume must never move an applier back). */
export async function ensurePosition(client: pg.Client, service: string, lsn: string): Promise<boolean> {
  const res = await client.query(`INSERT INTO ${TARGET_STATE_SCHEMA}.position (service, lsn) VALUES ($1, $2::pg_lsn) ON CONFLICT (service) DO NOTHING`, [service, lsn]);
  return res.rowCount === 1;
}

/** Tables about to be copied, for `shadow status` while they are (a done table keeps its row until its copy commits). */
export async function markCopying(client: pg.Client, service: string, tables: readonly string[]): Promise<void> {
  await client.query(
    `INSERT INTO ${TARGET_STATE_SCHEMA}.backfill (service, table_name, status) SELECT $1, t, 'copying' FROM unnest($2::text[]) AS t
     ON CONFLICT (service, table_name) DO UPDATE SET status = 'copying', updated_at = now() WHERE ${TARGET_STATE_SCHEMA}.backfill.status <> 'done'`,
    [service, tables],
  );
}

/** Inside the copy's transaction: the table is done, consistent with `lsn`. */
export async function markDone(client: pg.Client, service: string, table: string, lsn: string, rows: number, bytes: number): Promise<void> {
  await client.query(
    `INSERT INTO ${TARGET_STATE_SCHEMA}.backfill (service, table_name, status, snapshot_lsn, rows, bytes, updated_at) VALUES ($1, $2, 'done', $3::pg_lsn, $4, $5, now())
     ON CONFLICT (service, table_name) DO UPDATE SET status = 'done', snapshot_lsn = EXCLUDED.snapshot_lsn, rows = EXCLUDED.rows, bytes = EXCLUDED.bytes, updated_at = now()`,
    [service, table, lsn, rows, bytes],
  );
}

export function truncateAllSql(tables: readonly { schema: string; name: string }[]): string {
  return `TRUNCATE ${tables.map((t) => qualified(t.schema, t.name)).join(', ')}`;
}

/**
 * Empty every target table at once before a full backfill. One TRUNCATE of them all is
 * allowed where a table's own is not (the tables that reference it go with it), and is far
 * cheaper than each copy deleting rows. False when the target refuses (a table outside the
 * service references one of them): each copy then empties its table itself.
 */
export async function truncateAll(client: pg.Client, tables: readonly { schema: string; name: string }[]): Promise<boolean> {
  if (tables.length === 0) return true;
  try {
    await client.query(truncateAllSql(tables));
    return true;
  } catch {
    return false;
  }
}
