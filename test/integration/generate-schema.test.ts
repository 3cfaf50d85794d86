import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import knexFactory from 'knex';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDdlSchema } from '../../src/analyzers/ddl/load-ddl.js';
import { inferRelations } from '../../src/analyzers/infer-relations.js';
import { loadWorkload } from '../../src/analyzers/workload/load-workload.js';
import { introspect } from '../../src/db/introspect.js';
import { buildGenerateContext } from '../../src/generate/context.js';
import { buildServiceDdl, renderSchemaSql, type ServiceDdl } from '../../src/generate/ddl/index.js';
import { generateAll } from '../../src/generate/generate.js';
import { writeOutputDir } from '../../src/generate/output-dir.js';
import type { Plan } from '../../src/model/plan.js';
import { tableKey, type SchemaModel, type Table } from '../../src/model/schema.js';
import { DOMAINS_JSON, loadMonolithSchema, SCHEMA_SQL, seedMonolith, WORKLOAD_SQL } from '../../fixtures/monolith-schema/seed.js';
import { createTestDatabase, type TestDatabase } from '../helpers/pg.js';

/**
 * The generated schemas on a real PostgreSQL: the sample monolith, seeded and introspected
 * live, split as domains.json says (orders with isolation schema in its own schema, audit with
 * isolation schema in a schema of another name, every other service isolation database).
 */

const SCHEMA_SERVICES: Record<string, string> = { orders: 'orders', audit: 'auditing' };

function samplePlan(): Plan {
  const domains = JSON.parse(readFileSync(DOMAINS_JSON, 'utf8')) as { domains: Record<string, string[]>; reference: string[] };
  return {
    version: 1,
    services: Object.entries(domains.domains).map(([name, tables]) => ({
      name,
      tables: [...tables].sort(),
      target: SCHEMA_SERVICES[name] !== undefined ? { isolation: 'schema' as const, schema: SCHEMA_SERVICES[name] } : { isolation: 'database' as const },
    })),
    shared: domains.reference,
    unassigned: [],
  };
}

async function withClient<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

const KNEX_TABLES = new Set(['knex_migrations', 'knex_migrations_lock']);
const QUALIFIERS = /\b(?:public|audit|orders|auditing)\./g;
const strip = (s: string | undefined): string | null => (s === undefined ? null : s.replace(QUALIFIERS, ''));

/**
 * A CHECK (or index predicate) reloaded from pg_get_expr() text is deparsed again with its casts placed differently
 * (`(ARRAY['a'::varchar])::text[]` comes back as `ARRAY[('a'::varchar)::text]`), as after any
 * pg_dump round trip: compare those without casts and parentheses.
 */
const CAST = /::(?:"[^"]+"|[a-z_][a-z0-9_]*)(?:\.(?:"[^"]+"|[a-z_][a-z0-9_]*))?(?:\s+(?:varying|precision|with(?:out)?\s+time\s+zone))*(?:\(\d+(?:,\d+)?\))?(?:\[\])*/g;
const withoutCasts = (s: string | null): string | null => (s === null ? null : s.replace(CAST, '').replace(/[()]/g, '').replace(/\s+/g, ' ').trim());

/** A table as comparable across the monolith and a service database: schema qualifiers removed. */
function projection(t: Table, referenceIndexes: ReadonlySet<string>) {
  return {
    name: t.name,
    columns: t.columns.map((c) => ({
      name: c.name,
      type: strip(c.type),
      nullable: c.nullable,
      default: strip(c.default),
      identity: c.identity ?? null,
      generated: strip(c.generated),
      collation: c.collation ?? null,
      // dbsplit appends where a reference points; the monolith's own comment must survive.
      comment: c.comment?.split('\n').filter((l) => !l.startsWith('references ')).join('\n') || null,
    })),
    primaryKey: t.primaryKey,
    primaryKeyName: t.primaryKeyName ?? null,
    uniqueKeys: t.uniqueKeys,
    checks: t.checks.map((c) => ({ name: c.name, expression: withoutCasts(strip(c.expression)) })),
    indexes: t.indexes
      .filter((i) => !referenceIndexes.has(i.name))
      .map((i) => ({ ...i, columns: i.columns.map((x) => strip(x)), predicate: withoutCasts(strip(i.predicate)) })),
    partitioning: t.partitioning ?? null,
    comment: t.comment ?? null,
  };
}

