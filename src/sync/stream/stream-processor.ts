import type { CommitPosition, SourceColumn } from '../apply/index.js';
import type { ChangeEvent } from '../contract.js';
import { formatLsn } from '../apply/lsn.js';
import { SyncFailure } from '../apply/errors.js';
import {
  deleteDraft,
  insertDraft,
  relationState,
  sourceColumns,
  toEvent,
  truncateDraft,
  updateDraft,
  type ChangeDraft,
  type RelationState,
  type TxContext,
} from './change-events.js';
import type { PgoutputMessage } from './pgoutput-decoder.js';

/**
 * The heart of the direct runner: pgoutput messages in, batches applied to the target out.
 *
 * - A transaction whose commit LSN is at or before the target's position was applied already:
 *   skipped whole (a restart from an older slot position doubles nothing).
 * - A batch is one target transaction holding whole source transactions, in commit order; it
 *   ends at a transaction boundary when it holds `batchSize` changes, when `batchMs` passed, or
 *   when no more messages are waiting. The position is written with it, and only after COMMIT
 *   succeeded is the slot acknowledged. The next batch is built while the target commits
 *   (a sink with commitInBackground), but none of it is sent before that COMMIT succeeded.
 * - A huge transaction flows through the applier incrementally (bounded memory), inside one
 *   target transaction, committed when its COMMIT arrives.
 * - Each table is compared with its target table when the monolith (re)describes it, before its
 *   next change is applied: a difference stops everything (E_SCHEMA_CHANGED) with nothing after
 *   it applied or acknowledged.
 */

/**
 * Where the processor sends changes: the part of TargetApplier it drives. A KafkaPublisher has
 * the same shape (the Kafka transport's runner side).
 */
export interface ChangeSink {
  begin(): Promise<void> | undefined;
  /** Returns a promise only when it has to wait (e.g. for a round trip); else nothing. */
  apply(event: ChangeEvent): Promise<void> | undefined;
  /** Resolves once the batch is durable where it went; only then is the slot acknowledged. */
  commit(position: CommitPosition): Promise<void>;
  /**
   * When the sink has it: hands the batch's commit over and returns before it is durable;
   * `durable` settles then, batches in order. The next batch is built meanwhile.
   */
  commitInBackground?(position: CommitPosition): Promise<{ readonly durable: Promise<void> }>;
  rollback(): Promise<void>;
  checkColumns(schema: string, table: string, columns: readonly SourceColumn[]): Promise<void>;
  coveredBySnapshot(schema: string, table: string, lsn: string): boolean;
  /** Changes written so far (without it: every change handed over counts). */
  appliedCount?(): number;
}

export interface ProcessorOptions {
  readonly applier: ChangeSink;
  /** The target's position: transactions committed at or before it are skipped. */
  readonly startLsn: bigint;
  readonly batchSize: number;
  readonly batchMs: number;
  /** Messages received but not yet handled, the one being handled included. */
  readonly backlog: () => number;
  /** Report to the slot that everything before `lsn` is flushed. */
  readonly acknowledge: (lsn: bigint) => void;
  readonly onBatch?: (batch: CommittedBatch) => void;
}

export interface CommittedBatch {
  readonly changes: number;
  readonly transactions: number;
  readonly lsn: string;
  readonly commitTimeMs: number;
}

interface OpenTx extends TxContext {
  readonly finalLsn: bigint;
  readonly skip: boolean;
  seq: number;
  pending: ChangeDraft | undefined;
}

interface OpenBatch {
  readonly startedAt: number;
  /** The applier's count of written changes when the batch began. */
  readonly appliedBefore: number;
  changes: number;
  transactions: number;
  last: { lsn: bigint; endLsn: bigint; xid: number; commitTimeMs: number } | undefined;
}

export class StreamProcessor {
  private readonly relations = new Map<number, RelationState>();
  private readonly typeNames = new Map<number, string>();
  private tx: OpenTx | undefined;
  private batch: OpenBatch | undefined;
  private position: bigint;
  private lastCommit: { lsn: bigint; commitTimeMs: number } | undefined;
  private inFlight: Promise<void> = Promise.resolve();
  /** Batches handed to the sink whose commit is not yet known to be durable. */
  private committing = 0;
  /** Commit LSN of the last batch handed to the sink. */
  private handedOffLsn: bigint | undefined;
  /** Settles once every batch handed over so far is durable (or failed). */
  private durableAll: Promise<void> = Promise.resolve();
  /** Messages handed to handle() and not finished. */
  private pending = 0;
  private closed = false;
  /** Set once; everything after it is ignored. */
  failure: unknown;
  /** Commit LSN of the transaction being applied when the failure happened. */
  failedAt: bigint | undefined;
  handled = 0;
  appliedChanges = 0;
  /** Transactions received again that the target already had (at or before its position). */
  alreadyApplied = 0;
  private handedOver = 0;
  onFailure: ((e: unknown) => void) | undefined;

