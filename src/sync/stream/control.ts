import { hostname } from 'node:os';
import type pg from 'pg';
import { CONTROL_SCHEMA, controlSchemaVersion } from '../../db/control-schema.js';
import { PreconditionError } from '../../errors.js';
import { readPhase } from '../lifecycle/session.js';

/**
 * The runner's side of `_dbsplit.sync_state` in the monolith: it says it is running, writes a
 * heartbeat with its progress, reads the operator's wish (`shadow stop` sets desired =
 * 'stopped'), and records its last error.
 */

export interface Heartbeat {
  readonly appliedDelta: number;
  readonly rate: number | null;
  readonly appliedLsn: string | null;
  readonly confirmedLsn: string | null;
  readonly lagSeconds: number | null;
}

export async function requireShadowing(client: pg.Client, service: string): Promise<void> {
  if ((await controlSchemaVersion(client)) < 2) {
    throw new PreconditionError(`shadow sync of ${service} is not started (the monolith has no up-to-date ${CONTROL_SCHEMA} schema)`, `run dbsplit shadow start ${service} first`);
  }
  const phase = await readPhase(client, service);
  if (phase !== 'shadowing') {
    throw new PreconditionError(`service ${service} is in phase ${phase}; dbsplit shadow run needs phase shadowing`, `run dbsplit shadow start ${service} first`);
  }
}

/** Mark the runner as wanted and present. */
export async function announceRunner(client: pg.Client, service: string, slot: string, publication: string): Promise<void> {
  await client.query(
    `INSERT INTO ${CONTROL_SCHEMA}.sync_state (service, slot_name, publication) VALUES ($1, $2, $3) ON CONFLICT (service) DO NOTHING`,
    [service, slot, publication],
  );
  await client.query(
    `UPDATE ${CONTROL_SCHEMA}.sync_state SET desired = 'running', runner_pid = $2, runner_host = $3, heartbeat_at = now(), updated_at = now() WHERE service = $1`,
    [service, process.pid, hostname()],
  );
}

/** Write the heartbeat; returns the operator's wish. */
export async function heartbeat(client: pg.Client, service: string, h: Heartbeat): Promise<'running' | 'stopped'> {
  const res = await client.query<{ desired: 'running' | 'stopped' }>(
    `UPDATE ${CONTROL_SCHEMA}.sync_state
        SET runner_pid = $2, runner_host = $3, heartbeat_at = now(), applied_changes = applied_changes + $4,
            applied_rate = $5, applied_lsn = COALESCE($6::pg_lsn, applied_lsn), confirmed_lsn = COALESCE($7::pg_lsn, confirmed_lsn),
            lag_seconds = $8, updated_at = now()
      WHERE service = $1
      RETURNING desired`,
    [service, process.pid, hostname(), h.appliedDelta, h.rate, h.appliedLsn, h.confirmedLsn, h.lagSeconds],
  );
  return res.rows[0]?.desired ?? 'running';
}

/** The runner is gone (clean exit): status then shows it as not running. */
export async function clearRunner(client: pg.Client, service: string): Promise<void> {
  await client.query(`UPDATE ${CONTROL_SCHEMA}.sync_state SET runner_pid = NULL, runner_host = NULL, applied_rate = NULL, updated_at = now() WHERE service = $1 AND runner_pid = $2`, [service, process.pid]);
}

export async function recordError(client: pg.Client, service: string, message: string): Promise<void> {
  await client.query(`UPDATE ${CONTROL_SCHEMA}.sync_state SET last_error = $2, last_error_at = now(), updated_at = now() WHERE service = $1`, [service, message]);
}

/**
 * Where the monolith's WAL ends now: every transaction committed so far is before it. The insert
 * position, not pg_current_wal_lsn(): with synchronous_commit off a commit record can be in the
 * WAL buffers, not yet written.
 */
export async function currentWalLsn(client: pg.Client): Promise<string> {
  const res = await client.query<{ lsn: string }>('SELECT pg_current_wal_insert_lsn()::text AS lsn');
  return res.rows[0]!.lsn;
}
