import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Plan } from '../../src/model/plan.js';
import { parsePlanText } from '../../src/plan/load-plan.js';
import { resolvePlan } from '../../src/plan/resolve-plan.js';
import { starterPlan, urlForPlan } from '../../src/plan/starter-plan.js';
import { applyPlanToText, writePlanFile, type PlanUpdate } from '../../src/plan/write-plan.js';
import { col, schemaOf, table } from '../helpers/model.js';

const schema = schemaOf([
  table('users', [col('id')]),
  table('orders', [col('id')]),
  table('order_items', [col('id')]),
  table('order_audit', [col('id')]),
  table('products', [col('id')]),
  table('countries', [col('id')]),
  { ...table('events', [col('id')]), schema: 'audit' },
]);
const P = (n: string) => `public.${n}`;

const existing = `# Our plan. Keep this comment.
version: 1
monolith:
  url: \${MONOLITH_URL} # from the vault
  searchPath: [public]
workload: [pg_stat_statements]
services:
  # identity owns the people tables
  identity:
    description: people and logins
    tables: [users]
    target:
      url: \${IDENTITY_URL}
      isolation: schema
  ordering:
    tables: [order_*, orders]
    pin: [orders]
    target:
      isolation: database
  catalog:
    tables: [products]
shared: [countries]
unassigned: [audit.*]
transport:
  kind: kafka # switched in March
  brokers: [kafka:9092]
cutover:
  bakeDays: 14
`;
const env = { MONOLITH_URL: 'postgres://x@h/db', IDENTITY_URL: 'postgres://x@h/id' };

function previousOf(text: string) {
  return resolvePlan(parsePlanText(text, 'dbsplit.yaml', env), schema);
}

function resolved(text: string) {
  return resolvePlan(parsePlanText(text, 'dbsplit.yaml', env), schema);
}

function update(plan: Omit<Plan, 'version'>, pins: [string, string][], extra: Partial<PlanUpdate> = {}): PlanUpdate {
  return { plan: { version: 1, ...plan }, pins: new Map(pins), schema, previous: previousOf(existing), ...extra };
}

describe('applyPlanToText', () => {
  it('replaces the services and keeps everything else, comments included', () => {
    const out = applyPlanToText(
      existing,
      update(
        {
          services: [
            { name: 'identity', tables: [P('users'), P('countries')] },
            { name: 'billing', tables: [P('products')] },
          ],
          shared: [],
          unassigned: [P('orders'), P('order_items'), P('order_audit'), 'audit.events'],
        },
        [[P('countries'), 'identity']],
      ),
    );
    for (const kept of ['# Our plan. Keep this comment.', '# from the vault', '# identity owns the people tables', 'description: people and logins', 'url: ${IDENTITY_URL}', 'isolation: schema', 'kind: kafka # switched in March', 'bakeDays: 14', 'workload: [pg_stat_statements]']) {
      expect(out).toContain(kept);
    }
    expect(out).not.toMatch(/ordering:|catalog:/);
    expect(out).toMatch(/identity:[\s\S]*tables: \[users, countries\][\s\S]*pin: \[countries\]/);
    expect(out).toContain('billing:\n    tables: [products]');
    expect(out).toContain('shared: []');
    const r = resolved(out);
    expect(r.plan.services.map((s) => [s.name, s.tables])).toEqual([
      ['identity', [P('countries'), P('users')]],
      ['billing', [P('products')]],
    ]);
    expect(r.plan.services[0]!.target).toEqual({ isolation: 'schema', url: 'postgres://x@h/id' });
    expect(r.pins).toEqual(new Map([[P('countries'), 'identity']]));
    expect(parsePlanText(out, 'x', env).transport).toEqual({ kind: 'kafka', brokers: ['kafka:9092'], topicPrefix: 'dbsplit' });
  });

  it('keeps the lists (and their globs) of services that did not change', () => {
    const prev = previousOf(existing);
    const out = applyPlanToText(existing, update({ services: prev.plan.services, shared: prev.plan.shared, unassigned: prev.plan.unassigned }, [...prev.pins]));
    expect(out).toBe(existing);
  });

  it('writes explicit lists when a kept glob would catch a table that moved', () => {
    const prev = previousOf(existing);
    // order_audit leaves ordering for unassigned; `order_*` in ordering would still catch it
    // were the list kept, and `unassigned: [audit.*]` changes too.
    const services = prev.plan.services.map((s) => (s.name === 'ordering' ? { ...s, tables: s.tables.filter((t) => t !== P('order_audit')) } : s));
    const out = applyPlanToText(existing, update({ services, shared: prev.plan.shared, unassigned: [...prev.plan.unassigned, P('order_audit')] }, [...prev.pins]));
    const r = resolved(out);
    expect(r.plan.services.find((s) => s.name === 'ordering')!.tables).toEqual([P('order_items'), P('orders')]);
    expect(r.plan.unassigned).toEqual(['audit.events', P('order_audit')]);
    expect(out).toContain('tables: [order_items, orders]');
  });

  it('renames a service in place so it keeps its target and comments', () => {
    const prev = previousOf(existing);
    const services = prev.plan.services.map((s) => (s.name === 'identity' ? { ...s, name: 'accounts' } : s));
    const out = applyPlanToText(existing, update({ services, shared: prev.plan.shared, unassigned: prev.plan.unassigned }, [...prev.pins], { renamed: new Map([['accounts', 'identity']]) }));
    expect(out).toContain('# identity owns the people tables\n  accounts:\n    description: people and logins');
    expect(resolved(out).plan.services[0]).toMatchObject({ name: 'accounts', tables: [P('users')], target: { isolation: 'schema' } });
  });

  it('writes pins and removes pins that are gone', () => {
    const prev = previousOf(existing);
    const out = applyPlanToText(existing, update({ services: prev.plan.services, shared: prev.plan.shared, unassigned: prev.plan.unassigned }, [[P('users'), 'identity']]));
    const r = resolved(out);
    expect(r.pins).toEqual(new Map([[P('users'), 'identity']]));
    expect(out).not.toContain('pin: [orders]');
  });

  it('qualifies names the search path does not find, and lists long ones one a line', () => {
    const many = schemaOf(Array.from({ length: 12 }, (_, i) => table(`a_rather_long_table_name_${i}`, [col('id')])).concat([{ ...table('users', [col('id')]), schema: 'crm' }, table('users', [col('id')])]));
    const out = applyPlanToText('version: 1\nservices: {}\n', {
      plan: { version: 1, services: [{ name: 'big', tables: many.tables.map((t) => `${t.schema}.${t.name}`) }], shared: [], unassigned: [] },
      pins: new Map(),
      schema: many,
    });
    expect(out).toContain('\n      - crm.users\n');
    expect(out).toContain('\n      - users\n');
    expect(out).not.toContain('shared');
    expect(resolvePlan(parsePlanText(out, 'x', {}), many).plan.services[0]!.tables).toHaveLength(14);
  });

  it('refuses to edit a file that is not valid YAML', () => {
    expect(() => applyPlanToText('version: 1\nservices: [\n', update({ services: [], shared: [], unassigned: [] }, []))).toThrow(/invalid YAML/);
  });
});

