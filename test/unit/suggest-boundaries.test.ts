import { describe, expect, it } from 'vitest';
import { adjustedRandIndex, labelsOf } from '../../src/analyzers/suggest/rand-index.js';
import { couplingOf, suggestBoundaries, suggestionToPlan, type Suggestion } from '../../src/analyzers/suggest/suggest.js';
import { emptyWorkload } from '../../src/model/workload.js';
import { DOMAINS, key, plantedSchema, plantedWorkload } from '../helpers/planted-monolith.js';

const schema = plantedSchema();
const workload = plantedWorkload();
const serviceOf = (s: Suggestion, table: string) => s.services.find((x) => x.tables.includes(key(table)))?.name;

describe('suggestBoundaries on planted domains', () => {
  const s = suggestBoundaries(schema, workload);

  it('recovers the planted domains', () => {
    const planted = labelsOf(Object.entries(DOMAINS).map(([d, ts]) => [d, ts.map(key)] as const));
    const found = labelsOf(s.services.map((x) => [x.name, x.tables] as const));
    expect(adjustedRandIndex(planted, found)).toBe(1);
    expect(s.services).toHaveLength(4);
  });

  it('places the hub by its name, not wherever the references pull it', () => {
    expect(serviceOf(s, 'users')).toBe(serviceOf(s, 'user_profiles'));
    const users = s.services.flatMap((x) => x.placements).find((p) => p.table === key('users'))!;
    expect(users.reason).toMatch(/^hub referenced by 7 tables in \d+ clusters; placed with the tables sharing its name stem 'user'/);
  });

  it('shares reference lists used by many domains, and keeps a lookup with its domain', () => {
    expect(s.shared.map((x) => x.table)).toEqual([key('countries'), key('currencies')]);
    expect(s.shared[0]!.reason).toMatch(/^reference table \(3 columns, never written\) used by 4 tables in 4 clusters$/);
    expect(serviceOf(s, 'order_statuses')).toBe(serviceOf(s, 'orders'));
  });

  it('places an unconnected table by its name stem, and leaves the rest unassigned with a reason', () => {
    expect(serviceOf(s, 'product_import_jobs')).toBe(serviceOf(s, 'products'));
    const jobs = s.services.flatMap((x) => x.placements).find((p) => p.table === key('product_import_jobs'))!;
    expect(jobs.reason).toBe("no foreign keys, joins or writes with other tables; shares the name stem 'product' with products");
    expect(s.unassigned).toEqual([
      { table: key('audit_entries'), reason: 'no foreign keys, joins or writes with any table; shares a name only with other unconnected tables (audit_exports)' },
      { table: key('audit_exports'), reason: 'no foreign keys, joins or writes with any table; shares a name only with other unconnected tables (audit_entries)' },
      { table: key('feature_flags'), reason: 'no foreign keys, joins or shared name with any table' },
    ]);
  });

  it('accounts for every table exactly once, each with a one-line reason', () => {
    const all = [...s.services.flatMap((x) => x.tables), ...s.shared.map((x) => x.table), ...s.unassigned.map((x) => x.table)].sort();
    expect(all).toEqual(schema.tables.map((t) => key(t.name)).sort());
    for (const svc of s.services) {
      expect(svc.placements.map((p) => p.table)).toEqual(svc.tables);
      for (const p of svc.placements) {
        expect(p.service).toBe(svc.name);
        expect(p.reason.length).toBeGreaterThan(5);
        expect(p.reason).not.toContain('\n');
      }
    }
    for (const x of [...s.shared, ...s.unassigned]) expect(x.reason.length).toBeGreaterThan(5);
  });

  it('names the strongest evidence', () => {
    const reasons = new Map(s.services.flatMap((x) => x.placements).map((p) => [p.table, p.reason]));
    expect(reasons.get(key('order_items'))).toBe('FK order_items.order_id → orders.id');
    expect(reasons.get(key('refunds'))).toBe('FK refunds.payment_id → payments.id (inferred)');
    expect(reasons.get(key('user_profiles'))).toBe('written with users in the same transaction (once)');
  });

  it('names services after their dominant subject, valid and unique', () => {
    const names = s.services.map((x) => x.name);
    expect(names).toEqual(['orders', 'payments', 'products', 'users']);
    for (const n of names) expect(n).toMatch(/^[a-z][a-z0-9_]*$/);
  });

  it('is reproducible for a seed', () => {
    expect(suggestBoundaries(schema, workload)).toEqual(s);
    expect(suggestBoundaries(schema, workload, { seed: 99 })).toEqual(suggestBoundaries(schema, workload, { seed: 99 }));
  });

  it('reports coupling as analyze --plan counts it, between the two extremes', () => {
    expect(s.coupling.suggested).toEqual(couplingOf(schema, workload, suggestionToPlan(s)));
    expect(s.coupling.allInOne).toEqual({ foreignKeys: 0, joins: 0, joinCalls: 0, multiServiceWrites: 0, services: 1 });
    const fksBetweenTables = schema.foreignKeys.filter((f) => f.from.table !== f.to.table).length;
    expect(s.coupling.onePerTable).toEqual({ foreignKeys: fksBetweenTables, joins: 11, joinCalls: 56_900, multiServiceWrites: 3, services: schema.tables.length });
    // Cross-boundary: orders→users, payments→orders/users, reviews→users, payment_methods→users, order_items→product_variants.
    expect(s.coupling.suggested).toMatchObject({ foreignKeys: 6, multiServiceWrites: 0, services: 4 });
    expect(s.coupling.suggested.joinCalls).toBeLessThan(s.coupling.onePerTable.joinCalls / 5);
  });

  it('turns into a plan with the same services, shared and unassigned tables', () => {
    const plan = suggestionToPlan(s);
    expect(plan.version).toBe(1);
    expect(plan.services.map((x) => x.name)).toEqual(s.services.map((x) => x.name));
    expect(plan.shared).toEqual([key('countries'), key('currencies')]);
    expect(plan.unassigned).toHaveLength(3);
  });

  it('works from the schema alone', () => {
    const bare = suggestBoundaries(schema, emptyWorkload());
    expect(serviceOf(bare, 'order_items')).toBe(serviceOf(bare, 'orders'));
    expect(serviceOf(bare, 'refunds')).toBe(serviceOf(bare, 'payments'));
    expect(serviceOf(bare, 'users')).toBe(serviceOf(bare, 'user_sessions'));
  });
});
