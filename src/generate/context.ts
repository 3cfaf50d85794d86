import { buildCatalog } from '../analyzers/catalog.js';
import type { Plan } from '../model/plan.js';
import type { SchemaModel } from '../model/schema.js';
import { emptyWorkload, type Workload } from '../model/workload.js';
import type { GenerateContext } from './types.js';

/**
 * The context every generator reads. With isolation `schema` a service's objects live in
 * `target.schema`, or a schema named after the service.
 */
export function buildGenerateContext(input: { readonly schema: SchemaModel; readonly plan: Plan; readonly workload?: Workload }): GenerateContext {
  const workload = input.workload ?? emptyWorkload();
  const catalog = buildCatalog(input.schema, workload, input.plan);
  const schemaNames = new Map<string, string>();
  for (const s of input.plan.services) {
    if (s.target?.isolation === 'schema') schemaNames.set(s.name, s.target.schema ?? s.name);
  }
  return { schema: input.schema, workload, plan: input.plan, catalog, serviceSchemaName: (service) => schemaNames.get(service) };
}
