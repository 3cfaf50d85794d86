import { describe, expect, it } from 'vitest';
import { DbsplitError } from '../../src/errors.js';
import { suggestBoundaries, type Suggestion } from '../../src/analyzers/suggest/suggest.js';
import { key, plantedSchema, plantedWorkload } from '../helpers/planted-monolith.js';

const schema = plantedSchema();
const workload = plantedWorkload();
const serviceOf = (s: Suggestion, table: string) => s.services.find((x) => x.tables.includes(key(table)))?.name;
const reasonOf = (s: Suggestion, table: string) => s.services.flatMap((x) => x.placements).find((p) => p.table === key(table))?.reason;

describe('suggestBoundaries with pins', () => {
  it('gives a pinned table its service, and the service its cluster', () => {
    const s = suggestBoundaries(schema, workload, { pins: new Map([[key('products'), 'catalog']]) });
    expect(serviceOf(s, 'products')).toBe('catalog');
    expect(reasonOf(s, 'products')).toBe('pinned');
    for (const t of ['product_variants', 'product_images', 'categories', 'product_import_jobs']) expect(serviceOf(s, t)).toBe('catalog');
    expect(s.services.map((x) => x.name)).not.toContain('products');
  });

  it('never merges two pinned services, even tightly coupled tables', () => {
    const s = suggestBoundaries(schema, workload, { pins: new Map([[key('orders'), 'sales'], [key('order_items'), 'fulfilment']]) });
    expect(serviceOf(s, 'orders')).toBe('sales');
    expect(serviceOf(s, 'order_items')).toBe('fulfilment');
    // The rest of the ordering domain follows the pinned table it is tied to most.
    expect(serviceOf(s, 'order_status_history')).toBe('sales');
  });

  it('keeps pins of one service together even when nothing ties them', () => {
    const s = suggestBoundaries(schema, workload, { pins: new Map([[key('feature_flags'), 'platform'], [key('refunds'), 'platform']]) });
    expect(serviceOf(s, 'feature_flags')).toBe('platform');
    expect(serviceOf(s, 'refunds')).toBe('platform');
    expect(s.unassigned.map((x) => x.table)).not.toContain(key('feature_flags'));
  });

  it('treats fixed tables like pins, and lets a pin win over a fixed entry', () => {
    const fixed = new Map([[key('users'), 'accounts'], [key('payments'), 'money']]);
    const s = suggestBoundaries(schema, workload, { fixed, pins: new Map([[key('payments'), 'billing']]) });
    expect(serviceOf(s, 'users')).toBe('accounts');
    expect(serviceOf(s, 'user_sessions')).toBe('accounts');
    expect(serviceOf(s, 'payments')).toBe('billing');
    expect(serviceOf(s, 'refunds')).toBe('billing');
    expect(s.services.map((x) => x.name)).not.toContain('money');
  });

  it('does not hand a pinned service name to an unpinned cluster', () => {
    // Pinning an ordering table to "products" must not leave the catalog cluster also called "products".
    const s = suggestBoundaries(schema, workload, { pins: new Map([[key('orders'), 'products']]) });
    const names = s.services.map((x) => x.name);
    expect(new Set(names).size).toBe(names.length);
    expect(serviceOf(s, 'orders')).toBe('products');
    expect(serviceOf(s, 'product_variants')).not.toBe('products');
  });

  it('rejects a pin on a table the schema does not have, and an invalid service name', () => {
    const unknown = () => suggestBoundaries(schema, workload, { pins: new Map([['public.nope', 'x']]) });
    expect(unknown).toThrow(DbsplitError);
    expect(unknown).toThrow(/pinned table "public.nope" is not in the schema/);
    try {
      unknown();
    } catch (e) {
      expect((e as DbsplitError).code).toBe('E_UNKNOWN_TABLE');
    }
    expect(() => suggestBoundaries(schema, workload, { pins: new Map([[key('orders'), 'Bad Name']]) })).toThrow(/service name "Bad Name"/);
  });
});
