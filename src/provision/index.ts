import { resolve } from 'node:path';
import { MIGRATION_FILE, migrationStatements } from '../generate/migrations/index.js';
import { migrationsInMemory, type MigrationSet } from './migration-set.js';
import { runProvision, type ProvisionResult } from './provision.js';

export { runProvision, type ProvisionPlan, type ProvisionRequest, type ProvisionResult, type ProvisionStep, type StepKind } from './provision.js';

export interface ProvisionOptions {
  readonly service: string;
  readonly planFile: string;
  /** Where `dbsplit generate` wrote its files (default dbsplit-generated). */
  readonly outDir: string;
  /** The monolith (overrides the plan's monolith.url). */
  readonly url?: string | undefined;
  readonly dryRun: boolean;
}

/**
 * Provision one service from the plan file. Without migration files under `outDir`, the
 * initial migration is generated in memory from the current schema (what `dbsplit generate`
 * would write), so provisioning does not depend on a prior generate.
 */
export async function provisionService(options: ProvisionOptions): Promise<ProvisionResult> {
  const { loadPlanFile } = await import('../plan/load-plan.js');
  const planFile = await loadPlanFile(options.planFile);
  const inMemory = async (): Promise<MigrationSet> => {
    const { loadInputs } = await import('../analyzers/inputs.js');
    const { buildGenerateContext } = await import('../generate/context.js');
    const { buildServiceDdl } = await import('../generate/ddl/index.js');
    const inputs = await loadInputs({ planFile: options.planFile, url: options.url });
    const ctx = buildGenerateContext({ schema: inputs.schema, workload: inputs.workload, plan: inputs.plan! });
    return migrationsInMemory(MIGRATION_FILE, migrationStatements(buildServiceDdl(ctx, options.service)));
  };
  return runProvision({
    service: options.service,
    planFile,
    planPath: options.planFile,
    outDir: resolve(options.outDir),
    monolithUrl: options.url,
    dryRun: options.dryRun,
    inMemory,
  });
}
