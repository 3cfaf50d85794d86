import type pg from 'pg';
import { CONTROL_SCHEMA, controlSchemaVersion } from '../../db/control-schema.js';
import type { BackfillRow } from '../backfill/target-state.js';

/**
 * A service's row in the monolith's `_dbsplit.sync_state`: what shadow start created (slot,
 * publication, transport), a summary of the backfill, the operator's wish (`desired`) and the
 * runner's heartbeat (written by the streaming runner).
 */

export interface BackfillSummary {
  readonly tablesTotal: number;
  readonly tablesDone: number;
  readonly rows: number;
  readonly bytes: number;
  /** Highest snapshot LSN among the done tables. */
  readonly snapshotLsn: string | null;
  readonly updatedAt: string;
}

export interface SyncStateRow {
  readonly service: string;
  readonly slotName: string | null;
  readonly publication: string | null;
  readonly transport: string;
  readonly backfill: Partial<BackfillSummary>;
  readonly confirmedLsn: string | null;
  readonly lastError: string | null;
  readonly lastErrorAt: Date | null;
  readonly desired: 'running' | 'stopped';
  readonly runnerPid: number | null;
  readonly runnerHost: string | null;
  readonly heartbeatAt: Date | null;
  readonly appliedChanges: number;
  readonly appliedRate: number | null;
  readonly appliedLsn: string | null;
  readonly lagSeconds: number | null;
  readonly updatedAt: Date;
}

interface Raw {
  service: string;
  slot_name: string | null;
  publication: string | null;
  transport: string;
  backfill: Partial<BackfillSummary> | null;
  confirmed_lsn: string | null;
  last_error: string | null;
  last_error_at: Date | null;
  desired: 'running' | 'stopped';
  runner_pid: number | null;
  runner_host: string | null;
  heartbeat_at: Date | null;
  applied_changes: string;
  applied_rate: number | null;
  applied_lsn: string | null;
  lag_seconds: number | null;
  updated_at: Date;
}

const toRow = (r: Raw): SyncStateRow => ({
  service: r.service,
  slotName: r.slot_name,
  publication: r.publication,
  transport: r.transport,
  backfill: r.backfill ?? {},
  confirmedLsn: r.confirmed_lsn,
  lastError: r.last_error,
  lastErrorAt: r.last_error_at,
  desired: r.desired,
  runnerPid: r.runner_pid,
  runnerHost: r.runner_host,
  heartbeatAt: r.heartbeat_at,
  appliedChanges: Number(r.applied_changes),
  appliedRate: r.applied_rate,
  appliedLsn: r.applied_lsn,
  lagSeconds: r.lag_seconds,
  updatedAt: r.updated_at,
});

const COLUMNS = `service, slot_name, publication, transport, backfill, confirmed_lsn::text, last_error, last_error_at, desired, runner_pid, runner_host,
  heartbeat_at, applied_changes::text, applied_rate, applied_lsn::text, lag_seconds, updated_at`;

/** Every service's row (or one service's); empty when the control schema does not exist. */
export async function readSyncStates(client: pg.Client, service?: string): Promise<SyncStateRow[]> {
  if ((await controlSchemaVersion(client)) < 2) return [];
  const res = service === undefined
    ? await client.query<Raw>(`SELECT ${COLUMNS} FROM ${CONTROL_SCHEMA}.sync_state ORDER BY service`)
    : await client.query<Raw>(`SELECT ${COLUMNS} FROM ${CONTROL_SCHEMA}.sync_state WHERE service = $1`, [service]);
  return res.rows.map(toRow);
}

export async function upsertSyncState(client: pg.Client, s: { service: string; slot: string; publication: string; transport: string }): Promise<void> {
  await client.query(
    `INSERT INTO ${CONTROL_SCHEMA}.sync_state (service, slot_name, publication, transport, updated_at) VALUES ($1, $2, $3, $4, now())
     ON CONFLICT (service) DO UPDATE SET slot_name = EXCLUDED.slot_name, publication = EXCLUDED.publication, transport = EXCLUDED.transport, updated_at = now()`,
    [s.service, s.slot, s.publication, s.transport],
  );
}

export function summarize(rows: ReadonlyMap<string, BackfillRow>, tables: readonly string[]): BackfillSummary {
  let tablesDone = 0;
  let rowCount = 0;
  let bytes = 0;
  let lsn: string | null = null;
  for (const t of tables) {
    const r = rows.get(t);
    if (r?.status !== 'done') continue;
    tablesDone++;
    rowCount += r.rows;
    bytes += r.bytes;
    if (r.snapshotLsn !== null && (lsn === null || compareLsn(r.snapshotLsn, lsn) > 0)) lsn = r.snapshotLsn;
  }
  return { tablesTotal: tables.length, tablesDone, rows: rowCount, bytes, snapshotLsn: lsn, updatedAt: new Date().toISOString() };
}

/** LSNs as PostgreSQL prints them (`16/B374D848`): compare numerically. */
export function compareLsn(a: string, b: string): number {
  const n = (x: string) => {
    const [hi, lo] = x.split('/');
    return (BigInt(`0x${hi ?? '0'}`) << 32n) + BigInt(`0x${lo ?? '0'}`);
  };
  const d = n(a) - n(b);
  return d === 0n ? 0 : d > 0n ? 1 : -1;
}

export async function updateBackfillSummary(client: pg.Client, service: string, summary: BackfillSummary): Promise<void> {
  await client.query(`UPDATE ${CONTROL_SCHEMA}.sync_state SET backfill = $2::jsonb, updated_at = now() WHERE service = $1`, [service, JSON.stringify(summary)]);
}

export function setDesiredSql(service: string, desired: 'running' | 'stopped'): string {
  return `UPDATE ${CONTROL_SCHEMA}.sync_state SET desired = '${desired}', updated_at = now() WHERE service = '${service.replace(/'/g, "''")}'`;
}

export function deleteSyncStateSql(service: string): string {
  return `DELETE FROM ${CONTROL_SCHEMA}.sync_state WHERE service = '${service.replace(/'/g, "''")}'`;
}
