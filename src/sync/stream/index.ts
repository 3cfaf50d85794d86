/**
 * The direct streaming runner: `dbsplit shadow run <service>` and `shadow start --follow` call
 * `runShadow`. It returns a value and never prints: progress, retries and backfill steps come
 * through the events.
 */
export { runShadow, type RetryNotice, type RunProgress, type RunShadowEvents, type RunShadowOptions, type RunShadowResult } from './runner.js';
export { decodePgoutput, UNCHANGED_TOAST, type PgoutputMessage, type TupleValue } from './pgoutput-decoder.js';
