import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runShadow } from '../../src/sync/stream/index.js';
import { serverUrl } from '../helpers/pg.js';
import { setupShadow, uniqueService, type ShadowFixture } from './shadow-stream-helpers.js';
import { mulberry32 } from '../../src/analyzers/suggest/rng.js';

/**
 * `dbsplit shadow run` killed with SIGKILL at random moments while a writer commits a stream of
 * transactions (small ones, bulk ones, one large one), restarted each time; in the end, after
 * `--until-caught-up`, the target equals the monolith row for row. The seed of the random
 * moments is printed so a failure can be replayed.
 */

const ENTRY = fileURLToPath(new URL('./shadow-faults-entry.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

const SCHEMA = `
CREATE TABLE accounts (id int PRIMARY KEY, balance bigint NOT NULL, touched int NOT NULL DEFAULT 0);
CREATE TABLE history (account int NOT NULL, delta int NOT NULL, note text);
ALTER TABLE history REPLICA IDENTITY FULL;
CREATE TABLE items (id bigint PRIMARY KEY, label text NOT NULL, payload jsonb);
INSERT INTO accounts SELECT g, 1000, 0 FROM generate_series(1, 500) g;
`;


interface Child {
  readonly process: ChildProcess;
  readonly exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stdout: string;
  stderr: string;
}

function runCli(args: readonly string[]): Child {
  const child = spawn(process.execPath, ['--import', 'tsx', ENTRY, ...args], { cwd: ROOT, env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
  const c: Child = {
    process: child,
    stdout: '',
    stderr: '',
    exit: new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal }))),
  };
  child.stderr!.on('data', (d: Buffer) => (c.stderr += d.toString()));
  child.stdout!.on('data', (d: Buffer) => (c.stdout += d.toString()));
  return c;
}

