/**
 * bench/stream: dbsplit's streaming runner (`shadow run`) against PostgreSQL's native logical
 * replication (CREATE PUBLICATION + CREATE SUBSCRIPTION into another database on the same
 * server, copy_data = false) applying the same changes, in the same run.
 *
 * Setup: a monolith database initialised by `pgbench -i`, a heartbeat table; three consumers
 * of its changes, each with its own slot created before any workload and its own target
 * database: native (a subscription), dbsplit (a service owning the pgbench tables, backfilled
 * by shadow start) and dbsplit without set-based statements (`combine: false`, a second
 * service on the same tables, to show what combining buys).
 *
 * Throughput: each consumer is connected and idle, its target tables locked (SHARE: writes wait)
 * so it cannot apply; a fixed workload runs on the monolith; then the locks are released one
 * consumer at a time and the time until the workload's last transaction is visible in that
 * target gives changes per second. Two workloads: pgbench's TPC-B-like transactions
 * (`-c 4 -T seconds`), and set-based bulk statements (updates, inserts, deletes of many rows).
 *
 * Lag: one consumer live (the others blocked), pgbench at full speed (the rate it sustains
 * here) plus a heartbeat row updated every 100 ms; the target is polled every 10 ms and each new
 * heartbeat's age when it first appears there is one lag sample (server clock on both sides).
 *
 * The machine is shared and small (2 cores): each throughput workload runs `--runs` times, the
 * consumers released in rotating order (each first, second and last in turn), and the best rate
 * of each is compared.
 *
 *   npm run bench -- stream [--scale N] [--seconds N] [--runs N]   (DBSPLIT_BENCH_PG_URL: use that server)
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { startEmbeddedPostgres, type EmbeddedServer } from '../src/db/embedded.js';
import { provisionService } from '../src/provision/index.js';
import { startShadow } from '../src/sync/lifecycle/start.js';
import { runShadow, type RunShadowResult } from '../src/sync/stream/index.js';
import { connectTo, dbUrl, intArg, withClient } from './support.js';

const PGBENCH = '/usr/lib/postgresql/15/bin/pgbench';
const TABLES = ['pgbench_accounts', 'pgbench_branches', 'pgbench_tellers', 'pgbench_history', 'bench_heartbeat'];
const exec = promisify(execFile);

function pgEnv(url: string): NodeJS.ProcessEnv {
  const u = new URL(url);
  return { ...process.env, PGHOST: u.hostname, PGPORT: u.port, PGUSER: decodeURIComponent(u.username), PGPASSWORD: decodeURIComponent(u.password), PGDATABASE: decodeURIComponent(u.pathname.slice(1)) };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

interface Consumer {
  readonly name: string;
  readonly targetUrl: string;
  lock: pg.Client | undefined;
}

/**
 * Keep the consumer from applying: its target tables are locked until release(). SHARE mode
 * blocks every write and no read; ACCESS EXCLUSIVE would do too, but with wal_level logical it
 * is WAL-logged and so gives the locking transaction an xid, which holds back the xmin of every
 * snapshot on the server: the consumer released while other locks were still held could then
 * not prune its HOT chains (pgbench's 5 branch rows updated 40,000 times) and took up to 5 times
 * the CPU of the one released last.
 */
async function block(c: Consumer): Promise<void> {
  const client = await connectTo(c.targetUrl);
  await client.query('BEGIN');
  await client.query(`LOCK TABLE ${TABLES.join(', ')} IN SHARE MODE`);
  c.lock = client;
}

async function release(c: Consumer): Promise<void> {
  const client = c.lock;
  c.lock = undefined;
  if (!client) return;
  await client.query('COMMIT');
  await client.end();
}

/** Wait until the target shows `marker` (the workload's last transaction); ms from now. */
async function waitForMarker(c: Consumer, marker: string, timeoutMs = 600_000): Promise<number> {
  const t0 = performance.now();
  await withClient(c.targetUrl, async (client) => {
    for (;;) {
      const r = await client.query<{ filler: string | null }>('SELECT filler FROM pgbench_branches WHERE bid = 1');
      if (r.rows[0]?.filler?.trim() === marker) return;
      if (performance.now() - t0 > timeoutMs) throw new Error(`${c.name} did not apply ${marker} within ${timeoutMs / 1000} s`);
      await sleep(5);
    }
  });
  return performance.now() - t0;
}

