import type { Catalog } from '../../model/catalog.js';
import { tableKey } from '../../model/schema.js';

/**
 * The table graph both diagram formats draw: tables grouped by service, foreign keys, and
 * joins aggregated per table pair.
 */
export interface GraphEdge {
  readonly from: string;
  readonly to: string;
  readonly kind: 'fk' | 'inferred' | 'join';
  /** Join calls, for join edges. */
  readonly calls: number;
  readonly crossBoundary: boolean;
}

export interface TableGraph {
  readonly groups: readonly { readonly name: string; readonly tables: readonly string[] }[];
  readonly ungrouped: readonly string[];
  readonly edges: readonly GraphEdge[];
}

export function tableGraph(c: Catalog): TableGraph {
  const owner = new Map<string, string>();
  for (const s of c.crossBoundary?.services ?? []) for (const t of s.tables) owner.set(t, s.name);
  const cross = (a: string, b: string) => {
    const x = owner.get(a);
    const y = owner.get(b);
    return x !== undefined && y !== undefined && x !== y;
  };
  const edges: GraphEdge[] = [];
  const fkSeen = new Set<string>();
  for (const fk of c.foreignKeys) {
    const from = tableKey({ schema: fk.from.schema, name: fk.from.table });
    const to = tableKey({ schema: fk.to.schema, name: fk.to.table });
    const key = `${from}>${to}>${fk.inferred}`;
    if (fkSeen.has(key)) continue;
    fkSeen.add(key);
    edges.push({ from, to, kind: fk.inferred ? 'inferred' : 'fk', calls: 0, crossBoundary: cross(from, to) });
  }
  const joins = new Map<string, { from: string; to: string; calls: number }>();
  for (const j of c.joins) {
    const a = tableKey({ schema: j.left.schema, name: j.left.table });
    const b = tableKey({ schema: j.right.schema, name: j.right.table });
    if (a === b) continue;
    const [from, to] = a < b ? [a, b] : [b, a];
    const key = `${from}|${to}`;
    const e = joins.get(key) ?? { from, to, calls: 0 };
    e.calls += j.calls;
    joins.set(key, e);
  }
  for (const e of [...joins.values()].sort((x, y) => y.calls - x.calls)) edges.push({ ...e, kind: 'join', crossBoundary: cross(e.from, e.to) });
  const groups = (c.crossBoundary?.services ?? []).map((s) => ({ name: s.name, tables: [...s.tables] }));
  const ungrouped = c.tables.map((t) => tableKey(t)).filter((k) => !owner.has(k));
  return { groups, ungrouped, edges };
}

export function nodeId(key: string): string {
  return 't_' + key.replace(/[^A-Za-z0-9_]/g, (ch) => `_${ch.charCodeAt(0).toString(16)}_`);
}

export function compactCalls(n: number): string {
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)}M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)}k`;
  return String(n);
}
