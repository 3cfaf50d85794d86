import pg from 'pg';
import { connect } from '../../db/connect.js';
import { DbsplitError } from '../../errors.js';
import { sqlLiteral } from '../../generate/ddl/names.js';
import { maskUrl } from '../../redact.js';

/**
 * Logical replication slots of the monolith: created on a replication connection (the only way
 * to get the snapshot a slot starts from), inspected and dropped over ordinary SQL.
 */

export interface ExportedSlot {
  readonly slot: string;
  /** LSN from which the slot streams: every transaction committing at or after it is decoded. */
  readonly consistentPoint: string;
  /** Importable with SET TRANSACTION SNAPSHOT while `close` has not been called. */
  readonly snapshotName: string;
  readonly temporary: boolean;
  /**
   * Ends the replication connection: the snapshot stops being importable (and a temporary
   * slot is dropped). Call once every reader has imported the snapshot.
   */
  close(): Promise<void>;
}

export function openReplicationConnection(url: string, applicationName = 'dbsplit shadow'): Promise<pg.Client> {
  return connect(url, { applicationName, replication: 'database' });
}

/** PostgreSQL 15 changed the syntax of the snapshot option. */
export function createSlotSql(slot: string, options: { temporary: boolean; serverVersionNum: number }): string {
  const temporary = options.temporary ? ' TEMPORARY' : '';
  const snapshot = options.serverVersionNum >= 150000 ? "(SNAPSHOT 'export')" : 'EXPORT_SNAPSHOT';
  return `CREATE_REPLICATION_SLOT ${slot}${temporary} LOGICAL pgoutput ${snapshot}`;
}

export async function serverVersionNum(client: pg.Client): Promise<number> {
  const res = await client.query<{ v: string }>("SELECT current_setting('server_version_num') AS v");
  return Number(res.rows[0]?.v ?? 0);
}

function slotError(e: unknown, slot: string, url: string): DbsplitError {
  const err = e as { code?: string; message?: string };
  const msg = err.message ?? String(e);
  if (err.code === '42710') return new DbsplitError('E_SYNC', `replication slot ${slot} already exists on ${maskUrl(url)}`, { hint: 'another dbsplit created it meanwhile; run dbsplit shadow start again', cause: e });
  if (err.code === '53400') return new DbsplitError('E_PRECONDITION', `cannot create replication slot ${slot}: ${msg}`, { hint: 'free a slot (SELECT slot_name, active FROM pg_replication_slots) or raise max_replication_slots, then restart PostgreSQL', cause: e });
  if (err.code === '42501') return new DbsplitError('E_PERMISSION', `cannot create replication slot ${slot}: ${msg}`, { hint: 'ALTER ROLE <user> REPLICATION', cause: e });
  return new DbsplitError('E_SYNC', `cannot create replication slot ${slot} on ${maskUrl(url)}: ${msg}`, { cause: e });
}

/**
 * Create a logical slot (pgoutput) exporting its snapshot. The replication connection stays
 * open and idle until `close`: the snapshot is importable only that long.
 */
export async function createExportedSlot(url: string, slot: string, options: { temporary: boolean; serverVersionNum: number }): Promise<ExportedSlot> {
  const conn = await openReplicationConnection(url, options.temporary ? 'dbsplit backfill' : 'dbsplit shadow start');
  try {
    const res = await conn.query<{ slot_name: string; consistent_point: string; snapshot_name: string }>(createSlotSql(slot, options));
    const row = res.rows[0];
    if (!row?.snapshot_name) throw new DbsplitError('E_SYNC', `creating replication slot ${slot} exported no snapshot`);
    let closed = false;
    return {
      slot: row.slot_name,
      consistentPoint: row.consistent_point,
      snapshotName: row.snapshot_name,
      temporary: options.temporary,
      close: async () => {
        if (closed) return;
        closed = true;
        await conn.end().catch(() => undefined);
      },
    };
  } catch (e) {
    await conn.end().catch(() => undefined);
    if (e instanceof DbsplitError) throw e;
    throw slotError(e, slot, url);
  }
}

