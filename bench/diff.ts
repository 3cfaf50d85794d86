/**
 * bench/diff: `dbsplit diff` on a 10-million-row table (about 100 bytes a row), equal and with
 * 100 planted differences, against, in the same run:
 * - the floor: the two databases each computing one full-table checksum (count and sum of the
 *   same per-row md5 hashes dbsplit uses), in parallel — the least work any checksum comparison
 *   does; the goal is dbsplit within 1.5x of it;
 * - a naive compare: both tables streamed sorted by key (COPY ... TO STDOUT) and compared line
 *   by line in Node.
 *
 * The two databases live on one server (DBSPLIT_TEST_PG_URL, or an embedded PostgreSQL started
 * here): the monolith is filled with INSERT ... SELECT generate_series, the service's database is
 * a copy of it (CREATE DATABASE ... TEMPLATE), then differences are planted.
 *
 * `npm run bench -- diff [--rows N]` (default 10,000,000).
 */
import { loadavg } from 'node:os';
import { createInterface } from 'node:readline';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import copyStreams from 'pg-copy-streams';
import { startEmbeddedPostgres, type EmbeddedServer } from '../src/db/embedded.js';
import { diffDatabases } from '../src/diff/index.js';
import { tableChecksumSql } from '../src/diff/diff-sql.js';
import { SidePool } from '../src/diff/side-pool.js';
import { buildShape, readSideTable } from '../src/diff/table-shape.js';
import type { DiffResult } from '../src/diff/types.js';
import { dbUrl, median, withClient } from './support.js';

const DEFAULT_ROWS = 10_000_000;
const PLANTED = 100;

const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;



async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const t = performance.now();
  const value = await fn();
  return { ms: performance.now() - t, value };
}

const TABLE_SQL = `CREATE TABLE ledger (
  id bigint PRIMARY KEY,
  account_id integer NOT NULL,
  amount numeric(12,2) NOT NULL,
  status text NOT NULL,
  created_at timestamptz NOT NULL,
  reference text NOT NULL,
  note text
)`;

/** ~100 bytes a row on disk (tuple header included). */
function fillSql(rows: number): string {
  return `INSERT INTO ledger
    SELECT g, g % 100000, ((g * 7919) % 1000000) / 100.0,
           (ARRAY['pending','paid','shipped','refunded'])[1 + g % 4],
           timestamptz '2020-01-01 00:00:00+00' + g * interval '3 seconds',
           md5(g::text),
           CASE WHEN g % 3 = 0 THEN NULL ELSE 'note ' || (g % 1000) END
      FROM generate_series(1::bigint, ${rows}) g`;
}

/** The floor: one full-table checksum per side, both at once, with dbsplit's session settings. */
async function floor(sourceUrl: string, targetUrl: string): Promise<number> {
  const pools = { source: await SidePool.open(sourceUrl, 1), target: await SidePool.open(targetUrl, 1) };
  try {
    const [s, t] = await Promise.all([readSideTable(pools.source, { schema: 'public', name: 'ledger' }), readSideTable(pools.target, { schema: 'public', name: 'ledger' })]);
    const shape = buildShape({ source: { schema: 'public', name: 'ledger' }, target: { schema: 'public', name: 'ledger' } }, s!, t!);
    const { ms } = await timed(() => Promise.all([pools.source.query(tableChecksumSql(shape, 'source')), pools.target.query(tableChecksumSql(shape, 'target'))]));
    return ms;
  } finally {
    await Promise.all([pools.source.close(), pools.target.close()]);
  }
}

