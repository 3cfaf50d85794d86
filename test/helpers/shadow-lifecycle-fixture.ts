import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { DOMAINS_JSON, loadMonolithSchema, seedMonolith } from '../../fixtures/monolith-schema/seed.js';
import { provisionService } from '../../src/provision/index.js';
import { createTestDatabase, databaseUrl, serverUrl, uniqueSuffix, withClient, type TestDatabase } from './pg.js';

export { uniqueSuffix, withClient };

/**
 * Monoliths, plans and provisioned targets for the shadow start/status/stop/cancel tests.
 * Replication slots are per server and the test files share one: every service name carries
 * a suffix unique to its file, and cleanup drops that service's slots before its databases.
 */



/** Drop every slot (permanent or temporary) whose name starts with dbsplit_<service>. */
export async function dropServiceSlots(service: string): Promise<void> {
  await withClient(serverUrl(), async (c) => {
    for (let attempt = 0; attempt < 20; attempt++) {
      const slots = await c.query<{ slot_name: string; active_pid: number | null }>(`SELECT slot_name, active_pid FROM pg_replication_slots WHERE slot_name LIKE $1`, [`dbsplit\\_${service}%`]);
      if (slots.rows.length === 0) return;
      for (const s of slots.rows) {
        if (s.active_pid !== null) await c.query('SELECT pg_terminate_backend($1)', [s.active_pid]);
        await c.query('SELECT pg_drop_replication_slot($1)', [s.slot_name]).catch(() => undefined);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  });
}

export interface ServiceSpec {
  readonly tables: readonly string[];
  /** Omitted: no target in the plan. */
  readonly target?: { readonly database: string; readonly isolation?: 'database' | 'schema'; readonly schema?: string };
}

export function writePlan(dir: string, monolithUrl: string, services: Record<string, ServiceSpec>, shared: readonly string[] = []): string {
  const lines = ['version: 1', 'monolith:', `  url: "${monolithUrl}"`, 'services:'];
  for (const [name, s] of Object.entries(services)) {
    lines.push(`  ${name}:`, `    tables: [${s.tables.join(', ')}]`);
    if (s.target) {
      const schema = s.target.schema ? `, schema: ${s.target.schema}` : '';
      lines.push(`    target: { url: "${databaseUrl(s.target.database)}", isolation: ${s.target.isolation ?? 'database'}${schema} }`);
    }
  }
  if (shared.length > 0) lines.push(`shared: [${shared.join(', ')}]`);
  const path = join(dir, 'dbsplit.yaml');
  writeFileSync(path, lines.join('\n') + '\n');
  return path;
}

export interface ShadowFixture {
  readonly monolith: TestDatabase;
  readonly dir: string;
  readonly planPath: string;
  /** The service under test (unique per fixture). */
  readonly service: string;
  readonly targetDb: string;
  readonly targetUrl: string;
  cleanup(): Promise<void>;
}

async function dropDatabase(name: string): Promise<void> {
  await withClient(serverUrl(), (c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
}

function cleanupOf(monolith: TestDatabase, dir: string, services: readonly string[], databases: readonly string[]): () => Promise<void> {
  return async () => {
    for (const s of services) await dropServiceSlots(s);
    for (const d of databases) await dropDatabase(d);
    await monolith.drop();
    rmSync(dir, { recursive: true, force: true });
  };
}

/**
 * The sample monolith at `scale`, a plan of its domains where `orders` is renamed to a unique
 * service (owning orders, order_items, order_status_history; the shared currencies is copied
 * into it), and that service provisioned into a database of its own.
 */
export async function sampleOrdersFixture(prefix: string, options: { scale: number; provision?: boolean }): Promise<ShadowFixture> {
  const sfx = uniqueSuffix();
  const service = `${prefix}_${sfx}`;
  const targetDb = `${prefix}_tgt_${sfx}`;
  const monolith = await createTestDatabase(`${prefix}_mono`);
  await withClient(monolith.url, async (c) => {
    await loadMonolithSchema(c);
    await seedMonolith(c, { scale: options.scale });
  });
  const dir = mkdtempSync(join(tmpdir(), `dbsplit-${prefix}-`));
  const domains = JSON.parse(readFileSync(DOMAINS_JSON, 'utf8')) as { domains: Record<string, string[]>; reference: string[] };
  const services: Record<string, ServiceSpec> = {};
  for (const [name, tables] of Object.entries(domains.domains)) {
    services[name === 'orders' ? service : name] = name === 'orders' ? { tables, target: { database: targetDb } } : { tables };
  }
  const planPath = writePlan(dir, monolith.url, services, domains.reference);
  if (options.provision !== false) await provisionService({ service, planFile: planPath, outDir: join(dir, 'generated'), dryRun: false });
  return { monolith, dir, planPath, service, targetDb, targetUrl: databaseUrl(targetDb), cleanup: cleanupOf(monolith, dir, [service], [targetDb]) };
}

/** A monolith from `schemaSql`, one service owning `tables` with a target, provisioned. */
export async function customFixture(prefix: string, schemaSql: string, spec: { tables: readonly string[]; shared?: readonly string[]; isolation?: 'database' | 'schema'; schema?: string; provision?: boolean }): Promise<ShadowFixture> {
  const sfx = uniqueSuffix();
  const service = `${prefix}_${sfx}`;
  const targetDb = `${prefix}_tgt_${sfx}`;
  const monolith = await createTestDatabase(`${prefix}_mono`);
  await monolith.exec(schemaSql);
  if (spec.isolation === 'schema') await withClient(serverUrl(), (c) => c.query(`CREATE DATABASE "${targetDb}"`));
  const dir = mkdtempSync(join(tmpdir(), `dbsplit-${prefix}-`));
  const target = { database: targetDb, isolation: spec.isolation ?? 'database', ...(spec.schema ? { schema: spec.schema } : {}) };
  const planPath = writePlan(dir, monolith.url, { [service]: { tables: spec.tables, target } }, spec.shared ?? []);
  if (spec.provision !== false) await provisionService({ service, planFile: planPath, outDir: join(dir, 'generated'), dryRun: false });
  return { monolith, dir, planPath, service, targetDb, targetUrl: databaseUrl(targetDb), cleanup: cleanupOf(monolith, dir, [service], [targetDb]) };
}

/** Column names both sides store (not generated on either), in the source's order. */
async function commonColumns(source: pg.Client, target: pg.Client, src: { schema: string; name: string }, tgt: { schema: string; name: string }): Promise<string[]> {
  const cols = async (c: pg.Client, t: { schema: string; name: string }) =>
    (await c.query<{ column_name: string; is_generated: string }>(`SELECT column_name, is_generated FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2 ORDER BY ordinal_position`, [t.schema, t.name])).rows;
  const s = await cols(source, src);
  const t = new Map((await cols(target, tgt)).map((r) => [r.column_name, r]));
  return s.filter((c) => c.is_generated !== 'ALWAYS' && t.has(c.column_name) && t.get(c.column_name)!.is_generated !== 'ALWAYS').map((c) => c.column_name);
}

export interface TableDigest {
  readonly rows: number;
  readonly md5: string | null;
}

const q = (name: string) => `"${name.replace(/"/g, '""')}"`;

async function digest(c: pg.Client, t: { schema: string; name: string }, columns: readonly string[]): Promise<TableDigest> {
  const row = `ROW(${columns.map(q).join(', ')})::text`;
  const res = await c.query<{ n: string; md5: string | null }>(`SELECT count(*)::text AS n, md5(string_agg(${row}, ',' ORDER BY ${row} COLLATE "C")) AS md5 FROM ${q(t.schema)}.${q(t.name)}`);
  return { rows: Number(res.rows[0]!.n), md5: res.rows[0]!.md5 };
}

/** Row count and md5 of every row (over the same column list) on both sides. */
export async function compareTable(sourceUrl: string, targetUrl: string, src: { schema: string; name: string }, tgt: { schema: string; name: string } = src): Promise<{ source: TableDigest; target: TableDigest; columns: string[] }> {
  return withClient(sourceUrl, (s) =>
    withClient(targetUrl, async (t) => {
      const columns = await commonColumns(s, t, src, tgt);
      return { source: await digest(s, src, columns), target: await digest(t, tgt, columns), columns };
    }),
  );
}
