import { LogicalReplicationService, PgoutputPlugin } from 'pg-logical-replication';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backfillPending } from '../../src/sync/backfill/index.js';
import { cancelShadow, startShadow, stopShadow } from '../../src/sync/lifecycle.js';
import { shadowStatus } from '../../src/sync/status.js';
import { compareTable, sampleOrdersFixture, withClient, type ShadowFixture } from '../helpers/shadow-lifecycle-fixture.js';

/**
 * `shadow start / stop / cancel` on the sample monolith's orders service (orders,
 * order_items, order_status_history, and the shared currencies copied into it).
 */

const TABLES = ['public.currencies', 'public.order_items', 'public.order_status_history', 'public.orders'];

interface FakeRunner {
  readonly done: Promise<void>;
  stop(): Promise<void>;
}

/**
 * Stands in for `shadow run`: reads the slot (so it is active) and, if `obeys`, exits when
 * sync_state.desired turns 'stopped', as the real runner does.
 */
function fakeRunner(f: ShadowFixture, obeys: boolean): FakeRunner {
  const service = new LogicalReplicationService({ connectionString: f.monolith.url }, { acknowledge: { auto: false, timeoutSeconds: 0 } });
  service.on('error', () => undefined);
  const done = service.subscribe(new PgoutputPlugin({ protoVersion: 1, publicationNames: [`dbsplit_${f.service}`] }), `dbsplit_${f.service}`).then(
    () => undefined,
    () => undefined,
  );
  let timer: NodeJS.Timeout | undefined;
  if (obeys) {
    timer = setInterval(() => {
      void withClient(f.monolith.url, (c) => c.query<{ desired: string }>('SELECT desired FROM _dbsplit.sync_state WHERE service = $1', [f.service])).then(async (r) => {
        if (r.rows[0]?.desired === 'stopped') {
          clearInterval(timer);
          await service.stop();
        }
      });
    }, 100);
  }
  return {
    done,
    stop: async () => {
      clearInterval(timer);
      await service.stop().catch(() => undefined);
    },
  };
}

async function slotActive(f: ShadowFixture): Promise<boolean | undefined> {
  const r = await f.monolith.query<{ active: boolean }>('SELECT active FROM pg_replication_slots WHERE slot_name = $1', [`dbsplit_${f.service}`]);
  return r[0]?.active;
}

async function waitFor(check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 50));
  }
}

const targetQuery = <R extends pg.QueryResultRow>(f: ShadowFixture, sql: string, params: unknown[] = []) => withClient(f.targetUrl, async (c) => (await c.query<R>(sql, params)).rows);

