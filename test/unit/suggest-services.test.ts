import { describe, expect, it } from 'vitest';
import { DbsplitError } from '../../src/errors.js';
import { suggestBoundaries, type Suggestion } from '../../src/analyzers/suggest/suggest.js';
import { key, plantedSchema, plantedWorkload } from '../helpers/planted-monolith.js';

const schema = plantedSchema();
const workload = plantedWorkload();
const serviceOf = (s: Suggestion, table: string) => s.services.find((x) => x.tables.includes(key(table)))?.name;

describe('suggestBoundaries --services N', () => {
  it('meets the wanted count exactly when the evidence allows it', () => {
    for (const n of [1, 2, 3, 4, 5, 6, 8]) {
      const s = suggestBoundaries(schema, workload, { services: n });
      expect(s.services, `services: ${n}`).toHaveLength(n);
      expect(s.coupling.suggested.services).toBe(n);
      expect(s.notes).toBeUndefined();
    }
  });

  it('keeps the tightest pairs together when asked for fewer services', () => {
    const s = suggestBoundaries(schema, workload, { services: 2 });
    expect(serviceOf(s, 'order_items')).toBe(serviceOf(s, 'orders'));
    expect(serviceOf(s, 'product_variants')).toBe(serviceOf(s, 'products'));
    expect(serviceOf(s, 'refunds')).toBe(serviceOf(s, 'payments'));
  });

  it('says so when the count cannot be reached', () => {
    const s = suggestBoundaries(schema, workload, { services: 60 });
    expect(s.services.length).toBeLessThan(60);
    expect(s.notes).toEqual([expect.stringMatching(/^could not reach 60 services: the evidence supports at most \d+/)]);
  });

  it('does not merge pinned services to reach a smaller count', () => {
    const pins = new Map([[key('orders'), 'sales'], [key('products'), 'catalog'], [key('payments'), 'billing']]);
    const s = suggestBoundaries(schema, workload, { services: 2, pins });
    expect(s.services.map((x) => x.name).sort()).toEqual(['billing', 'catalog', 'sales']);
    expect(s.notes).toEqual(['could not reach 2 services: 3 pinned services cannot be merged, so 3 remain']);
    const three = suggestBoundaries(schema, workload, { services: 3, pins });
    expect(three.services.map((x) => x.name).sort()).toEqual(['billing', 'catalog', 'sales']);
    expect(three.notes).toBeUndefined();
  });

  it('rejects a count that is not a positive whole number', () => {
    expect(() => suggestBoundaries(schema, workload, { services: 0 })).toThrow(DbsplitError);
    expect(() => suggestBoundaries(schema, workload, { services: 2.5 })).toThrow(/--services must be a whole number/);
  });
});
