import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startShadow } from '../../src/sync/lifecycle.js';
import { compareTable, customFixture, withClient, type ShadowFixture } from '../helpers/shadow-lifecycle-fixture.js';

/**
 * `shadow start` killed with SIGKILL while it copies, then started again: the tables copied
 * before the kill stay as they were, the others are copied again (each in the snapshot of a
 * temporary slot, which dies with its process), and in the end the target equals the source.
 */

const CHILD = fileURLToPath(new URL('../helpers/shadow-cli-child.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

const SCHEMA = `
CREATE TABLE big_a (id bigint PRIMARY KEY, payload text NOT NULL, amount numeric(12, 2), at timestamptz);
CREATE TABLE big_b (id bigint PRIMARY KEY, a_id bigint REFERENCES big_a (id), note text);
CREATE TABLE small (code text PRIMARY KEY, label text);
INSERT INTO big_a SELECT g, md5(g::text) || md5((g * 7)::text) || ' some padding text', g / 100.0, timestamptz '2024-01-01' + g * interval '1 second' FROM generate_series(1, 500000) g;
INSERT INTO big_b SELECT g, 1 + g % 500000, 'note ' || md5(g::text) FROM generate_series(1, 400000) g;
INSERT INTO small SELECT 'c' || g, 'label ' || g FROM generate_series(1, 500) g;
ANALYZE;
`;
const TABLES = ['big_a', 'big_b', 'small'];

interface Killed {
  readonly stderr: string;
  readonly signal: NodeJS.Signals | null;
}

/** Run `shadow start` in a child process and SIGKILL it `delayMs` after its first table starts copying. */
function startAndKill(f: ShadowFixture, delayMs: number): Promise<Killed> {
  return new Promise((resolve, reject) => {
    const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', CHILD, 'shadow', 'start', f.service, '--plan', f.planPath, '--jobs', '2'], {
      cwd: ROOT,
      env: { ...process.env, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    let armed = false;
    const safety = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.stderr!.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (!armed && /: started/.test(stderr)) {
        armed = true;
        setTimeout(() => child.kill('SIGKILL'), delayMs);
      }
    });
    child.stdout!.resume();
    child.on('error', reject);
    child.on('close', (_code, signal) => {
      clearTimeout(safety);
      resolve({ stderr, signal });
    });
  });
}

const backfillRows = (f: ShadowFixture) =>
  withClient(f.targetUrl, async (c) => (await c.query<{ table_name: string; status: string; snapshot_lsn: string | null }>(`SELECT table_name, status, snapshot_lsn::text FROM _dbsplit_sync.backfill WHERE service = $1 ORDER BY 1`, [f.service])).rows);

async function temporarySlots(f: ShadowFixture): Promise<string[]> {
  const rows = await f.monolith.query<{ slot_name: string }>(`SELECT slot_name FROM pg_replication_slots WHERE slot_name LIKE $1`, [`dbsplit\\_${f.service}\\_tmp%`]);
  return rows.map((r) => r.slot_name);
}

describe('shadow start killed with SIGKILL mid-backfill', () => {
  let f: ShadowFixture;

  beforeAll(async () => {
    f = await customFixture('shkill', SCHEMA, { tables: TABLES });
  }, 180_000);

  afterAll(async () => {
    await f?.cleanup();
  });

  it('resumes after each kill and ends with the target equal to the source', async () => {
    const first = await startAndKill(f, 100 + Math.floor(Math.random() * 400));
    expect(first.signal, first.stderr).toBe('SIGKILL');
    const slot = await f.monolith.query<{ lsn: string }>('SELECT confirmed_flush_lsn::text AS lsn FROM pg_replication_slots WHERE slot_name = $1', [`dbsplit_${f.service}`]);
    expect(slot).toHaveLength(1);
    const afterFirst = await backfillRows(f);
    expect(afterFirst.map((r) => r.table_name)).toEqual(TABLES.map((t) => `public.${t}`));
    expect(afterFirst.filter((r) => r.status !== 'done').length, JSON.stringify(afterFirst)).toBeGreaterThan(0);
    const doneEarly = afterFirst.filter((r) => r.status === 'done');
    for (const d of doneEarly) expect(d.snapshot_lsn).toBe(slot[0]!.lsn);

    // Killed again while resuming: its temporary slot goes with it.
    const second = await startAndKill(f, 50 + Math.floor(Math.random() * 300));
    expect(second.signal).toBe('SIGKILL');
    const until = Date.now() + 10_000;
    while ((await temporarySlots(f)).length > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
    expect(await temporarySlots(f)).toEqual([]);

    const r = await startShadow({ planPath: f.planPath, service: f.service, dryRun: false, jobs: 2 });
    expect(r.slotCreated).toBe(false);
    const final = await backfillRows(f);
    expect(final.every((x) => x.status === 'done')).toBe(true);
    for (const d of doneEarly) expect(final.find((x) => x.table_name === d.table_name)?.snapshot_lsn, `${d.table_name} copied once`).toBe(d.snapshot_lsn);
    for (const t of TABLES) {
      const cmp = await compareTable(f.monolith.url, f.targetUrl, { schema: 'public', name: t });
      expect(cmp.source.rows).toBeGreaterThan(0);
      expect(cmp.target, t).toEqual(cmp.source);
    }
    const position = await withClient(f.targetUrl, async (c) => (await c.query('SELECT lsn::text FROM _dbsplit_sync.position WHERE service = $1', [f.service])).rows);
    expect(position).toEqual([{ lsn: slot[0]!.lsn }]);
    expect(await f.monolith.query('SELECT phase FROM _dbsplit.services WHERE name = $1', [f.service])).toEqual([{ phase: 'shadowing' }]);
  });
});