describe('shadow run: SIGKILL at random moments', () => {
  let f: ShadowFixture;

  beforeAll(async () => {
    f = await setupShadow({ service: uniqueService('skill'), schemaSql: SCHEMA, tables: ['accounts', 'history', 'items'], monolithServer: serverUrl(), targetServer: serverUrl() });
  });

  afterAll(async () => {
    await f?.cleanup();
  });

  it('ends with the target equal to the monolith', async () => {
    const seed = Number(process.env.DBSPLIT_KILL_SEED ?? Date.now() % 100000);
    console.log(`SIGKILL test seed: ${seed} (DBSPLIT_KILL_SEED=${seed} to replay)`);
    const random = mulberry32(seed);

    let writing = true;
    let committed = 0;
    const writer = (async () => {
      const c = new pg.Client({ connectionString: f.monolithUrl });
      await c.connect();
      let item = 0;
      try {
        while (writing) {
          const kind = random();
          await c.query('BEGIN');
          if (kind < 0.6) {
            const a = 1 + Math.floor(random() * 500);
            const b = 1 + Math.floor(random() * 500);
            const amount = Math.floor(random() * 100);
            await c.query('UPDATE accounts SET balance = balance - $2, touched = touched + 1 WHERE id = $1', [a, amount]);
            await c.query('UPDATE accounts SET balance = balance + $2, touched = touched + 1 WHERE id = $1', [b, amount]);
            await c.query(`INSERT INTO history VALUES ($1, $2, 'transfer'), ($3, $4, 'transfer')`, [a, -amount, b, amount]);
          } else if (kind < 0.85) {
            await c.query(`INSERT INTO items SELECT g, 'item ' || g, jsonb_build_object('n', g) FROM generate_series($1::bigint, $1::bigint + 49) g`, [item]);
            item += 50;
          } else if (kind < 0.97) {
            await c.query(`UPDATE items SET label = label || '+', payload = payload || '{"u": 1}' WHERE id % 7 = $1`, [Math.floor(random() * 7)]);
            await c.query(`DELETE FROM items WHERE id % 11 = $1 AND id < $2`, [Math.floor(random() * 11), item - 500]);
          } else {
            // a large transaction: spans many batches and is applied incrementally
            await c.query(`UPDATE accounts SET touched = touched + 1`);
            await c.query(`INSERT INTO history SELECT (g % 500) + 1, 0, 'bulk' FROM generate_series(1, 3000) g`);
          }
          await c.query('COMMIT');
          committed++;
          if (random() < 0.3) await new Promise((r) => setTimeout(r, 5));
        }
      } finally {
        await c.end();
      }
    })();

    const args = ['shadow', 'run', f.service, '--plan', f.planPath, '--batch-size', '200', '--batch-ms', '100'];
    const kills: number[] = [];
    const stderrs: string[] = [];
    const positions: string[] = [];
    const position = async (): Promise<string> => (await f.target<{ lsn: string }>(`SELECT lsn::text AS lsn FROM _dbsplit_sync.position WHERE service = $1`, [f.service]))[0]!.lsn;
    positions.push(await position());
    try {
      for (let round = 0; round < 6; round++) {
        const child = runCli(args);
        const after = 1000 + Math.floor(random() * 3000);
        await new Promise((r) => setTimeout(r, after));
        child.process.kill('SIGKILL');
        const end = await child.exit;
        stderrs.push(child.stderr);
        // a runner that failed on its own (not killed) would be a bug
        expect(end.signal, child.stderr).toBe('SIGKILL');
        kills.push(after);
        positions.push(await position());
      }
    } finally {
      writing = false;
      await writer;
    }
    if (process.env.DBSPLIT_KILL_DEBUG) console.log(stderrs.join('\n---\n'));
    expect(committed).toBeGreaterThan(100);

    const last = runCli([...args, '--until-caught-up', '--json']);
    const end = await last.exit;
    expect({ code: end.code, stderr: last.stderr }).toMatchObject({ code: 0 });
    expect(last.stderr).toMatch(/streaming from \S+ until \S+/);
    const report = JSON.parse(last.stdout) as { version: number; reason: string; service: string };
    expect(report).toMatchObject({ version: 1, reason: 'caught-up', service: f.service });

    for (const [t, k] of [['accounts', 'id'], ['history', 'account, delta, note'], ['items', 'id']] as const) {
      const d = await f.digests(t, k);
      expect({ t, d: d.target, rows: d.rows }).toEqual({ t, d: d.source, rows: d.rows });
    }
    const [n] = await f.target<{ n: number }>('SELECT count(*)::int AS n FROM history');
    expect(n!.n).toBeGreaterThan(100);
    // progress made under the kills: killed runners had committed batches (the position moved)
    expect(new Set(positions).size).toBeGreaterThan(1);
  }, 180_000);

  it('also when stopped gracefully at random moments (a batch finished or rolled back each time)', async () => {
    const seed = Number(process.env.DBSPLIT_KILL_SEED ?? Date.now() % 100000) + 1;
    console.log(`graceful-stop test seed: ${seed}`);
    const random = mulberry32(seed);
    let writing = true;
    const writer = (async () => {
      const c = new pg.Client({ connectionString: f.monolithUrl });
      await c.connect();
      try {
        for (let i = 0; writing; i++) {
          const a = 1 + Math.floor(random() * 500);
          await c.query('BEGIN');
          await c.query('UPDATE accounts SET balance = balance + 1, touched = touched + 1 WHERE id = $1', [a]);
          await c.query(`INSERT INTO history VALUES ($1, 1, 'graceful ' || $2::text)`, [a, i]);
          if (i % 10 === 0) await c.query(`INSERT INTO items SELECT g, 'g' || g, NULL FROM generate_series($1::bigint, $1::bigint + 19) g`, [10_000_000 + i * 20]);
          await c.query('COMMIT');
        }
      } finally {
        await c.end();
      }
    })();
    try {
      for (let round = 0; round < 8; round++) {
        const abort = new AbortController();
        const running = runShadow({ service: f.service, planPath: f.planPath, signal: abort.signal, batchSize: 1 + Math.floor(random() * 100), batchMs: 50, heartbeatMs: 200 });
        await new Promise((r) => setTimeout(r, 200 + Math.floor(random() * 800)));
        abort.abort();
        expect((await running).reason).toBe('signal');
      }
    } finally {
      writing = false;
      await writer;
    }
    const r = await runShadow({ service: f.service, planPath: f.planPath, untilCaughtUp: true });
    expect(r.reason).toBe('caught-up');
    for (const [t, k] of [['accounts', 'id'], ['history', 'account, delta, note'], ['items', 'id']] as const) {
      const d = await f.digests(t, k);
      expect({ t, d: d.target, rows: d.rows }).toEqual({ t, d: d.source, rows: d.rows });
    }
  }, 120_000);
});