async function mark(monolithUrl: string, marker: string): Promise<void> {
  await withClient(monolithUrl, (c) => c.query(`UPDATE pgbench_branches SET filler = $1 WHERE bid = 1`, [marker]));
}

async function pgbench(monolithUrl: string, seconds: number): Promise<{ tps: number; transactions: number }> {
  const { stdout } = await exec(PGBENCH, ['-c', '4', '-j', '2', '-T', String(seconds), '-n'], { env: pgEnv(monolithUrl) });
  const tps = Number(/tps = ([\d.]+)/.exec(stdout)?.[1] ?? NaN);
  const transactions = Number(/number of transactions actually processed: (\d+)/.exec(stdout)?.[1] ?? NaN);
  return { tps, transactions };
}

/** Set-based statements; returns the number of row changes. */
async function bulk(monolithUrl: string, accounts: number): Promise<number> {
  return withClient(monolithUrl, async (c) => {
    let changes = 0;
    const run = async (sql: string): Promise<void> => {
      changes += (await c.query(sql)).rowCount ?? 0;
    };
    for (let k = 0; k < 4; k++) {
      await run(`UPDATE pgbench_accounts SET abalance = abalance + 1 WHERE aid % 4 = ${k} AND aid <= ${accounts / 2}`);
      await run(`INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) SELECT 1 + g % 10, 1, g, g % 100, now() FROM generate_series(1, 25000) g`);
    }
    await run(`DELETE FROM pgbench_accounts WHERE aid % 10 = 3`);
    await run(`INSERT INTO pgbench_accounts (aid, bid, abalance, filler) SELECT aid, bid, 7, filler FROM (SELECT g AS aid, 1 AS bid, '' AS filler FROM generate_series(1, ${accounts}) g WHERE g % 10 = 3) x`);
    return changes;
  });
}

/** The walsender of `slot` and the target backend applying for it (native: the apply worker). */
async function backendPids(monolithUrl: string, targetUrl: string, slot: string): Promise<{ walsender: number; apply: number }> {
  const walsender = await withClient(monolithUrl, async (c) => (await c.query<{ pid: number }>('SELECT active_pid AS pid FROM pg_replication_slots WHERE slot_name = $1', [slot])).rows[0]?.pid ?? 0);
  const apply = await withClient(targetUrl, async (c) =>
    (await c.query<{ pid: number }>(`SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND (backend_type = 'logical replication apply worker' OR application_name LIKE 'dbsplit shadow run%') LIMIT 1`)).rows[0]?.pid ?? 0,
  );
  return { walsender, apply };
}

/** CPU seconds used so far by those processes (from /proc; 0 where unreadable). */
async function cpuOf(pids: { walsender: number; apply: number }): Promise<{ walsender: number; apply: number }> {
  const { readFileSync } = await import('node:fs');
  const one = (pid: number): number => {
    try {
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      return (Number(fields[11]) + Number(fields[12])) / 100;
    } catch {
      return 0;
    }
  };
  return { walsender: one(pids.walsender), apply: one(pids.apply) };
}

interface LagStats {
  readonly samples: number;
  readonly p50: number;
  readonly p95: number;
  readonly max: number;
}

/** Heartbeats on the monolith every 100 ms while `during` runs; each one's age when it reaches the target. */
async function measureLag(monolithUrl: string, c: Consumer, during: () => Promise<void>): Promise<LagStats> {
  let on = true;
  const lags: number[] = [];
  const writer = withClient(monolithUrl, async (m) => {
    while (on) {
      await m.query('UPDATE bench_heartbeat SET ts = clock_timestamp() WHERE id = 1');
      await sleep(100);
    }
  });
  const reader = withClient(c.targetUrl, async (t) => {
    let last = '';
    while (on) {
      const r = await t.query<{ ts: string; lag: number }>(`SELECT ts::text AS ts, extract(epoch FROM clock_timestamp() - ts)::float8 AS lag FROM bench_heartbeat WHERE id = 1`);
      const row = r.rows[0];
      if (row && row.ts !== last) {
        if (last !== '') lags.push(row.lag);
        last = row.ts;
      }
      await sleep(10);
    }
  });
  try {
    await during();
    await sleep(1500);
  } finally {
    on = false;
    await writer;
    await reader;
  }
  lags.sort((a, b) => a - b);
  const q = (p: number) => lags[Math.min(lags.length - 1, Math.floor(p * lags.length))] ?? NaN;
  return { samples: lags.length, p50: q(0.5), p95: q(0.95), max: lags[lags.length - 1] ?? NaN };
}

