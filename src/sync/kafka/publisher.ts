import type kafkajs from 'kafkajs';
import { VERSION } from '../../version.js';
import type { SourceColumn } from '../apply/index.js';
import { SyncFailure } from '../apply/errors.js';
import type { ChangeEvent } from '../contract.js';
import { createKafka, kafkaFailure, type KafkaConnection, type KafkaLogHandler } from './client.js';
import { encodeEnvelope, keyText, messageKey, type EncodeContext } from './envelope.js';
import { partitionFor } from './partitioning.js';
import { topicName } from './topics.js';

/**
 * The runner's side of the Kafka transport: ChangeEvents in, Debezium-style messages out, one
 * topic per table (src/sync/kafka/topics.ts), keyed by primary key.
 *
 * It has the shape of the part of TargetApplier the stream processor drives (begin, apply,
 * commit, rollback, checkColumns, coveredBySnapshot), so the runner can use it in the
 * applier's place: `commit` resolves once every message of the batch is acknowledged by all
 * in-sync replicas (acks = all), and only then may the runner acknowledge the slot.
 *
 * At-least-once: messages sent before a crash (or a failed batch) are sent again after the
 * restart; the applier skips them by their (lsn, seq). Within a partition the messages keep
 * the change stream's order: one produce request at a time, never two in flight.
 */

export interface KafkaPublisherOptions {
  readonly service: string;
  readonly connection: KafkaConnection;
  readonly topicPrefix: string;
  /** The monolith's database name (`source.db`). */
  readonly database: string;
  /**
   * A missing topic is created with this many partitions (default 1: one ordered stream per
   * table). `false`: a missing topic is an error (topics managed elsewhere).
   */
  readonly createTopics?: { readonly partitions?: number; readonly replicationFactor?: number } | false;
  /**
   * At most this many records per partition in one produce request (default: no limit). Set
   * 1 for brokers that mishandle batches of several large records (the mokapi test server).
   */
  readonly maxRecordsPerPartitionRequest?: number;
  /** Messages held before they are sent, within a large transaction (default 2000). */
  readonly maxBufferedMessages?: number;
  /** ... and bytes (default 8 MiB). */
  readonly maxBufferedBytes?: number;
  /** Broker acknowledgement timeout of one produce request, ms (default 30000). */
  readonly ackTimeoutMs?: number;
  /**
   * Compare a table's columns with what the stream describes (the runner passes its target
   * applier's checkColumns): a schema change then stops the stream before anything of it is
   * published. Without it, nothing is checked.
   */
  readonly checkColumns?: (schema: string, table: string, columns: readonly SourceColumn[]) => Promise<void>;
  readonly onLog?: KafkaLogHandler;
  /** The clock of `ts_ms` (tests). */
  readonly now?: () => number;
}

export interface PublisherStats {
  /** Change events accepted (a truncate counts once). */
  readonly events: number;
  /** Kafka messages acknowledged by the brokers. */
  readonly messages: number;
  readonly requests: number;
  readonly batches: number;
}

interface Outgoing {
  readonly topic: string;
  readonly partition: number;
  readonly key: string | null;
  readonly value: string;
}

export class KafkaPublisher {
  private readonly kafka: kafkajs.Kafka;
  private readonly producer: kafkajs.Producer;
  private readonly admin: kafkajs.Admin;
  private readonly partitions = new Map<string, number>();
  private buffer: Outgoing[] = [];
  private bufferBytes = 0;
  private inBatch = false;
  private stats = { events: 0, messages: 0, requests: 0, batches: 0 };

  private constructor(readonly options: KafkaPublisherOptions) {
    this.kafka = createKafka(options.connection, options.onLog);
    this.producer = this.kafka.producer({
      allowAutoTopicCreation: false,
      // Never two requests in flight: a retried request could otherwise land after a later one.
      maxInFlightRequests: 1,
      idempotent: false,
      createPartitioner: () => ({ message }) => message.partition ?? 0,
    });
    this.admin = this.kafka.admin();
  }

  static async connect(options: KafkaPublisherOptions): Promise<KafkaPublisher> {
    const publisher = new KafkaPublisher(options);
    try {
      await publisher.producer.connect();
      await publisher.admin.connect();
    } catch (e) {
      await publisher.close();
      throw kafkaFailure(e, 'Kafka unreachable', options.connection);
    }
    return publisher;
  }

