import { shortKey } from '../catalog/labels.js';
import { mdCode, mdTable } from '../markdown.js';
import { couplingRows } from './coupling.js';
import { serviceRows, type SuggestionReport } from './model.js';

export function renderSuggestionMarkdown(report: SuggestionReport): string {
  const s = report.suggestion;
  const out: string[] = [];
  out.push(`# Suggested service boundaries\n\nSource: ${report.source}\n\n`);
  out.push(`${s.services.length} services for ${report.tableCount} tables; ${s.shared.length} shared, ${s.unassigned.length} unassigned.\n`);
  for (const note of s.notes ?? []) out.push(`\n> Note: ${note}\n`);
  for (const svc of s.services) {
    out.push(`\n## ${svc.name}\n\n`);
    out.push(mdTable(['table', 'why here', 'pinned'], serviceRows(report, svc).map((r) => [mdCode(shortKey(r.table)), r.reason, r.pinned ? 'yes' : ''])));
  }
  for (const [title, list] of [['Shared', s.shared], ['Unassigned', s.unassigned]] as const) {
    out.push(`\n## ${title}\n\n`);
    out.push(list.length === 0 ? 'None.\n' : mdTable(['table', 'why'], list.map((x) => [mdCode(shortKey(x.table)), x.reason])));
  }
  const c = couplingRows([
    { title: 'suggested', coupling: s.coupling.suggested },
    { title: 'all in one', coupling: s.coupling.allInOne },
    { title: 'one per table', coupling: s.coupling.onePerTable },
  ]);
  out.push('\n## Coupling left across service boundaries\n\n');
  out.push(mdTable(c.headers, c.rows));
  if (report.written) out.push(`\nWritten to ${mdCode(report.written)}.\n`);
  return out.join('');
}
