import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { pathToFileURL } from 'node:url';
import pg from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCatalog } from '../../src/analyzers/catalog.js';
import { loadSchema } from '../../src/analyzers/inputs.js';
import { ready } from '../../src/analyzers/sql-parser.js';
import { loadWorkload } from '../../src/analyzers/workload/load-workload.js';
import { analyzeStatement, createResolver } from '../../src/analyzers/workload/query-shape.js';
import { generateCompositions, planCompositions, type CompositionEntry } from '../../src/generate/compositions/index.js';
import type { GenerateContext } from '../../src/generate/types.js';
import type { Plan } from '../../src/model/plan.js';
import { DOMAINS_JSON, SCHEMA_SQL, WORKLOAD_SQL, seedMonolith } from '../../fixtures/monolith-schema/seed.js';
import { createTestDatabase, databaseUrl, serverUrl, type TestDatabase } from '../helpers/pg.js';

/**
 * Every generated composition of the sample monolith runs against one database per service
 * (each holding only its own tables and the shared ones: other services' tables exist but are
 * EMPTY, so reading the wrong database gives wrong rows) and must return exactly the rows the
 * original query returns on the monolith.
 */

const SCALE = 0.2;

/**
 * The sample data at this scale has no rows for three of the workload's constants (no pending
 * refunds, no stale cart prices, no audit rows about order 42): these changes, made in the
 * monolith and in the owning service's database alike, give every comparison rows to compare,
 * including LEFT JOIN rows without a match (a NULL user and a user that does not exist).
 */
const FIXUPS: readonly { service: string; sql: string }[] = [
  { service: 'payments', sql: `UPDATE refunds SET status = 'pending' WHERE id % 3 = 0` },
  { service: 'cart', sql: `UPDATE cart_items SET unit_price = unit_price + 1 WHERE id % 2 = 0 AND cart_id IN (SELECT id FROM carts WHERE user_id = 31)` },
  {
    service: 'audit',
    sql: `INSERT INTO audit.audit_log (id, user_id, action, table_name, record_id, changes, created_at) VALUES
      (900001, 31, 'update', 'orders', 42, '{"status": ["paid", "packed"]}', '2025-03-01 10:00:00+00'),
      (900002, NULL, 'update', 'orders', 42, NULL, '2025-03-01 11:00:00+00'),
      (900003, 999999, 'delete', 'orders', 42, NULL, '2025-03-01 12:00:00+00')`,
  },
];

/**
 * Queries beyond the sample's, for what it does not exercise: ordering in memory (text,
 * numeric, enum and timestamp columns, NULLS FIRST / LAST, OFFSET), character(n) keys across
 * services, a part fetched first from the non-driving service, LEFT JOINs chained inside one
 * service's part, and a shared table joined inside a part.
 */
const EXTRA_QUERIES: readonly string[] = [
  `SELECT t.id, u.email, lower(t.subject) AS subject FROM support_tickets t JOIN users u ON u.id = t.user_id WHERE t.status <> 'closed' ORDER BY u.email DESC NULLS LAST, t.id LIMIT 7 OFFSET 3`,
  `SELECT p.id, p.amount, o.order_number FROM payments p LEFT JOIN orders o ON o.id = p.order_id WHERE p.amount BETWEEN 10 AND 200.5 ORDER BY o.order_number NULLS FIRST, p.id OFFSET 2`,
  `SELECT oi.id, p.price, p.name FROM order_items oi JOIN products p ON p.id = oi.product_id WHERE oi.order_id < 60 ORDER BY p.price DESC, oi.id LIMIT 15`,
  `SELECT s.id, o.status FROM shipments s JOIN orders o ON o.id = s.order_id WHERE s.carrier_id IN (1, 2) ORDER BY o.status DESC, s.id LIMIT 20`,
  `SELECT r.id, u.created_at FROM reviews r JOIN users u ON u.id = r.user_id WHERE r.rating >= 4 ORDER BY u.created_at DESC, r.id LIMIT 25`,
  `SELECT a.id, a.country_code, w.code FROM addresses a JOIN warehouses w ON w.country_code = a.country_code WHERE a.user_id < 40`,
  `SELECT p.id, o.order_number FROM payments p JOIN orders o ON o.id = p.order_id WHERE o.order_number = 'SW-0000042'`,
  `SELECT oi.id, p.name, b.name AS brand, c.name AS brand_country FROM order_items oi JOIN products p ON p.id = oi.product_id LEFT JOIN brands b ON b.id = p.brand_id LEFT JOIN countries c ON c.code = b.country_code WHERE oi.order_id = 42`,
  `SELECT t.id, u.email, up.display_name FROM support_tickets t LEFT JOIN users u ON u.id = t.user_id LEFT JOIN user_profiles up ON up.user_id = u.id WHERE t.priority <= 2`,
  `SELECT * FROM invoices i JOIN orders o ON o.id = i.order_id WHERE i.order_id BETWEEN 40 AND 60 ORDER BY i.id`,
];

