import type pg from 'pg';
import { PreconditionError } from '../errors.js';
import type { Phase } from '../cutover/phases.js';
import { qualified, quoteIdent } from '../generate/ddl/names.js';
import { copyColumns, readTableColumns, type CopyColumns } from './backfill/columns.js';
import type { SyncService, SyncTable } from './source/service-tables.js';

/**
 * What `shadow start` needs before it changes anything, checked all at once so one run lists
 * every problem with its fix. Facts are read from the servers by the read* functions; the
 * verdict (evaluatePreconditions) is a pure function of them.
 */

export type PreconditionCheck =
  | 'wal_level'
  | 'replication_privilege'
  | 'replication_slots'
  | 'wal_senders'
  | 'publication_privilege'
  | 'replica_identity'
  | 'source_table'
  | 'phase'
  | 'target_provisioned'
  | 'target_columns'
  | 'target_replication_role';

export interface PreconditionProblem {
  readonly check: PreconditionCheck;
  /** What is wrong. */
  readonly problem: string;
  /** How to fix it (SQL or a command). */
  readonly fix: string;
}

export interface SourceTableFacts {
  readonly key: string;
  readonly exists: boolean;
  readonly hasPrimaryKey: boolean;
  /** pg_class.relreplident: d(efault), f(ull), n(othing), i(ndex). */
  readonly replicaIdentity: 'd' | 'f' | 'n' | 'i';
  readonly ownedByUser: boolean;
}

export interface SourceFacts {
  readonly database: string;
  readonly user: string;
  readonly serverVersionNum: number;
  readonly walLevel: string;
  readonly maxReplicationSlots: number;
  readonly usedReplicationSlots: number;
  readonly maxWalSenders: number;
  readonly usedWalSenders: number;
  readonly superuser: boolean;
  readonly replicationRole: boolean;
  readonly createOnDatabase: boolean;
  readonly slotExists: boolean;
  readonly tables: readonly SourceTableFacts[];
}

export interface TargetFacts {
  readonly phase: Phase;
  readonly databaseExists: boolean;
  /** Target tables (qualified) that do not exist. */
  readonly missingTables: readonly string[];
  /** Per target table: source columns it lacks. */
  readonly missingColumns: readonly { readonly table: string; readonly columns: readonly string[] }[];
  /** Whether the target holds foreign keys between the service's tables (parallel copies then need replica role). */
  readonly hasForeignKeys: boolean;
  readonly canSetReplicationRole: boolean;
  readonly user: string;
}

export interface EvaluateOptions {
  /** Replication slots the run will create (the slot, and a temporary one when resuming). */
  readonly slotsNeeded: number;
}

const restart = 'then restart PostgreSQL';

export function evaluatePreconditions(service: string, source: SourceFacts, target: TargetFacts, options: EvaluateOptions): PreconditionProblem[] {
  const out: PreconditionProblem[] = [];
  const user = quoteIdent(source.user);
  if (source.walLevel !== 'logical') {
    out.push({ check: 'wal_level', problem: `wal_level is ${source.walLevel} on the monolith; logical decoding needs logical`, fix: `ALTER SYSTEM SET wal_level = logical; ${restart} (on a managed service, set it in the parameter group: e.g. rds.logical_replication = 1 on RDS)` });
  }
  if (!source.superuser && !source.replicationRole) {
    out.push({ check: 'replication_privilege', problem: `user ${source.user} may not create replication slots (no REPLICATION attribute)`, fix: `ALTER ROLE ${user} REPLICATION;` });
  }
  const freeSlots = source.maxReplicationSlots - source.usedReplicationSlots;
  if (freeSlots < options.slotsNeeded) {
    out.push({
      check: 'replication_slots',
      problem: `${source.usedReplicationSlots} of max_replication_slots = ${source.maxReplicationSlots} are in use; ${options.slotsNeeded} more needed`,
      fix: `drop slots nobody uses (SELECT slot_name FROM pg_replication_slots WHERE NOT active), or ALTER SYSTEM SET max_replication_slots = ${source.usedReplicationSlots + options.slotsNeeded + 2}; ${restart}`,
    });
  }
  if (options.slotsNeeded > 0 && source.maxWalSenders - source.usedWalSenders < 1) {
    out.push({
      check: 'wal_senders',
      problem: `${source.usedWalSenders} of max_wal_senders = ${source.maxWalSenders} are in use; creating a slot needs a replication connection`,
      fix: `ALTER SYSTEM SET max_wal_senders = ${source.maxWalSenders + 4}; ${restart}`,
    });
  }
  if (!source.superuser && !source.createOnDatabase) {
    out.push({ check: 'publication_privilege', problem: `user ${source.user} may not create a publication in database ${source.database}`, fix: `GRANT CREATE ON DATABASE ${quoteIdent(source.database)} TO ${user};` });
  }
  const missing = source.tables.filter((t) => !t.exists);
  if (missing.length > 0) {
    out.push({ check: 'source_table', problem: `table${missing.length === 1 ? '' : 's'} ${missing.map((t) => t.key).join(', ')} of ${service} no longer exist${missing.length === 1 ? 's' : ''} in the monolith`, fix: 'update the plan (dbsplit plan), regenerate and provision' });
  }
  const notOwned = source.tables.filter((t) => t.exists && !t.ownedByUser);
  if (!source.superuser && notOwned.length > 0) {
    out.push({ check: 'publication_privilege', problem: `user ${source.user} does not own ${notOwned.map((t) => t.key).join(', ')}, and only a table's owner may publish it`, fix: `run as the tables' owner, or ${notOwned.map((t) => `ALTER TABLE ${keySql(t.key)} OWNER TO ${user};`).join(' ')}` });
  }
  const noIdentity = source.tables.filter((t) => t.exists && (t.replicaIdentity === 'n' || (t.replicaIdentity === 'd' && !t.hasPrimaryKey)));
  if (noIdentity.length > 0) {
    out.push({
      check: 'replica_identity',
      problem: `${noIdentity.map((t) => t.key).join(', ')} ${noIdentity.length === 1 ? 'has' : 'have'} no primary key and no REPLICA IDENTITY FULL: once published, their UPDATEs and DELETEs would fail on the monolith, and could not be applied`,
      fix: `${noIdentity.map((t) => `ALTER TABLE ${keySql(t.key)} REPLICA IDENTITY FULL;`).join(' ')} (or add a primary key)`,
    });
  }
  out.push(...evaluateTargetPreconditions(service, target));
  return out;
}

