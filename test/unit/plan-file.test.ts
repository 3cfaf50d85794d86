import { describe, expect, it } from 'vitest';
import { DbsplitError } from '../../src/errors.js';
import { parsePlanText } from '../../src/plan/load-plan.js';
import { resolvePlan } from '../../src/plan/resolve-plan.js';
import { redactSecrets } from '../../src/redact.js';
import { col, schemaOf, table } from '../helpers/model.js';

const schema = schemaOf([
  table('users', [col('id')]),
  table('orders', [col('id')]),
  table('order_items', [col('id')]),
  table('order_status_history', [col('id')]),
  table('products', [col('id')]),
  table('countries', [col('code', 'text')], ['code']),
  table('audit_log', [col('id')], ['id'], 'audit'),
]);

function errorOf(fn: () => unknown): DbsplitError {
  try {
    fn();
  } catch (e) {
    if (e instanceof DbsplitError) return e;
    throw e;
  }
  throw new Error('expected an error');
}

describe('plan file', () => {
  it('expands globs and qualified names, explicit names beating globs', () => {
    const file = parsePlanText(
      `version: 1
services:
  ordering:
    tables: ["order*"]
  history:
    tables: [order_status_history]
  identity:
    tables: [users, audit.*]
  catalog:
    tables: [products]
shared: [countries]
`,
      'dbsplit.yaml',
    );
    const { plan } = resolvePlan(file, schema);
    expect(plan.services.map((s) => [s.name, s.tables])).toEqual([
      ['ordering', ['public.order_items', 'public.orders']],
      ['history', ['public.order_status_history']],
      ['identity', ['audit.audit_log', 'public.users']],
      ['catalog', ['public.products']],
    ]);
    expect(plan.shared).toEqual(['public.countries']);
  });

  it('interpolates ${ENV} and masks the password it brings', () => {
    const file = parsePlanText(
      `version: 1
monolith:
  url: \${MONO_URL}
services:
  a:
    tables: [users]
    target: { url: "\${A_URL:-postgres://app:fallback-secret@localhost/a}", isolation: schema }
`,
      'dbsplit.yaml',
      { MONO_URL: 'postgres://admin:hunter2secret@db:5432/mono' },
    );
    expect(file.monolith?.url).toBe('postgres://admin:hunter2secret@db:5432/mono');
    expect(file.services.a?.target).toEqual({ url: 'postgres://app:fallback-secret@localhost/a', isolation: 'schema' });
    expect(redactSecrets('failed: hunter2secret')).toBe('failed: ***');
  });

  it.each([
    ['unknown table', 'version: 1\nservices:\n  a:\n    tables: [ordrs]\n', 'E_UNKNOWN_TABLE', /services\.a\.tables: unknown table "ordrs".*did you mean public\.orders/],
    ['glob matching nothing', 'version: 1\nservices:\n  a:\n    tables: ["zz*"]\n', 'E_UNKNOWN_TABLE', /pattern "zz\*" matches no table/],
    ['table owned twice', 'version: 1\nservices:\n  a:\n    tables: [users]\n  b:\n    tables: [users]\n', 'E_PLAN_INVALID', /public\.users is listed under both service a and service b/],
    ['shared and owned', 'version: 1\nservices:\n  a:\n    tables: [countries]\nshared: [countries]\n', 'E_PLAN_INVALID', /both service a and shared/],
    ['empty service', 'version: 1\nservices:\n  a:\n    tables: []\n', 'E_PLAN_INVALID', /services\.a owns no table/],
    ['wrong version', 'version: 2\nservices: {}\n', 'E_CONFIG_INVALID', /version: version must be 1/],
    ['unknown key', 'version: 1\nservics: {}\nservices: {}\n', 'E_CONFIG_INVALID', /Unrecognized key.*servics/],
    ['bad isolation', 'version: 1\nservices:\n  a:\n    tables: [users]\n    target: { isolation: cluster }\n', 'E_CONFIG_INVALID', /services\.a\.target\.isolation/],
    ['bad yaml', 'version: 1\nservices:\n  a: [\n', 'E_CONFIG_INVALID', /dbsplit\.yaml:\d+: invalid YAML/],
    ['missing env', 'version: 1\nmonolith:\n  url: ${NOPE_URL}\nservices: {}\n', 'E_CONFIG_INVALID', /monolith\.url: environment variable NOPE_URL is not set/],
    ['pin outside tables', 'version: 1\nservices:\n  a:\n    tables: [users]\n    pin: [orders]\n', 'E_PLAN_INVALID', /pinned to a but not among its tables/],
  ])('rejects %s with a clear message', (_name, text, code, message) => {
    const e = errorOf(() => resolvePlan(parsePlanText(text, 'dbsplit.yaml', {}), schema));
    expect(e.code).toBe(code);
    expect(e.exitCode).toBe(2);
    expect(e.oneLine()).toMatch(message);
    expect(e.oneLine()).not.toContain('\n');
  });
});
