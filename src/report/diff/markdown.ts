import { fixScript } from '../../diff/fix.js';
import { mdCode, mdTable } from '../markdown.js';
import { formatCount } from '../text-table.js';
import { countsText, differenceText, differs, moreText, seconds, type DiffReport } from './model.js';

/** Markdown for a pull request comment or a CI summary. */

const SAMPLES = 20;

export function renderDiffMarkdown(report: DiffReport): string {
  const r = report.result;
  const out: string[] = [];
  const total = r.totals.missing + r.totals.extra + r.totals.changed;
  const verdict = r.totals.errors > 0 ? `❌ ${r.totals.errors} table(s) could not be compared` : total === 0 ? '✅ clean' : `❌ ${formatCount(total)} row(s) differ (${countsText(r.totals)})`;
  out.push(`## dbsplit diff ${mdCode(r.service)}`, '', `${verdict} — ${formatCount(r.totals.rowsCompared)} rows compared in ${seconds(r.durationMs)}, monolith at LSN ${r.sourceLsn ?? 'unknown'}.`, '');
  out.push(
    mdTable(
      ['Table', 'Rows compared', 'Missing', 'Extra', 'Changed', 'Settled', 'Time', 'Result'],
      r.tables.map((t) => [mdCode(t.table), formatCount(t.rowsCompared), formatCount(t.missing), formatCount(t.extra), formatCount(t.changed), formatCount(t.settled), seconds(t.durationMs), t.error !== undefined ? `error: ${t.error}` : differs(t) ? 'differs' : 'equal']),
    ),
  );
  for (const t of r.tables.filter(differs)) {
    out.push(`### ${mdCode(t.table)}: ${countsText(t)}`, '');
    for (const d of t.differences.slice(0, SAMPLES)) out.push(`- **${d.kind}** ${mdCode(differenceText(t, d))}`);
    const more = moreText(t, SAMPLES);
    if (more) out.push(`- ${more}`);
    out.push('');
  }
  if (r.settle.attempted && r.totals.settled > 0) out.push(`${r.totals.settled} difference(s) seen while sync was running settled once it had caught up.`, '');
  if (r.settle.note && (r.settle.attempted || total > 0)) out.push(`_${r.settle.note}_`, '');
  if (report.fix) {
    const p = report.fix.plan;
    out.push(`### Fix ${report.fix.applied ? '(applied)' : report.fix.mode === 'dry-run' ? '(dry run: nothing changed)' : '(nothing applied)'}`, '', `${p.rows.insert} rows inserted, ${p.rows.update} updated, ${p.rows.delete} deleted, in one transaction.`, '');
    for (const s of p.skipped) out.push(`- not fixed: ${mdCode(s.table)}: ${s.reason}`);
    const script = fixScript(p);
    if (script) out.push('```sql', script.trimEnd(), '```', '');
  }
  return out.join('\n') + '\n';
}
