import type pg from 'pg';
import { asSyncFailure } from '../apply/errors.js';
import { qualifiedName, ident } from '../apply/sql-text.js';
import { TARGET_STATE_SCHEMA, type ChangeEvent } from '../contract.js';
import { keyText } from './envelope.js';
import { partitionFor } from './partitioning.js';

/** What the Kafka applier reads from the service's database besides what TargetApplier reads. */

/** The monolith tables synced into the target (`schema.table` rows of `_dbsplit_sync.backfill`). */
export async function syncedTables(client: pg.Client, service: string): Promise<{ schema: string; name: string }[]> {
  const res = await client.query<{ table_name: string }>(`SELECT table_name FROM ${TARGET_STATE_SCHEMA}.backfill WHERE service = $1 ORDER BY table_name`, [service]);
  return res.rows.map((r) => {
    const dot = r.table_name.indexOf('.');
    return { schema: r.table_name.slice(0, dot), name: r.table_name.slice(dot + 1) };
  });
}

/**
 * A truncate read from one partition of a topic with several: the publisher sent a copy to
 * every partition, and each copy must remove only the rows whose changes travel in that
 * partition (a row inserted after the truncate may already be applied from another one).
 * Returns the deletes doing that, or null when the whole table is to be truncated (one
 * partition, or a table without a primary key: all of its changes are in partition 0).
 *
 * Holds the keys of the partition's rows in memory; a truncate of a huge table fed through
 * several partitions is slow.
 */
export async function truncateAsDeletes(
  client: pg.Client,
  target: { schema: string; name: string },
  truncate: ChangeEvent,
  topic: string,
  partition: number,
  partitions: number,
): Promise<ChangeEvent[] | 'all' | 'none'> {
  if (partitions <= 1) return 'all';
  const sql = qualifiedName(target.schema, target.name);
  // The key columns in table order: the order of the replica identity, hence of the message key.
  const pk = await client.query<{ name: string }>(
    `SELECT a.attname AS name FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)
      WHERE i.indrelid = to_regclass($1) AND i.indisprimary ORDER BY a.attnum`,
    [sql],
  );
  const key = pk.rows.map((r) => r.name);
  if (key.length === 0) return partition === 0 ? 'all' : 'none';
  const rows: Record<string, string | null>[] = [];
  await client.query('BEGIN');
  try {
    // Key values as the change stream writes them (src/sync/stream/replication-reader.ts).
    await client.query(`SET LOCAL DateStyle = ISO; SET LOCAL IntervalStyle = postgres; SET LOCAL TimeZone = 'UTC'; SET LOCAL extra_float_digits = 1; SET LOCAL bytea_output = hex`);
    const res = await client.query<Record<string, string | null>>({ text: `SELECT ${key.map((k) => `${ident(k)}::text AS ${ident(k)}`).join(', ')} FROM ${sql}` });
    rows.push(...res.rows);
    await client.query('COMMIT');
  } catch (e) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw asSyncFailure(e, 'target', `reading the keys of ${target.schema}.${target.name} to apply a truncate`);
  }
  const deletes: ChangeEvent[] = [];
  for (const row of rows) {
    if (partitionFor(topic, keyText(key, row), partitions) !== partition) continue;
    deletes.push({ op: 'd', source: truncate.source, before: row, after: null, key });
  }
  return deletes;
}
