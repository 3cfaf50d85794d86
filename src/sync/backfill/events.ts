/**
 * What a backfill reports while it runs. The core emits these; commands render them (a
 * progress bar per table on a terminal, plain lines otherwise) or ignore them.
 */

export interface TableEstimate {
  readonly table: string;
  /** Planner estimate of the row count; undefined when the table was never analyzed. */
  readonly rows?: number;
  /** Size on disk (pg_total_relation_size): a rough guide to the bytes COPY will send. */
  readonly bytes: number;
}

export type BackfillEvent =
  | { readonly kind: 'snapshot'; readonly slot: string; readonly temporary: boolean; readonly lsn: string; readonly tables: readonly TableEstimate[]; readonly jobs: number }
  | { readonly kind: 'table-start'; readonly table: string; readonly estimate: TableEstimate }
  | { readonly kind: 'table-progress'; readonly table: string; readonly rows: number; readonly bytes: number; readonly elapsedMs: number }
  | { readonly kind: 'table-done'; readonly table: string; readonly rows: number; readonly bytes: number; readonly elapsedMs: number; readonly snapshotLsn: string }
  | { readonly kind: 'table-failed'; readonly table: string; readonly error: string };

export type BackfillListener = (event: BackfillEvent) => void;

export interface TableCopyResult {
  readonly table: string;
  readonly target: string;
  readonly rows: number;
  readonly bytes: number;
  readonly ms: number;
  readonly snapshotLsn: string;
}
