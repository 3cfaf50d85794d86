import type { Catalog } from '../model/catalog.js';
import type { Plan } from '../model/plan.js';
import type { SchemaModel } from '../model/schema.js';
import type { Workload } from '../model/workload.js';

/**
 * The contract between `dbsplit generate` and the generators it calls (DDL, migrations,
 * references, compositions, plan.md): each takes a context and returns files, never writes them.
 */

export interface GeneratedFile {
  /** Relative to the output dir, forward slashes. */
  readonly path: string;
  readonly content: string;
}

export interface GenerateContext {
  /** With inferred relations. */
  readonly schema: SchemaModel;
  readonly workload: Workload;
  readonly plan: Plan;
  /** buildCatalog(schema, workload, plan): crossBoundary is set. */
  readonly catalog: Catalog;
  /**
   * Isolation `schema`: the schema holding the service's tables; `database`: undefined
   * (original schema names kept).
   */
  readonly serviceSchemaName: (service: string) => string | undefined;
}
