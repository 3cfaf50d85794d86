import { UndirectedGraph } from 'graphology';
import louvainImport from 'graphology-communities-louvain';

// CommonJS typed with `export default`: see louvain-partition.ts.
const louvain = louvainImport as unknown as typeof louvainImport.default;

/** Communities smaller than this are not worth a second look. */
const MIN_SPLIT_SIZE = 6;

/**
 * Louvain's known failure: it can leave two groups merged that modularity would rather see
 * apart (once merged on an early pass, nothing moves them back; Traag et al. 2019). For each
 * community, propose parts by clustering it on its own, glue back together every pair of
 * parts whose merge raises the whole graph's modularity, and keep the split when more than
 * one part survives. A split kept this way never lowers modularity.
 */
export function splitMergedCommunities(graph: UndirectedGraph, communities: Record<string, number>, resolution: number, rng: () => number): Record<string, number> {
  const strength = new Map<string, number>();
  let m = 0;
  graph.forEachEdge((_e, attr, u, v) => {
    const w = attr['weight'] as number;
    m += w;
    strength.set(u, (strength.get(u) ?? 0) + w);
    strength.set(v, (strength.get(v) ?? 0) + w);
  });
  if (m === 0) return communities;

  const byCommunity = new Map<number, string[]>();
  for (const n of graph.nodes()) {
    const c = communities[n]!;
    const list = byCommunity.get(c);
    if (list) list.push(n);
    else byCommunity.set(c, [n]);
  }
  const out: Record<string, number> = { ...communities };
  let next = Math.max(-1, ...Object.values(communities)) + 1;

  for (const nodes of byCommunity.values()) {
    if (nodes.length < MIN_SPLIT_SIZE) continue;
    const inside = new Set(nodes);
    const sub = new UndirectedGraph();
    for (const n of nodes) sub.addNode(n);
    for (const n of nodes) {
      graph.forEachEdge(n, (_e, attr, u, v) => {
        if (inside.has(u) && inside.has(v) && !sub.hasEdge(u, v)) sub.addEdge(u, v, { weight: attr['weight'] as number });
      });
    }
    if (sub.size === 0) continue;
    const parts = louvain(sub, { resolution, rng, getEdgeWeight: 'weight' });
    const kept = mergeParts(sub, parts, strength, m, resolution);
    if (kept.size < 2) continue;
    for (const [, members] of [...kept].slice(1)) {
      const id = next++;
      for (const n of members) out[n] = id;
    }
  }
  return out;
}

/** Agglomerate parts while some merge raises modularity (measured on the whole graph). */
function mergeParts(sub: UndirectedGraph, parts: Record<string, number>, strength: ReadonlyMap<string, number>, m: number, resolution: number): Map<number, string[]> {
  const members = new Map<number, string[]>();
  const volume = new Map<number, number>();
  for (const n of sub.nodes()) {
    const p = parts[n]!;
    members.set(p, [...(members.get(p) ?? []), n]);
    volume.set(p, (volume.get(p) ?? 0) + strength.get(n)!);
  }
  const between = new Map<string, number>();
  const key = (a: number, b: number) => (a < b ? `${a},${b}` : `${b},${a}`);
  sub.forEachEdge((_e, attr, u, v) => {
    const [a, b] = [parts[u]!, parts[v]!];
    if (a !== b) between.set(key(a, b), (between.get(key(a, b)) ?? 0) + (attr['weight'] as number));
  });
  for (;;) {
    let best: { a: number; b: number; gain: number } | undefined;
    for (const [k, w] of between) {
      const [a, b] = k.split(',').map(Number) as [number, number];
      const gain = w / m - (resolution * volume.get(a)! * volume.get(b)!) / (2 * m * m);
      if (gain > 0 && (!best || gain > best.gain)) best = { a, b, gain };
    }
    if (!best) break;
    const { a, b } = best;
    members.set(a, [...members.get(a)!, ...members.get(b)!]);
    members.delete(b);
    volume.set(a, volume.get(a)! + volume.get(b)!);
    volume.delete(b);
    for (const [k, w] of [...between]) {
      const [x, y] = k.split(',').map(Number) as [number, number];
      if (x !== b && y !== b) continue;
      between.delete(k);
      const other = x === b ? y : x;
      if (other === a) continue;
      between.set(key(a, other), (between.get(key(a, other)) ?? 0) + w);
    }
  }
  return new Map([...members].sort((x, y) => y[1].length - x[1].length || x[0] - y[0]));
}
