import type pg from 'pg';
import { CONTROL_SCHEMA, ensureControlSchema } from '../db/control-schema.js';
import { JSON_FORMAT_VERSION } from '../version.js';
import type { DiffResult } from './types.js';

/**
 * Every diff run is recorded in the monolith's `_dbsplit.diff_runs`: the migration report lists
 * them, and cutover checks that the service's last diff was clean. The summary is the result
 * with at most a few sample differences per table, so that the row stays small.
 */

export const RECORDED_SAMPLES = 10;

export function diffSummary(r: DiffResult): Record<string, unknown> {
  return {
    version: JSON_FORMAT_VERSION,
    durationMs: r.durationMs,
    totals: r.totals,
    settle: r.settle,
    tables: r.tables.map((t) => ({
      table: t.table,
      target: t.target,
      rowsCompared: t.rowsCompared,
      sourceRows: t.sourceRows,
      targetRows: t.targetRows,
      missing: t.missing,
      extra: t.extra,
      changed: t.changed,
      settled: t.settled,
      unsettled: t.unsettled,
      truncated: t.truncated,
      durationMs: t.durationMs,
      ...(t.error !== undefined ? { error: t.error } : {}),
      differences: t.differences.slice(0, RECORDED_SAMPLES),
    })),
  };
}

/** Record the run; returns its id. Creates or migrates the control schema first. */
export async function recordDiffRun(client: pg.Client, r: DiffResult): Promise<string> {
  await ensureControlSchema(client);
  const res = await client.query<{ id: string }>(
    `INSERT INTO ${CONTROL_SCHEMA}.diff_runs (service, started_at, finished_at, clean, source_lsn, summary) VALUES ($1, $2, $3, $4, $5::pg_lsn, $6::jsonb) RETURNING id::text`,
    [r.service, r.startedAt, r.finishedAt, r.clean, r.sourceLsn, JSON.stringify(diffSummary(r))],
  );
  return res.rows[0]!.id;
}

export interface RecordedDiffRun {
  readonly id: string;
  readonly service: string;
  readonly startedAt: Date;
  readonly finishedAt: Date;
  readonly clean: boolean;
  readonly sourceLsn: string | null;
  readonly summary: Record<string, unknown>;
}

/** The service's last recorded diff run (cutover preconditions, reports); undefined if none. */
export async function lastDiffRun(client: pg.Client, service: string): Promise<RecordedDiffRun | undefined> {
  const exists = await client.query<{ t: string | null }>(`SELECT to_regclass('${CONTROL_SCHEMA}.diff_runs')::text AS t`);
  if (!exists.rows[0]?.t) return undefined;
  const res = await client.query<{ id: string; service: string; started_at: Date; finished_at: Date; clean: boolean; source_lsn: string | null; summary: Record<string, unknown> }>(
    `SELECT id::text, service, started_at, finished_at, clean, source_lsn::text, summary FROM ${CONTROL_SCHEMA}.diff_runs WHERE service = $1 ORDER BY id DESC LIMIT 1`,
    [service],
  );
  const r = res.rows[0];
  return r ? { id: r.id, service: r.service, startedAt: r.started_at, finishedAt: r.finished_at, clean: r.clean, sourceLsn: r.source_lsn, summary: r.summary } : undefined;
}
