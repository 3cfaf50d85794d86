import type pg from 'pg';

/**
 * The control schema `_dbsplit` in the monolith: each service's phase, the journal of every
 * step taken, sync checkpoints, diff runs and routes. Versioned: each release appends
 * migrations and never edits an applied one, so an older control schema is brought forward
 * in place.
 */
export const CONTROL_SCHEMA = '_dbsplit';

const MIGRATIONS: readonly string[] = [
  // 1: phases, journal, sync state, diff runs, routes
  `
  CREATE TABLE _dbsplit.services (
    name        text PRIMARY KEY,
    phase       text NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now(),
    details     jsonb NOT NULL DEFAULT '{}'::jsonb
  );
  CREATE TABLE _dbsplit.journal (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    service     text NOT NULL,
    action      text NOT NULL,
    step        text NOT NULL,
    status      text NOT NULL CHECK (status IN ('started', 'done', 'failed', 'undone')),
    detail      jsonb NOT NULL DEFAULT '{}'::jsonb,
    started_at  timestamptz NOT NULL DEFAULT clock_timestamp(),
    finished_at timestamptz
  );
  CREATE INDEX journal_service_idx ON _dbsplit.journal (service, id);
  CREATE TABLE _dbsplit.sync_state (
    service        text PRIMARY KEY,
    slot_name      text,
    publication    text,
    transport      text NOT NULL DEFAULT 'direct',
    backfill       jsonb NOT NULL DEFAULT '{}'::jsonb,
    confirmed_lsn  pg_lsn,
    last_error     text,
    last_error_at  timestamptz,
    updated_at     timestamptz NOT NULL DEFAULT now()
  );
  CREATE TABLE _dbsplit.diff_runs (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    service      text NOT NULL,
    started_at   timestamptz NOT NULL,
    finished_at  timestamptz NOT NULL,
    clean        boolean NOT NULL,
    source_lsn   pg_lsn,
    summary      jsonb NOT NULL
  );
  CREATE INDEX diff_runs_service_idx ON _dbsplit.diff_runs (service, id DESC);
  CREATE TABLE _dbsplit.routes (
    service     text NOT NULL,
    table_name  text NOT NULL,
    reads       text NOT NULL DEFAULT 'monolith' CHECK (reads IN ('monolith', 'service')),
    writes      text NOT NULL DEFAULT 'monolith' CHECK (writes IN ('monolith', 'service')),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (service, table_name)
  );
  `,
  // 2: the runner's heartbeat and the operator's wish (shadow stop sets desired = 'stopped')
  `
  ALTER TABLE _dbsplit.sync_state
    ADD COLUMN desired         text NOT NULL DEFAULT 'running' CHECK (desired IN ('running', 'stopped')),
    ADD COLUMN runner_pid      integer,
    ADD COLUMN runner_host     text,
    ADD COLUMN heartbeat_at    timestamptz,
    ADD COLUMN applied_changes bigint NOT NULL DEFAULT 0,
    ADD COLUMN applied_rate    double precision,
    ADD COLUMN applied_lsn     pg_lsn,
    ADD COLUMN lag_seconds     double precision;
  `,
];

export const CONTROL_SCHEMA_VERSION = MIGRATIONS.length;

/** The SQL that would bring the control schema to the current version (for --dry-run). */
export async function pendingControlMigrations(client: pg.Client): Promise<string[]> {
  const current = await controlSchemaVersion(client);
  const out: string[] = [];
  if (current === 0) out.push(`CREATE SCHEMA IF NOT EXISTS ${CONTROL_SCHEMA};`, `CREATE TABLE IF NOT EXISTS ${CONTROL_SCHEMA}.meta (version integer NOT NULL);`);
  for (let v = current; v < MIGRATIONS.length; v++) out.push(MIGRATIONS[v]!.trim());
  return out;
}

export async function controlSchemaVersion(client: pg.Client): Promise<number> {
  const exists = await client.query<{ t: string | null }>(`SELECT to_regclass('${CONTROL_SCHEMA}.meta')::text AS t`);
  if (!exists.rows[0]?.t) return 0;
  const v = await client.query<{ version: number }>(`SELECT version FROM ${CONTROL_SCHEMA}.meta`);
  return v.rows[0]?.version ?? 0;
}

/**
 * Create or migrate the control schema. Serialized with an advisory lock so two dbsplit
 * processes starting at once do not both migrate.
 */
export async function ensureControlSchema(client: pg.Client): Promise<number> {
  await client.query('BEGIN');
  try {
    await client.query(`SELECT pg_advisory_xact_lock(hashtext('${CONTROL_SCHEMA}.migrate'))`);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${CONTROL_SCHEMA}`);
    await client.query(`CREATE TABLE IF NOT EXISTS ${CONTROL_SCHEMA}.meta (version integer NOT NULL)`);
    const res = await client.query<{ version: number }>(`SELECT version FROM ${CONTROL_SCHEMA}.meta FOR UPDATE`);
    let version = res.rows[0]?.version ?? 0;
    if (res.rows.length === 0) await client.query(`INSERT INTO ${CONTROL_SCHEMA}.meta (version) VALUES (0)`);
    if (version > MIGRATIONS.length) {
      throw new Error(`the control schema ${CONTROL_SCHEMA} is at version ${version}, newer than this dbsplit understands (${MIGRATIONS.length}); upgrade dbsplit`);
    }
    for (; version < MIGRATIONS.length; version++) await client.query(MIGRATIONS[version]!);
    await client.query(`UPDATE ${CONTROL_SCHEMA}.meta SET version = $1`, [version]);
    await client.query('COMMIT');
    return version;
  } catch (e) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw e;
  }
}
