/**
 * The Kafka transport of shadow sync (plan: `transport: { kind: kafka, brokers, topicPrefix }`).
 *
 * Runner side (`dbsplit shadow run` with transport kafka): a KafkaPublisher takes the place of
 * the TargetApplier in the stream processor. Each ChangeEvent becomes a Debezium-style message
 * on `<prefix>.<service>.<schema>.<table>`, keyed by primary key; `commit` resolves once the
 * brokers acknowledged everything (acks = all), and only then is the slot acknowledged.
 *
 * ```ts
 * const publisher = await KafkaPublisher.connect({
 *   service, connection: { brokers, clientId }, topicPrefix, database: monolithDatabaseName,
 *   checkColumns: (schema, table, cols) => targetApplier.checkColumns(schema, table, cols),
 * });
 * await publisher.ensureTopics(svc.tables);          // so the applier finds every topic
 * // new StreamProcessor({ applier: publisher, startLsn: 0n, ... }) — the slot's confirmed
 * // position is where the stream resumes; re-sent events are deduplicated by the applier.
 * ```
 *
 * Applier side (`dbsplit shadow apply`): `applyFromKafka` consumes the topics with a consumer
 * group and applies them with TargetApplier, offsets stored in the target with the data.
 *
 * The event format is documented for other consumers in the README ("Change events (Kafka
 * transport)").
 */
export { KafkaPublisher, type KafkaPublisherOptions, type PublisherStats } from './publisher.js';
export {
  applyFromKafka,
  defaultGroupId,
  type KafkaApplyBatch,
  type KafkaApplyEvents,
  type KafkaApplyOptions,
  type KafkaApplyResult,
  type KafkaApplyRetry,
} from './apply-from-kafka.js';
export { decodeEnvelope, encodeEnvelope, messageKey, EnvelopeError, type ChangeEnvelope, type EnvelopeSource } from './envelope.js';
export { topicName, serviceTopicPrefix, topicsOfTables } from './topics.js';
export { partitionFor } from './partitioning.js';
export type { KafkaConnection, KafkaLogEntry, KafkaLogHandler } from './client.js';