interface DomainsFile {
  domains: Record<string, string[]>;
  reference: string[];
}

async function admin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: serverUrl() });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

async function connect(url: string): Promise<pg.Client> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  return c;
}

/** A value as the comparison sees it: dates by instant, bytes by hex, the rest as JSON. */
function canonicalRow(row: Record<string, unknown>): string {
  const keys = Object.keys(row).sort();
  return JSON.stringify(
    keys.map((k) => {
      const v = row[k];
      if (v instanceof Date) return [k, `date:${v.toISOString()}`];
      if (Buffer.isBuffer(v)) return [k, `bytes:${v.toString('hex')}`];
      return [k, v === undefined ? 'undefined' : v];
    }),
  );
}

describe('generated compositions on the sample monolith', () => {
  let template: TestDatabase | undefined;
  const clones: string[] = [];
  const clients = new Map<string, pg.Client>();
  let monolith: pg.Client;
  let ctx: GenerateContext;
  let entries: CompositionEntry[];
  let outDir: string;
  let sampleIds: Set<string>;

  beforeAll(async () => {
    await ready();
    const domains = JSON.parse(await readFile(DOMAINS_JSON, 'utf8')) as DomainsFile;
    const schema = await loadSchema({ ddl: [SCHEMA_SQL], searchPath: ['public'], infer: true });
    const sample = await loadWorkload([WORKLOAD_SQL], { schema });
    sampleIds = new Set(sample.queries.map((q) => q.id));
    const resolver = createResolver(schema, ['public']);
    const extra = EXTRA_QUERIES.map((sql) => ({ ...analyzeStatement(sql, undefined, resolver), calls: 10, sources: ['test'] }));
    const workload = { ...sample, queries: [...sample.queries, ...extra] };
    const plan: Plan = {
      version: 1,
      services: Object.entries(domains.domains).map(([name, tables]) => ({ name, tables, target: { isolation: 'database' } })),
      shared: domains.reference,
      unassigned: [],
    };
    ctx = { schema, workload, plan, catalog: buildCatalog(schema, workload, plan), serviceSchemaName: () => undefined };
    entries = planCompositions(ctx);

    // One database with the schema, cloned for the monolith and for every service.
    const base = await createTestDatabase('compo_tpl');
    template = base;
    await base.exec(await readFile(SCHEMA_SQL, 'utf8'));
    const clone = async (name: string): Promise<string> => {
      const db = `${base.name}_${name}`;
      await admin((c) => c.query(`CREATE DATABASE "${db}" TEMPLATE "${base.name}"`));
      clones.push(db);
      return databaseUrl(db);
    };
    monolith = await connect(await clone('monolith'));
    await seedMonolith(monolith, { scale: SCALE, seed: 11 });

    for (const service of plan.services) {
      const client = await connect(await clone(service.name));
      clients.set(service.name, client);
      // Foreign keys to other services' (empty) tables must not refuse the copy.
      await client.query(`SET session_replication_role = replica`);
      for (const table of [...service.tables, ...plan.shared]) {
        await pipeline(monolith.query(copyTo(`COPY (SELECT * FROM ${table}) TO STDOUT`)), client.query(copyFrom(`COPY ${table} FROM STDIN`)));
      }
      await client.query(`RESET session_replication_role`);
    }
    for (const f of FIXUPS) {
      await monolith.query(f.sql);
      await clients.get(f.service)!.query(f.sql);
    }

    outDir = await mkdtemp(join(tmpdir(), 'dbsplit-compositions-'));
    for (const f of generateCompositions(ctx)) {
      const file = join(outDir, f.path);
      await mkdir(dirname(file), { recursive: true });
      await writeFile(file, f.content);
    }
  });

  afterAll(async () => {
    await monolith?.end();
    for (const c of clients.values()) await c.end();
    for (const db of clones) await admin((c) => c.query(`DROP DATABASE IF EXISTS "${db}" WITH (FORCE)`));
    await template?.drop();
    if (outDir) await rm(outDir, { recursive: true, force: true });
  });

  it('composes most cross-boundary join queries of the sample and stubs the rest with a reason', () => {
    const ofSample = entries.filter((e) => sampleIds.has(e.query.id));
    const composed = ofSample.filter((e) => e.plan.kind === 'composed');
    const stubs = ofSample.filter((e) => e.plan.kind === 'stub');
    expect(ofSample.length).toBeGreaterThanOrEqual(25);
    // Every extra query composes.
    expect(entries.filter((e) => !sampleIds.has(e.query.id)).map((e) => (e.plan.kind === 'stub' ? e.plan.reason : 'composed'))).toEqual(EXTRA_QUERIES.map(() => 'composed'));
    expect(composed.length).toBeGreaterThanOrEqual(15);
    for (const s of stubs) expect(s.plan.kind === 'stub' && s.plan.reason.length).toBeGreaterThan(10);
    // Writes, aggregates and subqueries across the boundary are the stubs.
    const reasons = stubs.map((s) => (s.plan.kind === 'stub' ? s.plan.reason : ''));
    expect(reasons.filter((r) => r.startsWith('it is a write')).length).toBeGreaterThanOrEqual(4);
    expect(reasons.some((r) => r.includes('GROUP BY'))).toBe(true);
    expect(reasons.some((r) => r.includes('subquery'))).toBe(true);
    console.info(
      `sample: ${composed.length} composed, ${stubs.length} stubs of ${ofSample.length} cross-boundary join queries\n` +
        stubs.map((s) => `  stub ${s.path}: ${s.plan.kind === 'stub' ? s.plan.reason : ''}`).join('\n'),
    );
  });

  it('every composition returns exactly the rows of the original query on the monolith', async () => {
    const mismatches: string[] = [];
    let withRows = 0;
    let ordered = 0;
    const composed = entries.filter((e) => e.plan.kind === 'composed');
    for (const e of composed) {
      const mod = (await import(pathToFileURL(join(outDir, e.path)).href)) as Record<string, unknown>;
      const fn = mod[e.functionName] as (db: Record<string, pg.Client>, params?: Record<string, unknown>) => Promise<Record<string, unknown>[]>;
      expect(typeof fn, e.path).toBe('function');
      const db = Object.fromEntries(e.plan.services.map((s) => [s, clients.get(s)!]));
      const got = await fn(db);
      const plan = e.plan.kind === 'composed' ? e.plan : undefined;
      const sorts = plan?.model.sorts ?? [];
      // The monolith also returns the ORDER BY values, so that ties are known: rows must come
      // in the same order up to reordering within a run of equal sort keys.
      const sql = sorts.length === 0 ? e.query.sql : e.query.sql.replace(/^\s*select\b/i, `SELECT ${sorts.map((x, i) => `${x.expr.text} AS __sort_${i}`).join(', ')},`);
      const raw = (await monolith.query(sql)).rows as Record<string, unknown>[];
      if (raw.length > 0) withRows++;
      const groups: Record<string, unknown>[][] = [];
      let previous: string | undefined;
      for (const row of raw) {
        const key = JSON.stringify(sorts.map((_, i) => row[`__sort_${i}`] ?? null));
        const clean = Object.fromEntries(Object.entries(row).filter(([k]) => !k.startsWith('__sort_')));
        if (groups.length === 0 || key !== previous) groups.push([]);
        groups[groups.length - 1]!.push(clean);
        previous = key;
      }
      const limit = (plan?.model.limit?.A_Const as { ival?: { ival?: number } } | undefined)?.ival?.ival;
      const limited = limit !== undefined && raw.length === limit;
      let at = 0;
      groups.forEach((group, gi) => {
        const mine = got.slice(at, at + group.length).map(canonicalRow).sort();
        const theirs = group.map(canonicalRow).sort();
        at += group.length;
        // LIMIT may cut the last run of ties anywhere: any of the tied rows is a correct answer.
        const cut = limited && gi === groups.length - 1 && sorts.length > 0;
        if (mine.length !== theirs.length || (!cut && JSON.stringify(mine) !== JSON.stringify(theirs))) {
          mismatches.push(`${e.path}: rows differ at rows ${at - group.length}..${at - 1} (${got.length} composed vs ${raw.length} on the monolith)`);
        }
      });
      if (got.length !== raw.length) mismatches.push(`${e.path}: ${got.length} rows composed vs ${raw.length} on the monolith`);
      if (sorts.length > 0) ordered++;
    }
    expect(mismatches).toEqual([]);
    // No comparison is of two empty results.
    expect(withRows).toBe(composed.length);
    console.info(`compared ${composed.length} compositions (${withRows} non-empty, ${ordered} checked for order)`);
  });
});
