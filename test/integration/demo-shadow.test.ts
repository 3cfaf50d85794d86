import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CORRUPT_VALUE } from '../../src/demo/diff-demo.js';
import { runDemo, type DemoResult } from '../../src/demo/run-demo.js';

/**
 * The demo's sync steps, run in-process with --keep so that the databases can be inspected
 * afterwards: the load's changes really are in the service databases, the corrupted row really
 * was repaired, and no runner is left streaming.
 */

async function query<R extends pg.QueryResultRow>(url: string, sql: string, params: unknown[] = []): Promise<R[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query<R>(sql, params)).rows;
  } finally {
    await c.end();
  }
}

describe('dbsplit demo: shadow, diff and fix', () => {
  let dir: string;
  let result: DemoResult;
  let monolith: string;
  const serviceUrl = (service: string) => {
    const u = new URL(monolith);
    u.pathname = `/svc_${service}`;
    return u.toString();
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'dbsplit-demo-shadow-'));
    result = await runDemo({ scale: 0.1, outDir: join(dir, 'demo'), keep: true, loadMs: 2000 });
    monolith = result.monolithUrl!;
  }, 180_000);

  afterAll(async () => {
    await result?.stop?.();
    rmSync(dir, { recursive: true, force: true });
  });

  it('shadows every service and catches up with the load: lag 0, the load\'s rows in the service databases', async () => {
    const names = result.suggestion.services.map((s) => s.name);
    expect(result.shadow.services.map((s) => s.service)).toEqual(names);
    expect(result.shadow.load.transactions).toBeGreaterThan(20);
    // The sample monolith's keyless ledger and event log had to get REPLICA IDENTITY FULL.
    expect(result.shadow.replicaIdentityFull).toEqual(expect.arrayContaining(['public.stock_movements', 'audit.events']));
    for (const s of result.shadow.services) {
      expect(s.phase, s.service).toBe('shadowing');
      expect(s.lagSeconds, s.service).toBe(0);
      expect(s.warnings, s.service).toEqual([]);
    }
    const orders = result.suggestion.services.find((s) => s.tables.includes('public.orders'))!.name;
    expect(result.shadow.services.find((s) => s.service === orders)!.appliedChanges).toBeGreaterThan(0);
    // The load's orders (numbered SW-D...) were streamed into the orders service's database.
    const loadOrders = `SELECT count(*)::int AS n, coalesce(sum(total), 0)::text AS total FROM orders WHERE order_number LIKE 'SW-D%'`;
    const [src] = await query<{ n: number; total: string }>(monolith, loadOrders);
    const [tgt] = await query<{ n: number; total: string }>(serviceUrl(orders), loadOrders);
    expect(src!.n).toBeGreaterThan(0);
    expect(tgt).toEqual(src);
  });

  it('diffs every service clean, while sync runs', () => {
    expect(result.diff.clean).toBe(true);
    expect(result.diff.differences).toBe(0);
    expect(result.diff.services).toHaveLength(result.suggestion.services.length);
    expect(result.diff.rowsCompared).toBeGreaterThan(10_000);
  });

  it('finds exactly the corrupted row, fixes it, and diffs clean again', async () => {
    const c = result.fix.corruption;
    const found = result.fix.found.result;
    expect(found.clean).toBe(false);
    expect(found.totals).toMatchObject({ changed: 1, missing: 0, extra: 0, errors: 0 });
    const table = found.tables.find((t) => t.changed > 0)!;
    expect(table.table).toBe(c.table);
    expect(table.differences).toHaveLength(1);
    expect(table.differences[0]!.key).toEqual([c.key]);
    expect(table.differences[0]!.columns).toEqual([{ column: c.column, source: c.before, target: CORRUPT_VALUE }]);
    expect(result.fix.fixed.fix?.applied).toBe(true);
    expect(result.fix.fixed.fix?.plan.rows).toMatchObject({ update: 1, insert: 0, delete: 0 });
    expect(result.fix.after.result.clean).toBe(true);
    // Really repaired in the service's database.
    const [name, column] = [c.table.split('.')[1]!, c.column];
    const sql = `SELECT "${column}"::text AS v FROM "${name}" WHERE "${c.keyColumn}"::text = $1`;
    const [src] = await query<{ v: string | null }>(monolith, sql, [c.key]);
    const [tgt] = await query<{ v: string | null }>(serviceUrl(c.service), sql, [c.key]);
    expect(tgt!.v).not.toBe(CORRUPT_VALUE);
    expect(tgt).toEqual(src);
  });

  it('stops every runner and keeps the slots (shadow stop), leaving nothing streaming', async () => {
    expect(result.stopped.stopped).toHaveLength(result.suggestion.services.length);
    const slots = await query<{ slot_name: string; active: boolean }>(monolith, `SELECT slot_name, active FROM pg_replication_slots WHERE slot_name LIKE 'dbsplit\\_%' ORDER BY 1`);
    expect(slots.map((s) => s.slot_name)).toEqual(result.suggestion.services.map((s) => `dbsplit_${s.name}`).sort());
    expect(slots.every((s) => !s.active)).toBe(true);
    const senders = await query<{ n: number }>(monolith, 'SELECT count(*)::int AS n FROM pg_stat_replication');
    expect(senders[0]!.n).toBe(0);
    const desired = await query<{ desired: string }>(monolith, 'SELECT DISTINCT desired FROM _dbsplit.sync_state');
    expect(desired).toEqual([{ desired: 'stopped' }]);
  });

  it('writes the diff reports CI would publish', () => {
    const md = readFileSync(join(result.outDir, 'diff.md'), 'utf8');
    const c = result.fix.corruption;
    expect(md).toContain(`${c.keyColumn}=${c.key}`);
    expect(md).toContain(CORRUPT_VALUE);
    for (const s of result.suggestion.services) expect(md).toContain(`dbsplit diff \`${s.name}\``);
    const junit = readFileSync(join(result.outDir, 'diff.junit.xml'), 'utf8');
    expect(junit).toMatch(new RegExp(`<testsuites name="dbsplit diff" tests="${result.diff.tables}" failures="0" errors="0"`));
    expect(junit.match(/<testsuite /g)).toHaveLength(result.suggestion.services.length);
    expect(junit.match(/<testcase /g)).toHaveLength(result.diff.tables);
    expect(result.files).toEqual(expect.arrayContaining([join(result.outDir, 'diff.md'), join(result.outDir, 'diff.junit.xml')]));
    expect(existsSync(join(result.outDir, 'diff.md'))).toBe(true);
  });
});
