import type pg from 'pg';
import { ConfigError } from '../errors.js';
import type { ServiceTarget } from '../model/plan.js';
import type { PlanFile } from '../plan/plan-file.js';
import { TARGET_STATE_DDL, TARGET_STATE_SCHEMA } from './contract.js';

/**
 * Where a monolith table lives in a service's database. With isolation `database` it keeps its
 * schema and name; with isolation `schema` everything moves into one schema (`target.schema`,
 * else the service's name) under the same table name — exactly as `dbsplit generate` creates
 * it (src/generate/ddl/service-scope.ts: `place`).
 */

export interface TargetTable {
  readonly schema: string;
  readonly name: string;
}

/** Just what placement needs from a service's target. */
export type TargetPlacement = Pick<ServiceTarget, 'isolation' | 'schema'>;

function isPlanFile(x: PlanFile | TargetPlacement | undefined): x is PlanFile {
  return x !== undefined && typeof (x as { services?: unknown }).services === 'object';
}

/** The placement of `service` from a plan file (or the placement itself). */
export function targetPlacement(from: PlanFile | TargetPlacement | undefined, service: string): TargetPlacement {
  if (!isPlanFile(from)) return from ?? { isolation: 'database' };
  const entry = from.services[service];
  if (!entry) {
    const names = Object.keys(from.services).sort();
    throw new ConfigError('E_UNKNOWN_SERVICE', `unknown service "${service}"`, `services in the plan: ${names.join(', ') || '(none)'}`);
  }
  return entry.target ?? { isolation: 'database' };
}

/**
 * The target table of the monolith table `schema.table` for `service`. `from` is the plan file
 * or the service's target (`{ isolation, schema? }`); no target means isolation `database`.
 */
export function targetTableName(from: PlanFile | TargetPlacement | undefined, service: string, schema: string, table: string): TargetTable {
  const placement = targetPlacement(from, service);
  if (placement.isolation === 'schema') return { schema: placement.schema ?? service, name: table };
  return { schema, name: table };
}

/** Create the target's sync state tables (`_dbsplit_sync.*`) when missing. Idempotent. */
export async function ensureTargetState(client: pg.Client): Promise<void> {
  // Two runners starting at once would race on CREATE ... IF NOT EXISTS (a unique violation in
  // pg_type): serialize them with a transaction-scoped advisory lock.
  await client.query('BEGIN');
  try {
    await client.query(`SELECT pg_advisory_xact_lock(hashtext('${TARGET_STATE_SCHEMA}.migrate'))`);
    await client.query(TARGET_STATE_DDL);
    await client.query('COMMIT');
  } catch (e) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw e;
  }
}