function keySql(key: string): string {
  const dot = key.indexOf('.');
  return qualified(key.slice(0, dot), key.slice(dot + 1));
}

/** The checks of the target alone (and the phase): what a resumed backfill needs. */
export function evaluateTargetPreconditions(service: string, target: TargetFacts): PreconditionProblem[] {
  const out: PreconditionProblem[] = [];
  if (target.phase === 'planned') {
    // Provisioning creates the database and the tables: nothing else about the target matters yet.
    out.push({ check: 'phase', problem: `service ${service} is not provisioned (phase planned)`, fix: `dbsplit provision ${service}` });
    return out;
  }
  if (target.phase !== 'provisioned' && target.phase !== 'shadowing') {
    out.push({ check: 'phase', problem: `service ${service} is in phase ${target.phase}: its reads or writes already moved, so the monolith is no longer its source`, fix: 'roll the cutover back first (dbsplit status shows the phase)' });
  }
  if (!target.databaseExists) {
    out.push({ check: 'target_provisioned', problem: `the target database of ${service} does not exist`, fix: `dbsplit provision ${service}` });
    return out;
  }
  if (target.missingTables.length > 0) {
    out.push({ check: 'target_provisioned', problem: `the target lacks ${target.missingTables.join(', ')}`, fix: `dbsplit provision ${service} (after dbsplit generate, when the plan changed)` });
  }
  for (const m of target.missingColumns) {
    out.push({ check: 'target_columns', problem: `target table ${m.table} lacks column${m.columns.length === 1 ? '' : 's'} ${m.columns.join(', ')} of the monolith's table`, fix: `add them with a migration (dbsplit generate shows the DDL), then dbsplit provision ${service}` });
  }
  if (target.hasForeignKeys && !target.canSetReplicationRole) {
    out.push({
      check: 'target_replication_role',
      problem: `the target's tables reference each other, and user ${target.user} may not SET session_replication_role (tables are copied in parallel, so foreign keys must not be checked while copying)`,
      fix: `GRANT SET ON PARAMETER session_replication_role TO ${quoteIdent(target.user)}; (PostgreSQL 15+), or connect to the target as a superuser`,
    });
  }
  return out;
}

/** One error listing every problem, one per line, each with its fix. */
export function preconditionError(service: string, problems: readonly PreconditionProblem[], command = 'shadow start'): PreconditionError {
  const lines = problems.map((p) => `  - ${p.problem}\n    fix: ${p.fix}`);
  const n = problems.length;
  return new PreconditionError(`dbsplit ${command} ${service}: ${n} precondition${n === 1 ? '' : 's'} not met:\n${lines.join('\n')}`);
}

