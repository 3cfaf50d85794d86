import { truncateValue } from '../diff/row-compare.js';
import type { TimestampPrecision, Tolerance } from './types.js';

/**
 * Values as a comparison sees them. Rows arrive as node-postgres returns them (numbers,
 * strings for bigint and numeric, Dates, Buffers, parsed JSON) or, for SQL-only checks, with
 * times kept as PostgreSQL's text (PgTime) so that microseconds are not lost to Date.
 */

/** A timestamp, timestamptz or date as PostgreSQL printed it (ISO, TimeZone UTC). */
export class PgTime {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
  toJSON(): string {
    return this.text;
  }
}

export interface Cell {
  /** Exact identity: equal keys are equal values (after timestamp truncation). null for NULL. */
  readonly key: string | null;
  /** The value as shown in a sample (cut). */
  readonly shown: string | null;
  /** Set for numbers and numeric text: compared with the numeric tolerance. */
  readonly number?: number;
}

const PRECISION_US: Record<TimestampPrecision, bigint> = { us: 1n, ms: 1000n, s: 1_000_000n, min: 60_000_000n };
const NUMERIC_TEXT = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;
const ISO_TIME = /^(\d{4,})-(\d\d)-(\d\d)(?:[ T](\d\d):(\d\d):(\d\d)(?:\.(\d{1,6}))?)?(?:([+-])(\d\d)(?::?(\d\d))?(?::(\d\d))?)?( BC)?$/;

/** Microseconds since 1970 of an ISO time text (no offset: read as UTC), or undefined. */
export function timeTextMicros(text: string): bigint | undefined {
  const m = ISO_TIME.exec(text);
  if (!m) return undefined;
  let year = Number(m[1]);
  if (m[12]) year = 1 - year;
  const base = new Date(0);
  base.setUTCFullYear(year, Number(m[2]) - 1, Number(m[3]));
  base.setUTCHours(Number(m[4] ?? 0), Number(m[5] ?? 0), Number(m[6] ?? 0), 0);
  let us = BigInt(base.getTime()) * 1000n + BigInt((m[7] ?? '').padEnd(6, '0') || '0');
  if (m[8]) {
    const offset = (Number(m[9]) * 3600 + Number(m[10] ?? 0) * 60 + Number(m[11] ?? 0)) * 1_000_000;
    us += BigInt(m[8] === '+' ? -offset : offset);
  }
  return us;
}

function truncate(us: bigint, precision: TimestampPrecision | undefined): bigint {
  const step = PRECISION_US[precision ?? 'us'];
  if (step === 1n) return us;
  // Floor toward minus infinity, so times before 1970 truncate like the others.
  const r = ((us % step) + step) % step;
  return us - r;
}

function timeCell(us: bigint | undefined, text: string, tolerance: Tolerance | undefined): Cell {
  if (us === undefined) return { key: `t:${text}`, shown: text };
  return { key: `t:${truncate(us, tolerance?.timestamp)}`, shown: text };
}

function sortedJson(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortedJson);
  if (v !== null && typeof v === 'object') {
    return Object.fromEntries(
      Object.keys(v)
        .sort()
        .map((k) => [k, sortedJson((v as Record<string, unknown>)[k])]),
    );
  }
  return v;
}

export function cellOf(value: unknown, tolerance?: Tolerance): Cell {
  if (value === null || value === undefined) return { key: null, shown: null };
  if (value instanceof PgTime) return timeCell(timeTextMicros(value.text), value.text, tolerance);
  if (value instanceof Date) {
    const ms = value.getTime();
    if (Number.isNaN(ms)) return { key: 't:invalid', shown: 'invalid date' };
    return timeCell(BigInt(ms) * 1000n, value.toISOString(), tolerance);
  }
  if (typeof value === 'number') {
    const text = Number.isFinite(value) ? String(value) : String(value);
    return { key: text, shown: text, number: value };
  }
  if (typeof value === 'bigint') return { key: value.toString(), shown: value.toString(), number: Number(value) };
  if (typeof value === 'string') {
    const shown = truncateValue(value);
    return NUMERIC_TEXT.test(value) ? { key: value, shown, number: Number(value) } : { key: value, shown };
  }
  if (typeof value === 'boolean') return { key: value ? 'true' : 'false', shown: value ? 'true' : 'false' };
  if (value instanceof Uint8Array) {
    const hex = '\\x' + Buffer.from(value).toString('hex');
    return { key: hex, shown: truncateValue(hex) };
  }
  const json = JSON.stringify(sortedJson(value));
  return { key: `j:${json}`, shown: truncateValue(json) };
}

/** Equal within the tolerance (exact keys, or numbers no further apart than `numeric`). */
export function cellsEqual(a: Cell, b: Cell, tolerance: Tolerance | undefined): boolean {
  if (a.key === b.key) return true;
  const tol = tolerance?.numeric;
  if (tol === undefined || a.number === undefined || b.number === undefined) return false;
  if (!Number.isFinite(a.number) || !Number.isFinite(b.number)) return false;
  // A little slack for binary floating point: 1.005 - 1.000 is 0.00499999...
  return Math.abs(a.number - b.number) <= tol + 1e-12 * Math.max(1, Math.abs(a.number), Math.abs(b.number));
}

/** A value as a sample shows it (also for parameter values). */
export function shownValue(value: unknown): string | null {
  return cellOf(value).shown;
}
