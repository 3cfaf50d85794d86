import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runShadow } from '../../src/sync/stream/index.js';
import { serverUrl } from '../helpers/pg.js';
import { setupShadow, uniqueService, withClient, type ShadowFixture } from './shadow-stream-helpers.js';

/**
 * The direct runner on a real server: every kind of change (inserts, updates of values and of
 * keys, deletes, TRUNCATE, a table without a primary key under REPLICA IDENTITY FULL),
 * interleaved transactions from several connections and a rolled-back one, applied while
 * streaming; the target ends equal to the monolith row for row.
 */

const SCHEMA = `
CREATE TABLE accounts (id bigint PRIMARY KEY, owner text NOT NULL, balance numeric(14,2) NOT NULL, updated_at timestamptz NOT NULL DEFAULT now());
CREATE TABLE items (shelf int NOT NULL, code text NOT NULL, qty int NOT NULL, meta jsonb, PRIMARY KEY (shelf, code));
CREATE TABLE events (kind text, payload text, n int);
ALTER TABLE events REPLICA IDENTITY FULL;
CREATE TABLE scratch (id int PRIMARY KEY, v text);
INSERT INTO accounts SELECT g, 'owner ' || g, g * 10, '2024-01-01' FROM generate_series(1, 200) g;
INSERT INTO items SELECT g % 7, 'c' || g, g, jsonb_build_object('g', g) FROM generate_series(1, 100) g;
INSERT INTO events SELECT 'seed', 'p' || (g % 5), g % 3 FROM generate_series(1, 30) g;
INSERT INTO scratch SELECT g, 'v' || g FROM generate_series(1, 50) g;
`;

const TABLES: Array<[string, string]> = [
  ['accounts', 'id'],
  ['items', 'shelf, code'],
  ['events', 'kind, payload, n'],
  ['scratch', 'id'],
];