export interface SlotInfo {
  readonly name: string;
  readonly database: string;
  readonly temporary: boolean;
  readonly active: boolean;
  readonly activePid: number | null;
  readonly restartLsn: string | null;
  readonly confirmedFlushLsn: string | null;
  /** WAL the slot keeps from being recycled: current WAL position minus restart_lsn. */
  readonly retainedBytes: number;
  /** reserved, extended, unreserved or lost. */
  readonly walStatus: string | null;
}

const SLOT_COLUMNS = `slot_name AS name, database, temporary, active, active_pid,
  restart_lsn::text AS restart_lsn, confirmed_flush_lsn::text AS confirmed_flush_lsn,
  COALESCE(pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn), 0)::float8 AS retained, wal_status`;

interface SlotRow {
  name: string;
  database: string;
  temporary: boolean;
  active: boolean;
  active_pid: number | null;
  restart_lsn: string | null;
  confirmed_flush_lsn: string | null;
  retained: number;
  wal_status: string | null;
}

const toSlot = (r: SlotRow): SlotInfo => ({
  name: r.name,
  database: r.database,
  temporary: r.temporary,
  active: r.active,
  activePid: r.active_pid,
  restartLsn: r.restart_lsn,
  confirmedFlushLsn: r.confirmed_flush_lsn,
  retainedBytes: Number(r.retained),
  walStatus: r.wal_status,
});

/** The slot `name` of the connected database, or undefined. */
export async function inspectSlot(client: pg.Client, name: string): Promise<SlotInfo | undefined> {
  const res = await client.query<SlotRow>(`SELECT ${SLOT_COLUMNS} FROM pg_replication_slots WHERE slot_name = $1 AND database = current_database()`, [name]);
  const row = res.rows[0];
  return row ? toSlot(row) : undefined;
}

/** dbsplit's permanent slots (`dbsplit_*`) of the connected database. */
export async function listDbsplitSlots(client: pg.Client): Promise<SlotInfo[]> {
  const res = await client.query<SlotRow>(`SELECT ${SLOT_COLUMNS} FROM pg_replication_slots WHERE slot_name LIKE 'dbsplit\\_%' AND database = current_database() AND NOT temporary ORDER BY slot_name`);
  return res.rows.map(toSlot);
}

export function terminateSlotSql(name: string): string {
  return `SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots WHERE slot_name = ${sqlLiteral(name)} AND active_pid IS NOT NULL`;
}

export function dropSlotSql(name: string): string {
  return `SELECT pg_drop_replication_slot(${sqlLiteral(name)})`;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Drop a slot, first ending the walsender still attached to it (a runner that did not stop in
 * time, or reconnects while we drop). Gives up after `timeoutMs`.
 */
export async function dropSlot(client: pg.Client, name: string, timeoutMs = 10_000): Promise<{ terminated: number | null }> {
  const deadline = Date.now() + timeoutMs;
  let terminated: number | null = null;
  for (;;) {
    const slot = await inspectSlot(client, name);
    if (!slot) return { terminated };
    if (slot.activePid !== null) {
      terminated = slot.activePid;
      await client.query('SELECT pg_terminate_backend($1)', [slot.activePid]);
    }
    try {
      await client.query('SELECT pg_drop_replication_slot($1)', [name]);
      return { terminated };
    } catch (e) {
      const code = (e as { code?: string }).code;
      // 55006: still active (the walsender has not exited yet); 42704: gone meanwhile.
      if (code === '42704') return { terminated };
      if (code !== '55006' || Date.now() > deadline) throw new DbsplitError('E_SYNC', `cannot drop replication slot ${name}: ${(e as Error).message}`, { hint: 'stop the process attached to it (see pg_replication_slots.active_pid) and run the command again', cause: e });
      await sleep(200);
    }
  }
}
