import type { CouplingSummary } from '../../analyzers/suggest/suggest.js';
import { formatCount } from '../text-table.js';

/**
 * The coupling a set of boundaries leaves, as rows that the terminal, markdown and planner
 * views all print the same way.
 */
export const COUPLING_ROWS: readonly { readonly key: keyof CouplingSummary; readonly label: string }[] = [
  { key: 'services', label: 'services' },
  { key: 'foreignKeys', label: 'cross-boundary FKs' },
  { key: 'joins', label: 'cross-boundary joins' },
  { key: 'joinCalls', label: 'join calls' },
  { key: 'multiServiceWrites', label: 'multi-service writes' },
];

export interface CouplingColumn {
  readonly title: string;
  readonly coupling: CouplingSummary;
}

export function couplingRows(columns: readonly CouplingColumn[]): { headers: string[]; rows: string[][]; right: number[] } {
  return {
    headers: ['', ...columns.map((c) => c.title)],
    rows: COUPLING_ROWS.map((r) => [r.label, ...columns.map((c) => formatCount(c.coupling[r.key]))]),
    right: columns.map((_, i) => i + 1),
  };
}

/**
 * How a change moved the cross-boundary counts, on one line:
 * `cross-boundary FKs 14 → 11 (−3), joins 22 → 19 (−3), join calls 900 → 900, multi-service writes 3 → 3`.
 */
export function couplingDelta(before: CouplingSummary, after: CouplingSummary): string {
  const parts: [string, keyof CouplingSummary][] = [
    ['cross-boundary FKs', 'foreignKeys'],
    ['joins', 'joins'],
    ['join calls', 'joinCalls'],
    ['multi-service writes', 'multiServiceWrites'],
  ];
  const line = parts.map(([label, key]) => `${label} ${formatCount(before[key])} → ${formatCount(after[key])}${signed(after[key] - before[key])}`);
  if (before.services !== after.services) line.push(`services ${before.services} → ${after.services}`);
  return line.join(', ');
}

function signed(d: number): string {
  if (d === 0) return '';
  // U+2212 (minus sign) lines up with + in a terminal, unlike a hyphen.
  return d > 0 ? ` (+${formatCount(d)})` : ` (\u2212${formatCount(-d)})`;
}