describe('shadow run: streaming equality', () => {
  let f: ShadowFixture;

  beforeAll(async () => {
    f = await setupShadow({ service: uniqueService('sstream'), schemaSql: SCHEMA, tables: ['accounts', 'items', 'events', 'scratch'], monolithServer: serverUrl(), targetServer: serverUrl() });
  });

  afterAll(async () => {
    await f?.cleanup();
  });

  async function expectEqual(): Promise<void> {
    for (const [table, key] of TABLES) {
      const d = await f.digests(table, key);
      expect({ table, digest: d.target }).toEqual({ table, digest: d.source });
    }
  }

  it('starts equal after the backfill', async () => {
    const r = await f.catchUp();
    expect(r.reason).toBe('caught-up');
    expect(r.appliedChanges).toBe(0);
    await expectEqual();
    expect((await f.target<{ n: number }>('SELECT count(*)::int AS n FROM accounts'))[0]!.n).toBe(200);
  });

  it('applies every kind of change made while it streams, and a rolled-back transaction not at all', async () => {
    const abort = new AbortController();
    const progress: number[] = [];
    const running = runShadow({ service: f.service, planPath: f.planPath, heartbeatMs: 200, signal: abort.signal, batchSize: 50 }, { onProgress: (p) => progress.push(p.appliedChanges) });

    await withClient(f.monolithUrl, async (c) => {
      await c.query(`INSERT INTO accounts SELECT g, 'new ' || g, g, now() FROM generate_series(201, 1200) g`);
      await c.query(`UPDATE accounts SET balance = balance + 1, updated_at = now() WHERE id % 3 = 0`);
      // key updates, including one that moves a row onto a freed key
      await c.query(`DELETE FROM accounts WHERE id = 5`);
      await c.query(`UPDATE accounts SET id = 5 WHERE id = 6`);
      await c.query(`UPDATE accounts SET id = id + 100000 WHERE id BETWEEN 10 AND 20`);
      await c.query(`UPDATE items SET code = code || 'x', qty = qty + 1 WHERE shelf = 3`);
      await c.query(`UPDATE items SET meta = NULL WHERE shelf = 4`);
      await c.query(`DELETE FROM items WHERE shelf = 5`);
      // REPLICA IDENTITY FULL without a key: duplicates must be changed one at a time
      await c.query(`INSERT INTO events VALUES ('dup', 'same', 1), ('dup', 'same', 1), ('dup', 'same', 1)`);
      await c.query(`UPDATE events SET n = 42 WHERE ctid = (SELECT ctid FROM events WHERE kind = 'dup' LIMIT 1)`);
      await c.query(`DELETE FROM events WHERE ctid = (SELECT ctid FROM events WHERE kind = 'dup' AND n = 1 LIMIT 1)`);
      await c.query(`UPDATE events SET payload = NULL WHERE kind = 'seed' AND n = 2`);
      await c.query(`DELETE FROM events WHERE kind = 'seed' AND n = 0`);
      await c.query(`TRUNCATE scratch`);
      await c.query(`INSERT INTO scratch VALUES (1, 'after truncate'), (2, 'second')`);
      await c.query('BEGIN');
      await c.query(`INSERT INTO accounts VALUES (999999, 'rolled back', 1, now())`);
      await c.query(`DELETE FROM items`);
      await c.query('ROLLBACK');
    });

    // interleaved transactions from several connections, committed in another order
    const clients = await Promise.all([0, 1, 2].map(async () => {
      const c = new pg.Client({ connectionString: f.monolithUrl });
      await c.connect();
      return c;
    }));
    try {
      for (const c of clients) await c.query('BEGIN');
      for (let i = 0; i < 30; i++) {
        const c = clients[i % 3]!;
        await c.query(`INSERT INTO accounts VALUES ($1, $2, $3, now())`, [500000 + i, `tx${i % 3}`, i]);
        await c.query(`UPDATE accounts SET balance = balance - 1 WHERE id = $1`, [300 + (i % 3)]);
      }
      await clients[2]!.query('COMMIT');
      await clients[0]!.query('COMMIT');
      await clients[1]!.query('ROLLBACK');
    } finally {
      for (const c of clients) await c.end();
    }

    // one big transaction, applied incrementally (batch size 50)
    await f.mono(`UPDATE accounts SET owner = owner || '!' WHERE id <= 1200`);

    // a marker written last (a key the seed does not have): once the target has it, the running runner has caught up
    await f.mono(`INSERT INTO scratch VALUES (1000, 'marker')`);
    const deadline = Date.now() + 30_000;
    while ((await f.target('SELECT 1 FROM scratch WHERE id = 1000')).length === 0) {
      if (Date.now() > deadline) throw new Error('the runner did not apply the marker within 30 s');
      await new Promise((r) => setTimeout(r, 100));
    }
    abort.abort();
    const result = await running;
    expect(result.reason).toBe('signal');
    expect(result.appliedChanges).toBeGreaterThan(1000);
    expect(progress.length).toBeGreaterThan(0);

    // whatever is left (nothing, normally) is applied by a catch-up run
    const r = await f.catchUp();
    expect(r.reason).toBe('caught-up');
    await expectEqual();
    expect((await f.target<{ n: number }>(`SELECT count(*)::int AS n FROM accounts WHERE id = 999999 OR owner = 'tx1'`))[0]!.n).toBe(0);
    expect((await f.target<{ n: number }>(`SELECT count(*)::int AS n FROM events WHERE kind = 'dup'`))[0]!.n).toBe(2);
    expect((await f.target<{ v: string }>(`SELECT v FROM scratch ORDER BY id`)).map((x) => x.v)).toEqual(['after truncate', 'second', 'marker']);
    expect(r.missingRows + result.missingRows).toBe(0);
  });

  it('records its heartbeat and position, and stops when shadow stop asks', async () => {
    const [state] = await f.mono<{ desired: string; applied_changes: string; applied_lsn: string | null; runner_pid: number | null }>(
      `SELECT desired, applied_changes::text, applied_lsn::text, runner_pid FROM _dbsplit.sync_state WHERE service = $1`,
      [f.service],
    );
    expect(state!.desired).toBe('running');
    expect(Number(state!.applied_changes)).toBeGreaterThan(1000);
    expect(state!.applied_lsn).not.toBeNull();
    expect(state!.runner_pid).toBeNull();

    const running = runShadow({ service: f.service, planPath: f.planPath, heartbeatMs: 200 });
    await new Promise((r) => setTimeout(r, 800));
    const [live] = await f.mono<{ runner_pid: number | null }>(`SELECT runner_pid FROM _dbsplit.sync_state WHERE service = $1`, [f.service]);
    expect(live!.runner_pid).toBe(process.pid);
    await f.mono(`UPDATE _dbsplit.sync_state SET desired = 'stopped' WHERE service = $1`, [f.service]);
    const r = await running;
    expect(r.reason).toBe('stopped');
  });

  it('refuses to run a service whose phase is not shadowing, pointing to shadow start', async () => {
    await f.mono(`UPDATE _dbsplit.services SET phase = 'provisioned' WHERE name = $1`, [f.service]);
    try {
      await expect(f.catchUp()).rejects.toMatchObject({ code: 'E_PRECONDITION', message: expect.stringContaining('phase provisioned') });
    } finally {
      await f.mono(`UPDATE _dbsplit.services SET phase = 'shadowing' WHERE name = $1`, [f.service]);
    }
  });

  it('a second runner for the same service exits with a clear message', async () => {
    const first = runShadow({ service: f.service, planPath: f.planPath, heartbeatMs: 200 });
    await new Promise((r) => setTimeout(r, 800));
    try {
      await expect(runShadow({ service: f.service, planPath: f.planPath, lockWaitMs: 500 })).rejects.toMatchObject({ code: 'E_PRECONDITION', message: expect.stringContaining('a dbsplit process is working on') });
    } finally {
      await f.mono(`UPDATE _dbsplit.sync_state SET desired = 'stopped' WHERE service = $1`, [f.service]);
      await first;
    }
  });
});