describe('starter plan', () => {
  it('is a valid plan with empty services, every section commented', () => {
    const { text, env: vars } = starterPlan();
    const plan = parsePlanText(text, 'dbsplit.yaml', { MONOLITH_URL: 'postgres://u@h/db' });
    expect(plan.services).toEqual({});
    expect(plan.monolith?.url).toBe('postgres://u@h/db');
    expect(plan.transport).toEqual({ kind: 'direct' });
    expect(plan.cutover).toEqual({ maxLagSeconds: 5, maxLagBytes: 16777216, bakeDays: 7, requireCleanDiffWithinHours: 24 });
    expect(vars).toEqual(['MONOLITH_URL']);
    for (const key of ['#   kind: kafka', 'target:', 'isolation: database', 'pin: [orders]', '${ORDERS_DATABASE_URL}']) expect(text).toContain(key);
  });

  it('gets its services filled in, comments kept', () => {
    const { text } = starterPlan({ ddl: ['schema.sql'], suggested: true });
    const out = applyPlanToText(text, { plan: { version: 1, services: [{ name: 'shop', tables: [P('orders'), P('users')] }], shared: [P('countries')], unassigned: [] }, pins: new Map([[P('orders'), 'shop']]), schema });
    expect(out).toContain('\n# Small reference tables');
    expect(out).toContain('\n\n# Safety limits checked before every cutover phase.\ncutover:\n');
    expect(out).toContain('services:\n  shop:\n    tables: [orders, users]\n    pin: [orders]\n');
    const plan = parsePlanText(out, 'x', {});
    expect(plan.monolith).toEqual({ ddl: ['schema.sql'], searchPath: ['public'] });
    expect(plan.workload).toEqual([]);
    expect(plan.shared).toEqual(['countries']);
  });

  it.each([
    [undefined, '${MONOLITH_URL}', ['MONOLITH_URL']],
    ['postgres://app@db.internal:5432/shop', 'postgres://app@db.internal:5432/shop', []],
    ['postgres://app:s3cr%40t@db.internal:5432/shop?sslmode=require', 'postgres://app:${MONOLITH_PASSWORD}@db.internal:5432/shop?sslmode=require', ['MONOLITH_PASSWORD']],
    ['postgres://db/shop?user=app&password=hunter22', 'postgres://db/shop?user=app&password=${MONOLITH_PASSWORD}', ['MONOLITH_PASSWORD']],
  ])('never writes a password: %s', (url, written, vars) => {
    expect(urlForPlan(url)).toEqual({ url: written, env: vars });
    const { text } = starterPlan({ url });
    expect(text).toContain(`url: ${written}`);
    expect(text).not.toMatch(/s3cr|hunter22/);
  });

  it('writes a new file from the starter and updates it in place the next time', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dbsplit-write-'));
    const path = join(dir, 'dbsplit.yaml');
    const u: PlanUpdate = { plan: { version: 1, services: [{ name: 'shop', tables: [P('orders')] }], shared: [], unassigned: [] }, pins: new Map(), schema };
    expect(await writePlanFile(path, u, () => starterPlan({ ddl: ['s.sql'] }).text)).toEqual({ created: true });
    writeFileSync(path, readFileSync(path, 'utf8').replace('version: 1', 'version: 1 # mine'));
    expect(await writePlanFile(path, { ...u, plan: { ...u.plan, services: [{ name: 'shop', tables: [P('users')] }] } }, () => 'unused')).toEqual({ created: false });
    const text = readFileSync(path, 'utf8');
    expect(text).toContain('version: 1 # mine');
    expect(text).toContain('tables: [users]');
  });
});
