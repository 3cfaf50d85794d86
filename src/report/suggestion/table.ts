import type { Styles } from '../../commands/output.js';
import { shortKey } from '../catalog/labels.js';
import { renderTable } from '../text-table.js';
import { couplingRows } from './coupling.js';
import { serviceRows, type SuggestionReport } from './model.js';

export function renderSuggestionTable(report: SuggestionReport, style: Styles): string {
  const s = report.suggestion;
  const out: string[] = [];
  const pinned = [...report.pins.keys()].length;
  out.push(`${style.bold('dbsplit plan --auto')} ${style.dim(report.source)}\n`);
  out.push(
    `  ${s.services.length} service${s.services.length === 1 ? '' : 's'} for ${report.tableCount} tables` +
      `${pinned > 0 ? `, ${pinned} pinned` : ''}; ${s.shared.length} shared, ${s.unassigned.length} unassigned\n`,
  );
  for (const note of s.notes ?? []) out.push(`  ${style.warn('note:')} ${note}\n`);
  for (const svc of s.services) {
    const rows = serviceRows(report, svc);
    out.push(`\n${style.accent(svc.name)} ${style.dim(`(${svc.tables.length} table${svc.tables.length === 1 ? '' : 's'})`)}\n`);
    out.push(renderTable(['table', 'why here'], rows.map((r) => [shortKey(r.table) + (r.pinned ? ' *' : ''), r.reason]), { headerStyle: style.dim, maxCellWidth: 100 }));
  }
  for (const [title, list] of [['Shared', s.shared], ['Unassigned', s.unassigned]] as const) {
    out.push(`\n${style.accent(title)} ${style.dim(`(${list.length})`)}\n`);
    if (list.length === 0) out.push(`  ${style.dim('none')}\n`);
    else out.push(renderTable(['table', 'why'], list.map((x) => [shortKey(x.table), x.reason]), { headerStyle: style.dim, maxCellWidth: 100 }));
  }
  const c = couplingRows([
    { title: 'suggested', coupling: s.coupling.suggested },
    { title: 'all in one', coupling: s.coupling.allInOne },
    { title: 'one per table', coupling: s.coupling.onePerTable },
  ]);
  out.push(`\n${style.accent('Coupling left across service boundaries')}\n`);
  out.push(renderTable(c.headers, c.rows, { right: c.right, headerStyle: style.dim }));
  if (pinned > 0) out.push(`  ${style.dim('* pinned (services.<name>.pin in the plan file, or --pin)')}\n`);
  out.push(
    report.written
      ? `\n${style.ok('✓')} wrote ${report.written}; check it with dbsplit analyze --plan ${report.written}, edit it with dbsplit plan\n`
      : `\n${style.dim('Save it as the plan with --write; change it interactively with dbsplit plan.')}\n`,
  );
  return out.join('');
}
