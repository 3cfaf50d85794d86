import { formatLsn } from '../apply/lsn.js';

/**
 * pgoutput (protocol version 1) decoded into plain messages, keeping every value in
 * PostgreSQL's text form. pg-logical-replication's own parser turns values into JS types and
 * maps "unchanged TOAST" to undefined; here the three cases (null, unchanged, text) stay
 * distinct. Format: PostgreSQL's "Logical Replication Message Formats".
 */

/** The marker of a TOASTed value an UPDATE did not change (pgoutput's 'u'): not sent. */
export const UNCHANGED_TOAST: unique symbol = Symbol('unchanged TOAST value');

/** A column's value: its text form, NULL, or UNCHANGED_TOAST. */
export type TupleValue = string | null | typeof UNCHANGED_TOAST;

export interface RelationColumnInfo {
  readonly name: string;
  /** Part of the replica identity (all columns under REPLICA IDENTITY FULL). */
  readonly isKey: boolean;
  readonly typeOid: number;
  readonly typmod: number;
}

export interface RelationMessage {
  readonly tag: 'relation';
  readonly relationId: number;
  readonly schema: string;
  readonly name: string;
  /** d (default: primary key), n (nothing), f (full), i (index). */
  readonly replicaIdentity: string;
  readonly columns: readonly RelationColumnInfo[];
}

export type PgoutputMessage =
  | { readonly tag: 'begin'; readonly finalLsn: bigint; readonly commitTimeMs: number; readonly xid: number }
  | { readonly tag: 'commit'; readonly commitLsn: bigint; readonly endLsn: bigint; readonly commitTimeMs: number }
  | RelationMessage
  | { readonly tag: 'type'; readonly typeOid: number; readonly schema: string; readonly name: string }
  | { readonly tag: 'insert'; readonly relationId: number; readonly newTuple: readonly TupleValue[] }
  | { readonly tag: 'update'; readonly relationId: number; readonly oldTuple: readonly TupleValue[] | null; readonly oldIsKeyOnly: boolean; readonly newTuple: readonly TupleValue[] }
  | { readonly tag: 'delete'; readonly relationId: number; readonly oldTuple: readonly TupleValue[]; readonly oldIsKeyOnly: boolean }
  | { readonly tag: 'truncate'; readonly relationIds: readonly number[]; readonly cascade: boolean; readonly restartIdentity: boolean }
  | { readonly tag: 'origin' }
  | { readonly tag: 'message' };

/** Microseconds between 1970-01-01 and PostgreSQL's epoch 2000-01-01. */
const PG_EPOCH_MS = 946_684_800_000;

class Reader {
  private pos = 0;
  constructor(private readonly buf: Buffer) {}
  u8(): number {
    return this.buf.readUInt8(this.pos++);
  }
  i16(): number {
    const v = this.buf.readInt16BE(this.pos);
    this.pos += 2;
    return v;
  }
  i32(): number {
    const v = this.buf.readInt32BE(this.pos);
    this.pos += 4;
    return v;
  }
  u32(): number {
    const v = this.buf.readUInt32BE(this.pos);
    this.pos += 4;
    return v;
  }
  u64(): bigint {
    const v = this.buf.readBigUInt64BE(this.pos);
    this.pos += 8;
    return v;
  }
  i64(): bigint {
    const v = this.buf.readBigInt64BE(this.pos);
    this.pos += 8;
    return v;
  }
  cstring(): string {
    const end = this.buf.indexOf(0, this.pos);
    if (end < 0) throw new Error('pgoutput: unterminated string');
    const s = this.buf.toString('utf8', this.pos, end);
    this.pos = end + 1;
    return s;
  }
  text(len: number): string {
    const s = this.buf.toString('utf8', this.pos, this.pos + len);
    this.pos += len;
    return s;
  }
  skip(len: number): void {
    this.pos += len;
  }
}

function timeMs(micros: bigint): number {
  return Number(micros / 1000n) + PG_EPOCH_MS;
}

function tuple(r: Reader): TupleValue[] {
  const n = r.i16();
  const out: TupleValue[] = new Array<TupleValue>(n);
  for (let i = 0; i < n; i++) {
    const kind = r.u8();
    switch (kind) {
      case 0x6e: // n
        out[i] = null;
        break;
      case 0x75: // u
        out[i] = UNCHANGED_TOAST;
        break;
      case 0x74: // t
        out[i] = r.text(r.i32());
        break;
      case 0x62: // b: only with the binary option, which dbsplit does not ask for
        throw new Error('pgoutput: binary tuple data is not supported');
      default:
        throw new Error(`pgoutput: unknown tuple value kind ${String.fromCharCode(kind)}`);
    }
  }
  return out;
}

export function decodePgoutput(buf: Buffer): PgoutputMessage {
  const r = new Reader(buf);
  const tag = r.u8();
  switch (tag) {
    case 0x42: // B
      return { tag: 'begin', finalLsn: r.u64(), commitTimeMs: timeMs(r.i64()), xid: r.u32() };
    case 0x43: {
      // C
      r.u8();
      return { tag: 'commit', commitLsn: r.u64(), endLsn: r.u64(), commitTimeMs: timeMs(r.i64()) };
    }
    case 0x52: {
      // R
      const relationId = r.u32();
      const schema = r.cstring() || 'pg_catalog';
      const name = r.cstring();
      const replicaIdentity = String.fromCharCode(r.u8());
      const n = r.i16();
      const columns: RelationColumnInfo[] = [];
      for (let i = 0; i < n; i++) {
        const flags = r.u8();
        columns.push({ isKey: (flags & 1) === 1, name: r.cstring(), typeOid: r.u32(), typmod: r.i32() });
      }
      return { tag: 'relation', relationId, schema, name, replicaIdentity, columns };
    }
    case 0x59: // Y
      return { tag: 'type', typeOid: r.u32(), schema: r.cstring(), name: r.cstring() };
    case 0x49: {
      // I
      const relationId = r.u32();
      r.u8(); // N
      return { tag: 'insert', relationId, newTuple: tuple(r) };
    }
    case 0x55: {
      // U
      const relationId = r.u32();
      let kind = r.u8();
      let oldTuple: TupleValue[] | null = null;
      let oldIsKeyOnly = false;
      if (kind === 0x4b || kind === 0x4f) {
        oldIsKeyOnly = kind === 0x4b;
        oldTuple = tuple(r);
        kind = r.u8();
      }
      if (kind !== 0x4e) throw new Error(`pgoutput: unexpected update part ${String.fromCharCode(kind)}`);
      return { tag: 'update', relationId, oldTuple, oldIsKeyOnly, newTuple: tuple(r) };
    }
    case 0x44: {
      // D
      const relationId = r.u32();
      const kind = r.u8();
      return { tag: 'delete', relationId, oldIsKeyOnly: kind === 0x4b, oldTuple: tuple(r) };
    }
    case 0x54: {
      // T
      const n = r.i32();
      const flags = r.u8();
      const relationIds: number[] = [];
      for (let i = 0; i < n; i++) relationIds.push(r.u32());
      return { tag: 'truncate', relationIds, cascade: (flags & 1) !== 0, restartIdentity: (flags & 2) !== 0 };
    }
    case 0x4f: // O
      return { tag: 'origin' };
    case 0x4d: // M
      return { tag: 'message' };
    default:
      throw new Error(`pgoutput: unknown message ${String.fromCharCode(tag)}`);
  }
}

export { formatLsn };
