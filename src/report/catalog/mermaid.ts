import type { Catalog } from '../../model/catalog.js';
import { compactCalls, nodeId, tableGraph } from './graph.js';
import { shortKey } from './labels.js';

/** A Mermaid flowchart: solid arrows are foreign keys, dotted ones joins (with calls). */
export function renderCatalogMermaid(catalog: Catalog): string {
  const g = tableGraph(catalog);
  const lines = ['flowchart LR'];
  const node = (k: string) => `${nodeId(k)}["${shortKey(k).replace(/"/g, '#quot;')}"]`;
  for (const group of g.groups) {
    lines.push(`  subgraph ${nodeId('svc.' + group.name)}["${group.name}"]`);
    for (const t of group.tables) lines.push(`    ${node(t)}`);
    lines.push('  end');
  }
  for (const t of g.ungrouped) lines.push(`  ${node(t)}`);
  const crossLinks: number[] = [];
  g.edges.forEach((e, i) => {
    const arrow = e.kind === 'join' ? `-. "${compactCalls(e.calls)}" .->` : e.kind === 'inferred' ? '-. inferred .->' : '-->';
    lines.push(`  ${nodeId(e.from)} ${arrow} ${nodeId(e.to)}`);
    if (e.crossBoundary) crossLinks.push(i);
  });
  if (crossLinks.length > 0) lines.push(`  linkStyle ${crossLinks.join(',')} stroke:#d33,stroke-width:2px`);
  return lines.join('\n') + '\n';
}
