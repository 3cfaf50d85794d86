import { existsSync } from 'node:fs';
import { UsageError } from '../errors.js';
import type { InputRequest } from '../analyzers/inputs.js';
import { tableKey } from '../model/schema.js';
import { buildGenerateContext } from './context.js';
import { buildServiceDdl, generateSchemaFiles, type ServiceDdl } from './ddl/index.js';
import { generateMigrationFiles } from './migrations/index.js';
import { writeOutputDir } from './output-dir.js';
import type { GeneratedFile, GenerateContext } from './types.js';

/**
 * `dbsplit generate`: every file for every service of the plan, computed in memory, then
 * written to the output directory in one step.
 */

export const DEFAULT_OUT_DIR = 'dbsplit-generated';
export const DEFAULT_PLAN_FILE = 'dbsplit.yaml';

export interface ServiceSummary {
  readonly name: string;
  readonly isolation: 'schema' | 'database';
  readonly schema?: string;
  /** Tables the service owns (qualified monolith names). */
  readonly tables: readonly string[];
  readonly sharedCopies: readonly string[];
  /** Foreign keys (declared and inferred relations) that crossed the boundary, as `table.columns -> table`. */
  readonly removedForeignKeys: readonly string[];
  readonly referenceIndexes: number;
  readonly files: readonly string[];
}

export interface Generated {
  readonly files: readonly GeneratedFile[];
  readonly services: readonly ServiceSummary[];
}

/** Every generated file of every service, plus the plan's own files. Pure. */
export async function generateAll(ctx: GenerateContext): Promise<Generated> {
  // References and compositions parse the workload's statements again: load libpg-query first.
  const { ready } = await import('../analyzers/sql-parser.js');
  await ready();
  const ddls: ServiceDdl[] = ctx.plan.services.map((s) => buildServiceDdl(ctx, s.name));
  const files: GeneratedFile[] = [...generateSchemaFiles(ctx, ddls), ...generateMigrationFiles(ddls)];
  const { generateReferences } = await import('./references/index.js');
  files.push(...generateReferences(ctx));
  const { generateCompositions } = await import('./compositions/index.js');
  files.push(...generateCompositions(ctx));
  const { generateChecks } = await import('./checks/index.js');
  files.push(...generateChecks(ctx));
  const { generatePlanMarkdown } = await import('./plan-markdown.js');
  files.push(generatePlanMarkdown(ctx));
  const sorted = files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const services = ddls.map((ddl): ServiceSummary => ({
    name: ddl.service,
    isolation: ddl.isolation,
    ...(ddl.serviceSchema !== undefined ? { schema: ddl.serviceSchema } : {}),
    tables: ddl.tables,
    sharedCopies: ddl.sharedCopies,
    removedForeignKeys: ddl.removedForeignKeys.map((r) => {
      const fk = r.foreignKey;
      return `${tableKey({ schema: fk.from.schema, name: fk.from.table })}.${fk.from.columns.join(',')} -> ${tableKey({ schema: fk.to.schema, name: fk.to.table })}`;
    }),
    referenceIndexes: ddl.referenceIndexes.length,
    files: sorted.filter((f) => f.path.startsWith(`${ddl.service}/`)).map((f) => f.path),
  }));
  return { files: sorted, services };
}

export interface GenerateRequest extends InputRequest {
  readonly outDir?: string | undefined;
  readonly force?: boolean | undefined;
}

export interface GenerateResult extends Generated {
  readonly outDir: string;
  readonly replaced: boolean;
  readonly removedForeign: readonly string[];
  readonly planFile: string;
}

export async function runGenerate(req: GenerateRequest): Promise<GenerateResult> {
  const planFile = req.planFile ?? (existsSync(DEFAULT_PLAN_FILE) ? DEFAULT_PLAN_FILE : undefined);
  if (planFile === undefined) {
    throw new UsageError('dbsplit generate needs a plan: no --plan given and no dbsplit.yaml here', 'pass --plan FILE, or write one with dbsplit plan --auto --write');
  }
  const { loadInputs } = await import('../analyzers/inputs.js');
  const inputs = await loadInputs({ ...req, planFile });
  if (!inputs.plan) throw new UsageError(`no plan read from ${planFile}`);
  const ctx = buildGenerateContext({ schema: inputs.schema, workload: inputs.workload, plan: inputs.plan });
  const generated = await generateAll(ctx);
  const outDir = req.outDir ?? DEFAULT_OUT_DIR;
  const written = await writeOutputDir(outDir, generated.files, { force: req.force ?? false });
  return { ...generated, outDir, replaced: written.replaced, removedForeign: written.removedForeign, planFile };
}
