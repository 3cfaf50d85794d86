/**
 * bench/backfill: dbsplit's backfill (`shadow start`: COPY TO inside the slot's exported
 * snapshot, streamed through Node into COPY FROM on the target) of the sample monolith's
 * orders table grown to 5 million rows, against `psql -c "COPY ... TO STDOUT" | psql -c
 * "COPY ... FROM STDIN"` between the same two databases, into the same provisioned table, in
 * the same run. Goal: dbsplit at 0.8 or more of the pipe's throughput.
 *
 * The rows are generated with INSERT ... SELECT generate_series into the sample schema's own
 * orders table (seeding the fixture at the scale giving 5M orders takes far longer and
 * generates every other table too); they respect its constraints. Both sides load with
 * session_replication_role = replica (dbsplit sets it; psql gets it through PGOPTIONS), so
 * neither checks foreign keys.
 *
 *   npm run bench -- backfill [--rows N] [--runs N]   (DBSPLIT_BENCH_PG_URL: use that server)
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { DOMAINS_JSON, loadMonolithSchema, seedMonolith } from '../fixtures/monolith-schema/seed.js';
import { startEmbeddedPostgres, type EmbeddedServer } from '../src/db/embedded.js';
import { provisionService } from '../src/provision/index.js';
import { cancelShadow, startShadow } from '../src/sync/lifecycle.js';
import { dbUrl, intArg, withClient } from './support.js';

const SERVICE = 'orders';
const COLUMNS = ['id', 'order_number', 'user_id', 'status', 'currency_code', 'subtotal', 'discount_total', 'shipping_total', 'tax_total', 'total', 'shipping_address_id', 'billing_address_id', 'placed_at', 'updated_at', 'notes', 'metadata'];




/** Grow orders to `rows` rows, valid against its checks and the seeded users and addresses. */
async function generateOrders(url: string, rows: number): Promise<void> {
  await withClient(url, async (c) => {
    await c.query(`
      TRUNCATE orders CASCADE;
      DROP INDEX IF EXISTS index_orders_on_user_id_and_placed_at, index_orders_on_placed_at, index_orders_open;
      ALTER TABLE orders DROP CONSTRAINT orders_pkey CASCADE, DROP CONSTRAINT orders_order_number_key`);
    const fks = await c.query<{ conname: string }>(`SELECT conname FROM pg_constraint WHERE conrelid = 'orders'::regclass AND contype = 'f'`);
    for (const fk of fks.rows) await c.query(`ALTER TABLE orders DROP CONSTRAINT ${fk.conname}`);
    const users = Number((await c.query<{ n: string }>('SELECT max(id)::text AS n FROM users')).rows[0]!.n);
    const addresses = Number((await c.query<{ n: string }>('SELECT max(id)::text AS n FROM addresses')).rows[0]!.n);
    await c.query(`
      INSERT INTO orders (id, order_number, user_id, status, currency_code, subtotal, discount_total, shipping_total, tax_total, total,
                          shipping_address_id, billing_address_id, placed_at, updated_at, notes, metadata)
      SELECT g, 'SW-' || lpad(g::text, 10, '0'), 1 + g % ${users},
             (ARRAY['pending','paid','packed','shipped','delivered','cancelled','refunded']::order_status[])[1 + g % 7],
             (ARRAY['USD','EUR','GBP'])[1 + g % 3],
             s, d, 4.99, round(s * 0.2, 2), s - d + 4.99 + round(s * 0.2, 2),
             1 + g % ${addresses}, CASE WHEN g % 4 = 0 THEN NULL ELSE 1 + (g * 7) % ${addresses} END,
             timestamptz '2023-01-01' + g * interval '7 seconds', timestamptz '2023-01-01' + g * interval '7 seconds' + interval '2 hours',
             CASE WHEN g % 10 = 0 THEN 'leave at the door, please' END,
             jsonb_build_object('channel', (ARRAY['web','ios','android'])[1 + g % 3], 'campaign', 'c' || (g % 97))
        FROM (SELECT g, round((10 + (g % 5000) / 10.0)::numeric, 2) AS s, round(((g % 7) * 1.5)::numeric, 2) AS d
                FROM generate_series(1, ${rows}) g) x`);
    await c.query('ALTER TABLE orders ADD PRIMARY KEY (id)');
    await c.query('ANALYZE orders');
  });
}

function sh(script: string, env: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-c', `set -euo pipefail; ${script}`], { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`pipe failed (${code}): ${err}`))));
  });
}

const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

async function pipeOnce(sourceUrl: string, targetUrl: string): Promise<number> {
  await withClient(targetUrl, (c) => c.query('TRUNCATE public.orders CASCADE'));
  const cols = COLUMNS.join(', ');
  const out = `psql -X -q -v ON_ERROR_STOP=1 ${quote(sourceUrl)} -c ${quote(`COPY public.orders (${cols}) TO STDOUT`)}`;
  const into = `PGOPTIONS='-c session_replication_role=replica' psql -X -q -v ON_ERROR_STOP=1 ${quote(targetUrl)} -c ${quote(`COPY public.orders (${cols}) FROM STDIN`)}`;
  const t0 = performance.now();
  await sh(`${out} | ${into}`, {});
  const ms = performance.now() - t0;
  const n = await withClient(targetUrl, async (c) => Number((await c.query<{ n: string }>('SELECT count(*)::text AS n FROM public.orders')).rows[0]!.n));
  return n > 0 ? ms : Number.NaN;
}

interface DbsplitRun {
  /** From the orders table's copy starting to its commit. */
  readonly tableMs: number;
  /** The whole `shadow start` (introspection, checks, slot, the other tables). */
  readonly totalMs: number;
  readonly rows: number;
  readonly bytes: number;
}

