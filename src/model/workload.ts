import type { ColumnRef, TableRef } from './schema.js';

/**
 * The workload model: which statements run against the monolith, how often, and what each
 * touches. Produced from pg_stat_statements, SQL files or server logs.
 */

export type StatementKind = 'select' | 'insert' | 'update' | 'delete' | 'merge' | 'other';

/** How a join predicate was written; all of them couple the two tables the same way. */
export type JoinVia = 'on' | 'using' | 'natural' | 'where' | 'exists' | 'in' | 'scalar' | 'lateral' | 'from';

export interface JoinPredicate {
  /** The two sides are ordered (left < right by column key) so equal predicates compare equal. */
  readonly left: ColumnRef;
  readonly right: ColumnRef;
  readonly operator: string;
  readonly via: JoinVia;
}

export interface QueryShape {
  /**
   * Stable id: a hash of the parse tree with locations and constants left out, so statements
   * that differ only in constants (or $n parameters) share it, as in pg_stat_statements; a
   * hash of the text when the statement does not parse.
   */
  readonly id: string;
  readonly sql: string;
  readonly kind: StatementKind;
  /** How often it ran, when known (pg_stat_statements calls, counted log lines, a `-- calls:` hint). */
  readonly calls: number;
  readonly totalTimeMs?: number;
  readonly meanTimeMs?: number;
  readonly rows?: number;
  readonly reads: readonly TableRef[];
  readonly writes: readonly TableRef[];
  readonly joins: readonly JoinPredicate[];
  readonly parsed: boolean;
  /** Parser message for statements that did not parse. */
  readonly error?: string;
  /** Relations named by the statement that are not in the schema model (CTE names excluded). */
  readonly unknownRelations?: readonly string[];
  /** Where the statement was seen: file paths, `pg_stat_statements`. */
  readonly sources: readonly string[];
}

/** A transaction seen in a server log: which statements one session ran between BEGIN and COMMIT. */
export interface TransactionTrace {
  readonly sessionId: string;
  /** The server's transaction id when logged (%x), else `<session>:<counter>`. */
  readonly txId: string;
  readonly queryIds: readonly string[];
  readonly source: string;
}

export interface Workload {
  readonly queries: readonly QueryShape[];
  readonly transactions: readonly TransactionTrace[];
  /** Number of statements that did not parse (they are also in `queries` with parsed: false). */
  readonly unparsed: number;
  readonly sources: readonly string[];
}

export function emptyWorkload(): Workload {
  return { queries: [], transactions: [], unparsed: 0, sources: [] };
}
