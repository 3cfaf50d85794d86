import type { Styles } from '../../commands/output.js';
import { fixScript } from '../../diff/fix.js';
import { formatCount, renderTable } from '../text-table.js';
import { countsText, differenceText, differs, moreText, seconds, type DiffReport } from './model.js';

/** The terminal report: one line per table, then samples of what differs, then the verdict. */

const SAMPLES = 10;

export function renderDiffTable(report: DiffReport, style: Styles): string {
  const r = report.result;
  const out: string[] = [];
  out.push(`${style.bold(`dbsplit diff ${r.service}`)} ${style.dim(`${r.source} → ${r.target}`)}\n`);
  const rows = r.tables.map((t) => [
    t.table === t.target ? t.table : `${t.table} → ${t.target}`,
    formatCount(t.rowsCompared),
    formatCount(t.missing),
    formatCount(t.extra),
    formatCount(t.changed),
    formatCount(t.settled),
    seconds(t.durationMs),
    t.error !== undefined ? style.error('error') : differs(t) ? style.warn('differs') : style.ok('equal'),
  ]);
  out.push(renderTable(['table', 'rows compared', 'missing', 'extra', 'changed', 'settled', 'time', ''], rows, { right: [1, 2, 3, 4, 5, 6], headerStyle: style.dim, maxCellWidth: 60 }));
  for (const t of r.tables) {
    if (t.error !== undefined) {
      out.push(`\n${style.accent(t.table)}: ${style.error('error')} ${t.error}\n`);
      continue;
    }
    const notes: string[] = [];
    if (t.onlyInSource.length > 0) notes.push(`columns only in the monolith (not compared): ${t.onlyInSource.join(', ')}`);
    if (t.onlyInTarget.length > 0) notes.push(`columns only in the service's database (not compared): ${t.onlyInTarget.join(', ')}`);
    if (!differs(t) && notes.length === 0) continue;
    const key = t.key.length > 0 ? `key ${t.key.join(', ')}` : 'no key: compared as a multiset of rows';
    out.push(`\n${style.accent(t.table)} ${style.dim(`(${key})`)}${differs(t) ? `: ${countsText(t)}` : ''}\n`);
    for (const n of notes) out.push(`  ${style.warn('note:')} ${n}\n`);
    for (const d of t.differences.slice(0, SAMPLES)) out.push(`  ${d.kind.padEnd(7)}  ${differenceText(t, d)}\n`);
    const more = moreText(t, SAMPLES);
    if (more) out.push(`  ${style.dim(more)}\n`);
  }
  out.push('\n');
  const s = r.settle;
  if (s.attempted && r.totals.settled + r.totals.unsettled > 0) {
    out.push(`${r.totals.settled} difference${r.totals.settled === 1 ? '' : 's'} settled once sync had caught up (waited ${seconds(s.waitedMs)})${r.totals.unsettled > 0 ? `; ${r.totals.unsettled} not confirmed (unsettled)` : ''}\n`);
  }
  if (s.note && (s.attempted || r.totals.missing + r.totals.extra + r.totals.changed > 0)) out.push(`${style.dim(s.note)}\n`);
  const total = r.totals.missing + r.totals.extra + r.totals.changed;
  const differing = r.tables.filter(differs).length;
  if (r.totals.errors > 0) out.push(`${style.error('✗')} ${r.totals.errors} table${r.totals.errors === 1 ? '' : 's'} could not be compared\n`);
  if (total > 0) out.push(`${style.warn('✗')} ${formatCount(total)} row${total === 1 ? '' : 's'} differ in ${differing} of ${r.tables.length} tables (${countsText(r.totals)}), ${formatCount(r.totals.rowsCompared)} rows compared in ${seconds(r.durationMs)}\n`);
  else if (r.totals.errors === 0) out.push(`${style.ok('✓')} clean: ${r.tables.length} table${r.tables.length === 1 ? '' : 's'}, ${formatCount(r.totals.rowsCompared)} rows compared in ${seconds(r.durationMs)}\n`);
  if (r.runId) out.push(style.dim(`recorded as diff run ${r.runId} in _dbsplit.diff_runs\n`));
  if (report.fix) out.push(renderFixSummary(report, style));
  return out.join('');
}

function renderFixSummary(report: DiffReport, style: Styles): string {
  const fix = report.fix!;
  const p = fix.plan;
  const lines: string[] = [];
  for (const s of p.skipped) lines.push(`${style.warn('not fixed:')} ${s.table}: ${s.reason}`);
  if (p.statements.length === 0) lines.push('nothing to fix');
  else if (fix.applied) lines.push(`${style.ok('✓')} fixed ${p.target} in one transaction: ${p.rows.insert} inserted, ${p.rows.update} updated, ${p.rows.delete} deleted (run dbsplit diff again to confirm)`);
  return lines.length === 0 ? '' : '\n' + lines.join('\n') + '\n';
}

/**
 * `--fix --dry-run`: the report as SQL comments, then the fix, so that the whole output is a
 * script psql can run (`dbsplit diff svc --fix --dry-run > fix.sql`).
 */
export function renderFixDryRun(report: DiffReport, style: Styles): string {
  const plain = renderDiffTable({ result: report.result }, { ...style, error: (s) => s, warn: (s) => s, ok: (s) => s, dim: (s) => s, bold: (s) => s, accent: (s) => s });
  const comment = plain.trimEnd().split('\n').map((l) => (l === '' ? '--' : `-- ${l}`));
  const p = report.fix!.plan;
  comment.push('--', `-- dbsplit diff --fix --dry-run: nothing was changed. The SQL that would make ${p.target} equal the monolith`);
  comment.push(`-- (${p.rows.insert} rows inserted, ${p.rows.update} updated, ${p.rows.delete} deleted, in one transaction):`);
  for (const s of p.skipped) comment.push(`-- not fixed: ${s.table}: ${s.reason}`);
  const script = fixScript(p);
  return comment.join('\n') + '\n' + (script === '' ? '-- nothing to fix\n' : '\n' + script);
}
