import type pg from 'pg';
import { connect } from '../db/connect.js';
import { CONTROL_SCHEMA, controlSchemaVersion, ensureControlSchema } from '../db/control-schema.js';
import { journaled } from '../db/journal.js';
import { ConfigError, DbsplitError, PreconditionError, UsageError } from '../errors.js';
import { getPhase, setPhase, type Phase } from '../cutover/phases.js';
import type { PlanFile } from '../plan/plan-file.js';
import { sqlLiteral } from '../generate/ddl/names.js';
import { maskUrl } from '../redact.js';
import { migrationsOnDisk, type MigrationSet } from './migration-set.js';
import { connectTarget, createDatabase, createDatabaseSql, createSchema, createSchemaSql, readTargetState, targetInfo, type TargetInfo, type TargetState } from './target.js';

/**
 * `dbsplit provision <service>`: create the service's database (isolation database) or schema
 * (isolation schema) when missing, run its knex migrations, and record the phase
 * `provisioned` in the monolith's control schema. Plan-then-apply: the plan is data, printed
 * as SQL by --dry-run and executed step by step (each journaled) otherwise.
 */

export const FROM_PHASES: readonly Phase[] = ['planned', 'provisioned'];

export type StepKind = 'create-database' | 'create-schema' | 'migrate' | 'record-phase';

export interface ProvisionStep {
  readonly kind: StepKind;
  /** One line: what the step does. */
  readonly title: string;
  /** The SQL it runs (for migrations: each statement of each pending migration). */
  readonly sql: readonly string[];
  /** For `migrate`: the migrations it runs. */
  readonly migrations?: readonly string[];
}

export interface ProvisionPlan {
  readonly service: string;
  readonly target: TargetInfo;
  readonly state: TargetState;
  readonly migrationsFrom: 'files' | 'memory';
  /** Where the migration files are, when from files. */
  readonly directory?: string;
  readonly pending: readonly string[];
  /** The phase recorded in the monolith (planned when none is). */
  readonly phase: Phase;
  readonly monolith: string;
  readonly steps: readonly ProvisionStep[];
  /** Nothing to create, no migration pending, phase already recorded. */
  readonly alreadyProvisioned: boolean;
}

export interface ProvisionResult {
  readonly plan: ProvisionPlan;
  readonly dryRun: boolean;
  /** Steps that ran (empty for a dry run or when already provisioned). */
  readonly done: readonly StepKind[];
  readonly migrated: readonly string[];
}

export interface ProvisionRequest {
  readonly service: string;
  readonly planFile: PlanFile;
  readonly planPath: string;
  readonly outDir: string;
  /** The monolith's URL (--url), else the plan's monolith.url. */
  readonly monolithUrl?: string | undefined;
  readonly dryRun: boolean;
  /** The initial migration generated in memory, for when no migration files exist. */
  readonly inMemory: () => Promise<MigrationSet>;
}

function serviceEntry(req: ProvisionRequest) {
  const entry = req.planFile.services[req.service];
  if (!entry) {
    const names = Object.keys(req.planFile.services).sort();
    throw new ConfigError('E_UNKNOWN_SERVICE', `unknown service "${req.service}" in ${req.planPath}`, `services in the plan: ${names.join(', ') || '(none)'}`);
  }
  return entry;
}

async function readPhase(monolith: pg.Client, service: string): Promise<Phase> {
  if ((await controlSchemaVersion(monolith)) === 0) return 'planned';
  return getPhase(monolith, service);
}

function checkPhase(service: string, phase: Phase): void {
  if (!FROM_PHASES.includes(phase)) {
    throw new PreconditionError(`service ${service} is in phase ${phase}; provisioning needs ${FROM_PHASES.join(' or ')}`, 'dbsplit status shows each service\'s phase; a provisioned service is migrated with knex from then on');
  }
}

