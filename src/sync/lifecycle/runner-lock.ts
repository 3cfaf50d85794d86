import type pg from 'pg';
import { PreconditionError } from '../../errors.js';
import type { SyncStateRow } from './sync-state.js';

/**
 * One process at a time works on a service's target: the streaming runner holds a session
 * advisory lock on the target for as long as it runs, and shadow start takes the same lock
 * while it copies (so a runner cannot stream while a table is being re-copied under it).
 */

export function runnerLockKey(service: string): string {
  return `dbsplit:${service}`;
}

export async function tryRunnerLock(target: pg.Client, service: string): Promise<boolean> {
  const res = await target.query<{ ok: boolean }>('SELECT pg_try_advisory_lock(hashtext($1)) AS ok', [runnerLockKey(service)]);
  return res.rows[0]?.ok === true;
}

export async function releaseRunnerLock(target: pg.Client, service: string): Promise<void> {
  await target.query('SELECT pg_advisory_unlock(hashtext($1))', [runnerLockKey(service)]).catch(() => undefined);
}

export function runnerActiveError(service: string, state: SyncStateRow | undefined): PreconditionError {
  const who = state?.runnerPid != null ? ` (pid ${state.runnerPid}${state.runnerHost ? ` on ${state.runnerHost}` : ''})` : '';
  return new PreconditionError(
    `a dbsplit process is working on ${service}'s target${who}: a shadow runner, or another shadow start`,
    `stop it first (dbsplit shadow stop ${service}), or wait for the other shadow start to finish`,
  );
}
