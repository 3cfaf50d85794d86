import { UndirectedGraph } from 'graphology';
import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../src/analyzers/suggest/rng.js';
import { splitMergedCommunities } from '../../src/analyzers/suggest/split-communities.js';

/** Two 6-cliques joined by one light edge, plus a third clique elsewhere. */
function graph(): UndirectedGraph {
  const g = new UndirectedGraph();
  const clique = (p: string) => {
    for (let i = 0; i < 6; i++) g.addNode(`${p}${i}`);
    for (let i = 0; i < 6; i++) for (let j = i + 1; j < 6; j++) g.addEdge(`${p}${i}`, `${p}${j}`, { weight: 1 });
  };
  clique('a');
  clique('b');
  clique('c');
  g.addEdge('a0', 'b0', { weight: 0.5 });
  g.addEdge('b1', 'c1', { weight: 0.5 });
  return g;
}

describe('splitMergedCommunities', () => {
  it('splits a community that modularity would rather see as two', () => {
    const g = graph();
    const merged = Object.fromEntries(g.nodes().map((n) => [n, n.startsWith('c') ? 1 : 0]));
    const out = splitMergedCommunities(g, merged, 1, mulberry32(1));
    const a = new Set(['a0', 'a1', 'a2', 'a3', 'a4', 'a5'].map((n) => out[n]));
    const b = new Set(['b0', 'b1', 'b2', 'b3', 'b4', 'b5'].map((n) => out[n]));
    expect(a.size).toBe(1);
    expect(b.size).toBe(1);
    expect([...a][0]).not.toBe([...b][0]);
    expect(out['c0']).toBe(1);
  });

  it('leaves a community alone when splitting it would lower modularity', () => {
    const g = graph();
    const good = Object.fromEntries(g.nodes().map((n) => [n, n.charCodeAt(0)]));
    expect(splitMergedCommunities(g, good, 1, mulberry32(1))).toEqual(good);
  });
});
