import { UsageError } from '../errors.js';
import type { Plan } from '../model/plan.js';
import type { SchemaModel } from '../model/schema.js';
import type { Workload } from '../model/workload.js';
import type { PlanFile } from '../plan/plan-file.js';

/**
 * What every command starts from: the schema (live or DDL), the workload, and the plan when
 * there is one. Flags win over the plan file's `monolith` and `workload` entries.
 */
export interface InputRequest {
  readonly url?: string | undefined;
  readonly ddl?: readonly string[] | undefined;
  readonly workload?: readonly string[] | undefined;
  readonly planFile?: string | undefined;
  readonly searchPath?: readonly string[] | undefined;
  readonly infer?: boolean | undefined;
  readonly cwd?: string | undefined;
}

export interface Inputs {
  readonly schema: SchemaModel;
  readonly workload: Workload;
  readonly planFile?: PlanFile;
  readonly plan?: Plan;
  readonly pins?: ReadonlyMap<string, string>;
  readonly url?: string;
  readonly searchPath: readonly string[];
}

export async function loadSchema(req: { url?: string | undefined; ddl?: readonly string[] | undefined; searchPath: readonly string[]; infer: boolean; cwd?: string | undefined }): Promise<SchemaModel> {
  let schema: SchemaModel;
  if (req.ddl && req.ddl.length > 0) {
    const { loadDdlSchema } = await import('./ddl/load-ddl.js');
    schema = await loadDdlSchema(req.ddl, { searchPath: req.searchPath, ...(req.cwd ? { cwd: req.cwd } : {}) });
  } else if (req.url) {
    const { introspectUrl } = await import('../db/introspect.js');
    schema = await introspectUrl(req.url);
  } else {
    throw new UsageError('no schema to analyze', 'pass --url postgres://... or --ddl schema.sql, or a --plan whose monolith has url or ddl');
  }
  if (!req.infer) return schema;
  const { inferRelations } = await import('./infer-relations.js');
  return inferRelations(schema);
}

export async function loadInputs(req: InputRequest): Promise<Inputs> {
  let planFile: PlanFile | undefined;
  if (req.planFile) {
    const { loadPlanFile } = await import('../plan/load-plan.js');
    planFile = await loadPlanFile(req.planFile);
  }
  const searchPath = req.searchPath && req.searchPath.length > 0 ? req.searchPath : (planFile?.monolith?.searchPath ?? ['public']);
  const url = req.url ?? (req.ddl && req.ddl.length > 0 ? undefined : planFile?.monolith?.url);
  const ddl = req.ddl && req.ddl.length > 0 ? req.ddl : req.url ? undefined : planFile?.monolith?.ddl;
  const schema = await loadSchema({ url, ddl, searchPath, infer: req.infer ?? true, cwd: req.cwd });

  const specs = req.workload && req.workload.length > 0 ? req.workload : (planFile?.workload ?? []);
  const { loadWorkload } = await import('./workload/load-workload.js');
  const workload = await loadWorkload(specs, { schema, searchPath, ...(url ? { url } : {}), ...(req.cwd ? { cwd: req.cwd } : {}) });

  if (!planFile) return { schema, workload, searchPath, ...(url ? { url } : {}) };
  const { resolvePlan } = await import('../plan/resolve-plan.js');
  const { plan, pins } = resolvePlan(planFile, schema, req.planFile);
  return { schema, workload, planFile, plan, pins, searchPath, ...(url ? { url } : {}) };
}
