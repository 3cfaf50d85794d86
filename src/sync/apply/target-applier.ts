import type pg from 'pg';
import { connect } from '../../db/connect.js';
import { TARGET_STATE_SCHEMA, type ChangeEvent } from '../contract.js';
import { ensureTargetState, targetTableName, type TargetPlacement } from '../target-tables.js';
import { asSyncFailure, SyncFailure } from './errors.js';
import { parseLsn } from './lsn.js';
import { columnDifferences, schemaChanged, type SourceColumn } from './schema-check.js';
import { literal } from './sql-text.js';
import { deleteByRow, runStatement, truncateStatement, updateByKey, updateByRow, type Run, type RunOp, type Statement, type Value } from './statements.js';
import { readTargetTable, type TargetTableInfo } from './table-info.js';

export type { SourceColumn } from './schema-check.js';

export interface ApplierOptions {
  /** The service whose database this is: the key of its position rows. */
  readonly service: string;
  /** Connection URL of the service's database. */
  readonly targetUrl: string;
  /** Where monolith tables live in the target (`{ isolation, schema? }` of the plan's target). */
  readonly placement: TargetPlacement;
  /**
   * Combine runs of same-table same-op changes into set-based statements (default true).
   * False applies each change with its own statement (for measuring, and a fallback).
   */
  readonly combine?: boolean;
  /** Changes per round trip at most (default 2000); also bounds memory within a huge transaction. */
  readonly maxBufferedChanges?: number;
  readonly applicationName?: string;
}

/** A source position in WAL terms (the direct transport). */
export interface LsnPosition {
  /** Commit LSN of the last source transaction applied. */
  readonly lsn: string;
  readonly txId: number | null;
  /** Commit time of that transaction, ms since the epoch. */
  readonly commitTimeMs: number | null;
}

/** A consumer position (the Kafka transport): the next offset to consume per partition. */
export interface KafkaOffset {
  readonly topic: string;
  readonly partition: number;
  /** As a decimal string: offsets are 64-bit. */
  readonly nextOffset: string;
}

/** What `commit` records with the data (either or both). */
export interface CommitPosition {
  readonly lsn?: LsnPosition;
  readonly kafkaOffsets?: readonly KafkaOffset[];
}

export interface ApplierStats {
  /** Changes written (since open). */
  readonly applied: number;
  /** Changes skipped because the table's backfill snapshot already held them. */
  readonly skipped: number;
  /** Updates and deletes that found no row to change (a sign of divergence; also counted by native replication). */
  readonly missingRows: number;
  readonly commits: number;
  readonly roundTrips: number;
}

interface Pending {
  readonly statement: Statement;
}

const STATE = TARGET_STATE_SCHEMA;
const MAX_RUN_ROWS = 1000;
const MAX_BUFFER_BYTES = 2 * 1024 * 1024;

/**
 * Applies ChangeEvents to one service's database, one target transaction per batch, with the
 * source position written in the same transaction. See src/sync/apply/index.ts for the rules.
 */
export class TargetApplier {
  /** The applier's own session (also used by the runner for its advisory lock). Do not use it inside a batch. */
  readonly client: pg.Client;
  readonly options: ApplierOptions;
  /** False when the session could not set session_replication_role = replica (not a superuser): target triggers and FK checks then run. */
  readonly replicaRole: boolean;