  async close(): Promise<void> {
    await this.producer.disconnect().catch(() => undefined);
    await this.admin.disconnect().catch(() => undefined);
  }

  getStats(): PublisherStats {
    return { ...this.stats };
  }

  topicOf(schema: string, table: string): string {
    return topicName(this.options.topicPrefix, this.options.service, schema, table);
  }

  /**
   * Make sure the topics of these tables exist (created as `createTopics` says) and learn their
   * partition counts. Returns the topic names. The runner calls it at start, so that an
   * applier subscribing to the service's topics finds all of them.
   */
  async ensureTopics(tables: readonly { readonly schema: string; readonly name: string }[]): Promise<string[]> {
    const topics = [...new Set(tables.map((t) => this.topicOf(t.schema, t.name)))];
    await this.learnPartitions(topics);
    return topics;
  }

  /** A batch: nothing is sent before the buffer fills or `commit` is called. */
  async begin(): Promise<void> {
    this.inBatch = true;
    this.buffer = [];
    this.bufferBytes = 0;
  }

  async apply(event: ChangeEvent): Promise<void> {
    if (!this.inBatch) throw new Error('KafkaPublisher.apply: call begin() first');
    const topic = this.topicOf(event.source.schema, event.source.table);
    if (!this.partitions.has(topic)) await this.learnPartitions([topic]);
    for (const m of this.messagesOf(topic, event)) {
      this.buffer.push(m);
      this.bufferBytes += m.value.length + (m.key?.length ?? 0);
    }
    this.stats.events++;
    if (this.buffer.length >= (this.options.maxBufferedMessages ?? 2000) || this.bufferBytes >= (this.options.maxBufferedBytes ?? 8 * 1024 * 1024)) await this.flush();
  }

  /** Send what is buffered and wait for the brokers' acknowledgements. The position is not needed: Kafka offsets are the applier's business. */
  async commit(_position?: unknown): Promise<void> {
    if (!this.inBatch) throw new Error('KafkaPublisher.commit: no batch is open');
    await this.flush();
    this.inBatch = false;
    this.stats.batches++;
  }

  /** Forget what is not sent yet. What was sent stays in Kafka; it is sent again after a restart and deduplicated by the applier. */
  async rollback(): Promise<void> {
    this.inBatch = false;
    this.buffer = [];
    this.bufferBytes = 0;
  }

  get batchOpen(): boolean {
    return this.inBatch;
  }

  /** Every change is published: backfill snapshots concern the applier (it skips what its copy holds). */
  coveredBySnapshot(_schema: string, _table: string, _lsn: string): boolean {
    return false;
  }

  async checkColumns(schema: string, table: string, columns: readonly SourceColumn[]): Promise<void> {
    await this.options.checkColumns?.(schema, table, columns);
  }

  /** Publish events as one batch (begin, apply each, commit). */
  async publish(events: Iterable<ChangeEvent>): Promise<void> {
    await this.begin();
    try {
      for (const e of events) await this.apply(e);
      await this.commit();
    } catch (e) {
      await this.rollback();
      throw e;
    }
  }

  private context(): EncodeContext {
    return { prefix: this.options.topicPrefix, database: this.options.database, version: `dbsplit ${VERSION}`, nowMs: (this.options.now ?? Date.now)() };
  }

  private messagesOf(topic: string, event: ChangeEvent): Outgoing[] {
    const n = this.partitions.get(topic) ?? 1;
    const ctx = this.context();
    if (event.op === 't') {
      // Every partition gets it, so it is ordered with the changes of every partition.
      const value = encodeEnvelope(event, ctx);
      return Array.from({ length: n }, (_, partition) => ({ topic, partition, key: null, value }));
    }
    const key = messageKey(event);
    const split = n > 1 && event.op === 'u' ? this.splitKeyChange(topic, event, key, n) : undefined;
    if (split) return split.map((e) => ({ topic, partition: partitionFor(topic, messageKey(e), n), key: messageKey(e), value: encodeEnvelope(e, ctx) }));
    return [{ topic, partition: partitionFor(topic, key, n), key, value: encodeEnvelope(event, ctx) }];
  }

