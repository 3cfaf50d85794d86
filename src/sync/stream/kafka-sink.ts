import { ConfigError } from '../../errors.js';
import type { SourceColumn } from '../apply/index.js';
import { SyncFailure } from '../apply/errors.js';
import type { ChangeEvent } from '../contract.js';
import type { SyncService } from '../source/service-tables.js';
import type { ChangeSink } from './stream-processor.js';

/**
 * The runner with transport kafka: the stream goes to a KafkaPublisher (src/sync/kafka/) instead
 * of the service's database; the slot is acknowledged once the brokers have the batch, and
 * `dbsplit shadow apply` applies the topics to the database.
 */

export interface KafkaTransport {
  readonly brokers: readonly string[];
  readonly topicPrefix: string;
  readonly clientId?: string | undefined;
}

/** The plan's `transport` section, for a service whose transport is kafka. */
export async function kafkaTransportOf(planPath: string, service: string): Promise<KafkaTransport> {
  const { loadPlanFile } = await import('../../plan/load-plan.js');
  const plan = await loadPlanFile(planPath);
  const t = plan.transport;
  if (t?.kind !== 'kafka') {
    throw new ConfigError('E_PLAN_INVALID', `service ${service} uses transport kafka, but the plan has no kafka transport`, 'add transport: { kind: kafka, brokers: [host:port], topicPrefix: ... } to the plan');
  }
  return { brokers: t.brokers, topicPrefix: t.topicPrefix, clientId: t.clientId };
}

/** Failures of the publisher, labelled as Kafka's (the runner says "kafka unreachable: ..."). */
function asKafka(e: unknown): unknown {
  if (!(e instanceof SyncFailure) || e.side !== undefined) return e;
  return new SyncFailure(e.message, {
    retryable: e.retryable,
    side: 'kafka',
    cause: e.cause ?? e,
    ...(e.hint === undefined ? {} : { hint: e.hint }),
    code: e.code as 'E_SYNC' | 'E_CONNECTION' | 'E_PERMISSION' | 'E_SCHEMA_CHANGED',
  });
}

async function kafkaSide<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw asKafka(e);
  }
}

export interface KafkaSink {
  readonly sink: ChangeSink;
  close(): Promise<void>;
}

/**
 * Connect the publisher and make sure every table's topic exists (so an applier subscribing to
 * the service's topics finds them all). `checkColumns`: the target applier's, so a schema change
 * stops the stream before anything of it is published.
 */
export async function openKafkaSink(
  svc: SyncService,
  transport: KafkaTransport,
  checkColumns: (schema: string, table: string, columns: readonly SourceColumn[]) => Promise<void>,
  tuning: { readonly maxRecordsPerPartitionRequest?: number } = {},
): Promise<KafkaSink> {
  const { KafkaPublisher } = await import('../kafka/index.js');
  const database = decodeURIComponent(new URL(svc.monolithUrl).pathname.replace(/^\//, ''));
  const publisher = await kafkaSide(() =>
    KafkaPublisher.connect({ service: svc.service, connection: { brokers: transport.brokers, clientId: transport.clientId }, topicPrefix: transport.topicPrefix, database, checkColumns, ...tuning }),
  );
  try {
    await kafkaSide(() => publisher.ensureTopics(svc.tables));
  } catch (e) {
    await publisher.close();
    throw e;
  }
  const sink: ChangeSink = {
    begin: () => kafkaSide(() => publisher.begin()),
    apply: (event: ChangeEvent) => kafkaSide(() => publisher.apply(event)),
    commit: () => kafkaSide(() => publisher.commit()),
    rollback: () => kafkaSide(() => publisher.rollback()),
    checkColumns: (schema, table, columns) => publisher.checkColumns(schema, table, columns),
    coveredBySnapshot: (schema, table, lsn) => publisher.coveredBySnapshot(schema, table, lsn),
  };
  return { sink, close: () => publisher.close() };
}
