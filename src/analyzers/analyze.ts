import type { Catalog } from '../model/catalog.js';
import { buildCatalog } from './catalog.js';
import { loadInputs, type InputRequest } from './inputs.js';

/** `dbsplit analyze`: load the inputs and fold them into the catalog. */
export async function runAnalyze(req: InputRequest): Promise<Catalog> {
  const inputs = await loadInputs(req);
  return buildCatalog(inputs.schema, inputs.workload, inputs.plan);
}
