/**
 * `dbsplit diff`: checksum-bisection table diff between the monolith and a service's database.
 * See table-differ.ts (bisection), diff-sql.ts (the canonical row text and checksums),
 * settle.ts (differences in flight while sync runs) and fix.ts (--fix).
 */
export { diffService, type DiffServiceOptions, type DiffServiceResult, type FixOutcome } from './diff-service.js';
export { diffDatabases, DIFF_DEFAULTS, type DiffDatabasesOptions, type DiffRun } from './run-diff.js';
export { applyFix, fixScript, planFix, type FixKind, type FixPlan, type FixStatement } from './fix.js';
export { diffSummary, lastDiffRun, recordDiffRun, type RecordedDiffRun } from './record.js';
export type * from './types.js';
