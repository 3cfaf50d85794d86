import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { provisionService } from '../../src/provision/index.js';
import { startShadow } from '../../src/sync/lifecycle/start.js';
import { runShadow, type RunShadowOptions, type RunShadowResult } from '../../src/sync/stream/index.js';
import { uniqueSuffix, withClient } from '../helpers/pg.js';

export { withClient };

/**
 * Shared setup of the shadow streaming tests: a monolith database holding a service's tables,
 * a target database provisioned from it (dbsplit provision), and shadow sync started (dbsplit
 * shadow start: publication, slot, backfill, phase shadowing). Slots are per server, so each
 * test uses a service name of its own.
 */

export function uniqueService(prefix: string): string {
  return `${prefix}_${uniqueSuffix()}`.toLowerCase();
}


/** A database on the server of `adminUrl` (its `postgres` database). */
export async function createDatabase(adminUrl: string, name: string): Promise<string> {
  await withClient(adminUrl, (c) => c.query(`CREATE DATABASE "${name}"`));
  const u = new URL(adminUrl);
  u.pathname = '/' + name;
  return u.toString();
}

export async function dropDatabase(adminUrl: string, name: string): Promise<void> {
  await withClient(adminUrl, async (c) => {
    // A logical slot keeps its database from being dropped.
    const slots = await c.query<{ slot_name: string; active_pid: number | null }>('SELECT slot_name, active_pid FROM pg_replication_slots WHERE database = $1', [name]);
    for (const s of slots.rows) {
      if (s.active_pid) await c.query('SELECT pg_terminate_backend($1)', [s.active_pid]);
      for (let i = 0; i < 50; i++) {
        try {
          await c.query('SELECT pg_drop_replication_slot($1)', [s.slot_name]);
          break;
        } catch {
          await new Promise((r) => setTimeout(r, 100));
        }
      }
    }
    await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  });
}

export interface ShadowFixture {
  readonly service: string;
  readonly monolithUrl: string;
  readonly targetUrl: string;
  readonly planPath: string;
  readonly dir: string;
  /** Run SQL on the monolith. */
  mono<R extends pg.QueryResultRow = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<R[]>;
  /** Run SQL on the target. */
  target<R extends pg.QueryResultRow = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<R[]>;
  /** Stream until the target holds everything committed on the monolith so far. */
  catchUp(options?: Partial<RunShadowOptions>): Promise<RunShadowResult>;
  /** md5 over the rows of a table (same columns, same order) on monolith and target. */
  digests(table: string, orderBy: string): Promise<{ source: string | null; target: string | null; rows: number }>;
  cleanup(): Promise<void>;
}

export interface ShadowSetup {
  readonly service: string;
  /** DDL (and seed rows) of the monolith. Every table is the service's. */
  readonly schemaSql: string;
  readonly tables: readonly string[];
  /** `postgres` database URLs of the servers to use (default: the test server). */
  readonly monolithServer: string;
  readonly targetServer: string;
  /** Run shadow start (default true). */
  readonly start?: boolean;
  /** More top-level plan sections (YAML lines), e.g. a transport. */
  readonly planExtra?: readonly string[];
  /** Runs after the schema is loaded, before provision (e.g. pgbench -i). */
  readonly beforeProvision?: (monolithUrl: string) => Promise<void>;
}

export async function setupShadow(s: ShadowSetup): Promise<ShadowFixture> {
  const dir = mkdtempSync(join(tmpdir(), 'dbsplit-shadow-'));
  const monoName = `${s.service}_mono`;
  const targetName = `${s.service}_target`;
  const monolithUrl = await createDatabase(s.monolithServer, monoName);
  const targetUrl = await createDatabase(s.targetServer, targetName);
  await withClient(monolithUrl, (c) => c.query(s.schemaSql));
  await s.beforeProvision?.(monolithUrl);
  const planPath = join(dir, 'dbsplit.yaml');
  writeFileSync(
    planPath,
    ['version: 1', 'monolith:', `  url: "${monolithUrl}"`, 'services:', `  ${s.service}:`, `    tables: [${s.tables.join(', ')}]`, `    target: { url: "${targetUrl}", isolation: database }`, ...(s.planExtra ?? []), ''].join('\n'),
  );
  await provisionService({ service: s.service, planFile: planPath, outDir: join(dir, 'generated'), dryRun: false });
  if (s.start ?? true) await startShadow({ planPath, service: s.service, dryRun: false });
  const query =
    (url: string) =>
    <R extends pg.QueryResultRow>(sql: string, params?: unknown[]): Promise<R[]> =>
      withClient(url, async (c) => (await c.query<R>(sql, params)).rows);
  const mono = query(monolithUrl);
  const target = query(targetUrl);
  return {
    service: s.service,
    monolithUrl,
    targetUrl,
    planPath,
    dir,
    mono,
    target,
    catchUp: (options = {}) => runShadow({ service: s.service, planPath, untilCaughtUp: true, heartbeatMs: 300, retry: { initialMs: 200, maxMs: 2000 }, ...options }),
    digests: async (table, orderBy) => {
      const cols = await mono<{ c: string }>(
        `SELECT string_agg(quote_ident(attname), ', ' ORDER BY attnum) AS c FROM pg_attribute WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped`,
        [table],
      );
      const list = cols[0]!.c;
      const sql = `SELECT md5(string_agg(ROW(${list})::text, ',' ORDER BY ${orderBy})) AS d, count(*)::int AS n FROM ${table}`;
      const [a] = await mono<{ d: string | null; n: number }>(sql);
      const [b] = await target<{ d: string | null; n: number }>(sql);
      return { source: a!.d, target: b!.d, rows: a!.n };
    },
    cleanup: async () => {
      await dropDatabase(s.monolithServer, monoName).catch(() => undefined);
      await dropDatabase(s.targetServer, targetName).catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
