import type { Styles } from '../../commands/output.js';
import type { CompareResult } from '../../compare/types.js';
import { formatCount, renderTable } from '../text-table.js';
import { countsText, ms, sampleText } from './model.js';

/** The terminal report: one line per check, samples of what differs, then the verdict. */
export function renderCompareTable(r: CompareResult, style: Styles): string {
  const out: string[] = [`${style.bold('dbsplit compare')} ${style.dim(`${r.checksDir} against ${r.monolith}`)}\n`];
  const rows = r.checks.map((c) => [
    c.name,
    c.candidate,
    String(c.paramSets),
    formatCount(c.legacyRows),
    formatCount(c.candidateRows),
    ms(c.legacy.medianMs),
    ms(c.candidateTiming.medianMs),
    c.status === 'error' ? style.error('error') : c.status === 'mismatch' ? style.warn('mismatch') : style.ok('pass'),
  ]);
  out.push(renderTable(['check', 'candidate', 'params', 'legacy rows', 'candidate rows', 'legacy', 'candidate', ''], rows, { right: [2, 3, 4, 5, 6], headerStyle: style.dim, maxCellWidth: 50 }));
  for (const c of r.checks) {
    if (c.status === 'error') {
      out.push(`\n${style.accent(c.name)} ${style.dim(`(${c.file})`)}: ${style.error('error')} ${c.error ?? ''}\n`);
      continue;
    }
    if (c.status !== 'mismatch') continue;
    out.push(`\n${style.accent(c.name)} ${style.dim(`(${c.file})`)}: ${countsText(c)} in ${c.mismatchedSets} of ${c.paramSets} parameter set(s)\n`);
    if (c.orderNote) out.push(`  ${style.dim(c.orderNote)}\n`);
    for (const s of c.samples) out.push(`  ${s.kind.padEnd(8)} ${sampleText(s)}\n`);
  }
  out.push('\n');
  const t = r.totals;
  if (t.errors > 0) out.push(`${style.error('✗')} ${t.errors} check${t.errors === 1 ? '' : 's'} could not run\n`);
  if (t.mismatched > 0) out.push(`${style.warn('✗')} ${t.mismatched} of ${t.checks} check${t.checks === 1 ? '' : 's'} mismatch\n`);
  if (t.errors === 0 && t.mismatched === 0) out.push(`${style.ok('✓')} all ${t.checks} check${t.checks === 1 ? '' : 's'} pass in ${(r.durationMs / 1000).toFixed(2)}s\n`);
  return out.join('');
}
