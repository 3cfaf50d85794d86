/**
 * Topic names of the Kafka transport: one topic per published table,
 * `<prefix>.<service>.<schema>.<table>`. The service is part of the name because each service
 * has its own slot and publication: a shared table copied into two services is published
 * twice, once per service, and each applier reads only its own service's topics.
 *
 * Kafka allows letters, digits, `.`, `_` and `-` in topic names (at most 249 characters);
 * any other character of a PostgreSQL name is replaced by `_`, as Debezium does.
 */

const ILLEGAL = /[^A-Za-z0-9._-]/g;
const MAX_TOPIC_LENGTH = 249;

export function topicPart(name: string): string {
  return name.replace(ILLEGAL, '_');
}

export function topicName(prefix: string, service: string, schema: string, table: string): string {
  const name = [prefix, service, schema, table].map(topicPart).join('.');
  if (name.length > MAX_TOPIC_LENGTH) {
    // Kafka would refuse the topic; a readable prefix plus a stable hash keeps names unique.
    return `${name.slice(0, MAX_TOPIC_LENGTH - 9)}.${fnv1a(name)}`;
  }
  return name;
}

/** What every topic of `service` starts with. */
export function serviceTopicPrefix(prefix: string, service: string): string {
  return `${topicPart(prefix)}.${topicPart(service)}.`;
}

/** `schema.table` keys (as `_dbsplit_sync.backfill` stores them) to topic names. */
export function topicsOfTables(prefix: string, service: string, tables: readonly { readonly schema: string; readonly name: string }[]): string[] {
  return [...new Set(tables.map((t) => topicName(prefix, service, t.schema, t.name)))].sort();
}

function fnv1a(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, '0');
}
