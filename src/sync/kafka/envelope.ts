import type { ChangeEvent, ChangeOp } from '../contract.js';

/**
 * The Kafka transport's message format, Debezium's envelope: key = the primary key columns as a
 * JSON object, value = `{ before, after, source, op, ts_ms, unchangedToast }`. Values are
 * PostgreSQL's text forms (or null), exactly as the change stream sent them. The README's
 * "Change events (Kafka transport)" section documents it for consumers; keep the two in step.
 */

export type Row = Readonly<Record<string, string | null>>;

export interface EnvelopeSource {
  /** `dbsplit <version>`. */
  readonly version: string;
  readonly connector: 'postgresql';
  /** The topic prefix (Debezium's logical server name). */
  readonly name: string;
  /** The monolith's database name. */
  readonly db: string;
  readonly schema: string;
  readonly table: string;
  /** Commit LSN of the source transaction. */
  readonly lsn: string;
  readonly txId: number;
  /** Commit time of the source transaction, ms since the epoch. */
  readonly ts_ms: number;
  /** Position of the change in its transaction, from 0; with `lsn` a total order of changes. */
  readonly seq: number;
  /** True for the last change of its transaction. */
  readonly lastInTx: boolean;
}

export interface ChangeEnvelope {
  readonly before: Row | null;
  readonly after: Row | null;
  readonly source: EnvelopeSource;
  readonly op: ChangeOp;
  /** When dbsplit published the event, ms since the epoch. */
  readonly ts_ms: number;
  /** Columns whose TOASTed value an update did not change: absent from `after`, unchanged in the row. */
  readonly unchangedToast: readonly string[];
}

export interface EncodeContext {
  readonly prefix: string;
  readonly database: string;
  readonly version: string;
  readonly nowMs: number;
}

/** The message key: the key columns of the row as a JSON object, in key order; null without a key (and for truncate). */
export function messageKey(event: ChangeEvent): string | null {
  if (event.op === 't' || event.key.length === 0) return null;
  const row = event.op === 'd' ? event.before : event.after;
  if (!row) return null;
  return keyText(event.key, row);
}

export function keyText(columns: readonly string[], row: Row): string {
  const key: Record<string, string | null> = {};
  for (const c of columns) key[c] = row[c] ?? null;
  return JSON.stringify(key);
}

export function encodeEnvelope(event: ChangeEvent, ctx: EncodeContext): string {
  const s = event.source;
  const envelope: ChangeEnvelope = {
    before: event.before,
    after: event.after,
    source: {
      version: ctx.version,
      connector: 'postgresql',
      name: ctx.prefix,
      db: ctx.database,
      schema: s.schema,
      table: s.table,
      lsn: s.lsn,
      txId: s.txId,
      ts_ms: s.commitTimeMs,
      seq: s.seq,
      lastInTx: s.lastInTx,
    },
    op: event.op,
    ts_ms: ctx.nowMs,
    unchangedToast: event.unchangedToast ?? [],
  };
  return JSON.stringify(envelope);
}

/** Why a message is not a dbsplit change event. */
export class EnvelopeError extends Error {}

const OPS: ReadonlySet<string> = new Set(['c', 'u', 'd', 'r', 't']);
const LSN = /^[0-9A-Fa-f]{1,8}\/[0-9A-Fa-f]{1,8}$/;

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function rowOf(x: unknown, what: string): Row | null {
  if (x === null || x === undefined) return null;
  if (!isObject(x)) throw new EnvelopeError(`${what} is not an object`);
  for (const [k, v] of Object.entries(x)) {
    if (v !== null && typeof v !== 'string') throw new EnvelopeError(`${what}.${k} is not a string or null`);
  }
  return x as Row;
}

/** Parse a message back into the ChangeEvent it was made from. Throws EnvelopeError. */
export function decodeEnvelope(key: Buffer | string | null, value: Buffer | string | null): ChangeEvent {
  if (value === null) throw new EnvelopeError('the message has no value (a tombstone?)');
  let parsed: unknown;
  try {
    parsed = JSON.parse(value.toString());
  } catch {
    throw new EnvelopeError('the value is not JSON');
  }
  if (!isObject(parsed)) throw new EnvelopeError('the value is not a JSON object');
  const op = parsed.op;
  if (typeof op !== 'string' || !OPS.has(op)) throw new EnvelopeError(`unknown op ${JSON.stringify(op)}`);
  const src = parsed.source;
  if (!isObject(src)) throw new EnvelopeError('source is missing');
  const { schema, table, lsn, txId, ts_ms: commitTimeMs, seq, lastInTx } = src;
  if (typeof schema !== 'string' || typeof table !== 'string') throw new EnvelopeError('source.schema or source.table is missing');
  if (typeof lsn !== 'string' || !LSN.test(lsn)) throw new EnvelopeError('source.lsn is not an LSN');
  if (typeof txId !== 'number' || typeof commitTimeMs !== 'number' || typeof seq !== 'number' || !Number.isInteger(seq)) {
    throw new EnvelopeError('source.txId, source.ts_ms or source.seq is not a number');
  }
  const before = rowOf(parsed.before, 'before');
  const after = rowOf(parsed.after, 'after');
  const toast = parsed.unchangedToast ?? [];
  if (!Array.isArray(toast) || toast.some((c) => typeof c !== 'string')) throw new EnvelopeError('unchangedToast is not a list of column names');
  let keyColumns: string[] = [];
  if (key !== null && key.length > 0) {
    let k: unknown;
    try {
      k = JSON.parse(key.toString());
    } catch {
      throw new EnvelopeError('the key is not JSON');
    }
    if (!isObject(k)) throw new EnvelopeError('the key is not a JSON object');
    keyColumns = Object.keys(k);
  }
  return {
    op: op as ChangeOp,
    source: { lsn, txId, schema, table, commitTimeMs, seq, lastInTx: lastInTx === true },
    before,
    after,
    ...(toast.length > 0 ? { unchangedToast: toast as string[] } : {}),
    key: keyColumns,
  };
}
