import type { Catalog } from '../../model/catalog.js';
import type { Styles } from '../../commands/output.js';
import { formatCount, renderTable } from '../text-table.js';
import { catalogSections, summarize } from './sections.js';

export function renderCatalogTable(catalog: Catalog, style: Styles, top: number): string {
  const s = summarize(catalog);
  const out: string[] = [];
  out.push(`${style.bold('dbsplit analyze')} ${style.dim(s.source)}\n`);
  out.push(
    `  ${formatCount(s.tables)} tables, ${formatCount(s.foreignKeys)} foreign keys (${s.inferred} inferred), ` +
      `${formatCount(s.queries)} statements (${formatCount(s.calls)} calls${s.unparsed ? `, ${style.warn(`${s.unparsed} did not parse`)}` : ''}), ` +
      `${formatCount(s.joins)} join predicates\n`,
  );
  for (const section of catalogSections(catalog, top)) {
    const title = section.tone === 'warn' && section.rows.length > 0 ? style.warn(section.title) : style.accent(section.title);
    out.push(`\n${title} ${style.dim(`(${section.rows.length + section.omitted})`)}\n`);
    if (section.rows.length === 0) {
      out.push(`  ${style.dim('none')}\n`);
      continue;
    }
    out.push(renderTable(section.headers, section.rows, { right: section.right ?? [], headerStyle: style.dim }));
    if (section.omitted > 0) out.push(`  ${style.dim(`… and ${section.omitted} more (--top N to show more, --format json for all)`)}\n`);
    if (section.note) out.push(`  ${style.dim(section.note)}\n`);
  }
  return out.join('');
}