function writePlan(dir: string, name: string, monolithUrl: string, targetUrl: string): string {
  const path = join(dir, `${name}.yaml`);
  writeFileSync(path, ['version: 1', 'monolith:', `  url: "${monolithUrl}"`, 'services:', `  ${name}:`, `    tables: [${TABLES.join(', ')}]`, `    target: { url: "${targetUrl}", isolation: database }`, ''].join('\n'));
  return path;
}

export async function main(args: string[] = []): Promise<void> {
  const scale = intArg(args, '--scale', 5);
  const seconds = intArg(args, '--seconds', 15);
  const runs = intArg(args, '--runs', 3);
  let server: EmbeddedServer | undefined;
  let base = process.env.DBSPLIT_BENCH_PG_URL;
  if (!base) {
    // Consumers are kept from applying for a while: the walsenders must not time them out.
    server = await startEmbeddedPostgres({ extraSettings: { max_wal_size: '4GB', shared_buffers: '256MB', wal_sender_timeout: '10min', wal_receiver_timeout: '10min' } });
    base = server.url('postgres');
  }
  const sfx = Date.now().toString(36);
  const monolithDb = `bench_stream_mono_${sfx}`;
  const services = { combined: `bstream_c_${sfx}`, plain: `bstream_p_${sfx}` };
  const nativeDb = `bench_stream_native_${sfx}`;
  const targetDbs = { combined: `${services.combined}_target`, plain: `${services.plain}_target` };
  const nativeSlot = `bench_native_${sfx}`;
  const dir = mkdtempSync(join(tmpdir(), 'dbsplit-bench-stream-'));
  const runners: Array<Promise<RunShadowResult>> = [];
  const abort = new AbortController();
  try {
    await withClient(base, async (c) => {
      for (const db of [monolithDb, nativeDb, targetDbs.combined, targetDbs.plain]) await c.query(`CREATE DATABASE ${db}`);
    });
    const monolithUrl = dbUrl(base, monolithDb);
    const nativeUrl = dbUrl(base, nativeDb);
    let t0 = performance.now();
    await exec(PGBENCH, ['-i', '-s', String(scale), '-q'], { env: pgEnv(monolithUrl) });
    await exec(PGBENCH, ['-i', '-s', String(scale), '-q'], { env: pgEnv(nativeUrl) });
    const heartbeat = 'CREATE TABLE bench_heartbeat (id int PRIMARY KEY, ts timestamptz NOT NULL); INSERT INTO bench_heartbeat VALUES (1, now())';
    await withClient(monolithUrl, (c) => c.query(`ALTER TABLE pgbench_history REPLICA IDENTITY FULL; ${heartbeat}`));
    await withClient(nativeUrl, (c) => c.query(heartbeat));
    console.log(`bench/stream: pgbench -i -s ${scale} (${fmt(scale * 100_000)} accounts) in ${((performance.now() - t0) / 1000).toFixed(1)} s; 2 cores, one server for everything`);

    // native: publication, slot (made by hand: CREATE SUBSCRIPTION cannot create a slot on its own server), subscription
    const u = new URL(monolithUrl);
    await withClient(monolithUrl, async (c) => {
      await c.query(`CREATE PUBLICATION bench_native_pub FOR TABLE ${TABLES.join(', ')}`);
      await c.query(`SELECT pg_create_logical_replication_slot($1, 'pgoutput')`, [nativeSlot]);
    });
    const conninfo = `host=${u.hostname} port=${u.port} user=${decodeURIComponent(u.username)} password=${decodeURIComponent(u.password)} dbname=${monolithDb}`;
    await withClient(nativeUrl, (c) =>
      c.query(`CREATE SUBSCRIPTION bench_native_sub CONNECTION '${conninfo}' PUBLICATION bench_native_pub WITH (create_slot = false, slot_name = '${nativeSlot}', copy_data = false, enabled = true)`),
    );

    // dbsplit: two services over the same tables (with and without set-based statements)
    t0 = performance.now();
    const plans: Record<'combined' | 'plain', string> = { combined: '', plain: '' };
    for (const kind of ['combined', 'plain'] as const) {
      plans[kind] = writePlan(dir, services[kind], monolithUrl, dbUrl(base, targetDbs[kind]));
      await provisionService({ service: services[kind], planFile: plans[kind], outDir: join(dir, `gen-${kind}`), dryRun: false });
      await startShadow({ planPath: plans[kind], service: services[kind], dryRun: false });
      runners.push(runShadow({ service: services[kind], planPath: plans[kind], signal: abort.signal, combine: kind === 'combined' }));
    }
    console.log(`  provisioned and backfilled two dbsplit services in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

    const consumers: Record<'native' | 'combined' | 'plain', Consumer> = {
      native: { name: 'native', targetUrl: nativeUrl, lock: undefined },
      combined: { name: 'dbsplit', targetUrl: dbUrl(base, targetDbs.combined), lock: undefined },
      plain: { name: 'dbsplit, no set-based statements', targetUrl: dbUrl(base, targetDbs.plain), lock: undefined },
    };
    // everyone connected and idle
    await mark(monolithUrl, 'warm');
    for (const c of Object.values(consumers)) await waitForMarker(c, 'warm', 60_000);

    // Each workload `runs` times; each run releases the consumers in another order; best rate kept.
    const rates: Record<string, Record<string, number>> = { pgbench: {}, bulk: {} };
    for (const workload of ['pgbench', 'bulk'] as const) {
      for (let run = 0; run < runs; run++) {
        for (const c of Object.values(consumers)) await block(c);
        let changes: number;
        let what: string;
        if (workload === 'pgbench') {
          const r = await pgbench(monolithUrl, seconds);
          changes = r.transactions * 4 + 1;
          what = `pgbench -c 4 -T ${seconds}: ${fmt(r.transactions)} transactions (${fmt(r.tps)} tps), ${fmt(changes)} row changes`;
        } else {
          changes = (await bulk(monolithUrl, scale * 100_000)) + 1;
          what = `bulk statements: ${fmt(changes)} row changes in 10 transactions`;
        }
        const marker = `done-${workload}-${run}`;
        await mark(monolithUrl, marker);
        console.log(`\n  run ${run + 1}/${runs}, workload ${what}; each consumer then applies it alone:`);
        // Rotated, so that over `runs` (a multiple of 3) each consumer is released first, second
        // and last equally often: the first released after a workload runs alongside the
        // monolith's checkpoint and autovacuum, the last gets a quiet machine.
        const all = Object.entries(consumers);
        const order = all.map((_, i) => all[(i + run) % all.length]!);
        for (const [key, c] of order) {
          const pids = await backendPids(monolithUrl, c.targetUrl, key === 'native' ? nativeSlot : `dbsplit_${services[key as 'combined' | 'plain']}`);
          const cpu0 = { node: process.cpuUsage(), ...(await cpuOf(pids)) };
          const started = performance.now();
          await release(c);
          await waitForMarker(c, marker);
          const ms = performance.now() - started;
          const cpu1 = { node: process.cpuUsage(cpu0.node), ...(await cpuOf(pids)) };
          const rate = (changes * 1000) / ms;
          rates[workload]![key] = Math.max(rates[workload]![key] ?? 0, rate);
          const cpu = `cpu s: walsender ${(cpu1.walsender - cpu0.walsender).toFixed(2)}, applying backend ${(cpu1.apply - cpu0.apply).toFixed(2)}${key === 'native' ? '' : `, node ${((cpu1.node.user + cpu1.node.system) / 1e6).toFixed(2)}`}`;
          console.log(`    ${c.name.padEnd(34)} ${(ms / 1000).toFixed(2).padStart(7)} s  ${fmt(rate).padStart(9)} changes/s   (${cpu})`);
        }
      }
      const r = rates[workload]!;
      console.log(`  ${workload}, best of ${runs}: native ${fmt(r.native!)}/s, dbsplit ${fmt(r.combined!)}/s: ratio ${(r.combined! / r.native!).toFixed(2)} (goal >= 0.80); set-based statements: x${(r.combined! / r.plain!).toFixed(2)}`);
    }

    console.log(`\n  lag at the rate pgbench sustains (-c 4 -T ${seconds}, one consumer live at a time), heartbeat every 100 ms:`);
    const lags: Record<string, LagStats> = {};
    for (const key of ['native', 'combined'] as const) {
      const others = Object.entries(consumers).filter(([k]) => k !== key).map(([, c]) => c);
      for (const o of others) await block(o);
      let tps = 0;
      lags[key] = await measureLag(monolithUrl, consumers[key], async () => {
        tps = (await pgbench(monolithUrl, seconds)).tps;
      });
      for (const o of others) await release(o);
      // everyone caught up again before the next measurement
      await mark(monolithUrl, `lag-${key}`);
      for (const c of Object.values(consumers)) await waitForMarker(c, `lag-${key}`);
      const l = lags[key]!;
      console.log(`    ${consumers[key].name.padEnd(34)} ${fmt(tps)} tps: lag p50 ${(l.p50 * 1000).toFixed(0)} ms, p95 ${(l.p95 * 1000).toFixed(0)} ms, max ${(l.max * 1000).toFixed(0)} ms (${l.samples} samples)`);
    }

    // everyone equal in the end
    await mark(monolithUrl, 'final');
    for (const c of Object.values(consumers)) await waitForMarker(c, 'final');
    const digest = async (url: string): Promise<string> =>
      withClient(url, async (c) => {
        const parts: string[] = [];
        for (const [t, k] of [['pgbench_accounts', 'aid'], ['pgbench_branches', 'bid'], ['pgbench_tellers', 'tid'], ['pgbench_history', 'tid, bid, aid, delta, mtime']]) {
          parts.push((await c.query<{ d: string }>(`SELECT md5(string_agg(x::text, ',' ORDER BY ${k})) AS d FROM ${t} x`)).rows[0]!.d);
        }
        return parts.join('/');
      });
    const expected = await digest(monolithUrl);
    const equal = await Promise.all(Object.values(consumers).map(async (c) => (await digest(c.targetUrl)) === expected));
    console.log(`\n  targets equal to the monolith at the end: ${Object.values(consumers).map((c, i) => `${c.name} ${equal[i] ? 'yes' : 'NO'}`).join(', ')}`);
    console.log(
      `\nsummary: dbsplit/native throughput ${rates.pgbench!.combined! / rates.pgbench!.native! >= 0.8 ? 'meets' : 'misses'} the 0.8 goal on pgbench (${(rates.pgbench!.combined! / rates.pgbench!.native!).toFixed(2)}) ` +
        `and ${rates.bulk!.combined! / rates.bulk!.native! >= 0.8 ? 'meets' : 'misses'} it on bulk statements (${(rates.bulk!.combined! / rates.bulk!.native!).toFixed(2)}); ` +
        `dbsplit lag p95 ${(lags.combined!.p95 * 1000).toFixed(0)} ms (goal < 1000 ms), native ${(lags.native!.p95 * 1000).toFixed(0)} ms`,
    );
  } finally {
    abort.abort();
    await Promise.allSettled(runners);
    if (base) {
      await withClient(dbUrl(base, nativeDb), (c) => c.query('ALTER SUBSCRIPTION bench_native_sub DISABLE').then(() => c.query(`ALTER SUBSCRIPTION bench_native_sub SET (slot_name = NONE)`)).then(() => c.query('DROP SUBSCRIPTION bench_native_sub'))).catch(() => undefined);
      await withClient(base, async (c) => {
        await c.query(`SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE database = $1 AND NOT active`, [monolithDb]).catch(() => undefined);
        for (const db of [nativeDb, targetDbs.combined, targetDbs.plain, monolithDb]) await c.query(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`).catch(() => undefined);
      }).catch(() => undefined);
    }
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
