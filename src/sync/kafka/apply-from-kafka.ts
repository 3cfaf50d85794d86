import type kafkajs from 'kafkajs';
import { PreconditionError } from '../../errors.js';
import { isRetryable, TargetApplier } from '../apply/index.js';
import { asSyncFailure, messageOf, SyncFailure } from '../apply/errors.js';
import type { ChangeEvent } from '../contract.js';
import { backoffDelay, sleep } from '../stream/backoff.js';
import type { TargetPlacement } from '../target-tables.js';
import { createKafka, kafkaFailure, type KafkaConnection, type KafkaLogHandler } from './client.js';
import { applyItems, checkColumns, decodeMessage, targetColumns } from './apply-items.js';
import { LostEventsError, PartitionCursor, partitionStart, watermarkOf } from './positions.js';
import { syncedTables } from './target-reads.js';
import { topicsOfTables } from './topics.js';

/**
 * `dbsplit shadow apply <service>`: consume the service's topics with a consumer group and
 * apply the events to its database with TargetApplier, one target transaction per fetched
 * batch (one partition's messages), which also stores the partition's next offset
 * (`_dbsplit_sync.kafka_offsets`). Exactly-once effect:
 *
 * - on every partition assignment the applier seeks to the offset stored in the target; the
 *   group's committed offsets are ignored (they are committed too, for monitoring: lag tools
 *   read them);
 * - events the publisher sent twice are skipped by their (lsn, seq) (src/sync/kafka/positions.ts).
 *
 * Ordering: a partition is applied in order; partitions are independent. With one partition
 * per topic (what the publisher creates) every table is applied in commit order, but the
 * target is not transactionally consistent across tables at every instant (a source
 * transaction touching two tables reaches them in two target transactions); it converges.
 *
 * A lost connection (Kafka or the target) ends the session; the next one starts after a
 * backoff from what the target stored.
 */

export interface KafkaApplyOptions {
  readonly service: string;
  readonly connection: KafkaConnection;
  readonly topicPrefix: string;
  readonly targetUrl: string;
  readonly placement: TargetPlacement;
  /** Consumer group (default `dbsplit-<service>`). */
  readonly groupId?: string | undefined;
  /** Topics to consume (default: one per table the target syncs, from `_dbsplit_sync.backfill`). */
  readonly topics?: readonly string[] | undefined;
  /** Return once every partition reached its end offset (high watermark) as of start. */
  readonly untilCaughtUp?: boolean | undefined;
  /** Abort (SIGTERM/SIGINT): the batch in hand is finished, then the applier returns. */
  readonly signal?: AbortSignal | undefined;
  readonly retry?: { readonly initialMs?: number; readonly maxMs?: number } | undefined;
  /** Consumer session timeout, ms (default 30000; Kafka's minimum is usually 6000). */
  readonly sessionTimeoutMs?: number | undefined;
  /** Bytes fetched per partition at most (default 1 MiB): bounds what is held in memory. */
  readonly maxBytesPerPartition?: number | undefined;
  /** Events per target transaction at most (default 5000); a fetched batch may take several. */
  readonly maxBatchEvents?: number | undefined;
  /** Set-based statements for runs of same-table changes (TargetApplier's `combine`, default true). */
  readonly combine?: boolean | undefined;
  readonly onLog?: KafkaLogHandler | undefined;
}

export interface KafkaApplyBatch {
  readonly topic: string;
  readonly partition: number;
  readonly applied: number;
  readonly duplicates: number;
  /** Next offset to consume in this partition. */
  readonly nextOffset: string;
}

export interface KafkaApplyRetry {
  readonly message: string;
  readonly delayMs: number;
  readonly attempt: number;
}

export interface KafkaApplyEvents {
  onStart?(info: { readonly service: string; readonly groupId: string; readonly topics: readonly string[]; readonly attempt: number }): void;
  onBatch?(batch: KafkaApplyBatch): void;
  onRetry?(notice: KafkaApplyRetry): void;
}

export interface KafkaApplyResult {
  readonly service: string;
  readonly groupId: string;
  readonly reason: 'caught-up' | 'signal';
  /** Events handed to the target (those older than a table's backfill snapshot included). */
  readonly applied: number;
  /** Events skipped as re-published duplicates. */
  readonly duplicates: number;
  /** Target transactions committed. */
  readonly batches: number;
  readonly retries: number;
  /** Changes the backfill copy already held (skipped by TargetApplier). */
  readonly skippedBySnapshot: number;
  readonly missingRows: number;
  readonly elapsedMs: number;
  /** Next offset per partition as this applier left it. */
  readonly offsets: readonly { readonly topic: string; readonly partition: number; readonly nextOffset: string }[];
}

