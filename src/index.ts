/**
 * dbsplit as a library: the model types, the analyzers and the loaders the CLI is built from.
 */
export * from './model/schema.js';
export * from './model/workload.js';
export * from './model/plan.js';
export * from './model/catalog.js';
export { DbsplitError, type ErrorCode } from './errors.js';
export { maskUrl, redactSecrets } from './redact.js';
export { buildCatalog, aggregateJoins, findHubs } from './analyzers/catalog.js';
export { crossBoundary, couplingScore } from './analyzers/cross-boundary.js';
export { loadInputs, loadSchema, type InputRequest, type Inputs } from './analyzers/inputs.js';
export { runAnalyze } from './analyzers/analyze.js';
export { loadPlanFile, parsePlanText } from './plan/load-plan.js';
export { resolvePlan } from './plan/resolve-plan.js';
export type { PlanFile } from './plan/plan-file.js';
export { catalogToJson } from './report/catalog/json.js';
export { suggestBoundaries, couplingOf, suggestionToPlan, type Suggestion, type SuggestOptions } from './analyzers/suggest/suggest.js';
export { introspect, introspectUrl } from './db/introspect.js';
export { loadDdlSchema } from './analyzers/ddl/load-ddl.js';
export { parseDdl } from './analyzers/ddl/parse-ddl.js';
export { inferRelations } from './analyzers/infer-relations.js';
export { loadWorkload } from './analyzers/workload/load-workload.js';
export { generateAll, runGenerate } from './generate/generate.js';
export type { GeneratedFile, GenerateContext } from './generate/types.js';
export { experiment, type ExperimentOptions, type ExperimentResult, type ExperimentObservation } from './experiment.js';
export { runCompare, compareExitCode, loadChecks, compareResults } from './compare/index.js';
export type * from './compare/types.js';