  private readonly tables = new Map<string, TargetTableInfo>();
  private snapshotLsns = new Map<string, bigint>();
  private inTx = false;
  /** BEGIN has been sent to the server (statements may already be applied, uncommitted). */
  private txOpen = false;
  private buffer: Pending[] = [];
  /** Round trips sent and not yet settled, oldest first. */
  private inflight: Array<Promise<void>> = [];
  /** The round trip holding the last batch's COMMIT, while it may still be running. */
  private committing: Promise<void> | undefined;
  private bufferBytes = 0;
  private bufferedChanges = 0;
  /** Open runs: one per table when changes of different tables may be reordered, else at most one. */
  private readonly runs = new Map<TargetTableInfo, Run>();
  private combine: boolean;
  private truncate: { lsn: string; tables: TargetTableInfo[] } | undefined;
  private stats = { applied: 0, skipped: 0, missingRows: 0, commits: 0, roundTrips: 0 };
  private readonly typeNames = new Map<number, string>();
  private lastLsn: { text: string; value: bigint } = { text: '', value: 0n };
  /** Per table: the column lists seen (interned, so runs compare them by identity) and the last one. */
  private readonly columnLists = new Map<TargetTableInfo, { last: readonly string[]; bySignature: Map<string, readonly string[]> }>();
  /** Per monolith table: its backfill snapshot and target table (cleared when the snapshots are re-read). */
  private readonly sourceTables = new Map<string, { schema: string; name: string; snapshot: bigint | undefined; info: TargetTableInfo | undefined }>();
  private lastTable: { schema: string; name: string; snapshot: bigint | undefined; info: TargetTableInfo | undefined } | undefined;

  private constructor(client: pg.Client, options: ApplierOptions, replicaRole: boolean) {
    this.client = client;
    this.options = options;
    this.replicaRole = replicaRole;
    this.combine = options.combine ?? true;
  }

  /**
   * Set-based statements on or off from the next batch on (off: one statement per change, in
   * order; the fallback when a combined statement trips a unique constraint transiently).
   */
  setCombine(on: boolean): void {
    this.combine = on;
  }

  /**
   * Changes of different tables are independent inside one target transaction once no trigger
   * or foreign key check fires (session_replication_role = replica): each table then collects
   * its own runs (order kept within the table), so interleaved transactions still make big
   * statements.
   */
  private get reorder(): boolean {
    return this.combine && this.replicaRole;
  }

  /** Connect, create the target's sync state tables when missing, and read the backfill snapshots. */
  static async open(options: ApplierOptions): Promise<TargetApplier> {
    let client: pg.Client;
    try {
      client = await connect(options.targetUrl, { applicationName: options.applicationName ?? `dbsplit apply ${options.service}` });
    } catch (e) {
      throw asSyncFailure(e, 'target', 'target unreachable');
    }
    try {
      // Values arrive in the monolith's text forms, produced with these settings (see the
      // replication reader): parse them the same way. The position must be durable before the
      // source is acknowledged, whatever the server's default.
      await client.query(`SET DateStyle = ISO; SET IntervalStyle = postgres; SET synchronous_commit = on; SET statement_timeout = 0`);
      // A set-based statement touches a few hundred rows by key: the right plan is always a nested
      // loop over the key's index. Left to costs, a big VALUES list flips to a hash join over a
      // sequential scan of the whole table, a hundred times slower on a large table.
      await client.query(`SET enable_hashjoin = off; SET enable_mergejoin = off`);
      let replicaRole = true;
      try {
        // As native logical replication does: target triggers (and FK checks) do not fire again
        // for changes the monolith already checked.
        await client.query(`SET session_replication_role = replica`);
      } catch (e) {
        if ((e as { code?: string }).code !== '42501') throw e;
        replicaRole = false;
      }
      await ensureTargetState(client);
      const applier = new TargetApplier(client, options, replicaRole);
      await applier.refreshBackfillState();
      return applier;
    } catch (e) {
      await client.end().catch(() => undefined);
      throw asSyncFailure(e, 'target', 'preparing the target');
    }
  }

  async close(): Promise<void> {
    await this.client.end().catch(() => undefined);
  }

  getStats(): ApplierStats {
    return { ...this.stats };
  }

  /** Changes written so far (`getStats().applied`, without the copy). */
  appliedCount(): number {
    return this.stats.applied;
  }

  /** The position recorded by the last commit with an LSN (null before the first backfill). */
  async readPosition(): Promise<LsnPosition | null> {
    const res = await this.query<{ lsn: string; source_txid: string | null; ms: number | null }>(
      `SELECT lsn::text AS lsn, source_txid::text AS source_txid, (extract(epoch FROM source_commit_time) * 1000)::float8 AS ms FROM ${STATE}.position WHERE service = $1`,
      [this.options.service],
    );
    const row = res.rows[0];
    if (!row) return null;
    return { lsn: row.lsn, txId: row.source_txid === null ? null : Number(row.source_txid), commitTimeMs: row.ms };
  }

