import type { TransactionTrace } from '../../model/workload.js';
import type { StatementAnalysis } from './query-shape.js';
import { isWorkloadStatement } from './workload-accumulator.js';

interface SessionState {
  open: boolean;
  queryIds: string[];
  xid: string | undefined;
  counter: number;
}

/**
 * Groups one log's statements into transactions, per session: BEGIN / START TRANSACTION to
 * COMMIT / END (a ROLLBACK discards the group, as does a log that ends mid-transaction). A
 * statement outside any block is its own transaction, traced only when it writes: read-only
 * autocommit statements cannot make a multi-service write.
 */
export class TransactionTracker {
  private readonly sessions = new Map<string, SessionState>();
  private readonly traces: TransactionTrace[] = [];

  /**
   * `traceAutocommit: false` for SQL files, where only explicit BEGIN ... COMMIT blocks say
   * that statements belong together.
   */
  constructor(
    private readonly source: string,
    private readonly traceAutocommit = true,
  ) {}

  /** `xid`: the server's transaction id logged with the statement (`%x`), when known and not 0. */
  statement(sessionId: string, xid: string | undefined, analysis: StatementAnalysis): void {
    let state = this.sessions.get(sessionId);
    if (!state) {
      state = { open: false, queryIds: [], xid: undefined, counter: 0 };
      this.sessions.set(sessionId, state);
    }
    const usableXid = xid !== undefined && xid !== '0' && xid !== '' ? xid : undefined;
    switch (analysis.transactionControl) {
      case 'begin':
        if (!state.open) {
          state.open = true;
          state.queryIds = [];
          state.xid = undefined;
        }
        return;
      case 'commit':
        if (state.open && state.queryIds.length > 0) this.emit(sessionId, state, state.queryIds, state.xid ?? usableXid);
        state.open = false;
        return;
      case 'rollback':
        state.open = false;
        return;
    }
    if (!isWorkloadStatement(analysis)) return;
    if (state.open) {
      if (!state.queryIds.includes(analysis.id)) state.queryIds.push(analysis.id);
      state.xid ??= usableXid;
    } else if (this.traceAutocommit && analysis.writes.length > 0) {
      this.emit(sessionId, state, [analysis.id], usableXid);
    }
  }

  private emit(sessionId: string, state: SessionState, queryIds: string[], xid: string | undefined): void {
    state.counter++;
    this.traces.push({ sessionId, txId: xid ?? `${sessionId}:${state.counter}`, queryIds, source: this.source });
  }

  /** The traced transactions; open ones (never committed in this log) are dropped. */
  result(): TransactionTrace[] {
    return this.traces;
  }
}
