import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inferRelations } from '../../src/analyzers/infer-relations.js';
import { introspect } from '../../src/db/introspect.js';
import { buildGenerateContext } from '../../src/generate/context.js';
import { generateAll } from '../../src/generate/generate.js';
import { writeOutputDir } from '../../src/generate/output-dir.js';
import { provisionService } from '../../src/provision/index.js';
import { loadPlanFile } from '../../src/plan/load-plan.js';
import { resolvePlan } from '../../src/plan/resolve-plan.js';
import { DOMAINS_JSON, SCHEMA_SQL } from '../../fixtures/monolith-schema/seed.js';
import { createTestDatabase, databaseUrl, serverUrl, type TestDatabase } from '../helpers/pg.js';

/**
 * `dbsplit provision` on a real server: the sample monolith holds the control schema; cart is
 * provisioned into a database of its own (created by provision), orders into a schema of a
 * database that already exists.
 */

const suffix = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
const CART_DB = `prov_cart_${suffix}`;
const NOCREATEDB_DB = `prov_nocreate_${suffix}`;
const ROLE = `prov_role_${suffix}`;

async function admin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: serverUrl() });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

async function databaseExists(name: string): Promise<boolean> {
  return admin(async (c) => (await c.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rowCount === 1);
}

function writePlan(dir: string, monolithUrl: string, targets: Record<string, string>): string {
  const domains = JSON.parse(readFileSync(DOMAINS_JSON, 'utf8')) as { domains: Record<string, string[]>; reference: string[] };
  const lines = ['version: 1', 'monolith:', `  url: "${monolithUrl}"`, 'services:'];
  for (const [name, tables] of Object.entries(domains.domains)) {
    lines.push(`  ${name}:`, `    tables: [${tables.join(', ')}]`);
    if (targets[name]) lines.push(`    target: ${targets[name]}`);
  }
  lines.push(`shared: [${domains.reference.join(', ')}]`);
  const path = join(dir, 'dbsplit.yaml');
  writeFileSync(path, lines.join('\n') + '\n');
  return path;
}

describe('dbsplit provision', () => {
  let monolith: TestDatabase;
  let shared: TestDatabase;
  let dir: string;
  let planPath: string;
  const outDir = () => join(dir, 'dbsplit-generated');

  beforeAll(async () => {
    monolith = await createTestDatabase('prov_mono');
    await monolith.exec(readFileSync(SCHEMA_SQL, 'utf8'));
    shared = await createTestDatabase('prov_shared');
    dir = mkdtempSync(join(tmpdir(), 'dbsplit-provision-'));
    await admin((c) => c.query(`CREATE ROLE ${ROLE} LOGIN PASSWORD 'role-secret-pw' NOCREATEDB`));
    const noCreateDb = new URL(databaseUrl(NOCREATEDB_DB));
    noCreateDb.username = ROLE;
    noCreateDb.password = 'role-secret-pw';
    planPath = writePlan(dir, monolith.url, {
      cart: `{ url: "${databaseUrl(CART_DB)}", isolation: database }`,
      orders: `{ url: "${shared.url}", isolation: schema }`,
      reviews: `{ url: "${noCreateDb.toString()}", isolation: database }`,
    });
  });

  afterAll(async () => {
    await admin(async (c) => {
      for (const db of [CART_DB, NOCREATEDB_DB]) await c.query(`DROP DATABASE IF EXISTS "${db}" WITH (FORCE)`);
      await c.query(`DROP ROLE IF EXISTS ${ROLE}`);
    });
    await shared?.drop();
    await monolith?.drop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const provision = (service: string, dryRun = false) => provisionService({ service, planFile: planPath, outDir: outDir(), dryRun });

  it('--dry-run prints the SQL it would run and changes nothing anywhere', async () => {
    const r = await provision('cart', true);
    expect(r.dryRun).toBe(true);
    expect(r.plan.migrationsFrom).toBe('memory');
    expect(r.plan.steps.map((s) => s.kind)).toEqual(['create-database', 'migrate', 'record-phase']);
    const sql = r.plan.steps.flatMap((s) => s.sql).join('\n');
    expect(sql).toContain(`CREATE DATABASE ${CART_DB}`);
    expect(sql).toContain('CREATE TABLE public.carts (');
    expect(sql).toContain('CREATE TABLE public.cart_items (');
    expect(r.plan.target.masked).not.toContain(new URL(serverUrl()).password);
    expect(await databaseExists(CART_DB)).toBe(false);
    expect(await monolith.query(`SELECT 1 FROM pg_namespace WHERE nspname = '_dbsplit'`)).toEqual([]);
  });

  it('creates the database, runs the migration, and records the phase, each step journaled', async () => {
    const r = await provision('cart');
    expect(r.plan.alreadyProvisioned).toBe(false);
    expect(r.done).toEqual(['create-database', 'migrate', 'record-phase']);
    expect(r.migrated).toEqual(['0001_initial_schema.cjs']);
    const target = new pg.Client({ connectionString: databaseUrl(CART_DB) });
    await target.connect();
    try {
      const model = await introspect(target);
      expect(model.tables.map((t) => `${t.schema}.${t.name}`).sort()).toEqual(['public.cart_items', 'public.carts', 'public.currencies', 'public.knex_migrations', 'public.knex_migrations_lock']);
      expect((await target.query('SELECT name FROM knex_migrations')).rows).toEqual([{ name: '0001_initial_schema.cjs' }]);
    } finally {
      await target.end();
    }
    expect(await monolith.query(`SELECT name, phase FROM _dbsplit.services`)).toEqual([{ name: 'cart', phase: 'provisioned' }]);
    expect(await monolith.query(`SELECT step, status FROM _dbsplit.journal WHERE service = 'cart' ORDER BY id`)).toEqual([
      { step: 'create-database', status: 'done' },
      { step: 'migrate', status: 'done' },
      { step: 'record-phase', status: 'done' },
    ]);
  });

  it('is a no-op when run again', async () => {
    const r = await provision('cart');
    expect(r.plan.alreadyProvisioned).toBe(true);
    expect(r.done).toEqual([]);
    expect(await monolith.query(`SELECT count(*)::int AS n FROM _dbsplit.journal WHERE service = 'cart'`)).toEqual([{ n: 3 }]);
  });

  it('with isolation schema, creates the schema in the existing database and runs the generated migration files', async () => {
    const planFile = await loadPlanFile(planPath);
    const schema = await (async () => {
      const c = new pg.Client({ connectionString: monolith.url });
      await c.connect();
      try {
        return inferRelations(await introspect(c));
      } finally {
        await c.end();
      }
    })();
    const { plan } = resolvePlan(planFile, schema);
    await writeOutputDir(outDir(), (await generateAll(buildGenerateContext({ schema, plan }))).files);

    const dry = await provision('orders', true);
    expect(dry.plan.migrationsFrom).toBe('files');
    expect(dry.plan.steps.map((s) => s.kind)).toEqual(['create-schema', 'migrate', 'record-phase']);
    expect(await shared.query(`SELECT 1 FROM pg_namespace WHERE nspname = 'orders'`)).toEqual([]);

    const r = await provision('orders');
    expect(r.done).toEqual(['create-schema', 'migrate', 'record-phase']);
    const tables = await shared.query<{ t: string }>(`SELECT schemaname || '.' || tablename AS t FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1`);
    expect(tables.map((x) => x.t)).toEqual(['orders.currencies', 'orders.knex_migrations', 'orders.knex_migrations_lock', 'orders.order_items', 'orders.order_status_history', 'orders.orders']);

    // The team adds a migration: only that one is pending, and only its SQL is shown.
    writeFileSync(join(outDir(), 'orders', 'migrations', '0002_add_gift_note.cjs'), "exports.up = async (knex) => { await knex.raw('ALTER TABLE orders.orders ADD COLUMN gift_note text'); };\nexports.down = async (knex) => { await knex.raw('ALTER TABLE orders.orders DROP COLUMN gift_note'); };\n");
    const next = await provision('orders', true);
    expect(next.plan.pending).toEqual(['0002_add_gift_note.cjs']);
    expect(next.plan.steps.find((s) => s.kind === 'migrate')!.sql).toEqual(['-- migration 0002_add_gift_note.cjs', 'ALTER TABLE orders.orders ADD COLUMN gift_note text']);
    expect((await provision('orders')).migrated).toEqual(['0002_add_gift_note.cjs']);
    expect(await shared.query(`SELECT 1 AS ok FROM information_schema.columns WHERE table_schema = 'orders' AND table_name = 'orders' AND column_name = 'gift_note'`)).toEqual([{ ok: 1 }]);
  });

  it('says clearly when the user cannot create the database, and changes nothing there', async () => {
    const e = await provision('reviews').catch((x: unknown) => x);
    expect(e).toMatchObject({ code: 'E_PERMISSION', exitCode: 2 });
    expect(String((e as Error).message)).toMatch(/cannot create database prov_nocreate_\w+ on postgres:\/\/prov_role_\w+:\*\*\*@/);
    expect(String((e as { hint?: string }).hint)).toContain('CREATEDB');
    expect((e as Error).message + (e as { hint?: string }).hint).not.toContain('role-secret-pw');
    expect(await databaseExists(NOCREATEDB_DB)).toBe(false);
    expect(await monolith.query(`SELECT step, status FROM _dbsplit.journal WHERE service = 'reviews'`)).toEqual([{ step: 'create-database', status: 'failed' }]);
  });

  it('rejects an unknown service with the list, and a service without a target URL', async () => {
    await expect(provision('billing')).rejects.toMatchObject({ code: 'E_UNKNOWN_SERVICE', hint: expect.stringContaining('cart, catalog') });
    await expect(provision('payments')).rejects.toMatchObject({ code: 'E_PLAN_INVALID', hint: expect.stringContaining('services.payments.target.url') });
  });

  it('refuses a service that has moved past provisioned', async () => {
    await monolith.exec(`INSERT INTO _dbsplit.services (name, phase) VALUES ('catalog', 'shadowing')`);
    const dir2 = mkdtempSync(join(tmpdir(), 'dbsplit-provision-'));
    try {
      const path = writePlan(dir2, monolith.url, { catalog: `{ url: "${databaseUrl(CART_DB)}", isolation: database }` });
      await expect(provisionService({ service: 'catalog', planFile: path, outDir: join(dir2, 'none'), dryRun: false })).rejects.toMatchObject({ code: 'E_PRECONDITION' });
    } finally {
      rmSync(dir2, { recursive: true, force: true });
    }
  });
});