  async readKafkaOffsets(): Promise<KafkaOffset[]> {
    const res = await this.query<{ topic: string; partition: number; next_offset: string }>(
      `SELECT topic, partition, next_offset::text AS next_offset FROM ${STATE}.kafka_offsets WHERE service = $1 ORDER BY topic, partition`,
      [this.options.service],
    );
    return res.rows.map((r) => ({ topic: r.topic, partition: r.partition, nextOffset: r.next_offset }));
  }

  /**
   * Re-read `_dbsplit_sync.backfill` (snapshot LSN per monolith table `schema.table`). Call it
   * outside a batch, e.g. when a table was backfilled again while streaming.
   */
  async refreshBackfillState(): Promise<ReadonlyMap<string, { status: string; snapshotLsn: string | null }>> {
    const res = await this.query<{ table_name: string; status: string; snapshot_lsn: string | null }>(
      `SELECT table_name, status, snapshot_lsn::text AS snapshot_lsn FROM ${STATE}.backfill WHERE service = $1`,
      [this.options.service],
    );
    const snapshots = new Map<string, bigint>();
    const out = new Map<string, { status: string; snapshotLsn: string | null }>();
    for (const r of res.rows) {
      if (r.snapshot_lsn) snapshots.set(r.table_name, parseLsn(r.snapshot_lsn));
      out.set(r.table_name, { status: r.status, snapshotLsn: r.snapshot_lsn });
    }
    this.snapshotLsns = snapshots;
    this.sourceTables.clear();
    this.lastTable = undefined;
    return out;
  }

  /**
   * Compare a monolith table's columns with its target table's; throws E_SCHEMA_CHANGED (not
   * retryable) naming what changed. Call it before applying the first change of a table after
   * the source described it (pgoutput's Relation message).
   */
  async checkColumns(schema: string, table: string, columns: readonly SourceColumn[]): Promise<void> {
    const info = await this.tableInfo(schema, table);
    let differences = columnDifferences(columns, info, this.typeNames);
    if (differences.length === 0) return;
    const unknown = columns.filter((c) => c.typeName === undefined && !this.typeNames.has(c.typeOid)).map((c) => c.typeOid);
    if (unknown.length > 0) {
      const res = await this.query<{ oid: number; name: string }>(`SELECT oid::int AS oid, format_type(oid, NULL) AS name FROM pg_type WHERE oid = ANY($1::oid[])`, [unknown]);
      for (const r of res.rows) this.typeNames.set(r.oid, r.name);
      differences = columnDifferences(columns, info, this.typeNames);
    }
    throw schemaChanged(this.options.service, `${schema}.${table}`, differences);
  }

  /** True when the table's backfill copy already holds the changes of the transaction at `lsn` (they are skipped). */
  coveredBySnapshot(schema: string, table: string, lsn: string): boolean {
    if (this.snapshotLsns.size === 0) return false;
    const snapshot = this.snapshotLsns.get(`${schema}.${table}`);
    return snapshot !== undefined && this.lsnValue(lsn) < snapshot;
  }

  /** Consecutive changes share their transaction's LSN: parse it once. */
  private lsnValue(lsn: string): bigint {
    if (lsn !== this.lastLsn.text) this.lastLsn = { text: lsn, value: parseLsn(lsn) };
    return this.lastLsn.value;
  }

  /** Start a batch (one target transaction). Nothing is sent yet. */
  async begin(): Promise<void> {
    if (this.inTx) throw new Error('TargetApplier.begin: a batch is already open');
    this.inTx = true;
    this.txOpen = false;
    this.buffer = [{ statement: { sql: 'BEGIN', expectedRows: -1 } }];
    this.bufferBytes = 5;
    this.bufferedChanges = 0;
    this.runs.clear();
    this.truncate = undefined;
  }

