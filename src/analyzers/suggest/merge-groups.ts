import type { Evidence } from './evidence.js';
import type { Grouping } from './grouping.js';

/**
 * Merge groups until `target` remain, each time the pair whose merge raises modularity the
 * most (the pair most tied to each other for their size). Two pinned services never merge.
 * Groups tied to nothing are merged smallest first. Returns false when pins made it impossible.
 */
export function mergeToCount(grouping: Grouping, ev: Evidence, target: number): boolean {
  const between = new Map<number, Map<number, number>>();
  const volume = new Map<number, number>();
  let total = 0;
  const add = (x: number, y: number, w: number) => {
    let m = between.get(x);
    if (!m) between.set(x, (m = new Map()));
    m.set(y, (m.get(y) ?? 0) + w);
  };
  for (const g of grouping.serviceGroups()) volume.set(g, 0);
  for (const p of ev.pairs.values()) {
    const ga = grouping.groupOf.get(p.a);
    const gb = grouping.groupOf.get(p.b);
    if (ga === undefined || gb === undefined || p.weight <= 0) continue;
    total += p.weight;
    volume.set(ga, volume.get(ga)! + p.weight);
    volume.set(gb, volume.get(gb)! + p.weight);
    if (ga !== gb) {
      add(ga, gb, p.weight);
      add(gb, ga, p.weight);
    }
  }
  const size = (g: number) => grouping.groups.get(g)!.size;
  const mergeable = (x: number, y: number) => !(grouping.pinned.has(x) && grouping.pinned.has(y));

  while (grouping.serviceGroups().length > target) {
    let best: { x: number; y: number; gain: number } | undefined;
    for (const [x, m] of between) {
      for (const [y, w] of m) {
        if (y <= x || w <= 0 || !mergeable(x, y)) continue;
        const gain = w / total - (volume.get(x)! * volume.get(y)!) / (2 * total * total);
        if (!best || gain > best.gain) best = { x, y, gain };
      }
    }
    if (!best) {
      const groups = grouping.serviceGroups().sort((a, b) => size(a) - size(b) || a - b);
      outer: for (const x of groups) {
        for (const y of groups) {
          if (x !== y && mergeable(x, y)) {
            best = { x, y, gain: 0 };
            break outer;
          }
        }
      }
    }
    if (!best) return false;
    const into = grouping.pinned.has(best.y) ? best.y : best.x;
    const from = into === best.x ? best.y : best.x;
    grouping.merge(into, from);
    volume.set(into, volume.get(into)! + volume.get(from)!);
    volume.delete(from);
    const fromLinks = between.get(from) ?? new Map<number, number>();
    between.delete(from);
    for (const [y, w] of fromLinks) {
      between.get(y)?.delete(from);
      if (y === into) continue;
      add(into, y, w);
      add(y, into, w);
    }
  }
  return true;
}
