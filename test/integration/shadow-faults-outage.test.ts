import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedPostgres, type EmbeddedServer } from '../../src/db/embedded.js';
import { runShadow, type RetryNotice } from '../../src/sync/stream/index.js';
import { retryLine } from '../../src/sync/stream/report.js';
import { serverUrl } from '../helpers/pg.js';
import { setupShadow, uniqueService, type ShadowFixture } from './shadow-stream-helpers.js';

/**
 * Outages while streaming: the target's server, then the monolith's, stops for a while (each on
 * a second embedded server, the suite's shared one stays up) while the monolith keeps taking
 * writes. The runner says it is retrying, reconnects with backoff on its own, and catches up.
 */

const SCHEMA = `
CREATE TABLE accounts (id int PRIMARY KEY, balance bigint NOT NULL);
CREATE TABLE journal (account int NOT NULL, delta int NOT NULL, at timestamptz NOT NULL DEFAULT clock_timestamp());
ALTER TABLE journal REPLICA IDENTITY FULL;
INSERT INTO accounts SELECT g, 0 FROM generate_series(1, 50) g;
`;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function transfers(f: ShadowFixture, n: number, from = 0): Promise<void> {
  for (let i = from; i < from + n; i++) {
    await f.mono(
      `WITH a AS (UPDATE accounts SET balance = balance + $2 WHERE id = $1 RETURNING id) INSERT INTO journal (account, delta) SELECT id, $2 FROM a`,
      [(i % 50) + 1, (i % 7) - 3],
    );
  }
}

async function waitFor(what: string, fn: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await fn().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

async function expectEqual(f: ShadowFixture): Promise<void> {
  for (const [t, k] of [['accounts', 'id'], ['journal', 'at, account, delta']] as const) {
    const d = await f.digests(t, k);
    expect({ t, d: d.target }).toEqual({ t, d: d.source });
  }
}

describe('shadow run: outages', () => {
  let extra: EmbeddedServer;
  const fixtures: ShadowFixture[] = [];

  beforeAll(async () => {
    extra = await startEmbeddedPostgres();
  });

  afterAll(async () => {
    for (const f of fixtures) await f.cleanup();
    await extra?.stop();
  });

  async function streamThrough(f: ShadowFixture, outage: (notices: RetryNotice[]) => Promise<void>): Promise<RetryNotice[]> {
    const notices: RetryNotice[] = [];
    const starts: number[] = [];
    const abort = new AbortController();
    const running = runShadow(
      { service: f.service, planPath: f.planPath, heartbeatMs: 300, retry: { initialMs: 300, maxMs: 2000 }, signal: abort.signal, batchSize: 20 },
      { onRetry: (n) => notices.push(n), onStart: (s) => starts.push(s.attempt) },
    );
    try {
      await transfers(f, 100);
      await waitFor('the first transfers', async () => (await f.target<{ n: number }>('SELECT count(*)::int AS n FROM journal'))[0]!.n === 100);
      await outage(notices);
      await transfers(f, 100, 1000);
      await f.mono(`UPDATE accounts SET balance = -1 WHERE id = 50`);
      await waitFor('the marker after the outage', async () => (await f.target<{ b: string }>('SELECT balance::text AS b FROM accounts WHERE id = 50'))[0]!.b === '-1');
    } finally {
      abort.abort();
    }
    const result = await running;
    expect(result.reason).toBe('signal');
    expect(result.retries).toBeGreaterThan(0);
    expect(starts.length).toBeGreaterThan(1);
    await expectEqual(f);
    return notices;
  }

  it('retries while the target is down, then catches up', async () => {
    const f = await setupShadow({ service: uniqueService('sdown_t'), schemaSql: SCHEMA, tables: ['accounts', 'journal'], monolithServer: serverUrl(), targetServer: extra.url() });
    fixtures.push(f);
    const notices = await streamThrough(f, async (seen) => {
      await extra.restart(async () => {
        // the monolith keeps taking writes; the runner finds the target gone when it applies them
        let i = 500;
        await waitFor('a retry notice', async () => {
          await transfers(f, 5, i);
          i += 5;
          return seen.some((n) => n.side === 'target');
        });
        await sleep(1500);
      });
    });
    const target = notices.filter((n) => n.side === 'target');
    expect(target.length).toBeGreaterThan(0);
    expect(target[0]!.unreachable).toBe(true);
    expect(retryLine(target[0]!)).toMatch(/^target unreachable: .+; retrying in \d+(\.\d)? s$/);
    expect(retryLine(target[0]!)).not.toContain(extra.password);
  });

  it('retries while the monolith is down, then catches up', async () => {
    const f = await setupShadow({ service: uniqueService('sdown_m'), schemaSql: SCHEMA, tables: ['accounts', 'journal'], monolithServer: extra.url(), targetServer: serverUrl() });
    fixtures.push(f);
    const notices = await streamThrough(f, async (seen) => {
      await extra.restart(async () => {
        await waitFor('a retry notice', async () => seen.some((n) => n.side === 'monolith'));
        await sleep(1500);
      });
    });
    const monolith = notices.filter((n) => n.side === 'monolith');
    expect(monolith.length).toBeGreaterThan(0);
    expect(monolith.every((n) => n.unreachable)).toBe(true);
    expect(retryLine(monolith[0]!)).toMatch(/^monolith unreachable: .+; retrying in \d+(\.\d)? s$/);
  });
});
