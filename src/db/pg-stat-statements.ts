import type pg from 'pg';
import { DbsplitError, PreconditionError } from '../errors.js';

/** One pg_stat_statements entry of the current database. */
export interface PgStatStatementsRow {
  /** Normalized text: constants replaced by $1, $2, ... */
  readonly query: string;
  readonly calls: number;
  readonly totalTimeMs: number;
  readonly rows: number;
  readonly queryid: string;
}

const INSTALL_HINT =
  "add pg_stat_statements to shared_preload_libraries in postgresql.conf, restart PostgreSQL, then run CREATE EXTENSION pg_stat_statements in this database";

/**
 * Statements that are not application workload: transaction control, session settings and
 * maintenance (also filtered later by parsing; filtering here keeps the transfer small).
 */
const UTILITY =
  '^\\s*(begin|commit|rollback|abort|end|start\\s+transaction|savepoint|release|set|reset|show|discard|deallocate|listen|unlisten|notify|vacuum|analyze|analyse|checkpoint|explain|load|prepare\\s+transaction)\\b';

/**
 * dbsplit's own statements: its control schema (`_dbsplit`), statements marked with a
 * `dbsplit` comment, and this very query.
 */
const OWN = 'dbsplit|pg_stat_statements';

/**
 * Read pg_stat_statements for the database the client is connected to (the view is
 * server-wide: other databases' entries are filtered out by dbid). Rows come most called first.
 */
export async function readPgStatStatements(client: pg.Client, options: { minCalls?: number; limit?: number } = {}): Promise<PgStatStatementsRow[]> {
  const ext = await client.query<{ schema: string }>(
    "SELECT n.nspname AS schema FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'pg_stat_statements'",
  );
  const schema = ext.rows[0]?.schema;
  if (schema === undefined) throw new PreconditionError('pg_stat_statements is not installed in this database', INSTALL_HINT);
  const version = await client.query<{ v: number }>("SELECT current_setting('server_version_num')::int AS v");
  // PostgreSQL 13 split total_time into planning and execution time.
  const totalColumn = (version.rows[0]?.v ?? 0) >= 130000 ? 'total_exec_time' : 'total_time';
  const sql = `SELECT queryid::text AS queryid, query, calls::float8 AS calls, ${totalColumn}::float8 AS total, rows::float8 AS rows
    FROM ${client.escapeIdentifier(schema)}.pg_stat_statements
    WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
      AND query IS NOT NULL AND query <> '<insufficient privilege>'
      AND calls >= $1
      AND query !~* $2 AND query !~* $3
    ORDER BY calls DESC, queryid
    LIMIT $4`;
  try {
    const result = await client.query<{ queryid: string | null; query: string; calls: number; total: number; rows: number }>(sql, [
      options.minCalls ?? 1,
      UTILITY,
      OWN,
      options.limit ?? null,
    ]);
    return result.rows.map((r) => ({ query: r.query, calls: r.calls, totalTimeMs: r.total, rows: r.rows, queryid: r.queryid ?? '' }));
  } catch (e) {
    const err = e as { code?: string; message?: string };
    if (err.code === '55000') throw new PreconditionError(`pg_stat_statements cannot be read: ${err.message ?? ''}`, INSTALL_HINT);
    if (err.code === '42501') {
      throw new DbsplitError('E_PERMISSION', `permission denied reading pg_stat_statements: ${err.message ?? ''}`, {
        hint: 'grant pg_read_all_stats to this user',
        cause: e,
      });
    }
    throw e;
  }
}
