import type { TransactionTrace } from '../../model/workload.js';
import { classifyLogMessage } from './log-messages.js';
import type { StatementAnalyzer } from './statement-analyzer.js';
import { TransactionTracker } from './transaction-tracker.js';
import { isWorkloadStatement, type WorkloadAccumulator } from './workload-accumulator.js';

/** One log entry, whichever format it came from. */
export interface LogRecord {
  readonly sessionId: string;
  /** The logged transaction id (%x, csvlog transaction_id), when the log has one. */
  readonly xid?: string;
  readonly severity: string;
  readonly message: string;
}

interface Pending {
  readonly text: string;
  durationMs: number | undefined;
  xid: string | undefined;
}

/**
 * Turns log records into counted statements and traced transactions. A statement logged by
 * log_statement waits for a `duration:` line of its session (log_duration) before it is counted,
 * so its time is known; any next statement of the session, or the end of the log, counts it.
 */
export class LogCollector {
  private readonly pending = new Map<string, Pending>();
  private readonly tracker: TransactionTracker;

  constructor(
    private readonly source: string,
    private readonly analyzer: StatementAnalyzer,
    private readonly accumulator: WorkloadAccumulator,
  ) {
    this.tracker = new TransactionTracker(source);
  }

  record(r: LogRecord): void {
    if (r.severity !== 'LOG') return;
    const m = classifyLogMessage(r.message);
    if (m.type === 'other') return;
    const waiting = this.pending.get(r.sessionId);
    if (m.type === 'duration') {
      if (waiting && waiting.durationMs === undefined) {
        waiting.durationMs = m.durationMs;
        if (r.xid !== undefined && r.xid !== '0') waiting.xid = r.xid;
        this.flush(r.sessionId, waiting);
      }
      return;
    }
    if (waiting) this.flush(r.sessionId, waiting);
    const entry: Pending = { text: m.text, durationMs: m.durationMs, xid: r.xid };
    // A statement logged with its duration is complete; one without may get a duration line.
    if (entry.durationMs !== undefined) this.flush(r.sessionId, entry);
    else this.pending.set(r.sessionId, entry);
  }

  private flush(sessionId: string, entry: Pending): void {
    if (this.pending.get(sessionId) === entry) this.pending.delete(sessionId);
    const analyses = this.analyzer.analyzeText(entry.text);
    // A simple query holding several statements logs one duration for all of them.
    const counted = analyses.filter(isWorkloadStatement).length;
    const share = entry.durationMs === undefined || counted === 0 ? undefined : entry.durationMs / counted;
    for (const a of analyses) {
      this.accumulator.add(a, { calls: 1, totalTimeMs: share, source: this.source });
      this.tracker.statement(sessionId, entry.xid, a);
    }
  }

  /** Count what still waits for a duration; returns the transactions traced. */
  finish(): TransactionTrace[] {
    for (const [sessionId, entry] of [...this.pending]) this.flush(sessionId, entry);
    return this.tracker.result();
  }
}