/** Naive: both tables streamed in key order, compared line by line. Returns rows that differ. */
async function naive(sourceUrl: string, targetUrl: string): Promise<{ rows: number; bytes: number }> {
  let bytes = 0;
  const open = async (url: string) => {
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    await c.query(`SET TimeZone = 'UTC'; SET DateStyle = 'ISO, YMD'; SET extra_float_digits = 3`);
    const stream = c.query(copyStreams.to('COPY (SELECT * FROM ledger ORDER BY id) TO STDOUT'));
    const it = createInterface({ input: stream, crlfDelay: Infinity })[Symbol.asyncIterator]();
    const lines = {
      next: async () => {
        const r = await it.next();
        if (!r.done) bytes += r.value.length + 1;
        return r;
      },
    };
    return { c, lines };
  };
  const a = await open(sourceUrl);
  const b = await open(targetUrl);
  const keyOf = (line: string) => Number(line.slice(0, line.indexOf('\t')));
  let differ = 0;
  try {
    let x = await a.lines.next();
    let y = await b.lines.next();
    while (!x.done || !y.done) {
      if (y.done || (!x.done && keyOf(x.value) < keyOf(y.value))) {
        differ++;
        x = await a.lines.next();
      } else if (x.done || keyOf(y.value) < keyOf(x.value)) {
        differ++;
        y = await b.lines.next();
      } else {
        if (x.value !== y.value) differ++;
        x = await a.lines.next();
        y = await b.lines.next();
      }
    }
  } finally {
    await Promise.all([a.c.end(), b.c.end()]);
  }
  return { rows: differ, bytes };
}

async function dbsplit(sourceUrl: string, targetUrl: string, jobs: number): Promise<{ ms: number; result: DiffResult }> {
  const { ms, value } = await timed(() =>
    diffDatabases({ service: 'bench', sourceUrl, targetUrl, jobs, settle: false, tables: [{ source: { schema: 'public', name: 'ledger' }, target: { schema: 'public', name: 'ledger' } }] }),
  );
  return { ms, result: value.result };
}

function found(r: DiffResult): string {
  const t = r.totals;
  return `${t.missing} missing, ${t.extra} extra, ${t.changed} changed`;
}

const PAIRS = 3;


/**
 * The floor and dbsplit run back to back, PAIRS times, and the ratio is the median of the pairs'
 * ratios: on a shared machine a neighbour's burst then moves both sides of a pair alike, and one
 * bad pair does not decide the result.
 */
async function scenario(title: string, sourceUrl: string, targetUrl: string, expected: number): Promise<{ ratio: number }> {
  console.log(`\n${title}`);
  const ratios: number[] = [];
  const runs: { ms: number; result: DiffResult }[] = [];
  for (let i = 0; i < PAIRS; i++) {
    const f = await floor(sourceUrl, targetUrl);
    const r = await dbsplit(sourceUrl, targetUrl, 2);
    runs.push(r);
    ratios.push(r.ms / f);
    const s = r.result.tables[0]!.stats;
    console.log(
      `  pair ${i + 1}: floor (one full-table checksum per side, in parallel) ${secs(f)}; dbsplit diff --jobs 2 ${secs(r.ms)} → ${(r.ms / f).toFixed(2)}x` +
        `  [found ${found(r.result)}; ${s.segmentQueries} checksum queries, ${s.mismatchedSegments} mismatching segments, ${s.rowsFetched.toLocaleString('en-US')} rows fetched, depth ${s.depth}; load ${loadavg()[0]!.toFixed(1)}]`,
    );
  }
  const f1 = await floor(sourceUrl, targetUrl);
  const d1 = await dbsplit(sourceUrl, targetUrl, 1);
  console.log(`  dbsplit diff --jobs 1: ${secs(d1.ms)} (floor just before: ${secs(f1)}) → ${(d1.ms / f1).toFixed(2)}x`);
  const n = await timed(() => naive(sourceUrl, targetUrl));
  console.log(`  naive, both streamed sorted and compared in Node: ${secs(n.ms)}  (${n.value.rows} rows differ, ${(n.value.bytes / 1e9).toFixed(2)} GB streamed)`);
  for (const r of [...runs, d1]) {
    const total = r.result.totals.missing + r.result.totals.extra + r.result.totals.changed;
    if (total !== expected) console.log(`  !! dbsplit found ${total} differences, expected ${expected}`);
  }
  if (n.value.rows !== expected) console.log(`  !! naive found ${n.value.rows} differences, expected ${expected}`);
  const ratio = median(ratios);
  const best = Math.min(...runs.map((r) => r.ms));
  console.log(`  ratio dbsplit / floor: ${ratio.toFixed(2)}x (median of ${PAIRS} pairs; goal 1.5x); dbsplit / naive: ${(best / n.ms).toFixed(2)}x`);
  return { ratio };
}