async function dbsplitOnce(planPath: string): Promise<DbsplitRun> {
  const t0 = performance.now();
  const r = await startShadow({ planPath, service: SERVICE, dryRun: false });
  const totalMs = performance.now() - t0;
  await cancelShadow({ planPath, service: SERVICE, dryRun: false });
  const orders = r.copied.find((c) => c.table === 'public.orders');
  if (!orders) throw new Error('dbsplit did not copy public.orders');
  return { tableMs: orders.ms, totalMs, rows: orders.rows, bytes: orders.bytes };
}

const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

export async function main(args: string[] = []): Promise<void> {
  const rows = intArg(args, '--rows', 5_000_000);
  const runs = intArg(args, '--runs', 3);
  let server: EmbeddedServer | undefined;
  let base = process.env.DBSPLIT_BENCH_PG_URL;
  if (!base) {
    server = await startEmbeddedPostgres({ extraSettings: { max_wal_size: '8GB', shared_buffers: '512MB', checkpoint_timeout: '30min' } });
    base = server.url('postgres');
  }
  const sfx = Date.now().toString(36);
  const monolithDb = `bench_backfill_mono_${sfx}`;
  const targetDb = `bench_backfill_orders_${sfx}`;
  const dir = mkdtempSync(join(tmpdir(), 'dbsplit-bench-backfill-'));
  try {
    await withClient(base, (c) => c.query(`CREATE DATABASE ${monolithDb}`));
    const monolithUrl = dbUrl(base, monolithDb);
    const targetUrl = dbUrl(base, targetDb);
    let t0 = performance.now();
    await withClient(monolithUrl, async (c) => {
      await loadMonolithSchema(c);
      await seedMonolith(c, { scale: 0.05 });
    });
    await generateOrders(monolithUrl, rows);
    const size = await withClient(monolithUrl, async (c) => (await c.query<{ s: string }>(`SELECT pg_size_pretty(pg_table_size('orders')) AS s`)).rows[0]!.s);
    console.log(`bench/backfill: the sample monolith's orders table with ${fmt(rows)} rows generated by INSERT ... SELECT generate_series (${size}), in ${((performance.now() - t0) / 1000).toFixed(0)} s`);

    const domains = JSON.parse(readFileSync(DOMAINS_JSON, 'utf8')) as { domains: Record<string, string[]>; reference: string[] };
    const planLines = ['version: 1', 'monolith:', `  url: "${monolithUrl}"`, 'services:'];
    for (const [name, tables] of Object.entries(domains.domains)) {
      planLines.push(`  ${name}:`, `    tables: [${tables.join(', ')}]`);
      if (name === SERVICE) planLines.push(`    target: { url: "${targetUrl}", isolation: database }`);
    }
    planLines.push(`shared: [${domains.reference.join(', ')}]`);
    const planPath = join(dir, 'dbsplit.yaml');
    (await import('node:fs')).writeFileSync(planPath, planLines.join('\n') + '\n');
    t0 = performance.now();
    await provisionService({ service: SERVICE, planFile: planPath, outDir: join(dir, 'generated'), dryRun: false });
    console.log(`  provisioned the orders service into ${targetDb} in ${((performance.now() - t0) / 1000).toFixed(1)} s; ${runs} runs of each, alternating`);

    const pipeMs: number[] = [];
    const ours: DbsplitRun[] = [];
    for (let i = 0; i < runs; i++) {
      const p = await pipeOnce(monolithUrl, targetUrl);
      pipeMs.push(p);
      console.log(`  run ${i + 1}: psql pipe ${(p / 1000).toFixed(2)} s`);
      const d = await dbsplitOnce(planPath);
      ours.push(d);
      console.log(`  run ${i + 1}: dbsplit   ${(d.tableMs / 1000).toFixed(2)} s for orders (${(d.totalMs / 1000).toFixed(2)} s for the whole shadow start)`);
      if (d.rows !== rows) throw new Error(`dbsplit copied ${d.rows} rows, expected ${rows}`);
    }
    const bytes = ours[0]!.bytes;
    const pipe = median(pipeMs);
    const table = median(ours.map((o) => o.tableMs));
    const total = median(ours.map((o) => o.totalMs));
    const line = (what: string, ms: number) => `${what}${fmt(rows / (ms / 1000)).padStart(12)} rows/s  ${(bytes / 1024 ** 2 / (ms / 1000)).toFixed(1).padStart(7)} MB/s  (${(ms / 1000).toFixed(2)} s)`;
    console.log(`  COPY text moved: ${(bytes / 1024 ** 2).toFixed(0)} MB (the same bytes both ways)`);
    console.log(line('  psql | psql (anchor):         ', pipe));
    console.log(line('  dbsplit backfill of orders:   ', table));
    console.log(line('  dbsplit shadow start, whole:  ', total));
    console.log(`  ratio dbsplit / pipe: ${(pipe / table).toFixed(2)} for the table copy, ${(pipe / total).toFixed(2)} for the whole command  (goal: 0.8 or more)`);
  } finally {
    await withClient(base, async (c) => {
      await c.query(`SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = 'dbsplit_${SERVICE}' AND database = '${monolithDb}'`).catch(() => undefined);
      await c.query(`DROP DATABASE IF EXISTS ${targetDb} WITH (FORCE)`);
      await c.query(`DROP DATABASE IF EXISTS ${monolithDb} WITH (FORCE)`);
    }).catch((e: unknown) => console.error(`cleanup: ${(e as Error).message}`));
    rmSync(dir, { recursive: true, force: true });
    await server?.stop();
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await main(process.argv.slice(2));
