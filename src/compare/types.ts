/**
 * The vocabulary of `dbsplit compare` (shadow read comparisons, after GitHub's Scientist):
 * what a check is, how results are compared, and what a run reports. Plain data: the reporters
 * and the library's experiment() helper read it.
 */

/** Timestamp precision a comparison rounds to (truncation): `us` is exact. */
export type TimestampPrecision = 'us' | 'ms' | 's' | 'min';

export interface Tolerance {
  /** Numbers (and numeric/bigint text) equal when they differ by at most this much. */
  readonly numeric?: number | undefined;
  /** Times equal when they agree after truncation to this precision. */
  readonly timestamp?: TimestampPrecision | undefined;
}

/** How two results are compared (the check file's key, ignore, tolerance and ordered). */
export interface CompareOptions {
  /** Columns that pair a legacy row with a candidate row, so a difference reads as "changed". */
  readonly key?: readonly string[] | undefined;
  readonly ignore?: readonly string[] | undefined;
  readonly tolerance?: Tolerance | undefined;
  /**
   * `auto`: ordered when the legacy query has a top-level ORDER BY (needs the legacy SQL;
   * experiment() treats it as false). With true and no sort information, rows must come in
   * exactly the same order.
   */
  readonly ordered?: boolean | 'auto' | undefined;
}

export type ParamValue = string | number | boolean | null | readonly (string | number | boolean | null)[];
export type ParamSet = Readonly<Record<string, unknown>>;

export type CandidateSpec =
  | { readonly kind: 'sql'; readonly service: string; readonly sql: string }
  /** `path` is absolute (resolved against the check file). */
  | { readonly kind: 'composition'; readonly path: string; readonly functionName: string };

export type ParamsSpec =
  | { readonly kind: 'none' }
  | { readonly kind: 'fixed'; readonly sets: readonly Readonly<Record<string, ParamValue>>[] }
  | { readonly kind: 'sampled'; readonly sql: string };

export interface LoadedCheck {
  readonly name: string;
  /** The check file, and the line of the check in it. */
  readonly file: string;
  readonly line: number;
  readonly legacySql: string;
  readonly candidate: CandidateSpec;
  readonly params: ParamsSpec;
  readonly key?: readonly string[] | undefined;
  readonly ignore?: readonly string[] | undefined;
  readonly tolerance?: Tolerance | undefined;
  readonly ordered: boolean | 'auto';
}

/** A row of a sample: column -> value text (cut), NULL as null. */
export type SampleRow = Readonly<Record<string, string | null>>;

export interface ColumnChange {
  readonly column: string;
  readonly legacy: string | null;
  readonly candidate: string | null;
}

export type MismatchKind = 'missing' | 'extra' | 'changed' | 'order';

/**
 * One sampled difference. `missing`: a legacy row the candidate did not return; `extra`: the
 * reverse; `changed`: rows paired by key whose columns differ; `order`: the same rows in a
 * different order (`position` is where the candidate's order first leaves the legacy's).
 */
export interface MismatchSample {
  readonly kind: MismatchKind;
  /** Index of the parameter set (0-based) the difference was seen with. */
  readonly paramSet: number;
  readonly params?: SampleRow | undefined;
  /** `changed`: the key; `missing`/`extra`: the whole row; `order`: the legacy row expected there. */
  readonly row: SampleRow;
  readonly columns?: readonly ColumnChange[] | undefined;
  readonly position?: number | undefined;
  /** `order`: the candidate's row at that position. */
  readonly candidateRow?: SampleRow | undefined;
}

export interface ResultComparison {
  readonly legacyRows: number;
  readonly candidateRows: number;
  readonly matched: number;
  readonly missing: number;
  readonly extra: number;
  readonly changed: number;
  /** Rows in the wrong order (counted once per misplaced run of ties); only when compared ordered. */
  readonly outOfOrder: number;
  /** Rows tied with the last one under ORDER BY ... LIMIT, accepted whichever were returned. */
  readonly tiesAccepted: number;
  readonly onlyInLegacy: readonly string[];
  readonly onlyInCandidate: readonly string[];
  readonly ordered: boolean;
  /** How order was judged, when ordered (for the report). */
  readonly orderNote?: string | undefined;
  readonly samples: readonly MismatchSample[];
}

export interface Timing {
  readonly totalMs: number;
  /** Median over parameter sets. */
  readonly medianMs: number;
}

export type CheckStatus = 'pass' | 'mismatch' | 'error';

/** A check's outcome: its comparisons summed over parameter sets (a few samples of each kind), and timings. */
export interface CheckResult extends Omit<ResultComparison, 'matched'> {
  readonly name: string;
  readonly file: string;
  readonly candidate: string;
  readonly status: CheckStatus;
  /** Parameter sets run (1 when the check has none). */
  readonly paramSets: number;
  /** Parameter sets whose results differed. */
  readonly mismatchedSets: number;
  readonly legacy: Timing;
  readonly candidateTiming: Timing;
  readonly durationMs: number;
  /** One line, when status is 'error'. */
  readonly error?: string | undefined;
}

export interface CompareResult {
  /** Masked monolith URL. */
  readonly monolith: string;
  readonly checksDir: string;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly durationMs: number;
  readonly checks: readonly CheckResult[];
  readonly totals: { readonly checks: number; readonly passed: number; readonly mismatched: number; readonly errors: number };
}

export type CompareEvent =
  | { readonly kind: 'check-start'; readonly name: string; readonly index: number; readonly total: number }
  | { readonly kind: 'check-done'; readonly name: string; readonly status: CheckStatus; readonly durationMs: number; readonly error?: string | undefined };

export type CompareEventSink = (event: CompareEvent) => void;