interface Ctx {
  readonly options: KafkaApplyOptions;
  readonly events: KafkaApplyEvents;
  readonly groupId: string;
  /** untilCaughtUp: end offset per `topic:partition` at the first start. */
  goal: Map<string, bigint> | undefined;
  applied: number;
  duplicates: number;
  batches: number;
  skipped: number;
  missingRows: number;
  offsets: Map<string, { topic: string; partition: number; nextOffset: bigint }>;
  attempt: number;
}

const tpKey = (topic: string, partition: number): string => `${topic}:${partition}`;

export function defaultGroupId(service: string): string {
  return `dbsplit-${service}`;
}

export async function applyFromKafka(options: KafkaApplyOptions, events: KafkaApplyEvents = {}): Promise<KafkaApplyResult> {
  const started = Date.now();
  const ctx: Ctx = {
    options,
    events,
    groupId: options.groupId ?? defaultGroupId(options.service),
    goal: undefined,
    applied: 0,
    duplicates: 0,
    batches: 0,
    skipped: 0,
    missingRows: 0,
    offsets: new Map(),
    attempt: 0,
  };
  const initialMs = options.retry?.initialMs ?? 1000;
  const maxMs = options.retry?.maxMs ?? 30_000;
  let retries = 0;
  let failures = 0;
  const result = (reason: 'caught-up' | 'signal'): KafkaApplyResult => ({
    service: options.service,
    groupId: ctx.groupId,
    reason,
    applied: ctx.applied,
    duplicates: ctx.duplicates,
    batches: ctx.batches,
    retries,
    skippedBySnapshot: ctx.skipped,
    missingRows: ctx.missingRows,
    elapsedMs: Date.now() - started,
    offsets: [...ctx.offsets.values()].map((o) => ({ topic: o.topic, partition: o.partition, nextOffset: o.nextOffset.toString() })).sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition),
  });
  for (;;) {
    if (options.signal?.aborted) return result('signal');
    const appliedBefore = ctx.applied;
    const sessionStart = Date.now();
    try {
      ctx.attempt = retries;
      return result(await runSession(ctx));
    } catch (e) {
      if (!isRetryable(e)) throw e;
      if (ctx.applied > appliedBefore || Date.now() - sessionStart > 60_000) failures = 0;
      const delayMs = backoffDelay(failures++, initialMs, maxMs);
      retries++;
      events.onRetry?.({ message: messageOf(e), delayMs, attempt: retries });
      if (!(await sleep(delayMs, options.signal))) return result('signal');
    }
  }
}

async function kafkaStep<T>(ctx: Ctx, context: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw kafkaFailure(e, context, ctx.options.connection);
  }
}

function lostEvents(e: LostEventsError, topic: string, partition: number, service: string): SyncFailure {
  return new SyncFailure(`${topic} partition ${partition}: ${e.message}; the target of ${service} cannot catch up from Kafka`, {
    retryable: false,
    hint: `raise the topics' retention, then backfill the service again (dbsplit shadow cancel ${service}, then dbsplit shadow start ${service})`,
  });
}

