import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runShadow, type RunProgress } from '../../src/sync/stream/index.js';
import { serverUrl } from '../helpers/pg.js';
import { setupShadow, uniqueService, withClient, type ShadowFixture } from './shadow-stream-helpers.js';

/**
 * Real load: pgbench (TPC-B-like transactions, 4 clients, 10 s) against the monolith while the
 * service owning the pgbench tables is streamed; after catch-up the target equals the monolith.
 * pgbench_history has no primary key: it is published under REPLICA IDENTITY FULL.
 */

const PGBENCH = '/usr/lib/postgresql/15/bin/pgbench';
const run = promisify(execFile);

function pgEnv(url: string): NodeJS.ProcessEnv {
  const u = new URL(url);
  return { ...process.env, PGHOST: u.hostname, PGPORT: u.port, PGUSER: decodeURIComponent(u.username), PGPASSWORD: decodeURIComponent(u.password), PGDATABASE: decodeURIComponent(u.pathname.slice(1)) };
}

describe('shadow run under pgbench', () => {
  let f: ShadowFixture;

  beforeAll(async () => {
    const service = uniqueService('spgb');
    // the monolith is created empty; pgbench -i fills it before the service is provisioned and started
    f = await setupShadow({
      service,
      schemaSql: 'SELECT 1',
      tables: ['pgbench_accounts', 'pgbench_branches', 'pgbench_tellers', 'pgbench_history'],
      monolithServer: serverUrl(),
      targetServer: serverUrl(),
      beforeProvision: async (monolithUrl) => {
        await run(PGBENCH, ['-i', '-s', '2', '-q'], { env: pgEnv(monolithUrl) });
        await run(PGBENCH, ['-c', '2', '-T', '1'], { env: pgEnv(monolithUrl) });
        await withClient(monolithUrl, (cl) => cl.query('ALTER TABLE pgbench_history REPLICA IDENTITY FULL'));
      },
    });
  }, 180_000);

  afterAll(async () => {
    await f?.cleanup();
  });

  it('keeps up with 4 clients and ends equal, row for row', async () => {
    const progress: RunProgress[] = [];
    const abort = new AbortController();
    const running = runShadow({ service: f.service, planPath: f.planPath, heartbeatMs: 1000, signal: abort.signal }, { onProgress: (p) => progress.push(p) });
    let bench: { stdout: string };
    try {
      bench = await run(PGBENCH, ['-c', '4', '-j', '2', '-T', '10', '-n'], { env: pgEnv(f.monolithUrl) });
    } finally {
      await new Promise((r) => setTimeout(r, 1500));
      abort.abort();
    }
    const streamed = await running;
    const tps = /tps = ([\d.]+)/.exec(bench.stdout)?.[1];
    const finish = await f.catchUp();
    console.log(`pgbench: ${tps} tps; runner applied ${streamed.appliedChanges} changes while it ran, ${finish.appliedChanges} after; lags seen: ${progress.map((p) => p.lagSeconds?.toFixed(2)).join(' ')}`);
    expect(streamed.appliedChanges).toBeGreaterThan(1000);
    for (const [t, k] of [
      ['pgbench_accounts', 'aid'],
      ['pgbench_branches', 'bid'],
      ['pgbench_tellers', 'tid'],
      ['pgbench_history', 'tid, bid, aid, delta, mtime'],
    ] as const) {
      const d = await f.digests(t, k);
      expect({ t, d: d.target, rows: d.rows }).toEqual({ t, d: d.source, rows: d.rows });
    }
    const [h] = await f.target<{ n: number }>('SELECT count(*)::int AS n FROM pgbench_history');
    expect(h!.n).toBeGreaterThan(1000);
  }, 120_000);
});