async function buildPlan(req: ProvisionRequest, target: TargetInfo, state: TargetState, set: MigrationSet, phase: Phase, monolithUrl: string): Promise<ProvisionPlan> {
  const { migrationSql } = await import('./migration-set.js');
  const pending = set.names.filter((n) => !state.completed.includes(n));
  const steps: ProvisionStep[] = [];
  if (target.isolation === 'database' && !state.databaseExists) {
    steps.push({ kind: 'create-database', title: `create database ${target.database} (from the server's postgres database)`, sql: [createDatabaseSql(target)] });
  }
  if (target.schema !== undefined && !state.schemaExists) {
    steps.push({ kind: 'create-schema', title: `create schema ${target.schema} in database ${target.database}`, sql: [createSchemaSql(target)] });
  }
  if (pending.length > 0) {
    const sql: string[] = [];
    for (const name of pending) sql.push(`-- migration ${name}`, ...(await migrationSql(set, name)));
    steps.push({ kind: 'migrate', title: `run ${pending.length} knex migration${pending.length === 1 ? '' : 's'}: ${pending.join(', ')}`, sql, migrations: pending });
  }
  if (phase !== 'provisioned' || steps.length > 0) {
    steps.push({
      kind: 'record-phase',
      title: `record phase provisioned for ${req.service} in ${CONTROL_SCHEMA} on the monolith (now: ${phase})`,
      sql: [
        `-- on the monolith ${maskUrl(monolithUrl)} (creating the control schema ${CONTROL_SCHEMA} if missing), journaled in ${CONTROL_SCHEMA}.journal`,
        `INSERT INTO ${CONTROL_SCHEMA}.services (name, phase) VALUES (${sqlLiteral(req.service)}, 'provisioned') ON CONFLICT (name) DO UPDATE SET phase = 'provisioned', updated_at = now()`,
      ],
    });
  }
  return {
    service: req.service,
    target,
    state,
    migrationsFrom: set.kind,
    ...(set.kind === 'files' ? { directory: set.directory } : {}),
    pending,
    phase,
    monolith: maskUrl(monolithUrl),
    steps,
    alreadyProvisioned: steps.length === 0,
  };
}

async function runMigrations(target: TargetInfo, set: MigrationSet): Promise<string[]> {
  const { default: knexFactory } = await import('knex');
  const { knexMigrateConfig } = await import('./migration-set.js');
  const db = knexFactory({ client: 'pg', connection: target.url, pool: { min: 0, max: 1 }, acquireConnectionTimeout: 10_000 });
  try {
    const [, log] = (await db.migrate.latest(knexMigrateConfig(set, target.schema))) as [number, string[]];
    return log;
  } catch (e) {
    if (e instanceof DbsplitError) throw e;
    const err = e as { code?: string; message?: string };
    const hint = 'knex rolled the failed migration back; fix it (or the target) and run dbsplit provision again';
    if (err.code === '42501') throw new DbsplitError('E_PERMISSION', `migration failed on ${target.masked}: ${err.message ?? ''}`, { hint, cause: e });
    throw new DbsplitError('E_PRECONDITION', `migration failed on ${target.masked}: ${err.message ?? String(e)}`, { hint, cause: e });
  } finally {
    await db.destroy();
  }
}

export async function runProvision(req: ProvisionRequest): Promise<ProvisionResult> {
  const entry = serviceEntry(req);
  const target = targetInfo(req.service, entry.target);
  const monolithUrl = req.monolithUrl ?? req.planFile.monolith?.url;
  if (!monolithUrl) {
    throw new UsageError(`provision records the service's phase in the monolith's ${CONTROL_SCHEMA} schema, and no monolith URL is known`, 'add monolith.url to the plan, or pass --url postgres://... of the monolith');
  }
  const monolith = await connect(monolithUrl, { applicationName: 'dbsplit provision' });
  let targetClient: pg.Client | undefined;
  try {
    const phase = await readPhase(monolith, req.service);
    checkPhase(req.service, phase);
    targetClient = await connectTarget(target);
    if (!targetClient && target.isolation === 'schema') {
      throw new ConfigError('E_PLAN_INVALID', `database ${target.database} of services.${req.service}.target.url does not exist (${target.masked})`, 'with isolation: schema the database is shared and must exist; create it, or use isolation: database');
    }
    const state = await readTargetState(target, targetClient);
    // Only now: generating in memory reads the whole schema, not worth it before the target answers.
    const set = (await migrationsOnDisk(req.outDir, req.service)) ?? (await req.inMemory());
    const plan = await buildPlan(req, target, state, set, phase, monolithUrl);
    if (req.dryRun || plan.alreadyProvisioned) return { plan, dryRun: req.dryRun, done: [], migrated: [] };

    await ensureControlSchema(monolith);
    const done: StepKind[] = [];
    let migrated: string[] = [];
    const step = <T>(kind: StepKind, fn: () => Promise<T>) => journaled(monolith, req.service, 'provision', kind, fn, { target: target.masked }).then((v) => (done.push(kind), v));
    for (const s of plan.steps) {
      switch (s.kind) {
        case 'create-database':
          await step('create-database', () => createDatabase(target));
          break;
        case 'create-schema':
          targetClient ??= await connectTarget(target);
          await step('create-schema', () => createSchema(target, targetClient!));
          break;
        case 'migrate':
          migrated = await step('migrate', () => runMigrations(target, set));
          break;
        case 'record-phase':
          await step('record-phase', () => setPhase(monolith, req.service, 'provisioned', FROM_PHASES, { target: target.masked, migrations: [...state.completed, ...migrated] }));
          break;
      }
    }
    return { plan, dryRun: false, done, migrated };
  } finally {
    await targetClient?.end().catch(() => undefined);
    await monolith.end().catch(() => undefined);
  }
}
