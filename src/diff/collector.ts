import { rowCount, type TrackedDifference } from './row-compare.js';
import type { DifferenceKind } from './types.js';

/**
 * The differences of one table: exact counts always, details up to a limit, so that memory
 * stays bounded even when the target is empty and every row of a large table is missing.
 * Details are what settling re-checks and what --fix repairs; counts beyond them are reported
 * as they were seen.
 */
export class DifferenceCollector {
  readonly details: TrackedDifference[] = [];
  /** Rows counted without details (past the limit). */
  readonly untracked: Record<DifferenceKind, number> = { missing: 0, extra: 0, changed: 0 };
  truncated = false;

  constructor(readonly limit: number) {}

  add(d: TrackedDifference): void {
    if (this.details.length < this.limit) this.details.push(d);
    else this.count(d.kind, rowCount(d));
  }

  /** Rows known to differ without being fetched (a segment one side lacks entirely). */
  count(kind: DifferenceKind, rows: number): void {
    this.untracked[kind] += rows;
    this.truncated = true;
  }

  get full(): boolean {
    return this.details.length >= this.limit;
  }

  totals(): Record<DifferenceKind, number> {
    const t = { ...this.untracked };
    for (const d of this.details) t[d.kind] += rowCount(d);
    return t;
  }
}