describe('dbsplit shadow start', () => {
  let f: ShadowFixture;

  beforeAll(async () => {
    f = await sampleOrdersFixture('shst', { scale: 0.2 });
  });

  afterAll(async () => {
    await f?.cleanup();
  });

  it('--dry-run shows the publication, the slot and the copies, and changes nothing', async () => {
    const r = await startShadow({ planPath: f.planPath, service: f.service, dryRun: true });
    expect(r.dryRun).toBe(true);
    expect(r.tables.map((t) => t.table).sort()).toEqual(TABLES);
    expect(r.tables.find((t) => t.table === 'public.currencies')?.shared).toBe(true);
    const sql = r.steps.flatMap((s) => s.sql).join('\n');
    expect(sql).toContain(`CREATE PUBLICATION dbsplit_${f.service} FOR TABLE ONLY public.currencies, ONLY public.orders`);
    expect(sql).toContain(`CREATE_REPLICATION_SLOT dbsplit_${f.service} LOGICAL pgoutput (SNAPSHOT 'export')`);
    expect(sql).toMatch(/COPY public\.orders \(id, order_number, .*\) TO STDOUT/);
    expect(await f.monolith.query('SELECT 1 FROM pg_replication_slots WHERE slot_name = $1', [`dbsplit_${f.service}`])).toEqual([]);
    expect(await f.monolith.query('SELECT 1 FROM pg_publication WHERE pubname = $1', [`dbsplit_${f.service}`])).toEqual([]);
    expect(await f.monolith.query('SELECT phase FROM _dbsplit.services WHERE name = $1', [f.service])).toEqual([{ phase: 'provisioned' }]);
    expect(await targetQuery(f, "SELECT 1 FROM pg_namespace WHERE nspname = '_dbsplit_sync'")).toEqual([]);
    expect(await targetQuery(f, 'SELECT count(*)::int AS n FROM public.orders')).toEqual([{ n: 0 }]);
  });

  it('creates publication and slot, and copies every table inside the slot\'s snapshot', async () => {
    const events: string[] = [];
    const r = await startShadow({ planPath: f.planPath, service: f.service, dryRun: false, jobs: 2, onEvent: (e) => events.push(e.kind) });
    expect(r.slotCreated).toBe(true);
    expect(r.phase).toBe('shadowing');
    expect(r.copied.map((c) => c.table).sort()).toEqual(TABLES);
    expect(events[0]).toBe('snapshot');
    expect(events.filter((e) => e === 'table-done')).toHaveLength(4);

    for (const t of TABLES) {
      const [schema, name] = t.split('.') as [string, string];
      const cmp = await compareTable(f.monolith.url, f.targetUrl, { schema, name });
      expect(cmp.source.rows, t).toBeGreaterThan(0);
      expect(cmp.target, t).toEqual(cmp.source);
    }
    const slot = await f.monolith.query<{ confirmed_flush_lsn: string }>('SELECT confirmed_flush_lsn::text FROM pg_replication_slots WHERE slot_name = $1', [`dbsplit_${f.service}`]);
    const point = slot[0]!.confirmed_flush_lsn;
    expect(r.streamFrom).toBe(point);
    const rows = await targetQuery<{ table_name: string; status: string; snapshot_lsn: string; rows: string }>(f, 'SELECT table_name, status, snapshot_lsn::text, rows::text FROM _dbsplit_sync.backfill WHERE service = $1 ORDER BY 1', [f.service]);
    expect(rows.map((x) => [x.table_name, x.status, x.snapshot_lsn])).toEqual(TABLES.map((t) => [t, 'done', point]));
    const orders = await f.monolith.query<{ n: string }>('SELECT count(*)::text AS n FROM orders');
    expect(rows.find((x) => x.table_name === 'public.orders')?.rows).toBe(orders[0]!.n);
    expect(await targetQuery(f, 'SELECT lsn::text FROM _dbsplit_sync.position WHERE service = $1', [f.service])).toEqual([{ lsn: point }]);

    const pub = await f.monolith.query<{ t: string }>(`SELECT schemaname || '.' || tablename AS t FROM pg_publication_tables WHERE pubname = $1 ORDER BY 1`, [`dbsplit_${f.service}`]);
    expect(pub.map((p) => p.t)).toEqual(TABLES);
    expect(await f.monolith.query('SELECT slot_name, publication, transport, desired FROM _dbsplit.sync_state WHERE service = $1', [f.service])).toEqual([
      { slot_name: `dbsplit_${f.service}`, publication: `dbsplit_${f.service}`, transport: 'direct', desired: 'running' },
    ]);
    expect(await f.monolith.query(`SELECT step, status FROM _dbsplit.journal WHERE service = $1 AND action = 'shadow-start' ORDER BY id`, [f.service])).toEqual(
      ['publication', 'create-slot', 'reset-target-state', 'record-sync-state', 'backfill'].map((step) => ({ step, status: 'done' })),
    );
  });

  it('run again, it has nothing to copy; --table re-copies one table in a later snapshot', async () => {
    const again = await startShadow({ planPath: f.planPath, service: f.service, dryRun: false });
    expect(again.slotCreated).toBe(false);
    expect(again.copied).toEqual([]);
    const before = await targetQuery<{ table_name: string; snapshot_lsn: string }>(f, 'SELECT table_name, snapshot_lsn::text FROM _dbsplit_sync.backfill WHERE service = $1 ORDER BY 1', [f.service]);

    await f.monolith.exec(`UPDATE orders SET notes = 'changed after the backfill' WHERE id IN (SELECT id FROM orders ORDER BY id LIMIT 5)`);
    const r = await startShadow({ planPath: f.planPath, service: f.service, dryRun: false, table: 'orders' });
    expect(r.copied.map((c) => c.table)).toEqual(['public.orders']);
    const after = await targetQuery<{ table_name: string; snapshot_lsn: string; later: boolean }>(
      f,
      `SELECT b.table_name, b.snapshot_lsn::text, b.snapshot_lsn > p.lsn AS later FROM _dbsplit_sync.backfill b JOIN _dbsplit_sync.position p USING (service) WHERE service = $1 ORDER BY 1`,
      [f.service],
    );
    for (const a of after) {
      const b = before.find((x) => x.table_name === a.table_name)!;
      if (a.table_name === 'public.orders') expect(a.later).toBe(true);
      else expect(a.snapshot_lsn).toBe(b.snapshot_lsn);
    }
    expect(r.copied[0]!.snapshotLsn).toBe(after.find((a) => a.table_name === 'public.orders')!.snapshot_lsn);
    expect(await targetQuery(f, `SELECT count(*)::int AS n FROM public.orders WHERE notes = 'changed after the backfill'`)).toEqual([{ n: 5 }]);
    // The temporary slot went with its connection.
    expect(await f.monolith.query(`SELECT slot_name FROM pg_replication_slots WHERE slot_name LIKE $1`, [`dbsplit\\_${f.service}\\_tmp%`])).toEqual([]);
  });

  it('refuses --table while a runner holds the service\'s lock on the target', async () => {
    const holder = new pg.Client({ connectionString: f.targetUrl });
    await holder.connect();
    try {
      await holder.query('SELECT pg_advisory_lock(hashtext($1))', [`dbsplit:${f.service}`]);
      await expect(startShadow({ planPath: f.planPath, service: f.service, dryRun: false, table: 'orders' })).rejects.toMatchObject({ code: 'E_PRECONDITION', message: expect.stringContaining('a dbsplit process is working on') });
      await expect(backfillPending({ planPath: f.planPath, service: f.service, tables: ['nope'] })).rejects.toMatchObject({ code: 'E_UNKNOWN_TABLE' });
    } finally {
      await holder.end();
    }
  });

  it('status reports phase, backfill, slot and lag, and warns that nobody reads the slot', async () => {
    const s = await shadowStatus({ planPath: f.planPath, service: f.service });
    expect(s.services).toHaveLength(1);
    const o = s.services[0]!;
    expect(o).toMatchObject({ service: f.service, phase: 'shadowing', started: true, transport: 'direct', inPlan: true });
    expect(o.slot).toMatchObject({ name: `dbsplit_${f.service}`, exists: true, active: false });
    expect(o.slot.retainedWalBytes).toBeGreaterThan(0);
    expect(o.publication).toEqual({ name: `dbsplit_${f.service}`, exists: true, tables: 4 });
    expect(o.backfill).toMatchObject({ tablesTotal: 4, tablesDone: 4, tablesCopying: 0 });
    expect(o.lag.bytes).toBeGreaterThan(0);
    expect(o.runner).toMatchObject({ desired: 'running', pid: null, alive: false });
    expect(o.warnings.some((w) => w.includes('is inactive: no runner reads it'))).toBe(true);
    expect(s.warnings.every((w) => !w.includes('belongs to no service'))).toBe(true);
  });

  it('stop asks the runner to exit, waits for the slot to be released, and keeps the slot', async () => {
    const runner = fakeRunner(f, true);
    try {
      await waitFor(async () => (await slotActive(f)) === true);
      const r = await stopShadow({ planPath: f.planPath, service: f.service, timeoutMs: 10_000 });
      expect(r).toMatchObject({ wasActive: true, stopped: true, slotExists: true });
      expect(await slotActive(f)).toBe(false);
      expect(await f.monolith.query('SELECT desired FROM _dbsplit.sync_state WHERE service = $1', [f.service])).toEqual([{ desired: 'stopped' }]);
      const s = await shadowStatus({ planPath: f.planPath, service: f.service });
      expect(s.services[0]!.warnings.some((w) => w.startsWith('stopped (dbsplit shadow stop)'))).toBe(true);
    } finally {
      await runner.stop();
    }
  });

  it('cancel --dry-run changes nothing; cancel drops slot and publication, even under a runner that does not stop, and keeps the data', async () => {
    const counts = await targetQuery<{ n: number }>(f, 'SELECT count(*)::int AS n FROM public.order_items');
    const dry = await cancelShadow({ planPath: f.planPath, service: f.service, dryRun: true });
    expect(dry.steps.map((s) => s.kind)).toEqual(['set-desired', 'drop-slot', 'drop-publication', 'delete-sync-state', 'record-phase']);
    expect(dry.steps.flatMap((s) => s.sql).join('\n')).toContain(`SELECT pg_drop_replication_slot('dbsplit_${f.service}')`);
    expect(await slotActive(f)).toBe(false);
    expect(await f.monolith.query('SELECT phase FROM _dbsplit.services WHERE name = $1', [f.service])).toEqual([{ phase: 'shadowing' }]);

    await f.monolith.exec(`UPDATE _dbsplit.sync_state SET desired = 'running' WHERE service = '${f.service}'`);
    const stubborn = fakeRunner(f, false);
    try {
      await waitFor(async () => (await slotActive(f)) === true);
      const r = await cancelShadow({ planPath: f.planPath, service: f.service, dryRun: false });
      expect(r.done).toEqual(expect.arrayContaining(['set-desired', 'terminate-runner', 'drop-slot', 'drop-publication', 'delete-sync-state', 'record-phase']));
      expect(r.terminatedPid).toBeGreaterThan(0);
      expect(r.phase).toBe('provisioned');
    } finally {
      await stubborn.stop();
    }
    expect(await f.monolith.query('SELECT 1 FROM pg_replication_slots WHERE slot_name = $1', [`dbsplit_${f.service}`])).toEqual([]);
    expect(await f.monolith.query('SELECT 1 FROM pg_publication WHERE pubname = $1', [`dbsplit_${f.service}`])).toEqual([]);
    expect(await f.monolith.query('SELECT 1 FROM _dbsplit.sync_state WHERE service = $1', [f.service])).toEqual([]);
    expect(await f.monolith.query('SELECT phase FROM _dbsplit.services WHERE name = $1', [f.service])).toEqual([{ phase: 'provisioned' }]);
    expect(await targetQuery(f, 'SELECT count(*)::int AS n FROM public.order_items')).toEqual(counts);
    expect((await cancelShadow({ planPath: f.planPath, service: f.service, dryRun: false })).nothingToDo).toBe(true);
  });

  it('starting again after cancel starts over: a new slot, every table copied again', async () => {
    await f.monolith.exec(`INSERT INTO order_status_history (order_id, to_status) SELECT id, 'shipped' FROM orders ORDER BY id LIMIT 3`);
    const r = await startShadow({ planPath: f.planPath, service: f.service, dryRun: false });
    expect(r.slotCreated).toBe(true);
    expect(r.copied.map((c) => c.table).sort()).toEqual(TABLES);
    const cmp = await compareTable(f.monolith.url, f.targetUrl, { schema: 'public', name: 'order_status_history' });
    expect(cmp.target).toEqual(cmp.source);
    const states = await targetQuery<{ later: boolean }>(f, `SELECT bool_and(b.snapshot_lsn = p.lsn) AS later FROM _dbsplit_sync.backfill b JOIN _dbsplit_sync.position p USING (service) WHERE service = $1`, [f.service]);
    expect(states).toEqual([{ later: true }]);
  });
});