  constructor(private readonly options: ProcessorOptions) {
    this.position = options.startLsn;
  }

  /** The target's position as far as this processor knows (last committed transaction). */
  get appliedLsn(): bigint {
    return this.position;
  }

  /** Commit time of the last applied transaction (ms), if any since start. */
  get lastCommitTimeMs(): number | undefined {
    return this.lastCommit?.commitTimeMs;
  }

  /**
   * Nothing received is waiting and no transaction or batch is open: everything received is in
   * the target. Never once closing: messages that arrive then are dropped, not applied.
   */
  isIdle(): boolean {
    return !this.closed && this.tx === undefined && this.batch === undefined && this.committing === 0 && this.failure === undefined && this.options.backlog() === 0;
  }

  /**
   * Handle one message. Never rejects: a failure is kept in `failure` and reported once.
   * Returns undefined when the message was handled synchronously (most are: only flushes to
   * the target wait), else a promise to await before the next message.
   */
  handle(message: PgoutputMessage | { tag: 'error'; error: unknown }): Promise<void> | undefined {
    // The reader delivers the next message only when this one is handled; chaining still keeps
    // the order should a caller not wait.
    if (this.pending > 0) {
      this.pending++;
      const p = this.inFlight.then(() => this.handleNow(message));
      this.inFlight = p;
      return p;
    }
    this.pending++;
    const p = this.handleNow(message);
    if (p !== undefined) this.inFlight = p;
    return p;
  }

  private handleNow(message: PgoutputMessage | { tag: 'error'; error: unknown }): Promise<void> | undefined {
    let pending: Promise<void> | undefined;
    try {
      if (this.closed || this.failure !== undefined) {
        this.done();
        return undefined;
      }
      if (message.tag === 'error') throw new SyncFailure(`could not decode the change stream: ${String((message.error as Error)?.message ?? message.error)}`, { retryable: false, cause: message.error });
      pending = this.process(message);
    } catch (e) {
      return this.failed(e);
    }
    if (pending === undefined) {
      this.done();
      return undefined;
    }
    return pending.then(
      () => this.done(),
      (e: unknown) => this.failed(e),
    );
  }

  private done(): void {
    this.handled++;
    this.pending--;
  }

  private async failed(e: unknown): Promise<void> {
    try {
      await this.fail(e);
      this.onFailure?.(e);
    } finally {
      this.done();
    }
  }

  /**
   * Stop taking messages. With `commitOpenBatch`, a batch that ends at a transaction boundary
   * is committed (its changes are whole transactions) and acknowledged; otherwise, or in the
   * middle of a transaction, the open batch is rolled back.
   */
  async close(commitOpenBatch: boolean): Promise<void> {
    this.closed = true;
    await this.inFlight;
    if (this.batch && commitOpenBatch && this.tx === undefined && this.failure === undefined) {
      try {
        await this.commitBatch();
      } catch (e) {
        await this.fail(e);
      }
    }
    this.tx = undefined;
    this.batch = undefined;
    await this.options.applier.rollback().catch(() => undefined);
    await this.durableAll;
  }

  private async fail(e: unknown): Promise<void> {
    this.failure = e;
    // A failure seen while building a batch may be the previous batch's COMMIT: the last LSN
    // handed over stands for it.
    this.failedAt = this.tx?.finalLsn ?? this.batch?.last?.lsn ?? this.handedOffLsn;
    this.tx = undefined;
    this.batch = undefined;
    await this.options.applier.rollback().catch(() => undefined);
  }

  private process(m: PgoutputMessage): Promise<void> | undefined {
    switch (m.tag) {
      case 'relation':
        this.relations.set(m.relationId, relationState(m));
        return undefined;
      case 'type':
        this.typeNames.set(m.typeOid, m.name);
        return undefined;
      case 'begin': {
        const skip = m.finalLsn <= this.position;
        this.tx = { lsn: formatLsn(m.finalLsn), finalLsn: m.finalLsn, xid: m.xid, commitTimeMs: m.commitTimeMs, skip, seq: 0, pending: undefined };
        if (!skip && !this.batch) {
          this.batch = { startedAt: Date.now(), appliedBefore: this.written(), changes: 0, transactions: 0, last: undefined };
          return this.options.applier.begin();
        }
        return undefined;
      }
      case 'insert':
      case 'update':
      case 'delete': {
        const tx = this.requireTx(m.tag);
        if (tx.skip) return undefined;
        const rel = this.relation(m.relationId);
        const draft =
          m.tag === 'insert' ? insertDraft(rel, m.newTuple) : m.tag === 'update' ? updateDraft(rel, m.oldTuple, m.oldIsKeyOnly, m.newTuple) : deleteDraft(rel, m.oldTuple, m.oldIsKeyOnly);
        return this.push(tx, draft);
      }
      case 'truncate': {
        const tx = this.requireTx('truncate');
        if (tx.skip) return undefined;
        return this.truncate(tx, m.relationIds);
      }
      case 'commit': {
        const tx = this.requireTx('commit');
        this.tx = undefined;
        if (tx.skip) {
          this.alreadyApplied++;
          return undefined;
        }
        const last = tx.pending ? this.emit(tx, tx.pending, true) : undefined;
        return last === undefined ? this.endTransaction(tx, m.endLsn) : last.then(() => this.endTransaction(tx, m.endLsn));
      }
      case 'origin':
      case 'message':
        return undefined;
    }
  }

