import { isDeepStrictEqual } from 'node:util';
import { compareResults, rowColumns, type Row } from './compare/result-compare.js';
import type { CompareOptions, ResultComparison } from './compare/types.js';

/**
 * Shadow reads in production, as GitHub's Scientist does them: run the current code (control)
 * and the new one (candidate) side by side, always answer with what the control did, and publish
 * how the candidate compared. The candidate can fail or be slow; the caller never sees it beyond
 * the wait for both to settle (start the candidate cheaply, or make it time out itself).
 */

export interface ExperimentObservation<T> {
  readonly durationMs: number;
  /** Set when it returned. */
  readonly value?: T;
  /** Set when it threw. */
  readonly error?: unknown;
}

export interface ExperimentResult<T> {
  readonly name: string;
  /** Both returned and the values match (by `compare`). */
  readonly matched: boolean;
  readonly control: ExperimentObservation<T>;
  readonly candidate: ExperimentObservation<T>;
  /** When both returned arrays of rows and `compare` is options: the row comparison. */
  readonly comparison?: ResultComparison | undefined;
  /** When `compare` threw: its error (counted as a mismatch). */
  readonly compareError?: unknown;
}

export interface ExperimentOptions<T> {
  readonly name: string;
  readonly control: () => Promise<T>;
  readonly candidate: () => Promise<T>;
  /**
   * Options: arrays of row objects compare as query results (key, ignore, tolerance, ordered;
   * `ordered: 'auto'` means unordered here, there is no SQL to look at); other values by deep
   * equality. A function decides by itself.
   */
  readonly compare?: CompareOptions | ((control: T, candidate: T) => boolean) | undefined;
  readonly publish: (result: ExperimentResult<T>) => void | Promise<void>;
  /** Checked on each call; false runs the control alone. */
  readonly enabled?: (() => boolean) | undefined;
  /** Publish matches too (default: only mismatches and candidate errors). */
  readonly publishAll?: boolean | undefined;
  /** Told when publish (or enabled) throws; the error goes no further. */
  readonly onPublishError?: ((error: unknown) => void) | undefined;
}

type Settled<T> = { ok: true; value: T; ms: number } | { ok: false; error: unknown; ms: number };

async function observe<T>(fn: () => Promise<T>): Promise<Settled<T>> {
  const start = performance.now();
  try {
    // Called inside the try: a function that throws before returning a promise counts as failing.
    const value = await fn();
    return { ok: true, value, ms: performance.now() - start };
  } catch (error) {
    return { ok: false, error, ms: performance.now() - start };
  }
}

function isRows(v: unknown): v is Row[] {
  return Array.isArray(v) && v.every((r) => r !== null && typeof r === 'object' && !Array.isArray(r) && !(r instanceof Date));
}

function judge<T>(control: T, candidate: T, compare: ExperimentOptions<T>['compare']): { matched: boolean; comparison?: ResultComparison } {
  if (typeof compare === 'function') return { matched: compare(control, candidate) };
  if (isRows(control) && isRows(candidate)) {
    const cols = (rows: Row[], other: Row[]) => (rows.length > 0 ? rowColumns(rows) : rowColumns(other));
    const comparison = compareResults(
      { columns: cols(control, candidate), rows: control },
      { columns: cols(candidate, control), rows: candidate },
      { key: compare?.key, ignore: compare?.ignore, tolerance: compare?.tolerance, ordered: compare?.ordered === true },
    );
    const matched = comparison.missing + comparison.extra + comparison.changed + comparison.outOfOrder === 0 && comparison.onlyInLegacy.length === 0 && comparison.onlyInCandidate.length === 0;
    return { matched, comparison };
  }
  return { matched: isDeepStrictEqual(control, candidate) };
}

function observation<T>(s: Settled<T>): ExperimentObservation<T> {
  return s.ok ? { durationMs: s.ms, value: s.value } : { durationMs: s.ms, error: s.error };
}

/** Run control and candidate concurrently; resolve or reject exactly as the control did. */
export async function experiment<T>(options: ExperimentOptions<T>): Promise<T> {
  let enabled = true;
  try {
    enabled = options.enabled ? options.enabled() : true;
  } catch (e) {
    enabled = false;
    options.onPublishError?.(e);
  }
  if (!enabled) return options.control();

  const [control, candidate] = await Promise.all([observe(options.control), observe(options.candidate)]);
  try {
    let matched = false;
    let comparison: ResultComparison | undefined;
    let compareError: unknown;
    if (control.ok && candidate.ok) {
      try {
        ({ matched, comparison } = judge(control.value, candidate.value, options.compare));
      } catch (e) {
        compareError = e;
      }
    }
    if (!matched || options.publishAll) {
      await options.publish({
        name: options.name,
        matched,
        control: observation(control),
        candidate: observation(candidate),
        ...(comparison ? { comparison } : {}),
        ...(compareError !== undefined ? { compareError } : {}),
      });
    }
  } catch (e) {
    try {
      options.onPublishError?.(e);
    } catch {
      // The reporter of publish errors failed too: nothing left to tell.
    }
  }
  if (control.ok) return control.value;
  throw control.error;
}