export async function main(args: readonly string[] = []): Promise<void> {
  const i = args.indexOf('--rows');
  const rows = i >= 0 ? Number(args[i + 1]) : DEFAULT_ROWS;
  let server: EmbeddedServer | undefined;
  let adminUrl = process.env.DBSPLIT_TEST_PG_URL;
  if (!adminUrl) {
    server = await startEmbeddedPostgres();
    adminUrl = server.url('postgres');
  }
  const suffix = Date.now().toString(36);
  const src = `bench_diff_src_${suffix}`;
  const tgt = `bench_diff_tgt_${suffix}`;
  const sourceUrl = dbUrl(adminUrl, src);
  const targetUrl = dbUrl(adminUrl, tgt);
  const started = performance.now();
  try {
    const version = await withClient(adminUrl, async (c) => {
      await c.query(`CREATE DATABASE ${src}`);
      return (await c.query<{ v: string }>("SELECT current_setting('server_version') AS v")).rows[0]!.v;
    });
    const gen = await timed(() =>
      withClient(sourceUrl, async (c) => {
        await c.query(TABLE_SQL.replace('PRIMARY KEY', ''));
        await c.query(fillSql(rows));
        await c.query('ALTER TABLE ledger ADD PRIMARY KEY (id)');
        await c.query('VACUUM ANALYZE ledger');
        return (await c.query<{ size: string; per: string }>(`SELECT pg_size_pretty(pg_relation_size('ledger')) AS size, (pg_relation_size('ledger') / greatest(count(*), 1))::text AS per FROM ledger`)).rows[0]!;
      }),
    );
    const clone = await timed(() => withClient(adminUrl!, (c) => c.query(`CREATE DATABASE ${tgt} TEMPLATE ${src}`)));
    console.log(`bench/diff: ${rows.toLocaleString('en-US')} rows, ${gen.value.per} bytes a row on disk (${gen.value.size} per table), PostgreSQL ${version}, 2 databases on one server`);
    console.log(`  setup: generated and indexed in ${secs(gen.ms)}, copied (CREATE DATABASE ... TEMPLATE) in ${secs(clone.ms)}`);
    // Warm both caches the same way before the first measurement.
    await Promise.all([sourceUrl, targetUrl].map((u) => withClient(u, (c) => c.query('SELECT count(*) FROM ledger'))));

    const equal = await scenario('equal tables:', sourceUrl, targetUrl, 0);

    // 100 differences spread over the key space: missing, changed and extra rows.
    // A multiplicative stride coprime with 10^k: distinct ids, evenly spread.
    const ids = [...new Set(Array.from({ length: PLANTED }, (_, k) => 1 + ((11 + k * 2_654_435_761) % rows)))];
    const missing = ids.filter((_, k) => k % 3 === 0);
    const changed = ids.filter((_, k) => k % 3 === 1);
    const extra = ids.filter((_, k) => k % 3 === 2);
    await withClient(targetUrl, async (c) => {
      await c.query('DELETE FROM ledger WHERE id = ANY($1::bigint[])', [missing]);
      await c.query(`UPDATE ledger SET note = coalesce(note, '') || ' (edited)' WHERE id = ANY($1::bigint[])`, [changed]);
    });
    await withClient(sourceUrl, (c) => c.query('DELETE FROM ledger WHERE id = ANY($1::bigint[])', [extra]));
    const planted = await scenario(`${PLANTED} planted differences (34 missing, 33 changed, 33 extra, spread over the keys):`, sourceUrl, targetUrl, PLANTED);

    console.log(`\nsummary: dbsplit diff / floor = ${equal.ratio.toFixed(2)}x (equal), ${planted.ratio.toFixed(2)}x (${PLANTED} differences); goal 1.5x: ${Math.max(equal.ratio, planted.ratio) <= 1.5 ? 'met' : 'not met'}`);
    console.log(`whole benchmark: ${secs(performance.now() - started)}`);
  } finally {
    await withClient(adminUrl, async (c) => {
      for (const db of [tgt, src]) await c.query(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
    }).catch(() => undefined);
    await server?.stop();
  }
}