  /**
   * Apply one change (buffered: statements go out in large round trips, and at `commit`).
   * Changes older than their table's backfill snapshot are skipped. Returns a promise only
   * when it has to wait (a round trip, or reading a table's definition the first time).
   */
  apply(event: ChangeEvent): Promise<void> | undefined {
    if (!this.inTx) throw new Error('TargetApplier.apply: call begin() first');
    const src = event.source;
    let entry = this.lastTable;
    if (entry === undefined || entry.schema !== src.schema || entry.name !== src.table) {
      entry = this.sourceTables.get(`${src.schema}.${src.table}`);
      if (!entry) {
        entry = { schema: src.schema, name: src.table, snapshot: this.snapshotLsns.get(`${src.schema}.${src.table}`), info: undefined };
        this.sourceTables.set(`${src.schema}.${src.table}`, entry);
      }
      this.lastTable = entry;
    }
    if (entry.snapshot !== undefined && this.lsnValue(src.lsn) < entry.snapshot) {
      this.stats.skipped++;
      return undefined;
    }
    if (entry.info === undefined) {
      const known = entry;
      return this.tableInfo(src.schema, src.table).then((info) => {
        known.info = info;
        return this.applyTo(info, event);
      });
    }
    return this.applyTo(entry.info, event);
  }

  private applyTo(table: TargetTableInfo, event: ChangeEvent): Promise<void> | undefined {
    this.stats.applied++;
    this.bufferedChanges++;
    if (event.op === 't') {
      this.closeAllRuns();
      if (this.truncate && this.truncate.lsn !== event.source.lsn) this.closeTruncate();
      this.truncate ??= { lsn: event.source.lsn, tables: [] };
      if (!this.truncate.tables.includes(table)) this.truncate.tables.push(table);
    } else {
      this.closeTruncate();
      this.add(table, event);
    }
    if (this.bufferedChanges >= (this.options.maxBufferedChanges ?? 2000) || this.bufferBytes >= MAX_BUFFER_BYTES) return this.flush();
    return undefined;
  }

  /** Write the position with the data and COMMIT. Only after this returns may the source be acknowledged. */
  async commit(position: CommitPosition): Promise<void> {
    const { durable } = await this.commitInBackground(position);
    await durable;
  }

  /**
   * Send the position and COMMIT without waiting for the server: the next batch can be built
   * (and its first statements decoded) while the target commits this one. Returns once the
   * COMMIT is on its way; `durable` settles when it committed (or failed): only then may the
   * source be acknowledged. Batches commit in order on the one connection, and no statement of
   * a later batch is sent before this COMMIT succeeded, so a later batch can never commit
   * (with its later position) over a batch that did not.
   */
  async commitInBackground(position: CommitPosition): Promise<{ readonly durable: Promise<void> }> {
    if (!this.inTx) throw new Error('TargetApplier.commit: no batch is open');
    this.closeAllRuns();
    this.closeTruncate();
    const service = literal(this.options.service);
    if (position.lsn) {
      const p = position.lsn;
      const time = p.commitTimeMs === null ? 'NULL' : `to_timestamp(${p.commitTimeMs / 1000})`;
      this.push({
        sql:
          `INSERT INTO ${STATE}.position (service, lsn, source_txid, source_commit_time, applied_at) VALUES (${service}, ${literal(p.lsn)}, ${p.txId ?? 'NULL'}, ${time}, now()) ` +
          `ON CONFLICT (service) DO UPDATE SET lsn = EXCLUDED.lsn, source_txid = EXCLUDED.source_txid, source_commit_time = EXCLUDED.source_commit_time, applied_at = EXCLUDED.applied_at`,
        expectedRows: -1,
      });
    }
    if (position.kafkaOffsets && position.kafkaOffsets.length > 0) {
      const rows = position.kafkaOffsets.map((o) => `(${service}, ${literal(o.topic)}, ${Number(o.partition)}, ${literal(o.nextOffset)})`);
      this.push({
        sql: `INSERT INTO ${STATE}.kafka_offsets (service, topic, partition, next_offset) VALUES ${rows.join(', ')} ON CONFLICT (service, topic, partition) DO UPDATE SET next_offset = EXCLUDED.next_offset`,
        expectedRows: -1,
      });
    }
    // A lone COMMIT after a failed round trip would end the aborted transaction as a ROLLBACK
    // without an error: settle what is in flight first. Otherwise the statements before COMMIT
    // fail in an aborted transaction, and COMMIT is not reached.
    if (this.buffer.length === 0 && this.runs.size === 0) await this.flush(true);
    this.push({ sql: 'COMMIT', expectedRows: -1 });
    await this.flush();
    // flush() leaves at most the round trip just sent running: the one holding COMMIT.
    const sent = this.inflight[this.inflight.length - 1];
    this.committing = sent;
    this.inTx = false;
    this.txOpen = false;
    this.stats.commits++;
    const durable = (sent ?? Promise.resolve()).catch((e: unknown) => {
      throw asSyncFailure(e, 'target', 'committing to the target');
    });
    // Observed by the caller; this keeps a failure from being reported as unhandled meanwhile.
    durable.catch(() => undefined);
    return { durable };
  }

