import { UndirectedGraph } from 'graphology';
import louvainImport from 'graphology-communities-louvain';
import type { Evidence, PairEvidence } from './evidence.js';
import { Grouping } from './grouping.js';
import { mulberry32 } from './rng.js';
import { splitMergedCommunities } from './split-communities.js';

// The package is CommonJS typed with `export default`: under NodeNext the default import is
// module.exports itself at run time, which TypeScript types as the namespace holding `default`.
const louvain = louvainImport as unknown as typeof louvainImport.default;

/**
 * Run Louvain on the connected tables. Pinned tables of one service are contracted into a
 * single node first, so they cannot be separated; two pinned services that land in the same
 * community are pulled apart again afterwards (see `splitPinnedServices`).
 */
export function louvainGrouping(ev: Evidence, pins: ReadonlyMap<string, string>, resolution: number, seed: number, weightOf: (p: PairEvidence) => number = (p) => p.weight): Grouping {
  const nodeOf = (t: string) => {
    const pin = pins.get(t);
    return pin === undefined ? t : `\u0001pin:${pin}`;
  };
  const inGraph = (t: string) => ev.structural.has(t) || pins.has(t);

  const graph = new UndirectedGraph({ allowSelfLoops: false });
  for (const t of ev.tables) if (inGraph(t) && !graph.hasNode(nodeOf(t))) graph.addNode(nodeOf(t));
  const weights = new Map<string, { u: string; v: string; w: number }>();
  for (const p of ev.pairs.values()) {
    const w = weightOf(p);
    if (w <= 0 || !inGraph(p.a) || !inGraph(p.b)) continue;
    const [u, v] = [nodeOf(p.a), nodeOf(p.b)].sort() as [string, string];
    if (u === v) continue;
    const key = `${u}\u0000${v}`;
    const e = weights.get(key);
    if (e) e.w += w;
    else weights.set(key, { u, v, w });
  }
  for (const key of [...weights.keys()].sort()) {
    const e = weights.get(key)!;
    graph.addEdge(e.u, e.v, { weight: e.w });
  }

  const rng = mulberry32(seed);
  const communities: Record<string, number> =
    graph.size === 0
      ? Object.fromEntries(graph.nodes().map((n: string, i: number) => [n, i]))
      : splitMergedCommunities(graph, louvain.detailed(graph, { resolution, rng, getEdgeWeight: 'weight' }).communities, resolution, rng);

  const grouping = new Grouping();
  const groupOfCommunity = new Map<number, number>();
  for (const t of ev.tables) {
    if (!inGraph(t)) continue;
    const c = communities[nodeOf(t)]!;
    let g = groupOfCommunity.get(c);
    if (g === undefined) groupOfCommunity.set(c, (g = grouping.newGroup()));
    grouping.place(t, g);
  }
  splitPinnedServices(grouping, ev, pins);
  return grouping;
}

/**
 * Edge weights for a second pass once the hubs are known: what ties a table to a hub only
 * because everyone is tied to it (its FKs and joins) nearly vanishes, so small domains that
 * merely point at `users` stop being absorbed by it. What the hub shares with its own tables
 * (name, writes, FKs with tables of its name) stays.
 */
export function hubDampedWeights(ev: Evidence, hubs: ReadonlySet<string>): (p: PairEvidence) => number {
  return (p) => {
    if (!hubs.has(p.a) && !hubs.has(p.b)) return p.weight;
    const stem = ev.words.get(p.a)?.stem;
    if (stem !== undefined && stem === ev.words.get(p.b)?.stem) return p.weight;
    return HUB_EDGE_FACTOR * (p.fkWeight + p.joinWeight) + p.writeWeight + p.affinity;
  };
}

/** What is left of an FK or join into a confirmed hub in the second pass. */
const HUB_EDGE_FACTOR = 0.1;

/**
 * Give every group with pinned tables its service; where one group holds two pinned
 * services, hand its other tables, strongest link first, to the service they are tied to
 * most. Tables tied to none stay together as a group of their own.
 */
function splitPinnedServices(grouping: Grouping, ev: Evidence, pins: ReadonlyMap<string, string>): void {
  for (const g of grouping.serviceGroups()) {
    const members = [...grouping.groups.get(g)!];
    const services = [...new Set(members.map((t) => pins.get(t)).filter((s): s is string => s !== undefined))].sort();
    if (services.length === 0) continue;
    if (services.length === 1) {
      grouping.pinned.set(g, services[0]!);
      continue;
    }
    const serviceOf = new Map<string, string>(members.filter((t) => pins.has(t)).map((t) => [t, pins.get(t)!]));
    const rest = new Set(members.filter((t) => !pins.has(t)));
    for (;;) {
      let best: { t: string; s: string; w: number } | undefined;
      for (const t of rest) {
        const tie = new Map<string, number>();
        for (const [n, p] of ev.neighbors.get(t)!) {
          const s = serviceOf.get(n);
          if (s !== undefined) tie.set(s, (tie.get(s) ?? 0) + p.weight);
        }
        for (const [s, w] of tie) if (!best || w > best.w || (w === best.w && (t < best.t || (t === best.t && s < best.s)))) best = { t, s, w };
      }
      if (!best) break;
      serviceOf.set(best.t, best.s);
      rest.delete(best.t);
    }
    grouping.dissolve(g);
    for (const s of services) {
      const ng = grouping.newGroup();
      grouping.pinned.set(ng, s);
      for (const [t, owner] of serviceOf) if (owner === s) grouping.place(t, ng);
    }
    if (rest.size > 0) {
      const ng = grouping.newGroup();
      for (const t of [...rest].sort()) grouping.place(t, ng);
    }
  }
}
