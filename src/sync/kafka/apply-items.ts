import type kafkajs from 'kafkajs';
import type { TargetApplier } from '../apply/index.js';
import { SyncFailure } from '../apply/errors.js';
import { qualifiedName } from '../apply/sql-text.js';
import type { ChangeEvent } from '../contract.js';
import { targetTableName, type TargetPlacement } from '../target-tables.js';
import { decodeEnvelope, EnvelopeError } from './envelope.js';
import { truncateAsDeletes } from './target-reads.js';

/** The Kafka applier's work on one batch of one partition: decoding, checking, applying. */

export function decodeMessage(m: kafkajs.KafkaMessage, topic: string, partition: number): ChangeEvent {
  try {
    return decodeEnvelope(m.key, m.value);
  } catch (e) {
    if (!(e instanceof EnvelopeError)) throw e;
    throw new SyncFailure(`${topic} partition ${partition} offset ${m.offset} is not a dbsplit change event: ${e.message}`, {
      retryable: false,
      hint: 'only dbsplit may write to these topics; find the other producer, or point transport.topicPrefix elsewhere',
    });
  }
}

/** Column names of each synced table's target table, `schema.table` -> names. */
export async function targetColumns(applier: TargetApplier, tables: readonly { schema: string; name: string }[], placement: TargetPlacement, service: string): Promise<Map<string, Set<string>>> {
  const out = new Map<string, Set<string>>();
  for (const t of tables) {
    const target = targetTableName(placement, service, t.schema, t.name);
    const res = await applier.client.query<{ name: string }>(
      `SELECT attname AS name FROM pg_attribute WHERE attrelid = to_regclass($1) AND attnum > 0 AND NOT attisdropped`,
      [qualifiedName(target.schema, target.name)],
    );
    out.set(`${t.schema}.${t.name}`, new Set(res.rows.map((r) => r.name)));
  }
  return out;
}

/**
 * An event with a column its target table lacks means the monolith's table changed after the
 * target was generated: stop rather than drop the column's values silently.
 */
export function checkColumns(columns: ReadonlyMap<string, ReadonlySet<string>>, event: ChangeEvent, topic: string, offset: bigint): void {
  const known = columns.get(`${event.source.schema}.${event.source.table}`);
  if (!known || known.size === 0) return;
  const unknown = new Set<string>();
  for (const row of [event.before, event.after]) for (const c of Object.keys(row ?? {})) if (!known.has(c)) unknown.add(c);
  if (unknown.size === 0) return;
  throw new SyncFailure(
    `${event.source.schema}.${event.source.table} changed: the event at ${topic} offset ${offset} has column${unknown.size > 1 ? 's' : ''} ${[...unknown].join(', ')} that the service's table lacks`,
    { retryable: false, code: 'E_SCHEMA_CHANGED', hint: 'regenerate and migrate the service (dbsplit generate, dbsplit provision), then run dbsplit shadow apply again: it resumes at this event' },
  );
}

export interface ItemContext {
  readonly topic: string;
  readonly partition: number;
  readonly partitions: number;
  readonly placement: TargetPlacement;
  readonly service: string;
}

/** One target transaction (two around a truncate of a multi-partition topic), with the partition's next offset. */
export async function applyItems(applier: TargetApplier, items: readonly { offset: bigint; event: ChangeEvent }[], ctx: ItemContext): Promise<void> {
  const commitThrough = (offset: bigint) => applier.commit({ kafkaOffsets: [{ topic: ctx.topic, partition: ctx.partition, nextOffset: (offset + 1n).toString() }] });
  await applier.begin();
  try {
    let previous: bigint | undefined;
    for (const { offset, event } of items) {
      if (event.op === 't' && ctx.partitions > 1) {
        // The deletes are computed from the target's rows as committed so far.
        if (previous !== undefined) await commitThrough(previous);
        else await applier.rollback();
        const target = targetTableName(ctx.placement, ctx.service, event.source.schema, event.source.table);
        const deletes = await truncateAsDeletes(applier.client, target, event, ctx.topic, ctx.partition, ctx.partitions);
        await applier.begin();
        if (deletes === 'all') await applier.apply(event);
        else if (deletes !== 'none') for (const d of deletes) await applier.apply(d);
      } else {
        await applier.apply(event);
      }
      previous = offset;
    }
    await commitThrough(previous!);
  } catch (e) {
    await applier.rollback();
    throw e;
  }
}