  /** Abandon the batch: nothing of it stays in the target. Safe to call at any time. */
  async rollback(): Promise<void> {
    const pending = this.inflight;
    this.inflight = [];
    await Promise.allSettled(pending);
    const wasOpen = this.txOpen;
    this.committing = undefined;
    this.inTx = false;
    this.txOpen = false;
    this.buffer = [];
    this.bufferBytes = 0;
    this.runs.clear();
    this.truncate = undefined;
    if (wasOpen) await this.client.query('ROLLBACK').catch(() => undefined);
  }

  /** True between begin() and commit()/rollback(). */
  get batchOpen(): boolean {
    return this.inTx;
  }

  private async tableInfo(schema: string, table: string): Promise<TargetTableInfo> {
    const key = `${schema}.${table}`;
    let info = this.tables.get(key);
    if (!info) {
      const target = targetTableName(this.options.placement, this.options.service, schema, table);
      try {
        info = await readTargetTable(this.client, target.schema, target.name);
      } catch (e) {
        throw asSyncFailure(e, 'target', `reading ${target.schema}.${target.name} in the target`);
      }
      this.tables.set(key, info);
    }
    return info;
  }

  private async query<R extends pg.QueryResultRow>(sql: string, params: unknown[] = []): Promise<pg.QueryResult<R>> {
    try {
      return await this.client.query<R>(sql, params);
    } catch (e) {
      throw asSyncFailure(e, 'target', 'the target');
    }
  }

  private push(statement: Statement): void {
    this.buffer.push({ statement });
    this.bufferBytes += statement.sql.length + 2;
  }

  private keyOf(table: TargetTableInfo, event: ChangeEvent): readonly string[] {
    if (event.key.length > 0) return event.key;
    const row = event.before ?? event.after;
    if (table.primaryKey.length > 0 && row && table.primaryKey.every((k) => k in row)) return table.primaryKey;
    return [];
  }

  private add(table: TargetTableInfo, event: ChangeEvent): void {
    const key = this.keyOf(table, event);
    switch (event.op) {
      case 'c':
      case 'r': {
        const after = event.after ?? {};
        const { columns, values } = this.rowValues(table, after, undefined, undefined);
        const op: RunOp = event.op === 'r' && key.length > 0 ? 'upsert' : 'insert';
        this.addToRun(table, op, columns, key, valuesOf(after, key), values);
        return;
      }
      case 'u': {
        const after = event.after ?? {};
        const toast = event.unchangedToast !== undefined && event.unchangedToast.length > 0 ? event.unchangedToast : undefined;
        if (key.length === 0) {
          const { columns, values } = this.rowValues(table, after, toast, undefined);
          this.closeRunsOf(table);
          if (columns.length > 0) this.push(updateByRow(table, event.before ?? {}, columns.map((c, i) => [c, values[i]!] as const), new Set()));
          return;
        }
        const newKey = valuesOf(after, key);
        const before = event.before;
        const oldKey = before && key.every((k) => k in before) ? valuesOf(before, key) : newKey;
        if (oldKey.some((v, i) => v !== newKey[i])) {
          const { columns, values } = this.rowValues(table, after, toast, undefined);
          this.closeRunsOf(table);
          this.push(updateByKey(table, key, oldKey, columns.map((c, i) => [c, values[i]!] as const)));
          return;
        }
        const { columns, values } = this.rowValues(table, after, toast, key);
        if (columns.length === 0) return;
        this.addToRun(table, 'update', columns, key, newKey, values);
        return;
      }
      case 'd': {
        const before = event.before ?? {};
        if (key.length === 0) {
          this.closeRunsOf(table);
          this.push(deleteByRow(table, before, new Set()));
          return;
        }
        this.addToRun(table, 'delete', NO_COLUMNS, key, valuesOf(before, key), NO_VALUES);
        return;
      }
      case 't':
        return;
    }
  }

