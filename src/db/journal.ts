import type pg from 'pg';
import { CONTROL_SCHEMA } from './control-schema.js';

/**
 * Every step dbsplit takes against a database is journaled before and after, so an
 * interrupted action can be resumed or rolled back from what the journal says happened.
 */
export interface JournalEntry {
  readonly id: string;
  readonly service: string;
  readonly action: string;
  readonly step: string;
  readonly status: 'started' | 'done' | 'failed' | 'undone';
  readonly detail: Record<string, unknown>;
  readonly startedAt: Date;
  readonly finishedAt: Date | null;
}

export async function journalStart(client: pg.Client, service: string, action: string, step: string, detail: Record<string, unknown> = {}): Promise<string> {
  const res = await client.query<{ id: string }>(
    `INSERT INTO ${CONTROL_SCHEMA}.journal (service, action, step, status, detail) VALUES ($1, $2, $3, 'started', $4) RETURNING id::text`,
    [service, action, step, JSON.stringify(detail)],
  );
  return res.rows[0]!.id;
}

export async function journalFinish(client: pg.Client, id: string, status: 'done' | 'failed' | 'undone', detail: Record<string, unknown> = {}): Promise<void> {
  await client.query(`UPDATE ${CONTROL_SCHEMA}.journal SET status = $2, finished_at = clock_timestamp(), detail = detail || $3::jsonb WHERE id = $1`, [id, status, JSON.stringify(detail)]);
}

export async function readJournal(client: pg.Client, service: string, limit = 100): Promise<JournalEntry[]> {
  const res = await client.query<{ id: string; service: string; action: string; step: string; status: JournalEntry['status']; detail: Record<string, unknown>; started_at: Date; finished_at: Date | null }>(
    `SELECT id::text, service, action, step, status, detail, started_at, finished_at FROM ${CONTROL_SCHEMA}.journal WHERE service = $1 ORDER BY id DESC LIMIT $2`,
    [service, limit],
  );
  return res.rows.map((r) => ({ id: r.id, service: r.service, action: r.action, step: r.step, status: r.status, detail: r.detail, startedAt: r.started_at, finishedAt: r.finished_at })).reverse();
}

/** Run one journaled step: `started` before, `done` or `failed` after. */
export async function journaled<T>(client: pg.Client, service: string, action: string, step: string, fn: () => Promise<T>, detail: Record<string, unknown> = {}): Promise<T> {
  const id = await journalStart(client, service, action, step, detail);
  try {
    const value = await fn();
    await journalFinish(client, id, 'done');
    return value;
  } catch (e) {
    await journalFinish(client, id, 'failed', { error: e instanceof Error ? e.message : String(e) }).catch(() => undefined);
    throw e;
  }
}
