import type { SchemaModel, Sequence } from '../../model/schema.js';

/**
 * Where a service's sequence starts: above the value the monolith has reached, so rows copied
 * from the monolith keep their ids and the service's own inserts never collide with them.
 */
export interface SequenceStart {
  /** START WITH value, as text (sequences are bigint; no precision is lost). */
  readonly start: string;
  /** Why this value, for the comment beside it. */
  readonly why: string;
}

function add(a: string, b: string): string | undefined {
  try {
    return (BigInt(a) + BigInt(b)).toString();
  } catch {
    return undefined;
  }
}

export function sequenceStart(seq: Sequence, source: SchemaModel['source']['kind']): SequenceStart {
  const declared = seq.start ?? '1';
  if (source !== 'live') return { start: declared, why: `not read live (schema from DDL): its declared start ${declared}` };
  if (seq.lastValue === undefined) return { start: declared, why: `never used in the monolith (or not readable): its declared start ${declared}` };
  const next = add(seq.lastValue, seq.increment ?? '1');
  if (next === undefined) return { start: declared, why: `monolith value ${seq.lastValue} unreadable as a number: its declared start ${declared}` };
  return { start: next, why: `monolith at ${seq.lastValue} when generated` };
}

/**
 * `START WITH n [INCREMENT BY i]`, the options shared by CREATE SEQUENCE and identity columns.
 * The model does not keep MINVALUE/MAXVALUE: a start outside the defaults widens the bound to it.
 */
export function sequenceOptions(seq: Sequence, start: SequenceStart): string {
  const increment = seq.increment ?? '1';
  const descending = increment.startsWith('-');
  const parts = [`START WITH ${start.start}`];
  if (increment !== '1') parts.push(`INCREMENT BY ${increment}`);
  const value = BigInt(/^-?\d+$/.test(start.start) ? start.start : '1');
  if (!descending && value < 1n) parts.push(`MINVALUE ${start.start}`);
  if (descending && value > -1n) parts.push(`MAXVALUE ${start.start}`);
  return parts.join(' ');
}
