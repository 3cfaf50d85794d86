import kafkajs from 'kafkajs';

/**
 * Which partition of a topic a message goes to. The publisher chooses it itself (instead of
 * leaving it to the client) so the applier can compute the same mapping when it applies a
 * truncate, and so messages without a key have a fixed home:
 *
 * - a keyed message: Kafka's default partitioner (murmur2 of the key's bytes modulo the number
 *   of partitions, as the Java client computes it), so per-key order holds for any producer;
 * - a message without a key (a table with REPLICA IDENTITY FULL and no primary key): partition
 *   0, so that table's changes stay in one ordered stream.
 */

const partitioner = kafkajs.Partitioners.DefaultPartitioner();

export function partitionFor(topic: string, key: string | null, partitions: number): number {
  if (key === null || partitions <= 1) return 0;
  const partitionMetadata = Array.from({ length: partitions }, (_, i) => ({ partitionErrorCode: 0, partitionId: i, leader: 0, replicas: [0], isr: [0] }));
  return partitioner({ topic, partitionMetadata, message: { key, value: null } });
}
