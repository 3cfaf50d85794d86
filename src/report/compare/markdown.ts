import type { CompareResult } from '../../compare/types.js';
import { mdCode, mdTable } from '../markdown.js';
import { formatCount } from '../text-table.js';
import { countsText, ms, sampleText, verdictOf } from './model.js';

/** Markdown for a pull request comment or a CI summary. */
export function renderCompareMarkdown(r: CompareResult): string {
  const t = r.totals;
  const verdict = t.errors > 0 ? `❌ ${t.errors} check(s) could not run` : t.mismatched > 0 ? `❌ ${t.mismatched} of ${t.checks} check(s) mismatch` : `✅ all ${t.checks} check(s) pass`;
  const out: string[] = ['## dbsplit compare', '', `${verdict} — ${(r.durationMs / 1000).toFixed(2)}s.`, ''];
  out.push(
    mdTable(
      ['Check', 'Candidate', 'Param sets', 'Legacy rows', 'Candidate rows', 'Legacy (median)', 'Candidate (median)', 'Result'],
      r.checks.map((c) => [mdCode(c.name), c.candidate, String(c.paramSets), formatCount(c.legacyRows), formatCount(c.candidateRows), ms(c.legacy.medianMs), ms(c.candidateTiming.medianMs), c.status === 'error' ? `error: ${c.error ?? ''}` : c.status === 'mismatch' ? countsText(c) : verdictOf(c)]),
    ),
  );
  for (const c of r.checks.filter((x) => x.status === 'mismatch')) {
    out.push(`### ${mdCode(c.name)}: ${countsText(c)}`, '');
    for (const s of c.samples) out.push(`- **${s.kind}** ${mdCode(sampleText(s))}`);
    out.push('');
  }
  return out.join('\n') + '\n';
}