async function runSession(ctx: Ctx): Promise<'caught-up' | 'signal'> {
  const { options, events } = ctx;
  const service = options.service;
  const applier = await TargetApplier.open({
    service,
    targetUrl: options.targetUrl,
    placement: options.placement,
    combine: options.combine ?? true,
    applicationName: `dbsplit shadow apply ${service}`,
  });
  const statsBase = applier.getStats();
  const kafka = createKafka(options.connection, options.onLog);
  const admin = kafka.admin();
  let consumer: kafkajs.Consumer | undefined;
  let stopping = false;
  try {
    await kafkaStep(ctx, 'Kafka unreachable', () => admin.connect());
    const tables = await onTarget(() => syncedTables(applier.client, service));
    const topics = options.topics ? [...options.topics] : topicsOfTables(options.topicPrefix, service, tables);
    if (topics.length === 0) {
      throw new PreconditionError(`the target of ${service} records no synced tables`, `run dbsplit shadow start ${service} first (it backfills the target and records its tables)`);
    }
    const existing = new Set(await kafkaStep(ctx, 'listing Kafka topics', () => admin.listTopics()));
    const missing = topics.filter((t) => !existing.has(t));
    if (missing.length > 0) {
      throw new SyncFailure(`Kafka topic${missing.length > 1 ? 's' : ''} ${missing.join(', ')} of ${service} do${missing.length > 1 ? '' : 'es'} not exist`, {
        retryable: false,
        hint: `start the runner of ${service} with transport kafka first (it creates them), or check transport.topicPrefix`,
      });
    }
    const partitionCounts = new Map<string, number>();
    const lows = new Map<string, bigint>();
    const highs = new Map<string, bigint>();
    for (const topic of topics) {
      const offsets = await kafkaStep(ctx, `reading the offsets of ${topic}`, () => admin.fetchTopicOffsets(topic));
      partitionCounts.set(topic, offsets.length);
      for (const o of offsets) {
        lows.set(tpKey(topic, o.partition), BigInt(o.low));
        highs.set(tpKey(topic, o.partition), BigInt(o.high));
      }
    }
    ctx.goal ??= options.untilCaughtUp ? new Map(highs) : undefined;
    const columns = await onTarget(() => targetColumns(applier, tables, options.placement, service));
    const storedAtStart = await readStored(applier);
    for (const [key, nextOffset] of storedAtStart) {
      const [topic, partition] = splitTp(key);
      ctx.offsets.set(key, { topic, partition, nextOffset });
    }
    events.onStart?.({ service, groupId: ctx.groupId, topics, attempt: ctx.attempt });

    let settle!: { resolve: (end: 'caught-up' | 'signal') => void; reject: (e: unknown) => void };
    const outcome = new Promise<'caught-up' | 'signal'>((resolve, reject) => (settle = { resolve, reject }));
    let failed = false;
    const fail = (e: unknown): void => {
      failed = true;
      settle.reject(e);
    };
    const cursors = new Map<string, PartitionCursor>();
    let positioned = false;
    const caughtUp = (): void => {
      if (!ctx.goal || !positioned || failed) return;
      for (const [key, high] of ctx.goal) {
        const at = cursors.get(key)?.consumed ?? storedAtStart.get(key) ?? lows.get(key) ?? 0n;
        if (at < high) return;
      }
      settle.resolve('caught-up');
    };

    const c = kafka.consumer({
      groupId: ctx.groupId,
      sessionTimeout: options.sessionTimeoutMs ?? 30_000,
      heartbeatInterval: Math.max(500, Math.floor((options.sessionTimeoutMs ?? 30_000) / 10)),
      maxBytesPerPartition: options.maxBytesPerPartition ?? 1024 * 1024,
      maxWaitTimeInMs: 1000,
      allowAutoTopicCreation: false,
      retry: { retries: 5, restartOnFailure: async () => false },
    });
    consumer = c;
    let generation = 0;
    // Positioning reads the target's offsets: never while a batch is being applied (it could
    // read them just before that batch commits, and seek to a stale place).
    let busy: Promise<unknown> = Promise.resolve();
    const serial = <T>(fn: () => Promise<T>): Promise<T> => {
      const run = busy.then(fn);
      busy = run.catch(() => undefined);
      return run;
    };
    const position = async (assigned: { topic: string; partitions: number[] }[], gen: number): Promise<void> => {
      const stored = await readStored(applier);
      const starts: { topic: string; partition: number; cursor: PartitionCursor }[] = [];
      for (const { topic, partitions } of assigned) {
        const offsets = await kafkaStep(ctx, `reading the offsets of ${topic}`, () => admin.fetchTopicOffsets(topic));
        for (const partition of partitions) {
          const low = BigInt(offsets.find((o) => o.partition === partition)?.low ?? '0');
          try {
            starts.push({ topic, partition, cursor: new PartitionCursor(partitionStart(stored.get(tpKey(topic, partition)) ?? null, low)) });
          } catch (e) {
            if (e instanceof LostEventsError) throw lostEvents(e, topic, partition, service);
            throw e;
          }
        }
      }
      // A newer assignment arrived meanwhile: it positions its partitions itself.
      if (gen !== generation) return;
      for (const s of starts) {
        cursors.set(tpKey(s.topic, s.partition), s.cursor);
        c.seek({ topic: s.topic, partition: s.partition, offset: s.cursor.expected.toString() });
      }
      if (assigned.length > 0) c.resume(assigned);
      positioned = true;
      caughtUp();
    };
    c.on(c.events.GROUP_JOIN, (e) => {
      // Emitted before the first fetch of the new assignment: pausing here keeps any message
      // from being read at the group's committed offsets before the seek to the target's.
      const gen = ++generation;
      cursors.clear();
      const assignment = e.payload.memberAssignment as Record<string, number[]>;
      const assigned = Object.entries(assignment).map(([topic, partitions]) => ({ topic, partitions }));
      if (assigned.length > 0) c.pause(assigned);
      serial(() => position(assigned, gen)).catch(fail);
    });
    c.on(c.events.CRASH, (e) => fail(kafkaFailure(e.payload.error, 'consuming from Kafka', options.connection)));

    const applyBatch = async (batch: kafkajs.Batch, cursor: PartitionCursor): Promise<void> => {
      const { topic, partition } = batch;
      const items: { offset: bigint; event: ChangeEvent }[] = [];
      let duplicates = 0;
      let last: bigint | undefined;
      for (const m of batch.messages) {
        const offset = BigInt(m.offset);
        let event: ChangeEvent | undefined;
        const read = () => {
          event = decodeMessage(m, topic, partition);
          return watermarkOf(event);
        };
        let verdict;
        try {
          verdict = cursor.classify(offset, read);
        } catch (e) {
          if (e instanceof LostEventsError) throw lostEvents(e, topic, partition, service);
          throw e;
        }
        if (verdict === 'stale') continue;
        last = offset;
        if (verdict === 'duplicate') duplicates++;
        if (verdict === 'apply') {
          checkColumns(columns, event!, topic, offset);
          items.push({ offset, event: event! });
        }
      }
      if (last === undefined) return;
      const size = Math.max(1, options.maxBatchEvents ?? 5000);
      for (let i = 0; i < items.length; i += size) {
        const chunk = items.slice(i, i + size);
        await applyItems(applier, chunk, { topic, partition, partitions: partitionCounts.get(topic) ?? 1, placement: options.placement, service });
        cursor.stored = chunk[chunk.length - 1]!.offset + 1n;
        ctx.offsets.set(tpKey(topic, partition), { topic, partition, nextOffset: cursor.stored });
        ctx.applied += chunk.length;
        ctx.batches++;
        events.onBatch?.({ topic, partition, applied: chunk.length, duplicates: 0, nextOffset: cursor.stored.toString() });
      }
      ctx.duplicates += duplicates;
      if (duplicates > 0) events.onBatch?.({ topic, partition, applied: 0, duplicates, nextOffset: cursor.consumed.toString() });
      // For monitoring only (consumer lag tools); the target's offsets are the ones that count.
      await c.commitOffsets([{ topic, partition, offset: cursor.consumed.toString() }]).catch((e: unknown) => options.onLog?.({ level: 'warn', message: `committing offsets of group ${ctx.groupId}: ${messageOf(e)}` }));
    };

    await kafkaStep(ctx, 'Kafka unreachable', () => c.connect());
    await kafkaStep(ctx, `subscribing to the topics of ${service}`, () => c.subscribe({ topics, fromBeginning: true }));
    await kafkaStep(ctx, 'consuming from Kafka', () =>
      c.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        partitionsConsumedConcurrently: 1,
        eachBatch: async ({ batch, resolveOffset, heartbeat }) => {
          if (stopping || failed) return;
          // A batch fetched before a rebalance is dropped: the new assignment seeks anew.
          const gen = generation;
          try {
            const applied = await serial(async () => {
              const cursor = cursors.get(tpKey(batch.topic, batch.partition));
              if (gen !== generation || !cursor || stopping || failed) return false;
              await applyBatch(batch, cursor);
              return true;
            });
            if (!applied) return;
          } catch (e) {
            fail(e);
            return;
          }
          const lastMessage = batch.messages[batch.messages.length - 1];
          if (lastMessage) resolveOffset(lastMessage.offset);
          await heartbeat().catch(() => undefined);
          caughtUp();
        },
      }),
    );
    const onAbort = (): void => settle.resolve('signal');
    if (options.signal?.aborted) onAbort();
    options.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      return await outcome;
    } finally {
      options.signal?.removeEventListener('abort', onAbort);
    }
  } finally {
    stopping = true;
    // Waits for the batch in hand: it is committed to the target, or rolled back by a failure.
    await consumer?.disconnect().catch(() => undefined);
    await admin.disconnect().catch(() => undefined);
    const s = applier.getStats();
    ctx.skipped += s.skipped - statsBase.skipped;
    ctx.missingRows += s.missingRows - statsBase.missingRows;
    await applier.rollback().catch(() => undefined);
    await applier.close();
  }
}

async function onTarget<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw asSyncFailure(e, 'target', 'the target');
  }
}

function splitTp(key: string): [string, number] {
  const i = key.lastIndexOf(':');
  return [key.slice(0, i), Number(key.slice(i + 1))];
}

async function readStored(applier: TargetApplier): Promise<Map<string, bigint>> {
  const rows = await onTarget(() => applier.readKafkaOffsets());
  return new Map(rows.map((r) => [tpKey(r.topic, r.partition), BigInt(r.nextOffset)]));
}
