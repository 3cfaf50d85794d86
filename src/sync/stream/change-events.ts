import type { ChangeEvent, ChangeOp } from '../contract.js';
import type { SourceColumn } from '../apply/index.js';
import { UNCHANGED_TOAST, type RelationMessage, type TupleValue } from './pgoutput-decoder.js';

/**
 * From pgoutput's messages to ChangeEvents: the relation (table) a change refers to, its
 * columns and key, and the rows in text form.
 */

export interface RelationState {
  readonly message: RelationMessage;
  readonly names: readonly string[];
  /** Replica identity columns; empty under REPLICA IDENTITY FULL (the applier then matches whole rows, or uses the target's primary key). */
  readonly key: readonly string[];
  /** The columns pgoutput flags as replica identity (all of them under FULL). */
  readonly identity: readonly string[];
  /** Compared with the target table since this Relation message arrived. */
  checked: boolean;
}

export function relationState(message: RelationMessage): RelationState {
  const full = message.replicaIdentity === 'f';
  const identity = message.columns.filter((c) => c.isKey).map((c) => c.name);
  return {
    message,
    names: message.columns.map((c) => c.name),
    key: full ? [] : identity,
    identity,
    checked: false,
  };
}

export function sourceColumns(rel: RelationState, typeNames: ReadonlyMap<number, string>): SourceColumn[] {
  return rel.message.columns.map((c) => {
    const typeName = typeNames.get(c.typeOid);
    return typeName === undefined ? { name: c.name, typeOid: c.typeOid, typmod: c.typmod } : { name: c.name, typeOid: c.typeOid, typmod: c.typmod, typeName };
  });
}

export interface TxContext {
  readonly lsn: string;
  readonly xid: number;
  readonly commitTimeMs: number;
}

type Row = Record<string, string | null>;

/** The values of a tuple. `only`: the identity columns of a key-only old tuple; unchanged TOAST columns go to `unchanged`. */
function rowOf(rel: RelationState, values: readonly TupleValue[], only?: readonly string[], unchanged?: string[]): Row {
  const row: Row = {};
  const n = Math.min(values.length, rel.names.length);
  for (let i = 0; i < n; i++) {
    const name = rel.names[i]!;
    if (only && !only.includes(name)) continue;
    const v = values[i]!;
    if (v === UNCHANGED_TOAST) unchanged?.push(name);
    else row[name] = v;
  }
  return row;
}

export interface ChangeDraft {
  readonly op: ChangeOp;
  readonly rel: RelationState;
  readonly before: Row | null;
  readonly after: Row | null;
  readonly unchangedToast?: readonly string[];
}

export function insertDraft(rel: RelationState, values: readonly TupleValue[]): ChangeDraft {
  return { op: 'c', rel, before: null, after: rowOf(rel, values) };
}

export function updateDraft(rel: RelationState, oldValues: readonly TupleValue[] | null, oldIsKeyOnly: boolean, newValues: readonly TupleValue[]): ChangeDraft {
  const before = oldValues ? rowOf(rel, oldValues, oldIsKeyOnly ? rel.identity : undefined) : null;
  const unchanged: string[] = [];
  const after = rowOf(rel, newValues, undefined, unchanged);
  return unchanged.length > 0 ? { op: 'u', rel, before, after, unchangedToast: unchanged } : { op: 'u', rel, before, after };
}

export function deleteDraft(rel: RelationState, oldValues: readonly TupleValue[], oldIsKeyOnly: boolean): ChangeDraft {
  return { op: 'd', rel, before: rowOf(rel, oldValues, oldIsKeyOnly ? rel.identity : undefined), after: null };
}

export function truncateDraft(rel: RelationState): ChangeDraft {
  return { op: 't', rel, before: null, after: null };
}

export function toEvent(d: ChangeDraft, tx: TxContext, seq: number, lastInTx: boolean): ChangeEvent {
  const source = { lsn: tx.lsn, txId: tx.xid, schema: d.rel.message.schema, table: d.rel.message.name, commitTimeMs: tx.commitTimeMs, seq, lastInTx };
  if (d.unchangedToast) return { op: d.op, source, before: d.before, after: d.after, key: d.rel.key, unchangedToast: d.unchangedToast };
  return { op: d.op, source, before: d.before, after: d.after, key: d.rel.key };
}
