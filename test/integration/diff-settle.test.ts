import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { diffService } from '../../src/diff/index.js';
import type { DiffEvent } from '../../src/diff/types.js';
import { provisionService } from '../../src/provision/index.js';
import { startShadow } from '../../src/sync/lifecycle/start.js';
import { runShadow, type RunShadowResult } from '../../src/sync/stream/index.js';
import { createTestDatabase, serverUrl, type TestDatabase } from '../helpers/pg.js';
import { uniqueSuffix, withClient, writeDiffPlan } from './diff-fixture.js';

/**
 * A diff while shadow sync runs (the real runner, `dbsplit shadow run`) under pgbench load:
 * rows in flight differ during the pass (pgbench_branches changes with every transaction),
 * settle once sync has caught up, and are not reported; a difference planted in the service's
 * database, where no change will ever repair it, is.
 */

const PGBENCH = '/usr/lib/postgresql/15/bin/pgbench';
const exec = promisify(execFile);

function pgEnv(url: string): NodeJS.ProcessEnv {
  const u = new URL(url);
  return { ...process.env, PGHOST: u.hostname, PGPORT: u.port, PGUSER: decodeURIComponent(u.username), PGPASSWORD: decodeURIComponent(u.password), PGDATABASE: decodeURIComponent(u.pathname.slice(1)) };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('dbsplit diff while sync runs under pgbench', () => {
  const service = `dset${uniqueSuffix()}`;
  let monolith: TestDatabase;
  let target: TestDatabase;
  let dir: string;
  let planPath: string;
  const abort = new AbortController();
  let runner: Promise<RunShadowResult> | undefined;

  beforeAll(async () => {
    monolith = await createTestDatabase('dset_mono');
    target = await createTestDatabase('dset_tgt');
    await exec(PGBENCH, ['-i', '-s', '1', '-q'], { env: pgEnv(monolith.url) });
    await monolith.exec(`ALTER TABLE pgbench_history REPLICA IDENTITY FULL;
      CREATE TABLE notes (id int PRIMARY KEY, body text NOT NULL);
      INSERT INTO notes SELECT g, 'note ' || g FROM generate_series(1, 100) g; ANALYZE`);
    dir = mkdtempSync(join(tmpdir(), 'dbsplit-diff-settle-'));
    planPath = writeDiffPlan(dir, monolith.url, {
      [service]: { tables: ['pgbench_accounts', 'pgbench_branches', 'pgbench_tellers', 'pgbench_history', 'notes'], target: { url: target.url, isolation: 'database' } },
    });
    await provisionService({ service, planFile: planPath, outDir: join(dir, 'none'), dryRun: false });
    await startShadow({ planPath, service, dryRun: false });
    // Batches of a second: the target visibly lags the monolith while pgbench runs.
    runner = runShadow({ service, planPath, batchMs: 1000, heartbeatMs: 500, signal: abort.signal });
    runner.catch(() => undefined);
  }, 120_000);

  afterAll(async () => {
    abort.abort();
    await runner?.catch(() => undefined);
    await withClient(serverUrl(), async (c) => {
      for (let i = 0; i < 50; i++) {
        const slots = await c.query<{ slot_name: string; active_pid: number | null }>(`SELECT slot_name, active_pid FROM pg_replication_slots WHERE slot_name LIKE $1`, [`dbsplit\\_${service}%`]);
        if (slots.rows.length === 0) break;
        for (const s of slots.rows) {
          if (s.active_pid !== null) await c.query('SELECT pg_terminate_backend($1)', [s.active_pid]);
          await c.query('SELECT pg_drop_replication_slot($1)', [s.slot_name]).catch(() => undefined);
        }
        await sleep(100);
      }
    });
    await target?.drop();
    await monolith?.drop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const count = async (table: string): Promise<number> => (await monolith.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`))[0]!.n;

  it('reports only what persists once sync has caught up, and says how many settled', async () => {
    // A difference no change will repair: the service's database edited behind sync's back.
    await target.exec(`UPDATE notes SET body = 'drifted' WHERE id = 7`);
    const historyBefore = await count('pgbench_history');
    // pgbench writes through the whole first pass (however slow the machine) and stops when the
    // diff starts settling: a row still changing then could never settle.
    const bench = spawn(PGBENCH, ['-c', '4', '-j', '2', '-T', '120', '-n'], { env: pgEnv(monolith.url), stdio: 'ignore' });
    const benchDone = new Promise<void>((resolve) => bench.on('close', () => resolve()));
    try {
      await sleep(1500);
      const events: DiffEvent[] = [];
      const { result } = await diffService({
        planPath,
        service,
        settleTimeoutMs: 40_000,
        record: false,
        events: (e) => {
          events.push(e);
          if (e.kind === 'settle-start') bench.kill('SIGINT');
        },
      });
      expect(await count('pgbench_history')).toBeGreaterThan(historyBefore + 10);

      // The pass ran while pgbench was writing: it saw rows in flight.
      const settleStart = events.find((e) => e.kind === 'settle-start');
      expect(settleStart).toBeDefined();
      expect(result.settle.attempted).toBe(true);
      expect(result.totals.settled).toBeGreaterThan(0);
      expect(result.tables.find((t) => t.table === 'public.pgbench_branches')!.settled).toBeGreaterThan(0);

      for (const t of result.tables.filter((t) => t.table.startsWith('public.pgbench_'))) {
        expect({ table: t.table, missing: t.missing, extra: t.extra, changed: t.changed, error: t.error }).toEqual({ table: t.table, missing: 0, extra: 0, changed: 0, error: undefined });
      }
      const notes = result.tables.find((t) => t.table === 'public.notes')!;
      expect(notes.differences).toEqual([{ kind: 'changed', key: ['7'], columns: [{ column: 'body', source: 'note 7', target: 'drifted' }] }]);
      expect(result.totals).toMatchObject({ missing: 0, extra: 0, changed: 1, unsettled: 0 });
      expect(result.clean).toBe(false);
    } finally {
      bench.kill('SIGKILL');
      await benchDone;
    }
  }, 120_000);

  it('with settling off, in-flight rows are reported as first seen while pgbench runs', async () => {
    const bench = spawn(PGBENCH, ['-c', '4', '-j', '2', '-T', '120', '-n'], { env: pgEnv(monolith.url), stdio: 'ignore' });
    const benchDone = new Promise<void>((resolve) => bench.on('close', () => resolve()));
    let result: Awaited<ReturnType<typeof diffService>>['result'];
    try {
      await sleep(1500);
      ({ result } = await diffService({ planPath, service, settle: false, table: 'pgbench_branches', record: false }));
    } finally {
      bench.kill('SIGKILL');
      await benchDone;
    }
    expect(result.settle.attempted).toBe(false);
    expect(result.tables[0]!.changed).toBeGreaterThan(0);
  }, 60_000);

  // Last: it stops the runner.
  it('does not wait for a sync that is not running: says so at once, and confirms nothing', async () => {
    abort.abort();
    await runner;
    await monolith.exec(`UPDATE notes SET body = 'changed while sync is stopped' WHERE id = 9`);
    const started = Date.now();
    const { result } = await diffService({ planPath, service, table: 'notes', settleTimeoutMs: 40_000, record: false });
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(result.settle.note).toContain(`shadow sync of ${service} is not running`);
    expect(result.settle.note).toContain(`dbsplit shadow run ${service}`);
    const notes = result.tables[0]!;
    expect(notes.differences.map((d) => ({ key: d.key, unsettled: d.unsettled }))).toEqual([
      { key: ['7'], unsettled: true },
      { key: ['9'], unsettled: true },
    ]);
    expect(result.totals.unsettled).toBe(2);
  }, 60_000);
});