export async function readSourceFacts(client: pg.Client, svc: Pick<SyncService, 'slot' | 'tables'>): Promise<SourceFacts> {
  const s = await client.query<{
    database: string; user: string; version: string; wal_level: string; max_slots: string; used_slots: string; max_senders: string; used_senders: string;
    superuser: boolean; replication: boolean; create_db: boolean; slot_exists: boolean;
  }>(
    `SELECT current_database() AS database, current_user AS user, current_setting('server_version_num') AS version,
            current_setting('wal_level') AS wal_level,
            current_setting('max_replication_slots') AS max_slots, (SELECT count(*) FROM pg_replication_slots)::text AS used_slots,
            current_setting('max_wal_senders') AS max_senders,
            (SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'walsender')::text AS used_senders,
            r.rolsuper AS superuser, r.rolreplication AS replication,
            has_database_privilege(current_database(), 'CREATE') AS create_db,
            EXISTS (SELECT 1 FROM pg_replication_slots WHERE slot_name = $1) AS slot_exists
       FROM pg_roles r WHERE r.rolname = current_user`,
    [svc.slot],
  );
  const row = s.rows[0]!;
  const t = await client.query<{ key: string; exists: boolean; has_pk: boolean; replident: 'd' | 'f' | 'n' | 'i'; owned: boolean }>(
    `SELECT w.schema || '.' || w.name AS key, c.oid IS NOT NULL AS exists,
            COALESCE(EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conrelid = c.oid AND k.contype = 'p'), false) AS has_pk,
            COALESCE(c.relreplident, 'd') AS replident,
            COALESCE(pg_has_role(current_user, c.relowner, 'USAGE'), false) AS owned
       FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS w(schema, name, i)
       LEFT JOIN pg_namespace n ON n.nspname = w.schema
       LEFT JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = w.name AND c.relkind IN ('r', 'p')
      ORDER BY w.i`,
    [svc.tables.map((x) => x.schema), svc.tables.map((x) => x.name)],
  );
  return {
    database: row.database,
    user: row.user,
    serverVersionNum: Number(row.version),
    walLevel: row.wal_level,
    maxReplicationSlots: Number(row.max_slots),
    usedReplicationSlots: Number(row.used_slots),
    maxWalSenders: Number(row.max_senders),
    usedWalSenders: Number(row.used_senders),
    superuser: row.superuser,
    replicationRole: row.replication,
    createOnDatabase: row.create_db,
    slotExists: row.slot_exists,
    tables: t.rows.map((r) => ({ key: r.key, exists: r.exists, hasPrimaryKey: r.has_pk, replicaIdentity: r.replident, ownedByUser: r.owned })),
  };
}

export interface TargetReadiness {
  readonly facts: TargetFacts;
  /** Copy column lists per table key (monolith `schema.name`), for tables present on both sides. */
  readonly columns: ReadonlyMap<string, CopyColumns>;
}

/**
 * Facts about the target (undefined client: the database does not exist), with the column
 * lists each table will be copied with.
 */
export async function readTargetFacts(source: pg.Client, target: pg.Client | undefined, tables: readonly SyncTable[], phase: Phase): Promise<TargetReadiness> {
  const columns = new Map<string, CopyColumns>();
  if (!target) {
    return { facts: { phase, databaseExists: false, missingTables: [], missingColumns: [], hasForeignKeys: false, canSetReplicationRole: false, user: '' }, columns };
  }
  const sourceCols = await readTableColumns(source, tables);
  const targetCols = await readTableColumns(target, tables.map((t) => t.target));
  const missingTables: string[] = [];
  const missingColumns: { table: string; columns: string[] }[] = [];
  for (const t of tables) {
    const tk = `${t.target.schema}.${t.target.name}`;
    const tc = targetCols.get(tk);
    if (!tc) {
      missingTables.push(tk);
      continue;
    }
    const plan = copyColumns(sourceCols.get(t.key) ?? [], tc);
    if (plan.missing.length > 0) missingColumns.push({ table: tk, columns: [...plan.missing] });
    columns.set(t.key, plan);
  }
  const version = Number((await target.query<{ v: string }>("SELECT current_setting('server_version_num') AS v")).rows[0]?.v ?? 0);
  // has_parameter_privilege exists from PostgreSQL 15 (GRANT SET ON PARAMETER came with it).
  const granted = version >= 150000 ? "has_parameter_privilege('session_replication_role', 'SET')" : 'false';
  const r = await target.query<{ user: string; fks: boolean; can_set: boolean }>(
    `SELECT current_user AS user,
            EXISTS (SELECT 1 FROM pg_constraint k
                     WHERE k.contype = 'f' AND k.conrelid <> k.confrelid
                       AND (k.conrelid IN (SELECT c.oid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                                            WHERE (n.nspname, c.relname) IN (SELECT * FROM unnest($1::text[], $2::text[])))
                         OR k.confrelid IN (SELECT c.oid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                                             WHERE (n.nspname, c.relname) IN (SELECT * FROM unnest($1::text[], $2::text[]))))) AS fks,
            (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) OR ${granted} AS can_set`,
    [tables.map((t) => t.target.schema), tables.map((t) => t.target.name)],
  );
  const row = r.rows[0]!;
  return { facts: { phase, databaseExists: true, missingTables, missingColumns, hasForeignKeys: row.fks, canSetReplicationRole: row.can_set, user: row.user }, columns };
}
