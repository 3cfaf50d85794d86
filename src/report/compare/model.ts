import type { CheckResult, MismatchSample, SampleRow } from '../../compare/types.js';

/** Shared wording of the compare reporters. */

export type CompareFormat = 'table' | 'json' | 'markdown' | 'junit';
export const COMPARE_FORMATS: readonly CompareFormat[] = ['table', 'json', 'markdown', 'junit'];

export function quoteValue(v: string | null): string {
  return v === null ? 'NULL' : JSON.stringify(v);
}

export function rowText(row: SampleRow): string {
  return Object.entries(row)
    .map(([k, v]) => `${k}=${v === null ? 'NULL' : v}`)
    .join(', ');
}

/** One line per sample, without the kind. */
export function sampleText(s: MismatchSample): string {
  const params = s.params ? ` [params ${rowText(s.params)}]` : '';
  if (s.kind === 'changed') {
    const cols = (s.columns ?? []).map((c) => `${c.column}: ${quoteValue(c.legacy)} → ${quoteValue(c.candidate)}`).join('; ');
    return `${rowText(s.row)} — ${cols}${params}`;
  }
  if (s.kind === 'order') return `at row ${(s.position ?? 0) + 1}: expected ${rowText(s.row)}, got ${rowText(s.candidateRow ?? {})}${params}`;
  return `${rowText(s.row)}${params}`;
}

export function countsText(c: Pick<CheckResult, 'missing' | 'extra' | 'changed' | 'outOfOrder' | 'onlyInLegacy' | 'onlyInCandidate'>): string {
  const parts: string[] = [];
  if (c.missing > 0) parts.push(`${c.missing} missing`);
  if (c.extra > 0) parts.push(`${c.extra} extra`);
  if (c.changed > 0) parts.push(`${c.changed} changed`);
  if (c.outOfOrder > 0) parts.push(`${c.outOfOrder} out of order`);
  if (c.onlyInLegacy.length > 0) parts.push(`columns only in legacy: ${c.onlyInLegacy.join(', ')}`);
  if (c.onlyInCandidate.length > 0) parts.push(`columns only in candidate: ${c.onlyInCandidate.join(', ')}`);
  return parts.length === 0 ? 'equal' : parts.join(', ');
}

export function ms(n: number): string {
  return n < 1000 ? `${n.toFixed(1)}ms` : `${(n / 1000).toFixed(2)}s`;
}

export function timingText(c: CheckResult): string {
  return `legacy ${ms(c.legacy.medianMs)} / candidate ${ms(c.candidateTiming.medianMs)} median`;
}

export function verdictOf(c: CheckResult): string {
  return c.status === 'pass' ? 'pass' : c.status === 'mismatch' ? 'mismatch' : 'error';
}
