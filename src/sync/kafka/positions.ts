import { parseLsn } from '../apply/lsn.js';
import type { ChangeEvent } from '../contract.js';

/**
 * Where the applier resumes in each partition, and which events it skips as duplicates.
 *
 * The target stores, with the data, the next offset to consume per partition
 * (`_dbsplit_sync.kafka_offsets`): that makes consuming exactly-once. The publisher, though, is
 * at-least-once: after a runner crash it publishes again what it had sent but not yet
 * acknowledged to the slot, so a partition can hold `e5 e6 e7 e5 e6 e7 e8`. Each event carries
 * (lsn, seq), a total order of source changes, and re-sent events always come again in order:
 * an event whose (lsn, seq) is not after the last applied one of its partition is a duplicate.
 *
 * The last applied (lsn, seq) is not stored as such: the stored offset always points just
 * after the last *applied* message (a batch that only skipped duplicates does not move it), so
 * that message carries it. On (re)assignment the applier seeks one message back and reads it
 * again, without applying it, to learn the watermark. If retention has removed it, everything
 * before the stored offset is gone too and nothing older can come again: no watermark is needed.
 */

export interface Watermark {
  readonly lsn: bigint;
  readonly seq: number;
}

export function watermarkOf(event: ChangeEvent): Watermark {
  return { lsn: parseLsn(event.source.lsn), seq: event.source.seq };
}

/** True when `w` comes after `than` in the source's change order. */
export function isAfter(w: Watermark, than: Watermark | null): boolean {
  if (than === null) return true;
  return w.lsn > than.lsn || (w.lsn === than.lsn && w.seq > than.seq);
}

export interface PartitionStart {
  /** Offset to seek to. */
  readonly seekTo: bigint;
  /** The offset of the message that carries the watermark (read, not applied); null when there is none. */
  readonly carrier: bigint | null;
  /** The target's stored next offset, if any. */
  readonly stored: bigint | null;
}

/**
 * Where to start a partition, from the target's stored next offset and the partition's oldest
 * offset still in Kafka. Throws LostEventsError when retention removed events never applied.
 */
export function partitionStart(stored: bigint | null, low: bigint): PartitionStart {
  if (stored === null) return { seekTo: low, carrier: null, stored };
  if (low > stored) throw new LostEventsError(stored, low);
  if (stored === 0n || low === stored) return { seekTo: stored, carrier: null, stored };
  return { seekTo: stored - 1n, carrier: stored - 1n, stored };
}

export class LostEventsError extends Error {
  constructor(
    readonly stored: bigint,
    readonly low: bigint,
  ) {
    super(`offsets ${stored} to ${low - 1n} were removed from Kafka before they were applied`);
  }
}

/** What to do with one consumed message of a partition, given its state. */
export type MessageVerdict = 'stale' | 'carrier' | 'duplicate' | 'apply';

export class PartitionCursor {
  /** Next offset expected from Kafka (messages before it are leftovers of an earlier position). */
  expected: bigint;
  carrier: bigint | null;
  watermark: Watermark | null = null;
  /** Next offset to consume as far as this process got (applied or skipped). */
  consumed: bigint;
  /** The target's stored next offset (after the last applied message). */
  stored: bigint | null;

  constructor(start: PartitionStart) {
    this.expected = start.seekTo;
    this.carrier = start.carrier;
    this.stored = start.stored;
    this.consumed = start.stored ?? start.seekTo;
  }

  /**
   * Classify the message at `offset` (events in offset order). `read` decodes it, lazily: a
   * stale message is not decoded. Throws LostEventsError when the watermark message is gone
   * and so are messages after it that were never applied.
   */
  classify(offset: bigint, read: () => Watermark): MessageVerdict {
    if (offset < this.expected) return 'stale';
    this.expected = offset + 1n;
    if (this.carrier !== null) {
      const carrier = this.carrier;
      this.carrier = null;
      if (offset === carrier) {
        this.watermark = read();
        return 'carrier';
      }
      // Compaction or retention removed the carrier after the seek.
      if (this.stored !== null && offset > this.stored) throw new LostEventsError(this.stored, offset);
    }
    const w = read();
    if (!isAfter(w, this.watermark)) {
      this.consumed = offset + 1n;
      return 'duplicate';
    }
    this.watermark = w;
    this.consumed = offset + 1n;
    return 'apply';
  }
}
