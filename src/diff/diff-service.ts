import { withConnection } from '../db/connect.js';
import { journaled } from '../db/journal.js';
import { PreconditionError } from '../errors.js';
import { applyFix, planFix, type FixPlan } from './fix.js';
import { recordDiffRun } from './record.js';
import { diffDatabases, type DiffDatabasesOptions } from './run-diff.js';
import type { DiffEventSink, DiffResult, DiffTableSpec } from './types.js';

/**
 * `dbsplit diff <service>`: the service's tables (exactly those shadow sync copies: its own
 * and the shared tables copied into it, under their names in the target, from
 * src/sync/source/service-tables.ts), compared between the monolith and the service's
 * database, recorded in `_dbsplit.diff_runs`, and optionally repaired.
 */

export interface DiffServiceOptions {
  readonly planPath: string;
  readonly service: string;
  /** The monolith (overrides the plan's monolith.url). */
  readonly url?: string | undefined;
  /** Only this table (`schema.table`, or a bare name when unambiguous). */
  readonly table?: string | undefined;
  readonly jobs?: number | undefined;
  readonly leafRows?: number | undefined;
  /** Cap on first-pass buckets per table (tuning, tests). */
  readonly firstPassBuckets?: number | undefined;
  readonly maxDetails?: number | undefined;
  readonly settle?: boolean | undefined;
  readonly settleTimeoutMs?: number | undefined;
  /** Record the run in `_dbsplit.diff_runs` (default true). */
  readonly record?: boolean | undefined;
  /** Plan the SQL that repairs the target ('dry-run'), or plan and run it ('apply'). */
  readonly fix?: 'dry-run' | 'apply' | undefined;
  readonly events?: DiffEventSink | undefined;
}

export interface FixOutcome {
  readonly plan: FixPlan;
  /** dry-run: only planned; apply: applied when there was anything to apply. */
  readonly mode: 'dry-run' | 'apply';
  readonly applied: boolean;
}

export interface DiffServiceResult {
  readonly result: DiffResult;
  readonly fix?: FixOutcome;
}

export async function diffService(options: DiffServiceOptions): Promise<DiffServiceResult> {
  const { loadSyncService, findSyncTable } = await import('../sync/source/service-tables.js');
  const svc = await loadSyncService({ planPath: options.planPath, service: options.service, url: options.url });
  const tables = options.table !== undefined ? [findSyncTable(svc, options.table)] : svc.tables;
  const specs: DiffTableSpec[] = tables.map((t) => ({ source: { schema: t.schema, name: t.name }, target: t.target }));

  // --fix is refused before the (possibly long) diff, not after it.
  if (options.fix === 'apply') await requireShadowing(svc.monolithUrl, options.service);

  const dbOptions: DiffDatabasesOptions = {
    service: options.service,
    sourceUrl: svc.monolithUrl,
    targetUrl: svc.target.url,
    tables: specs,
    ...(options.jobs !== undefined ? { jobs: options.jobs } : {}),
    ...(options.leafRows !== undefined ? { leafRows: options.leafRows } : {}),
    ...(options.firstPassBuckets !== undefined ? { firstPassBuckets: options.firstPassBuckets } : {}),
    ...(options.maxDetails !== undefined ? { maxDetails: options.maxDetails } : {}),
    ...(options.settle !== undefined ? { settle: options.settle } : {}),
    ...(options.settleTimeoutMs !== undefined ? { settleTimeoutMs: options.settleTimeoutMs } : {}),
    ...(options.events ? { events: options.events } : {}),
  };
  const run = await diffDatabases(dbOptions);
  let result = run.result;
  if (options.record !== false) {
    const runId = await withConnection(svc.monolithUrl, (c) => recordDiffRun(c, run.result));
    result = { ...result, runId };
  }
  if (!options.fix) return { result };
  const plan = await planFix(run, svc.monolithUrl, svc.target.url);
  if (options.fix === 'dry-run' || plan.statements.length === 0) return { result, fix: { plan, mode: options.fix, applied: false } };
  await withConnection(svc.monolithUrl, async (c) => {
    await requirePhase(c, options.service);
    await journaled(c, options.service, 'diff', 'fix', () => applyFix(plan, svc.target.url), { rows: plan.rows, statements: plan.statements.length, diffRun: result.runId ?? null });
  });
  return { result, fix: { plan, mode: 'apply', applied: true } };
}

async function requirePhase(client: import('pg').Client, service: string): Promise<void> {
  const { getPhase } = await import('../cutover/phases.js');
  const { controlSchemaVersion } = await import('../db/control-schema.js');
  const phase = (await controlSchemaVersion(client)) === 0 ? 'planned' : await getPhase(client, service);
  if (phase !== 'shadowing') {
    throw new PreconditionError(
      `dbsplit diff --fix writes to ${service}'s database, which is allowed only in phase shadowing; ${service} is in phase ${phase}`,
      phase === 'planned' || phase === 'provisioned' ? 'start shadow sync first (dbsplit shadow start), or print the SQL with --fix --dry-run' : 'after shadowing the service owns its data: print the SQL with --fix --dry-run and review it',
    );
  }
}

async function requireShadowing(monolithUrl: string, service: string): Promise<void> {
  await withConnection(monolithUrl, (c) => requirePhase(c, service));
}