describe('generated schemas of the sample monolith', () => {
  let monolith: TestDatabase;
  let live: SchemaModel;
  let plan: Plan;
  let ddls: Map<string, ServiceDdl>;
  const databases: TestDatabase[] = [];
  const loaded = new Map<string, { db: TestDatabase; model: SchemaModel }>();
  let outDir: string;

  beforeAll(async () => {
    monolith = await createTestDatabase('gen_mono');
    await withClient(monolith.url, async (c) => {
      await loadMonolithSchema(c);
      await seedMonolith(c, { scale: 0.05 });
      live = inferRelations(await introspect(c));
    });
    plan = samplePlan();
    const ctx = buildGenerateContext({ schema: live, plan });
    ddls = new Map(plan.services.map((s) => [s.name, buildServiceDdl(ctx, s.name)]));
    outDir = mkdtempSync(join(tmpdir(), 'dbsplit-gen-'));
  });

  afterAll(async () => {
    for (const db of databases) await db.drop().catch(() => undefined);
    await monolith?.drop();
    if (outDir) rmSync(outDir, { recursive: true, force: true });
  });

  it('writes a schema.sql per service that loads into an empty database', async () => {
    expect(ddls.size).toBe(11);
    for (const [name, ddl] of ddls) {
      const db = await createTestDatabase(`gen_${name}`);
      databases.push(db);
      await db.exec(renderSchemaSql(ddl));
      const model = await withClient(db.url, (c) => introspect(c));
      loaded.set(name, { db, model });
      expect(model.tables.length, name).toBe(ddl.tables.length + ddl.sharedCopies.length);
    }
  });

  it('leaves no foreign key crossing services: every one points inside the service or at its shared copy', () => {
    let checked = 0;
    for (const [name, { model }] of loaded) {
      const local = new Set(model.tables.map((t) => tableKey(t)));
      const ddl = ddls.get(name)!;
      const expected = new Set([...ddl.tables, ...ddl.sharedCopies].map((k) => k.split('.')[1]));
      expect(new Set(model.tables.map((t) => t.name)), name).toEqual(expected);
      for (const fk of model.foreignKeys) {
        expect(local.has(tableKey({ schema: fk.to.schema, name: fk.to.table })), `${name}: ${fk.name}`).toBe(true);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(20);
    // The cross-boundary ones became references: orders keeps user_id, without a constraint.
    const orders = loaded.get('orders')!.model;
    expect(orders.foreignKeys.some((f) => f.from.table === 'orders' && f.from.columns.includes('user_id'))).toBe(false);
    expect(orders.tables.find((t) => t.name === 'orders')!.columns.find((c) => c.name === 'user_id')!.comment).toBe('references identity: public.users(id) — plain reference, see references.md');
  });

  it('puts isolation-schema services in their schema, and keeps the monolith schemas otherwise', () => {
    expect(new Set(loaded.get('orders')!.model.tables.map((t) => t.schema))).toEqual(new Set(['orders']));
    expect(new Set(loaded.get('audit')!.model.tables.map((t) => t.schema))).toEqual(new Set(['auditing']));
    expect(loaded.get('audit')!.model.enums.length + loaded.get('audit')!.model.sequences.length).toBeGreaterThan(0);
    expect(new Set(loaded.get('identity')!.model.tables.map((t) => t.schema))).toEqual(new Set(['public']));
    expect(loaded.get('orders')!.model.enums.map((e) => `${e.schema}.${e.name}`)).toEqual(['orders.order_status']);
    expect(loaded.get('identity')!.model.domains.map((d) => `${d.schema}.${d.name}`)).toEqual(['public.email']);
  });

  it('recreates tables and columns exactly as in the monolith (types, nullability, defaults, keys, checks, indexes, comments)', () => {
    const monolithTables = new Map(live.tables.map((t) => [tableKey(t), t]));
    let compared = 0;
    for (const [name, { model }] of loaded) {
      const ddl = ddls.get(name)!;
      const refs = new Set(ddl.referenceIndexes.map((r) => r.name));
      for (const key of [...ddl.tables, ...ddl.sharedCopies]) {
        const original = monolithTables.get(key)!;
        const copy = model.tables.find((t) => t.name === original.name)!;
        expect(projection(copy, refs), `${name}: ${key}`).toEqual(projection(original, new Set()));
        compared++;
      }
      // Every removed foreign key left an index whose first columns are the reference's.
      for (const r of ddl.removedForeignKeys) {
        const t = model.tables.find((x) => x.name === r.foreignKey.from.table)!;
        const cols = r.foreignKey.from.columns;
        const covered = t.indexes.some((i) => cols.every((c) => i.columns.slice(0, cols.length).includes(c))) || cols.every((c) => t.primaryKey.slice(0, cols.length).includes(c));
        expect(covered, `${name}: index for ${r.foreignKey.name}`).toBe(true);
      }
    }
    expect(compared).toBeGreaterThanOrEqual(38);
  });

  it('keeps partitioned tables partitioned, with one catch-all partition', () => {
    const events = loaded.get('audit')!.model.tables.find((t) => t.name === 'events')!;
    expect(events.partitioning).toEqual({ strategy: 'range', key: 'occurred_at' });
    expect(events.partitions).toEqual(['auditing.events_default']);
  });

  it('starts every sequence and identity above the monolith value', async () => {
    const monolithValues = new Map(
      (await monolith.query<{ sequencename: string; last_value: string | null }>('SELECT sequencename, last_value::text FROM pg_sequences')).map((r) => [r.sequencename, r.last_value]),
    );
    let checked = 0;
    for (const [name, { db }] of loaded) {
      for (const s of await db.query<{ sequencename: string; start_value: string }>('SELECT sequencename, start_value::text FROM pg_sequences')) {
        const last = monolithValues.get(s.sequencename);
        expect(last, `${name}: ${s.sequencename} in the monolith`).toBeDefined();
        if (last === null || last === undefined) continue;
        expect(BigInt(s.start_value), `${name}: ${s.sequencename}`).toBe(BigInt(last) + 1n);
        checked++;
      }
    }
    // Serial and identity columns of the sample all hold rows after seeding.
    expect(checked).toBeGreaterThanOrEqual(30);
  });

  it('writes knex migrations that build the same schema, and whose down leaves the database empty', async () => {
    const generated = await generateAll(buildGenerateContext({ schema: live, plan }));
    const dir = join(outDir, 'out');
    await writeOutputDir(dir, generated.files);
    for (const service of plan.services) {
      const db = await createTestDatabase(`genk_${service.name}`);
      databases.push(db);
      const schemaName = SCHEMA_SERVICES[service.name];
      if (schemaName) await db.exec(`CREATE SCHEMA ${schemaName}`);
      const knex = knexFactory({ client: 'pg', connection: db.url, pool: { min: 0, max: 1 } });
      const config = { directory: join(dir, service.name, 'migrations'), loadExtensions: ['.cjs'], ...(schemaName ? { schemaName } : {}) };
      try {
        const [, log] = (await knex.migrate.latest(config)) as [number, string[]];
        expect(log).toEqual(['0001_initial_schema.cjs']);
        const migrated = await withClient(db.url, (c) => introspect(c));
        const withoutKnex = (m: SchemaModel) => m.tables.filter((t) => !KNEX_TABLES.has(t.name)).map((t) => ({ ...t, rowEstimate: 0, sizeBytes: 0 }));
        expect(withoutKnex(migrated), service.name).toEqual(withoutKnex(loaded.get(service.name)!.model));
        await knex.migrate.rollback(config);
      } finally {
        await knex.destroy();
      }
      const left = await db.query<{ kind: string; name: string }>(`
        SELECT 'relation' AS kind, n.nspname || '.' || c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%' AND c.relname NOT LIKE 'knex_migrations%'
        UNION ALL
        SELECT 'type', n.nspname || '.' || t.typname FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
         WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND t.typtype IN ('e', 'd')
        UNION ALL
        SELECT 'schema', nspname FROM pg_namespace
         WHERE nspname NOT IN ('public', 'information_schema') AND nspname NOT LIKE 'pg\\_%'
           AND EXISTS (SELECT 1 FROM pg_class c WHERE c.relnamespace = pg_namespace.oid AND c.relname NOT LIKE 'knex_migrations%')`);
      expect(left, service.name).toEqual([]);
    }
  });

  it('is deterministic: the same inputs give byte-identical files', async () => {
    // With the sample workload, so that every generator (compositions too) has something to write.
    const workload = await loadWorkload([WORKLOAD_SQL], { schema: live });
    const a = await generateAll(buildGenerateContext({ schema: live, plan, workload }));
    const b = await generateAll(buildGenerateContext({ schema: JSON.parse(JSON.stringify(live)) as SchemaModel, plan: samplePlan(), workload: await loadWorkload([WORKLOAD_SQL], { schema: live }) }));
    expect(a.files.some((f) => f.path.includes('/compositions/'))).toBe(true);
    expect(b.files).toEqual(a.files);
    await writeOutputDir(join(outDir, 'one'), a.files);
    await writeOutputDir(join(outDir, 'two'), b.files);
    for (const f of [...a.files.map((x) => x.path), '.dbsplit-generated.json']) {
      expect(readFileSync(join(outDir, 'two', f)), f).toEqual(readFileSync(join(outDir, 'one', f)));
    }
  });

  it('also generates loadable schemas from the DDL files (the author\'s expression text)', async () => {
    const fromDdl = inferRelations(await loadDdlSchema([SCHEMA_SQL]));
    const ctx = buildGenerateContext({ schema: fromDdl, plan });
    for (const service of plan.services) {
      const ddl = buildServiceDdl(ctx, service.name);
      const sql = renderSchemaSql(ddl);
      expect(sql).toContain('not read live (schema from DDL)');
      const db = await createTestDatabase(`gend_${service.name}`);
      databases.push(db);
      await db.exec(sql);
      const model = await withClient(db.url, (c) => introspect(c));
      expect(model.tables.length, service.name).toBe(ddl.tables.length + ddl.sharedCopies.length);
    }
  });
});
