/**
 * Applying change events to a service's database with an exactly-once effect. Transport-neutral:
 * the direct runner (src/sync/stream/) and the Kafka applier (`shadow apply`) both feed
 * `ChangeEvent`s (src/sync/contract.ts) into a `TargetApplier`.
 *
 * Usage, one target transaction per batch:
 *
 * ```ts
 * const applier = await TargetApplier.open({ service, targetUrl, placement });
 * const from = await applier.readPosition();          // direct: restart after from.lsn
 * await applier.begin();
 * for (const ev of events) await applier.apply(ev);   // buffered; flushed in big statements
 * await applier.commit({ lsn: { lsn, txId, commitTimeMs } });  // data + position, one COMMIT
 * // only now acknowledge the source (slot flush / Kafka offsets are already in the target)
 * ```
 *
 * Guarantees and rules:
 * - The effect is that of applying the events one by one in the order given. For speed, runs of
 *   same-table same-op changes become one set-based statement (multi-row INSERT, UPDATE ... FROM
 *   VALUES, DELETE ... IN), two updates of one row in a run collapse into the later image, and,
 *   when the session may set session_replication_role = replica (no trigger or FK check fires,
 *   as with native logical replication), each table collects its own runs within a batch (order
 *   is kept within a table; tables are independent inside one target transaction). TRUNCATE is
 *   a barrier. `setCombine(false)` applies one statement per change, strictly in order.
 * - The position (`_dbsplit_sync.position`, `_dbsplit_sync.kafka_offsets`) is written in the same
 *   transaction as the data: after a crash the target holds both or neither.
 * - A change of a table whose backfill snapshot is newer than the change's transaction
 *   (`source.lsn < snapshot_lsn` in `_dbsplit_sync.backfill`) is skipped: the copy already holds it.
 * - `unchangedToast` columns are never written (an UPDATE leaves them as they are).
 * - `key: []` means "no key" (REPLICA IDENTITY FULL without a primary key): the row is found by
 *   all of `before`'s columns (`IS NOT DISTINCT FROM`), one row at a time (via ctid). When the
 *   target table has a primary key and `before` holds its columns, that key is used instead.
 * - Values are PostgreSQL text; the target casts them to its column types.
 * - Statements go out in large round trips (the simple query protocol), the next one built while
 *   the server runs the previous; `commit` waits for all of them. `commitInBackground` sends the
 *   COMMIT and returns at once with a `durable` promise: the next batch is built meanwhile, and
 *   none of it is sent before that COMMIT succeeded.
 * - On any error, `rollback()` (or the error itself, when the connection is gone) leaves the target
 *   as it was before `begin()`. Errors are DbsplitErrors with a code (E_SYNC, E_SCHEMA_CHANGED,
 *   E_CONNECTION, E_PERMISSION); `isRetryable(e)` says whether retrying could help.
 */
export {
  TargetApplier,
  type ApplierOptions,
  type ApplierStats,
  type CommitPosition,
  type KafkaOffset,
  type LsnPosition,
  type SourceColumn,
} from './target-applier.js';
export { isRetryable } from './errors.js';
