import type { Catalog } from '../../model/catalog.js';
import { compactCalls, tableGraph } from './graph.js';
import { shortKey } from './labels.js';

const quote = (s: string) => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;

/** Graphviz: one cluster per service; red edges cross a boundary. */
export function renderCatalogDot(catalog: Catalog): string {
  const g = tableGraph(catalog);
  const lines = ['digraph dbsplit {', '  rankdir=LR;', '  node [shape=box, fontname="Helvetica", fontsize=10];', '  edge [fontname="Helvetica", fontsize=9];'];
  g.groups.forEach((group, i) => {
    lines.push(`  subgraph cluster_${i} {`, `    label=${quote(group.name)};`, '    style=rounded;');
    for (const t of group.tables) lines.push(`    ${quote(t)} [label=${quote(shortKey(t))}];`);
    lines.push('  }');
  });
  for (const t of g.ungrouped) lines.push(`  ${quote(t)} [label=${quote(shortKey(t))}];`);
  for (const e of g.edges) {
    const attrs: string[] = [];
    if (e.kind === 'join') attrs.push('style=dashed', 'arrowhead=none', `label=${quote(compactCalls(e.calls))}`);
    if (e.kind === 'inferred') attrs.push('style=dotted', 'label="inferred"');
    if (e.crossBoundary) attrs.push('color=red', 'penwidth=2');
    lines.push(`  ${quote(e.from)} -> ${quote(e.to)}${attrs.length ? ` [${attrs.join(', ')}]` : ''};`);
  }
  lines.push('}');
  return lines.join('\n') + '\n';
}
