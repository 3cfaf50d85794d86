/**
 * What the parts of shadow sync agree on: object names in the monolith, the state kept in each
 * target database, and the change events that flow from the source to the appliers (direct or
 * through Kafka).
 *
 * The target keeps its own position, written in the same transaction as the data it applied:
 * that is what makes a restart at any instant lose nothing and double nothing.
 */

/** Logical replication slot and publication of a service, in the monolith. */
export function slotName(service: string): string {
  return `dbsplit_${service}`;
}

export function publicationName(service: string): string {
  return `dbsplit_${service}`;
}

/** Schema in every target database holding dbsplit's sync state (one row per service). */
export const TARGET_STATE_SCHEMA = '_dbsplit_sync';

export const TARGET_STATE_DDL = `
CREATE SCHEMA IF NOT EXISTS ${TARGET_STATE_SCHEMA};
CREATE TABLE IF NOT EXISTS ${TARGET_STATE_SCHEMA}.position (
  service     text PRIMARY KEY,
  -- commit LSN of the last source transaction whose changes are applied here
  lsn         pg_lsn NOT NULL,
  source_txid bigint,
  applied_at  timestamptz NOT NULL DEFAULT now(),
  -- commit time of that transaction on the monolith, for lag in seconds
  source_commit_time timestamptz
);
CREATE TABLE IF NOT EXISTS ${TARGET_STATE_SCHEMA}.backfill (
  service     text NOT NULL,
  table_name  text NOT NULL,
  status      text NOT NULL CHECK (status IN ('pending', 'copying', 'done')),
  -- LSN the copied rows are consistent with (the slot's snapshot, or a later one after a resume)
  snapshot_lsn pg_lsn,
  rows        bigint NOT NULL DEFAULT 0,
  bytes       bigint NOT NULL DEFAULT 0,
  updated_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (service, table_name)
);
CREATE TABLE IF NOT EXISTS ${TARGET_STATE_SCHEMA}.kafka_offsets (
  service     text NOT NULL,
  topic       text NOT NULL,
  partition   integer NOT NULL,
  -- the next offset to consume
  next_offset bigint NOT NULL,
  PRIMARY KEY (service, topic, partition)
);
`;

/** One row change, as decoded from pgoutput and as carried by the Kafka transport. */
export type ChangeOp = 'c' | 'u' | 'd' | 'r' | 't';

export interface SourceInfo {
  /** Commit LSN of the source transaction (`0/16B3748`). */
  readonly lsn: string;
  readonly txId: number;
  readonly schema: string;
  readonly table: string;
  /** Commit time in ms since the epoch. */
  readonly commitTimeMs: number;
  /** Position of this change within its transaction, from 0: with `lsn`, a total order. */
  readonly seq: number;
  /** True for the last change of its transaction. */
  readonly lastInTx: boolean;
}

/**
 * Column values are PostgreSQL's text representation (exactly what pgoutput sends), or null,
 * so every type round-trips without a client-side parser. A TOASTed value that an UPDATE did
 * not change is not sent by the server: its column is listed in `unchangedToast` and absent
 * from `after`.
 */
export interface ChangeEvent {
  readonly op: ChangeOp;
  readonly source: SourceInfo;
  /** Old row (deletes, and updates under REPLICA IDENTITY FULL or of the key): key columns at least. */
  readonly before: Readonly<Record<string, string | null>> | null;
  readonly after: Readonly<Record<string, string | null>> | null;
  readonly unchangedToast?: readonly string[];
  /** Primary key (or replica identity) column names of the table. */
  readonly key: readonly string[];
}
