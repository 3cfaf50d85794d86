import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { DOMAINS_JSON, SCHEMA_SQL, WORKLOAD_SQL } from '../../fixtures/monolith-schema/paths.js';
import { loadDdlSchema } from '../../src/analyzers/ddl/load-ddl.js';
import { inferRelations } from '../../src/analyzers/infer-relations.js';
import { adjustedRandIndex, labelsOf } from '../../src/analyzers/suggest/rand-index.js';
import { suggestBoundaries, type Suggestion } from '../../src/analyzers/suggest/suggest.js';
import { loadWorkload } from '../../src/analyzers/workload/load-workload.js';
import type { SchemaModel } from '../../src/model/schema.js';
import type { Workload } from '../../src/model/workload.js';

/**
 * The suggestion on the sample monolith (fixtures/monolith-schema), against the domains its
 * author wrote down before any clustering (domains.json).
 *
 * "Recovers the domains", as fixed before the first run: over the tables domains.json puts in
 * a domain (reference tables left out), the adjusted Rand index between the suggested services
 * (a shared or unassigned table counting as a cluster of its own) and the domains is at least
 * 0.7; and the core pairs orders/order_items, products/product_variants, users/user_profiles,
 * payments/refunds each land in one service, the four pairs in four different services (they
 * are four different domains).
 */
interface Domains {
  readonly domains: Readonly<Record<string, readonly string[]>>;
  readonly reference: readonly string[];
}

const CORE_PAIRS = [
  ['public.orders', 'public.order_items'],
  ['public.products', 'public.product_variants'],
  ['public.users', 'public.user_profiles'],
  ['public.payments', 'public.refunds'],
] as const;

function suggestionLabels(s: Suggestion): Map<string, string> {
  const out = labelsOf(s.services.map((x) => [x.name, x.tables] as const));
  for (const x of [...s.shared, ...s.unassigned]) out.set(x.table, `alone:${x.table}`);
  return out;
}

describe('suggestBoundaries on the sample monolith', () => {
  let schema: SchemaModel;
  let workload: Workload;
  let expected: Domains;
  let suggestion: Suggestion;

  beforeAll(async () => {
    schema = inferRelations(await loadDdlSchema([SCHEMA_SQL], { searchPath: ['public'] }));
    workload = await loadWorkload([WORKLOAD_SQL], { schema, searchPath: ['public'] });
    expected = JSON.parse(readFileSync(DOMAINS_JSON, 'utf8')) as Domains;
    suggestion = suggestBoundaries(schema, workload);
  });

  it('reads the fixture: every table domains.json names is in the schema, and the core pairs are in four domains', () => {
    const tables = new Set(schema.tables.map((t) => `${t.schema}.${t.name}`));
    const named = [...Object.values(expected.domains).flat(), ...expected.reference];
    for (const t of named) expect(tables.has(t), t).toBe(true);
    expect(workload.queries.length).toBeGreaterThan(20);
    const domainOf = labelsOf(Object.entries(expected.domains));
    const coreDomains = CORE_PAIRS.map(([a, b]) => {
      expect(domainOf.get(a)).toBe(domainOf.get(b));
      return domainOf.get(a);
    });
    expect(new Set(coreDomains).size).toBe(4);
  });

  it('recovers the intended domains (adjusted Rand index at least 0.7)', () => {
    const ari = adjustedRandIndex(labelsOf(Object.entries(expected.domains)), suggestionLabels(suggestion));
    expect(ari).toBeGreaterThanOrEqual(0.7);
  });

  it('keeps each core pair together, the four pairs in four services', () => {
    const serviceOf = suggestionLabels(suggestion);
    for (const [a, b] of CORE_PAIRS) expect(serviceOf.get(a), `${a} with ${b}`).toBe(serviceOf.get(b));
    expect(new Set(CORE_PAIRS.map(([a]) => serviceOf.get(a))).size).toBe(4);
  });

  it('places every table once, with a reason, under valid unique names', () => {
    const placed = [...suggestion.services.flatMap((s) => s.tables), ...suggestion.shared.map((x) => x.table), ...suggestion.unassigned.map((x) => x.table)];
    expect(placed.sort()).toEqual(schema.tables.map((t) => `${t.schema}.${t.name}`).sort());
    const names = suggestion.services.map((s) => s.name);
    expect(new Set(names).size).toBe(names.length);
    for (const s of suggestion.services) {
      expect(s.name).toMatch(/^[a-z][a-z0-9_]*$/);
      for (const p of s.placements) expect(p.reason).toMatch(/\S/);
    }
    expect(suggestion.coupling.suggested.foreignKeys).toBeLessThan(suggestion.coupling.onePerTable.foreignKeys / 2);
  });
});