  private async truncate(tx: OpenTx, relationIds: readonly number[]): Promise<void> {
    for (const id of relationIds) await this.push(tx, truncateDraft(this.relation(id)));
  }

  /** The transaction's changes are all in the batch: the batch commits when it is due. */
  private endTransaction(tx: OpenTx, endLsn: bigint): Promise<void> | undefined {
    const batch = this.batch!;
    batch.changes += tx.seq;
    batch.transactions++;
    batch.last = { lsn: tx.finalLsn, endLsn, xid: tx.xid, commitTimeMs: tx.commitTimeMs };
    const due = batch.changes >= this.options.batchSize || Date.now() - batch.startedAt >= this.options.batchMs || this.options.backlog() <= 1;
    return due ? this.commitBatch() : undefined;
  }

  private requireTx(what: string): OpenTx {
    if (!this.tx) throw new SyncFailure(`the change stream sent ${what} outside a transaction`, { retryable: true, side: 'monolith' });
    return this.tx;
  }

  private relation(id: number): RelationState {
    const rel = this.relations.get(id);
    if (!rel) throw new SyncFailure(`the change stream refers to relation ${id} before describing it`, { retryable: true, side: 'monolith' });
    return rel;
  }

  /** One change of the transaction; held back by one so the last one can be marked lastInTx. */
  private push(tx: OpenTx, draft: ChangeDraft): Promise<void> | undefined {
    const rel = draft.rel;
    if (!rel.checked && !this.options.applier.coveredBySnapshot(rel.message.schema, rel.message.name, tx.lsn)) {
      return this.options.applier.checkColumns(rel.message.schema, rel.message.name, sourceColumns(rel, this.typeNames)).then(() => {
        rel.checked = true;
        return this.push(tx, draft);
      });
    }
    const previous = tx.pending;
    tx.pending = draft;
    return previous ? this.emit(tx, previous, false) : undefined;
  }

  private emit(tx: OpenTx, draft: ChangeDraft, lastInTx: boolean): Promise<void> | undefined {
    const seq = tx.seq++;
    this.handedOver++;
    return this.options.applier.apply(toEvent(draft, tx, seq, lastInTx)) ?? undefined;
  }

  private written(): number {
    return this.options.applier.appliedCount?.() ?? this.handedOver;
  }

  private async commitBatch(): Promise<void> {
    const batch = this.batch;
    if (!batch) return;
    const last = batch.last;
    if (!last) {
      await this.options.applier.rollback();
      this.batch = undefined;
      return;
    }
    const sink = this.options.applier;
    const position = { lsn: { lsn: formatLsn(last.lsn), txId: last.xid, commitTimeMs: last.commitTimeMs } };
    if (!sink.commitInBackground) {
      await sink.commit(position);
      this.batch = undefined;
      this.committed(batch, last);
      return;
    }
    const { durable } = await sink.commitInBackground(position);
    this.batch = undefined;
    this.handedOffLsn = last.lsn;
    // Counted now: what the sink wrote for this batch (later batches add to the count).
    const written = this.written() - batch.appliedBefore;
    this.committing++;
    const settled = durable.then(
      () => {
        this.committing--;
        this.committed(batch, last, written);
      },
      (e: unknown) => {
        this.committing--;
        if (this.failure !== undefined) return;
        this.failure = e;
        this.failedAt = last.lsn;
        this.onFailure?.(e);
      },
    );
    this.durableAll = Promise.all([this.durableAll, settled]).then(() => undefined);
  }

  /** A batch is durable in the target: it becomes the position, and the slot may let go of it. */
  private committed(batch: OpenBatch, last: NonNullable<OpenBatch['last']>, written = this.written() - batch.appliedBefore): void {
    this.position = last.lsn;
    this.lastCommit = { lsn: last.lsn, commitTimeMs: last.commitTimeMs };
    // Changes written: those older than their table's backfill snapshot were skipped.
    this.appliedChanges += written;
    // The end of the commit record: the slot resumes after it (what native subscribers report).
    this.options.acknowledge(last.endLsn);
    this.options.onBatch?.({ changes: written, transactions: batch.transactions, lsn: formatLsn(last.lsn), commitTimeMs: last.commitTimeMs });
  }
}