  /**
   * An update that changes the primary key, when old and new key live in different partitions:
   * a delete of the old key (ordered with the old key's changes) and a create of the new one
   * (ordered with the new key's), as Debezium publishes it.
   */
  private splitKeyChange(topic: string, event: ChangeEvent, key: string | null, n: number): ChangeEvent[] | undefined {
    const before = event.before;
    if (key === null || !before || !event.key.every((k) => k in before)) return undefined;
    const oldKey = keyText(event.key, before);
    if (oldKey === key || partitionFor(topic, oldKey, n) === partitionFor(topic, key, n)) return undefined;
    const after: Record<string, string | null> = { ...(event.after ?? {}) };
    const missing: string[] = [];
    for (const c of event.unchangedToast ?? []) {
      if (c in before) after[c] = before[c] ?? null;
      else missing.push(c);
    }
    if (missing.length > 0) {
      throw new SyncFailure(
        `an update of ${event.source.schema}.${event.source.table} changed its primary key and left TOASTed column(s) ${missing.join(', ')} unchanged; their values are not in the change stream, and the new key's partition of ${topic} needs the whole row`,
        { retryable: false, hint: `set ALTER TABLE ${event.source.schema}.${event.source.table} REPLICA IDENTITY FULL, or give ${topic} a single partition` },
      );
    }
    const { unchangedToast: _unused, ...rest } = event;
    return [
      { ...rest, op: 'd', after: null },
      { ...rest, op: 'c', before: null, after },
    ];
  }

  private async learnPartitions(topics: readonly string[]): Promise<void> {
    const connection = this.options.connection;
    try {
      const existing = new Set(await this.admin.listTopics());
      const missing = topics.filter((t) => !existing.has(t));
      if (missing.length > 0) {
        const create = this.options.createTopics ?? {};
        if (create === false) {
          throw new SyncFailure(`Kafka topic ${missing.join(', ')} does not exist`, { retryable: false, hint: 'create it (one per table of the service), or let dbsplit create topics' });
        }
        await this.admin.createTopics({
          waitForLeaders: true,
          topics: missing.map((topic) => ({ topic, numPartitions: create.partitions ?? 1, replicationFactor: create.replicationFactor ?? -1 })),
        });
      }
      const meta = await this.admin.fetchTopicMetadata({ topics: [...topics] });
      for (const t of meta.topics) this.partitions.set(t.name, Math.max(1, t.partitions.length));
    } catch (e) {
      throw kafkaFailure(e, `reading the Kafka topics of ${this.options.service}`, connection);
    }
  }

  private async flush(): Promise<void> {
    const pending = this.buffer;
    this.buffer = [];
    this.bufferBytes = 0;
    if (pending.length === 0) return;
    for (const round of rounds(pending, this.options.maxRecordsPerPartitionRequest)) {
      const byTopic = new Map<string, kafkajs.Message[]>();
      for (const m of round) {
        let list = byTopic.get(m.topic);
        if (!list) byTopic.set(m.topic, (list = []));
        list.push({ key: m.key, value: m.value, partition: m.partition });
      }
      try {
        this.stats.requests++;
        await this.producer.sendBatch({
          acks: -1,
          timeout: this.options.ackTimeoutMs ?? 30_000,
          topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })),
        });
      } catch (e) {
        throw kafkaFailure(e, `publishing to Kafka`, this.options.connection);
      }
      this.stats.messages += round.length;
    }
  }
}

/**
 * Split messages into consecutive sends holding at most `perPartition` records of each
 * partition, keeping each partition's order (a partition's k-th chunk goes in round k).
 */
export function rounds<T extends { readonly topic: string; readonly partition: number }>(messages: readonly T[], perPartition: number | undefined): T[][] {
  if (perPartition === undefined || perPartition <= 0) return [messages.slice()];
  const out: T[][] = [];
  const counts = new Map<string, number>();
  for (const m of messages) {
    const id = `${m.partition}:${m.topic}`;
    const seen = counts.get(id) ?? 0;
    counts.set(id, seen + 1);
    const r = Math.floor(seen / perPartition);
    (out[r] ??= []).push(m);
  }
  return out;
}
