/**
 * `dbsplit compare`: shadow read comparisons. See check-file.ts (the check format),
 * run-check.ts (one check), result-compare.ts (how results are compared) and order.ts (ties).
 */
export { runCompare, compareExitCode, type RunCompareOptions } from './run-compare.js';
export { loadChecks, parseCheckText } from './check-file.js';
export { compareResults, type ResultSet, type ResultCompareOptions, type Row } from './result-compare.js';
export { rewriteNamedParams, bindParams, type NamedSql } from './params.js';
export type * from './types.js';
