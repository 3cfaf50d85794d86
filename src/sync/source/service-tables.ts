import { ConfigError, UsageError } from '../../errors.js';
import { CONTROL_SCHEMA } from '../../db/control-schema.js';
import type { TargetInfo } from '../../provision/target.js';
import type { PlanFile } from '../../plan/plan-file.js';
import { publicationName, slotName } from '../contract.js';
import { targetPlacement, targetTableName, type TargetPlacement, type TargetTable } from '../target-tables.js';

/**
 * What shadow sync moves for one service: its own tables plus the shared tables copied into it
 * (exactly the set `dbsplit generate` creates in the service's database, from
 * src/generate/ddl/service-scope.ts), each with its name in the target.
 */

export interface SyncTable {
  readonly schema: string;
  readonly name: string;
  /** `schema.name` in the monolith: the key of the table's row in `_dbsplit_sync.backfill`. */
  readonly key: string;
  readonly target: TargetTable;
  /** A shared table copied into the service (not owned by it). */
  readonly shared: boolean;
  /** Partitioned: read and published through its root. */
  readonly partitioned: boolean;
  readonly primaryKey: readonly string[];
  /** Planner estimate (reltuples, summed over partitions); undefined when never analyzed. */
  readonly rowEstimate?: number;
  /** Table size on disk in bytes (pg_total_relation_size). */
  readonly sizeBytes: number;
}

export interface SyncService {
  readonly service: string;
  readonly monolithUrl: string;
  readonly target: TargetInfo;
  readonly placement: TargetPlacement;
  readonly transport: 'direct' | 'kafka';
  readonly slot: string;
  readonly publication: string;
  /** Referenced tables before the tables that reference them. */
  readonly tables: readonly SyncTable[];
}

/** A qualified key, as _dbsplit_sync.backfill.table_name stores it. */
export function backfillKey(schema: string, table: string): string {
  return `${schema}.${table}`;
}

export function planService(planFile: PlanFile, planPath: string, service: string) {
  const entry = planFile.services[service];
  if (!entry) {
    const names = Object.keys(planFile.services).sort();
    throw new ConfigError('E_UNKNOWN_SERVICE', `unknown service "${service}" in ${planPath}`, `services in the plan: ${names.join(', ') || '(none)'}`);
  }
  return entry;
}

export function monolithUrlOf(planFile: PlanFile, url: string | undefined): string {
  const monolithUrl = url ?? planFile.monolith?.url;
  if (!monolithUrl) {
    throw new UsageError(`shadow sync reads the monolith's change stream and its ${CONTROL_SCHEMA} schema, and no monolith URL is known`, 'add monolith.url to the plan, or pass --url postgres://... of the monolith');
  }
  return monolithUrl;
}

export interface LoadSyncServiceOptions {
  readonly planPath: string;
  readonly service: string;
  /** The monolith (overrides the plan's monolith.url). */
  readonly url?: string | undefined;
}

/**
 * Resolve the service's tables against the live monolith (introspected, relations inferred as
 * generate infers them). Throws on an unknown service, a missing target URL or monolith URL,
 * and an unreachable monolith: all before anything is changed.
 */
export async function loadSyncService(options: LoadSyncServiceOptions): Promise<SyncService> {
  const { loadPlanFile } = await import('../../plan/load-plan.js');
  const { targetInfo } = await import('../../provision/target.js');
  const planFile = await loadPlanFile(options.planPath);
  const entry = planService(planFile, options.planPath, options.service);
  const target = targetInfo(options.service, entry.target);
  const monolithUrl = monolithUrlOf(planFile, options.url);

  const { loadSchema } = await import('../../analyzers/inputs.js');
  const { resolvePlan } = await import('../../plan/resolve-plan.js');
  const { buildGenerateContext } = await import('../../generate/context.js');
  const { serviceScope } = await import('../../generate/ddl/service-scope.js');
  const searchPath = planFile.monolith?.searchPath ?? ['public'];
  const schema = await loadSchema({ url: monolithUrl, searchPath, infer: true });
  const { plan } = resolvePlan(planFile, schema, options.planPath);
  // Which tables a service gets does not depend on the workload: only ownership and relations.
  const scope = serviceScope(buildGenerateContext({ schema, plan }), options.service);
  const sharedKeys = new Set(scope.sharedCopies.map((t) => backfillKey(t.schema, t.name)));
  const placement = targetPlacement(planFile, options.service);
  const tables: SyncTable[] = scope.tables.map((t) => ({
    schema: t.schema,
    name: t.name,
    key: backfillKey(t.schema, t.name),
    target: targetTableName(placement, options.service, t.schema, t.name),
    shared: sharedKeys.has(backfillKey(t.schema, t.name)),
    partitioned: t.partitioning !== undefined,
    primaryKey: t.primaryKey,
    ...(t.rowEstimate !== undefined ? { rowEstimate: t.rowEstimate } : {}),
    sizeBytes: t.sizeBytes ?? 0,
  }));
  return {
    service: options.service,
    monolithUrl,
    target,
    placement,
    transport: planFile.transport?.kind ?? 'direct',
    slot: slotName(options.service),
    publication: publicationName(options.service),
    tables,
  };
}

/** The table `--table` names: `schema.table`, or a bare name when only one schema has it. */
export function findSyncTable(svc: SyncService, wanted: string): SyncTable {
  const exact = svc.tables.find((t) => t.key === wanted);
  if (exact) return exact;
  const bare = svc.tables.filter((t) => t.name === wanted);
  if (bare.length === 1) return bare[0]!;
  const list = svc.tables.map((t) => t.key).join(', ');
  if (bare.length > 1) throw new ConfigError('E_UNKNOWN_TABLE', `table "${wanted}" is ambiguous in service ${svc.service}`, `qualify it: ${bare.map((t) => t.key).join(' or ')}`);
  throw new ConfigError('E_UNKNOWN_TABLE', `service ${svc.service} syncs no table "${wanted}"`, `its tables: ${list}`);
}
