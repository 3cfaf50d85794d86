/**
 * The vocabulary of `dbsplit diff`: what is compared (a table on each side), what comes out
 * (per table: rows compared, missing, extra and changed rows with samples), and the progress
 * events the command renders. Plain data: the reporters and the control schema record read it.
 */

export interface QualifiedTable {
  readonly schema: string;
  readonly name: string;
}

/** One table to compare: its name in the monolith and in the service's database. */
export interface DiffTableSpec {
  readonly source: QualifiedTable;
  readonly target: QualifiedTable;
  /**
   * Key columns; by default the source's primary key. An empty key compares the table as a
   * multiset of rows (a table without primary key: missing and extra rows, never "changed").
   */
  readonly key?: readonly string[];
}

/** One column that differs in a changed row; values are cut to a readable length. */
export interface ColumnDifference {
  readonly column: string;
  readonly source: string | null;
  readonly target: string | null;
}

export type DifferenceKind = 'missing' | 'extra' | 'changed';

/**
 * A row that differs. `key` holds the key columns' values as text (for a table without key:
 * every column's value, cut like sample values). `copies` counts identical rows of a table
 * without key (a missing duplicate).
 */
export interface RowDifference {
  readonly kind: DifferenceKind;
  readonly key: readonly (string | null)[];
  readonly columns?: readonly ColumnDifference[];
  readonly copies?: number;
  /** Still changing on the monolith when the settle timeout ran out: maybe in flight. */
  readonly unsettled?: boolean;
}

export interface TableDiff {
  /** `schema.table` in the monolith. */
  readonly table: string;
  /** `schema.table` in the service's database. */
  readonly target: string;
  /** Key columns; empty for a table compared as a multiset of rows. */
  readonly key: readonly string[];
  /** Columns compared (those both sides have, in the monolith's order). */
  readonly columns: readonly string[];
  /** Columns only one side has: not compared, reported. */
  readonly onlyInSource: readonly string[];
  readonly onlyInTarget: readonly string[];
  readonly sourceRows: number;
  readonly targetRows: number;
  /** Distinct rows examined: the monolith's rows plus those only the target has. */
  readonly rowsCompared: number;
  readonly missing: number;
  readonly extra: number;
  readonly changed: number;
  /** Differences seen during the pass that disappeared once sync had caught up. */
  readonly settled: number;
  /** Differences that kept changing until the settle timeout (counted in missing/extra/changed). */
  readonly unsettled: number;
  /** Up to the detail limit; the counts above are exact either way. */
  readonly differences: readonly RowDifference[];
  /** More differences than the detail limit: the list is a sample and was not settled past it. */
  readonly truncated: boolean;
  readonly durationMs: number;
  readonly stats: DiffStats;
  /** The table could not be compared (missing on one side, no usable key...). */
  readonly error?: string;
}

/** How much work the bisection did: for tuning and for the benchmark. */
export interface DiffStats {
  /** Checksum queries run (both sides together). */
  readonly segmentQueries: number;
  /** Segments whose checksums differed. */
  readonly mismatchedSegments: number;
  /** Rows fetched and compared in Node (both sides). */
  readonly rowsFetched: number;
  /** Deepest bisection level reached (1: the first pass). */
  readonly depth: number;
}

export interface SettleInfo {
  /** Whether the differences were re-checked after sync caught up (only with sync state in the target). */
  readonly attempted: boolean;
  /** Why not, or why it stopped early. */
  readonly note?: string;
  /** Target's applied position when settling ended. */
  readonly appliedLsn?: string;
  readonly waitedMs: number;
}

export interface DiffResult {
  readonly service: string;
  /** Masked URLs. */
  readonly source: string;
  readonly target: string;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly durationMs: number;
  /** The monolith's WAL position when the diff started. */
  readonly sourceLsn: string | null;
  readonly clean: boolean;
  readonly tables: readonly TableDiff[];
  readonly totals: { readonly missing: number; readonly extra: number; readonly changed: number; readonly settled: number; readonly unsettled: number; readonly rowsCompared: number; readonly errors: number };
  readonly settle: SettleInfo;
  /** Id of the row in `_dbsplit.diff_runs`, when recorded. */
  readonly runId?: string;
}

/** Progress, for a bar per table on a terminal (the command renders; the core never prints). */
export type DiffEvent =
  | { readonly kind: 'table-start'; readonly table: string; readonly estimatedRows: number }
  | { readonly kind: 'table-progress'; readonly table: string; readonly rowsChecked: number; readonly estimatedRows: number }
  | { readonly kind: 'table-done'; readonly table: string; readonly rowsChecked: number; readonly differences: number; readonly error?: string }
  | { readonly kind: 'settle-start'; readonly pending: number; readonly waitForLsn: string }
  | { readonly kind: 'settle-progress'; readonly pending: number; readonly appliedLsn: string | null; readonly round: number }
  | { readonly kind: 'settle-done'; readonly settled: number; readonly remaining: number };

export type DiffEventSink = (event: DiffEvent) => void;
