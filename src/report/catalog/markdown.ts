import type { Catalog } from '../../model/catalog.js';
import { mdTable } from '../markdown.js';
import { formatCount } from '../text-table.js';
import { catalogSections, summarize } from './sections.js';

export function renderCatalogMarkdown(catalog: Catalog, top: number): string {
  const s = summarize(catalog);
  const out: string[] = [];
  out.push(`# Schema and workload catalog\n\nSource: ${s.source}\n\n`);
  out.push(
    `${formatCount(s.tables)} tables, ${formatCount(s.foreignKeys)} foreign keys (${s.inferred} inferred), ${formatCount(s.queries)} statements ` +
      `(${formatCount(s.calls)} calls, ${s.unparsed} did not parse), ${formatCount(s.joins)} join predicates.\n`,
  );
  for (const section of catalogSections(catalog, top)) {
    out.push(`\n## ${section.title}\n\n`);
    if (section.rows.length === 0) {
      out.push('None.\n');
      continue;
    }
    out.push(mdTable(section.headers, section.rows));
    if (section.omitted > 0) out.push(`\n…and ${section.omitted} more.\n`);
    if (section.note) out.push(`\n_${section.note}_\n`);
  }
  return out.join('');
}
