import type { CouplingSummary } from '../../analyzers/suggest/suggest.js';
import type { Styles } from '../../commands/output.js';
import type { CrossBoundaryCatalog } from '../../model/catalog.js';
import { fkLabel, shortColumn, shortKey } from '../../report/catalog/labels.js';
import { couplingRows } from '../../report/suggestion/coupling.js';
import { formatCount, renderTable } from '../../report/text-table.js';
import { isDirty, unownedTables, type PlannerState } from './planner-state.js';

/** What the planner prints between prompts. Pure: text in, text out. */

const LINE_WIDTH = 100;

export function renderOverview(state: PlannerState, coupling: { current: CouplingSummary; allInOne: CouplingSummary; onePerTable: CouplingSummary }, style: Styles): string {
  const s = state.current;
  const unowned = unownedTables(state);
  const out: string[] = [];
  const status = isDirty(state) ? style.warn('unsaved changes') : style.dim('saved');
  out.push(
    `\n${style.bold('Plan')}: ${s.services.length} service${s.services.length === 1 ? '' : 's'}, ${state.allTables.length} tables` +
      `${s.pins.size > 0 ? ` (${s.pins.size} pinned)` : ''}, ${s.shared.length} shared, ${s.unassigned.length} unassigned` +
      `${unowned.length > 0 ? `, ${style.warn(`${unowned.length} unowned`)}` : ''}  ${status}\n`,
  );
  const rows: string[][] = s.services.map((svc) => [style.accent(svc.name), String(svc.tables.length), compactList(svc.tables.map((t) => shortKey(t) + (s.pins.get(t) === svc.name ? '*' : '')))]);
  if (s.shared.length > 0) rows.push([style.dim('shared'), String(s.shared.length), compactList(s.shared.map(shortKey))]);
  if (s.unassigned.length > 0) rows.push([style.dim('unassigned'), String(s.unassigned.length), compactList(s.unassigned.map(shortKey))]);
  if (unowned.length > 0) rows.push([style.warn('unowned'), String(unowned.length), compactList(unowned.map(shortKey))]);
  out.push(renderTable(['service', 'tables', ''], rows, { right: [1], headerStyle: style.dim, maxCellWidth: LINE_WIDTH }));
  if (s.pins.size > 0) out.push(`  ${style.dim('* pinned: a re-run of the suggestion leaves it where it is')}\n`);
  const c = couplingRows([
    { title: 'this plan', coupling: coupling.current },
    { title: 'all in one', coupling: coupling.allInOne },
    { title: 'one per table', coupling: coupling.onePerTable },
  ]);
  out.push('\n' + renderTable(c.headers, c.rows, { right: c.right, headerStyle: style.dim }));
  return out.join('');
}

/** `a, b, c, … +12 more`, cut to fit one terminal line. */
export function compactList(items: readonly string[], width = LINE_WIDTH - 30): string {
  let text = '';
  for (let i = 0; i < items.length; i++) {
    const next = text === '' ? items[i]! : `${text}, ${items[i]}`;
    const rest = items.length - i - 1;
    if (next.length + (rest > 0 ? ` … +${rest} more`.length : 0) > width && text !== '') return `${text}, … +${items.length - i} more`;
    text = next;
  }
  return text;
}

/** The cross-boundary findings of the current plan, for the "details" menu entry. */
export function renderCrossBoundaryDetails(cb: CrossBoundaryCatalog, style: Styles, top = 25): string {
  const out: string[] = [];
  const section = (title: string, headers: string[], rows: string[][], right: number[] = []) => {
    out.push(`\n${rows.length > 0 ? style.warn(title) : style.accent(title)} ${style.dim(`(${rows.length})`)}\n`);
    if (rows.length === 0) {
      out.push(`  ${style.dim('none')}\n`);
      return;
    }
    out.push(renderTable(headers, rows.slice(0, top), { right, headerStyle: style.dim }));
    if (rows.length > top) out.push(`  ${style.dim(`… and ${rows.length - top} more (dbsplit analyze --plan shows all)`)}\n`);
  };
  section('Cross-boundary foreign keys', ['from', 'to', 'foreign key'], cb.foreignKeys.map((x) => [x.fromService, x.toService, fkLabel(x.foreignKey) + (x.foreignKey.inferred ? ' (inferred)' : '')]));
  section(
    'Cross-boundary joins',
    ['services', 'predicate', 'calls'],
    cb.joins.map((x) => [`${x.leftService} ⋈ ${x.rightService}`, `${shortColumn(x.join.left)} = ${shortColumn(x.join.right)}`, formatCount(x.join.calls)]),
    [2],
  );
  section('Writes spanning services', ['services', 'tables', 'calls'], cb.multiServiceWrites.map((w) => [w.services.join(', '), w.tables.map(shortKey).join(', '), formatCount(w.calls)]), [2]);
  section(
    'Coupling between services',
    ['services', 'FKs', 'joins', 'join calls', 'multi-service writes', 'score'],
    cb.coupling.map((p) => [`${p.a} ↔ ${p.b}`, String(p.foreignKeys), String(p.joins), formatCount(p.joinCalls), String(p.multiServiceWrites), p.score.toFixed(1)]),
    [1, 2, 3, 4, 5],
  );
  return out.join('');
}