  /**
   * The writable columns of a row (minus `skipA` and `skipB`) and their values. The column list
   * is interned per table, so consecutive changes share one array and runs compare by identity.
   */
  private rowValues(table: TargetTableInfo, row: Readonly<Record<string, Value>>, skipA: readonly string[] | undefined, skipB: readonly string[] | undefined): { columns: readonly string[]; values: Value[] } {
    const values: Value[] = [];
    // Consecutive changes of a table mostly carry the same columns: compare with the last list
    // as we go, and build (and intern) a new one only when they differ.
    const lists = this.columnLists.get(table) ?? this.newColumnLists(table);
    let last = lists.last;
    let same = true;
    let n = 0;
    for (const name in row) {
      if (!table.writable.has(name) || (skipA !== undefined && skipA.includes(name)) || (skipB !== undefined && skipB.includes(name))) continue;
      if (same && last[n] !== name) same = false;
      n++;
      values.push(row[name] ?? null);
    }
    if (!same || n !== last.length) {
      const names: string[] = [];
      for (const name in row) {
        if (!table.writable.has(name) || (skipA !== undefined && skipA.includes(name)) || (skipB !== undefined && skipB.includes(name))) continue;
        names.push(name);
      }
      const signature = names.join('\u0000');
      last = lists.bySignature.get(signature) ?? names;
      lists.bySignature.set(signature, last);
      lists.last = last;
    }
    return { columns: last, values };
  }

  private newColumnLists(table: TargetTableInfo): { last: readonly string[]; bySignature: Map<string, readonly string[]> } {
    const lists = { last: NO_COLUMNS, bySignature: new Map<string, readonly string[]>() };
    this.columnLists.set(table, lists);
    return lists;
  }


  private addToRun(table: TargetTableInfo, op: RunOp, columns: readonly string[], key: readonly string[], keyValues: readonly Value[], values: readonly Value[]): void {
    if (!this.combine) {
      this.push(runStatement({ table, op, columns, key, rows: [{ key: keyValues, values }], keys: new Map(), bytes: 0 }));
      return;
    }
    if (!this.reorder) {
      for (const t of [...this.runs.keys()]) if (t !== table) this.closeRun(t);
    }
    // Only an update run needs its keys (to merge two updates of a row): an insert run cannot
    // meet its key twice without a delete between (another op, another run), nor a delete run.
    const keyText = (op !== 'update' && op !== 'upsert') || key.length === 0 ? undefined : key.length === 1 ? (keyValues[0] === null ? '\u0000' : '=' + keyValues[0]) : JSON.stringify(keyValues);
    let r = this.runs.get(table);
    let fits = r !== undefined && r.op === op && r.rows.length < MAX_RUN_ROWS && r.bytes < MAX_BUFFER_BYTES / 4 && sameList(r.columns, columns) && sameList(r.key, key);
    const bytes = rowBytes(keyValues, values);
    if (fits && keyText !== undefined) {
      const at = r!.keys.get(keyText);
      if (at !== undefined) {
        if (op !== 'update') {
          fits = false;
        } else {
          // Two updates of one row (same columns): the later full image replaces the earlier.
          const old = r!.rows[at]!;
          const delta = bytes - rowBytes(old.key, old.values);
          r!.rows[at] = { key: keyValues, values };
          r!.bytes += delta;
          this.bufferBytes += delta;
          return;
        }
      }
    }
    if (!fits) {
      this.closeRun(table);
      r = { table, op, columns, key, rows: [], keys: new Map(), bytes: 0 };
      this.runs.set(table, r);
    }
    const run = r!;
    if (keyText !== undefined) run.keys.set(keyText, run.rows.length);
    run.rows.push({ key: keyValues, values });
    run.bytes += bytes;
    this.bufferBytes += bytes;
  }

