import { describe, expect, it } from 'vitest';
import { collectEvidence, hubDamping, pairKey, WEIGHTS } from '../../src/analyzers/suggest/evidence.js';
import { col, fk, join, query, schemaOf, table, workloadOf } from '../helpers/model.js';

const k = (t: string) => `public.${t}`;
const t = (name: string) => table(name, [col('id'), col('a_id'), col('b_id')]);

describe('evidence between tables', () => {
  const schema = schemaOf(
    ['hub', 'a1', 'a2', 'a3', 'a4', 'a5', 'x', 'y', 'z', 'order', 'order_items', 'order_status_history', 'lonely'].map(t),
    [
      ...['a1', 'a2', 'a3', 'a4', 'a5'].map((a) => fk(a, 'a_id', 'hub')),
      fk('x', 'a_id', 'y'),
      fk('x', 'b_id', 'y'),
      fk('y', 'a_id', 'z', 'id', true),
    ],
  );
  const workload = workloadOf(
    [
      query('hot', 10_000, { joins: [join('x.a_id', 'y.id'), join('x.b_id', 'y.id')] }),
      query('cold', 10, { joins: [join('y.a_id', 'z.id')] }),
      query('w1', 50, { writes: ['order'] }),
      query('w2', 50, { writes: ['order_items'] }),
      query('both', 5, { writes: ['x', 'z'] }),
    ],
    [{ sessionId: 's', txId: '1', queryIds: ['w1', 'w2'], source: 'log' }],
  );
  const ev = collectEvidence(schema, workload);
  const pair = (a: string, b: string) => ev.pairs.get(pairKey(k(a), k(b)))!;

  it('damps foreign keys into hubs by how many tables reference them', () => {
    expect(hubDamping(3)).toBe(1);
    expect(hubDamping(6)).toBe(0.5);
    expect(pair('a1', 'hub').fkWeight).toBeCloseTo(WEIGHTS.foreignKey * (3 / 5), 12);
    expect(ev.referencedBy.get(k('hub'))!.size).toBe(5);
  });

  it('weighs an inferred FK below a declared one, and a second FK adds a little', () => {
    expect(pair('y', 'z').fkWeight).toBe(WEIGHTS.inferredForeignKey);
    expect(pair('x', 'y').fkWeight).toBe(WEIGHTS.foreignKey * (1 + WEIGHTS.extraForeignKeyShare));
  });

  it('counts joins once per query and pair, on a log scale of calls', () => {
    expect(pair('x', 'y').joinCalls).toBe(10_000);
    expect(pair('x', 'y').joinQueries).toBe(1);
    expect(pair('x', 'y').joinWeight).toBeCloseTo(WEIGHTS.joinBase + WEIGHTS.joinSpan, 12);
    const cold = pair('y', 'z').joinWeight;
    expect(cold).toBeCloseTo(WEIGHTS.joinBase + (WEIGHTS.joinSpan * Math.log1p(10)) / Math.log1p(10_000), 12);
    // 1,000 times fewer calls: less weight, but still a quarter of it or more.
    expect(cold).toBeGreaterThan(pair('x', 'y').joinWeight / 4);
  });

  it('links tables written by one statement or one transaction', () => {
    expect(pair('order', 'order_items').transactionWrites).toBe(1);
    expect(pair('x', 'z').statementWriteCalls).toBe(5);
    expect(pair('x', 'z').writeWeight).toBeGreaterThanOrEqual(WEIGHTS.writeBase);
  });

  it('links tables sharing a name stem, and knows which tables are connected', () => {
    expect(pair('order', 'order_status_history').nameWord).toBe('order');
    expect(pair('order', 'order_status_history').nameWeight).toBe(WEIGHTS.sameStem);
    expect(ev.structural.has(k('order'))).toBe(true);
    expect(ev.structural.has(k('order_status_history'))).toBe(false);
    expect(ev.structural.has(k('lonely'))).toBe(false);
    expect(ev.neighbors.get(k('lonely'))!.size).toBe(0);
  });
});
