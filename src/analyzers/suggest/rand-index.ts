/**
 * Adjusted Rand index (Hubert and Arabie, 1985): agreement of two partitions of the same items,
 * 1 for identical partitions, about 0 for a random one, negative for worse than random.
 * Items missing from either labelling are ignored.
 */
export function adjustedRandIndex(a: ReadonlyMap<string, string>, b: ReadonlyMap<string, string>): number {
  const items = [...a.keys()].filter((k) => b.has(k));
  const n = items.length;
  if (n < 2) return 1;
  const cells = new Map<string, number>();
  const rows = new Map<string, number>();
  const cols = new Map<string, number>();
  const inc = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1);
  for (const item of items) {
    const x = a.get(item)!;
    const y = b.get(item)!;
    inc(cells, `${x}\u0000${y}`);
    inc(rows, x);
    inc(cols, y);
  }
  const choose2 = (k: number) => (k * (k - 1)) / 2;
  const sum = (m: Map<string, number>) => [...m.values()].reduce((s, k) => s + choose2(k), 0);
  const index = sum(cells);
  const sumRows = sum(rows);
  const sumCols = sum(cols);
  const expected = (sumRows * sumCols) / choose2(n);
  const max = (sumRows + sumCols) / 2;
  // Both partitions trivial (all one cluster, or all singletons) and equal: perfect agreement.
  if (max === expected) return 1;
  return (index - expected) / (max - expected);
}

/** Labels from a list of groups; items in no group are left out. */
export function labelsOf(groups: Iterable<readonly [string, readonly string[]]>): Map<string, string> {
  const out = new Map<string, string>();
  for (const [label, items] of groups) for (const item of items) out.set(item, label);
  return out;
}