  /** Before a statement of `table` that cannot join a run: what is pending for the table goes first. */
  private closeRunsOf(table: TargetTableInfo): void {
    if (this.reorder) this.closeRun(table);
    else this.closeAllRuns();
  }

  private closeRun(table: TargetTableInfo): void {
    const r = this.runs.get(table);
    if (!r) return;
    this.runs.delete(table);
    this.bufferBytes -= r.bytes;
    this.push(runStatement(r));
  }

  private closeAllRuns(): void {
    for (const t of [...this.runs.keys()]) this.closeRun(t);
  }

  private closeTruncate(): void {
    const t = this.truncate;
    if (!t) return;
    this.truncate = undefined;
    this.push(truncateStatement(t.tables));
  }

  /**
   * Send the buffered statements in one round trip (the simple query protocol runs them in
   * order). The server executes one round trip while the next is being built: at most one is
   * left running when this returns, unless `final` (then none).
   */
  private async flush(final = false): Promise<void> {
    this.closeAllRuns();
    this.closeTruncate();
    const batch = this.buffer;
    if (batch.length > 0 && this.committing !== undefined) {
      // The previous batch's COMMIT must have succeeded before anything of this one goes out.
      this.committing = undefined;
      while (this.inflight.length > 0) await this.settle(this.inflight.shift()!);
    }
    if (batch.length > 0) {
      this.buffer = [];
      this.bufferBytes = 0;
      this.bufferedChanges = 0;
      this.inflight.push(this.send(batch));
    }
    while (this.inflight.length > (final ? 0 : 1)) await this.settle(this.inflight.shift()!);
  }

  private send(batch: readonly Pending[]): Promise<void> {
    const sql = batch.map((p) => p.statement.sql).join(';\n');
    // Statements outside BEGIN ... COMMIT would commit on their own, without the position.
    if (batch[0]!.statement.sql === 'BEGIN') this.txOpen = true;
    else if (!this.txOpen) return Promise.reject(new Error('TargetApplier: statements outside a transaction (a batch used after commit or rollback)'));
    this.stats.roundTrips++;
    const sent = this.client.query(sql).then((results: pg.QueryResult | pg.QueryResult[]) => {
      const list = Array.isArray(results) ? results : [results];
      for (let i = 0; i < batch.length && i < list.length; i++) {
        const expected = batch[i]!.statement.expectedRows;
        const got = list[i]!.rowCount ?? 0;
        if (expected > 0 && got < expected) this.stats.missingRows += expected - got;
      }
    });
    // Observed by settle(); this keeps a failure from being reported as unhandled meanwhile.
    sent.catch(() => undefined);
    return sent;
  }

  private async settle(sent: Promise<void>): Promise<void> {
    try {
      await sent;
    } catch (e) {
      const failure = asSyncFailure(e, 'target', 'applying to the target');
      await this.rollback();
      throw failure;
    }
  }
}

function rowBytes(key: readonly Value[], values: readonly Value[]): number {
  let bytes = 8;
  for (const v of values) bytes += (v?.length ?? 4) + 4;
  for (const v of key) bytes += (v?.length ?? 4) + 4;
  return bytes;
}

const NO_COLUMNS: readonly string[] = [];
const NO_VALUES: readonly Value[] = [];

function valuesOf(row: Readonly<Record<string, Value>>, names: readonly string[]): Value[] {
  const out: Value[] = new Array<Value>(names.length);
  for (let i = 0; i < names.length; i++) out[i] = row[names[i]!] ?? null;
  return out;
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Re-exported so callers can tell a schema change from other failures without importing errors.ts. */
export { SyncFailure };
