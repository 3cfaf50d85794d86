import type { QueryShape, TransactionTrace, Workload } from '../../model/workload.js';
import type { StatementAnalysis } from './query-shape.js';

/** One sighting of a statement: how often it ran there, and for how long when known. */
export interface Occurrence {
  readonly calls: number;
  readonly totalTimeMs?: number;
  readonly rows?: number;
  readonly source: string;
}

interface Entry {
  readonly analysis: StatementAnalysis;
  calls: number;
  totalTimeMs: number;
  /** Calls whose time is known: the mean is over these only. */
  timedCalls: number;
  rows: number | undefined;
  readonly sources: Set<string>;
}

/** Utility statements (BEGIN, SET, VACUUM, ...) are not workload; unparsed text always is. */
export function isWorkloadStatement(analysis: StatementAnalysis): boolean {
  return !analysis.parsed || analysis.kind !== 'other';
}

/**
 * Merges what every source saw into one workload: statements with the same id add up (calls,
 * time, rows) and remember every source they came from.
 */
export class WorkloadAccumulator {
  private readonly entries = new Map<string, Entry>();
  private readonly transactions: TransactionTrace[] = [];
  private readonly sources: string[] = [];

  addSource(source: string): void {
    if (!this.sources.includes(source)) this.sources.push(source);
  }

  /** Count a statement; returns false (and counts nothing) for utility statements. */
  add(analysis: StatementAnalysis, occurrence: Occurrence): boolean {
    if (!isWorkloadStatement(analysis)) return false;
    let entry = this.entries.get(analysis.id);
    if (!entry) {
      entry = { analysis, calls: 0, totalTimeMs: 0, timedCalls: 0, rows: undefined, sources: new Set() };
      this.entries.set(analysis.id, entry);
    }
    entry.calls += occurrence.calls;
    if (occurrence.totalTimeMs !== undefined) {
      entry.totalTimeMs += occurrence.totalTimeMs;
      entry.timedCalls += occurrence.calls;
    }
    if (occurrence.rows !== undefined) entry.rows = (entry.rows ?? 0) + occurrence.rows;
    entry.sources.add(occurrence.source);
    return true;
  }

  addTransactions(traces: readonly TransactionTrace[]): void {
    for (const t of traces) this.transactions.push(t);
  }

  result(): Workload {
    const queries: QueryShape[] = [];
    let unparsed = 0;
    for (const e of this.entries.values()) {
      const a = e.analysis;
      if (!a.parsed) unparsed++;
      queries.push({
        id: a.id,
        sql: a.sql,
        kind: a.kind,
        calls: e.calls,
        ...(e.timedCalls > 0 ? { totalTimeMs: round(e.totalTimeMs), meanTimeMs: round(e.totalTimeMs / e.timedCalls) } : {}),
        ...(e.rows !== undefined ? { rows: e.rows } : {}),
        reads: a.reads,
        writes: a.writes,
        joins: a.joins,
        parsed: a.parsed,
        ...(a.error !== undefined ? { error: a.error } : {}),
        ...(a.unknownRelations !== undefined ? { unknownRelations: a.unknownRelations } : {}),
        sources: [...e.sources],
      });
    }
    queries.sort((x, y) => y.calls - x.calls || (x.id < y.id ? -1 : x.id > y.id ? 1 : 0));
    return { queries, transactions: [...this.transactions], unparsed, sources: [...this.sources] };
  }
}

/** Times to the microsecond: sums of float milliseconds otherwise print as 12.300000000000001. */
function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
