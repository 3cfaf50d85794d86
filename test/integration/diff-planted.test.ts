import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setPhase } from '../../src/cutover/phases.js';
import { ensureControlSchema } from '../../src/db/control-schema.js';
import { diffService, fixScript, lastDiffRun } from '../../src/diff/index.js';
import type { DiffResult, RowDifference, TableDiff } from '../../src/diff/types.js';
import { createTestDatabase, type TestDatabase } from '../helpers/pg.js';
import { uniqueSuffix, withClient, writeDiffPlan } from './diff-fixture.js';

/**
 * Planted differences of every kind, each found exactly (kind, key, columns), on real
 * PostgreSQL, for every kind of key: bigint (arithmetic ranges), uuid, text (COLLATE "C"),
 * composite, and none (multiset of rows). The service's database uses isolation schema, so
 * the monolith's public.x is svc.x there. Run with the default segment size and with tiny
 * segments (deep bisection): same answer.
 */

const TABLES = `
CREATE TABLE ints (id bigint PRIMARY KEY, name text, amount numeric, note text, tags text[], created_at timestamptz, meta jsonb, flag boolean, ratio double precision);
INSERT INTO ints SELECT g, 'name ' || g, round(g / 7.0, 3), CASE WHEN g % 5 = 0 THEN NULL ELSE 'note ' || g END, ARRAY['t' || (g % 3)],
       timestamptz '2024-01-01 00:00:00+00' + g * interval '1 hour', jsonb_build_object('g', g, 'even', g % 2 = 0), g % 2 = 0, g / 3.0
  FROM generate_series(1, 20000) g;
CREATE TABLE uuids (id uuid PRIMARY KEY, label varchar(50) NOT NULL, n int);
INSERT INTO uuids SELECT md5('u' || g)::uuid, 'label ' || g, g FROM generate_series(1, 4000) g;
CREATE TABLE texts (code text PRIMARY KEY, name text);
INSERT INTO texts SELECT chr(65 + g % 26) || chr(97 + (g / 26) % 26) || g, 'name ' || g FROM generate_series(1, 3000) g;
INSERT INTO texts VALUES ('é1', 'café'), ('Zebra', 'upper'), ('zebra', 'lower'), ('ß', 'eszett'), ('a b', 'space');
CREATE TABLE pairs (a int, b text, v numeric(10,2), PRIMARY KEY (a, b));
INSERT INTO pairs SELECT g % 97, 'b' || (g / 97), g * 1.25 FROM generate_series(1, 5000) g;
CREATE TABLE gen (id int GENERATED ALWAYS AS IDENTITY PRIMARY KEY, a int NOT NULL, b int GENERATED ALWAYS AS (a * 2) STORED);
INSERT INTO gen (a) SELECT g FROM generate_series(1, 100) g;
CREATE TABLE logs (at date, msg text);
INSERT INTO logs SELECT date '2024-01-01' + (g % 30), 'msg ' || (g % 400) FROM generate_series(1, 3000) g;
ANALYZE;
`;

const PLANTED = `
DELETE FROM ints WHERE id = 17;
INSERT INTO ints (id, name) VALUES (50000, 'only here');
UPDATE ints SET name = 'renamed' WHERE id = 100;
UPDATE ints SET note = 'filled' WHERE id = 200;
UPDATE ints SET note = NULL WHERE id = 301;
UPDATE ints SET name = 'name 400 ' WHERE id = 400;
UPDATE ints SET amount = 71.4290 WHERE id = 500;
UPDATE ints SET tags = ARRAY['t0', 't1'] WHERE id = 600;
UPDATE ints SET created_at = created_at + interval '1 microsecond' WHERE id = 700;
UPDATE ints SET name = 'name' || chr(9) || '800' WHERE id = 800;
UPDATE texts SET name = 'cafe' || chr(769) WHERE code = 'é1';
INSERT INTO texts VALUES ('zz-extra', 'x');
DELETE FROM texts WHERE code = 'zebra';
DELETE FROM uuids WHERE label = 'label 7';
UPDATE uuids SET n = -1 WHERE label = 'label 3000';
DELETE FROM pairs WHERE a = 3 AND b = 'b10';
UPDATE pairs SET v = v + 0.01 WHERE a = 5 AND b = 'b20';
DELETE FROM logs WHERE ctid = (SELECT ctid FROM logs WHERE at = date '2024-01-02' AND msg = 'msg 1' LIMIT 1);
INSERT INTO logs VALUES (date '2030-01-01', 'new');
DELETE FROM gen WHERE id = 5;
UPDATE gen SET a = 600 WHERE id = 6;
`;

type Expected = readonly [kind: RowDifference['kind'], key: readonly (string | null)[], columns?: readonly string[]];

const EXPECTED: Record<string, readonly Expected[]> = {
  'public.ints': [
    ['missing', ['17']],
    ['extra', ['50000']],
    ['changed', ['100'], ['name']],
    ['changed', ['200'], ['note']],
    ['changed', ['301'], ['note']],
    ['changed', ['400'], ['name']],
    ['changed', ['500'], ['amount']],
    ['changed', ['600'], ['tags']],
    ['changed', ['700'], ['created_at']],
    ['changed', ['800'], ['name']],
  ],
  'public.texts': [
    ['missing', ['zebra']],
    ['extra', ['zz-extra']],
    ['changed', ['é1'], ['name']],
  ],
  'public.pairs': [
    ['missing', ['3', 'b10']],
    ['changed', ['5', 'b20'], ['v']],
  ],
  'public.gen': [
    ['missing', ['5']],
    ['changed', ['6'], ['a', 'b']],
  ],
  'public.logs': [
    ['missing', ['2024-01-02', 'msg 1']],
    ['extra', ['2030-01-01', 'new']],
  ],
};

function shape(t: TableDiff): string[] {
  return t.differences.map((d) => JSON.stringify([d.kind, d.key, d.columns?.map((c) => c.column) ?? []])).sort();
}

function expectedShape(list: readonly Expected[]): string[] {
  return list.map(([kind, key, cols]) => JSON.stringify([kind, key, cols ?? []])).sort();
}

const table = (r: DiffResult, name: string) => r.tables.find((t) => t.table === name)!;

describe('dbsplit diff: planted differences', () => {
  const suffix = uniqueSuffix();
  const service = `inv${suffix}`;
  let monolith: TestDatabase;
  let target: TestDatabase;
  let dir: string;
  let planPath: string;
  let uuidMissing: string;
  let uuidChanged: string;

  beforeAll(async () => {
    monolith = await createTestDatabase('diffp_mono');
    target = await createTestDatabase('diffp_tgt');
    await monolith.exec(TABLES);
    // The service database: the same tables in the service's schema (isolation schema).
    await target.exec(`CREATE SCHEMA svc; SET search_path = svc; ${TABLES} ${PLANTED}`);
    uuidMissing = (await monolith.query<{ id: string }>(`SELECT id::text AS id FROM uuids WHERE label = 'label 7'`))[0]!.id;
    uuidChanged = (await monolith.query<{ id: string }>(`SELECT id::text AS id FROM uuids WHERE label = 'label 3000'`))[0]!.id;
    dir = mkdtempSync(join(tmpdir(), 'dbsplit-diff-'));
    planPath = writeDiffPlan(dir, monolith.url, {
      [service]: { tables: ['ints', 'uuids', 'texts', 'pairs', 'gen', 'logs'], target: { url: target.url, isolation: 'schema', schema: 'svc' } },
    });
  });

  afterAll(async () => {
    await target?.drop();
    await monolith?.drop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const expectPlanted = (r: DiffResult) => {
    for (const [name, list] of Object.entries(EXPECTED)) expect(shape(table(r, name)), name).toEqual(expectedShape(list));
    expect(shape(table(r, 'public.uuids'))).toEqual(expectedShape([['missing', [uuidMissing]], ['changed', [uuidChanged], ['n']]]));
    expect(r.totals).toMatchObject({ missing: 6, extra: 3, changed: 12, errors: 0 });
    expect(r.clean).toBe(false);
  };

  it('finds every planted difference, exactly, with its key and columns (default segments)', async () => {
    const { result } = await diffService({ planPath, service, settle: false });
    expectPlanted(result);
    const ints = table(result, 'public.ints');
    expect(ints.target).toBe('svc.ints');
    expect(ints.sourceRows).toBe(20000);
    expect(ints.targetRows).toBe(20000);
    expect(ints.rowsCompared).toBe(20001);
    const byKey = (k: string) => ints.differences.find((d) => d.key[0] === k)!;
    expect(byKey('200').columns).toEqual([{ column: 'note', source: null, target: 'filled' }]);
    expect(byKey('301').columns).toEqual([{ column: 'note', source: 'note 301', target: null }]);
    expect(byKey('400').columns).toEqual([{ column: 'name', source: 'name 400', target: 'name 400 ' }]);
    expect(byKey('500').columns).toEqual([{ column: 'amount', source: '71.429', target: '71.4290' }]);
    expect(byKey('700').columns).toEqual([{ column: 'created_at', source: '2024-01-30 04:00:00+00', target: '2024-01-30 04:00:00.000001+00' }]);
    expect(table(result, 'public.texts').differences.find((d) => d.kind === 'changed')!.columns).toEqual([{ column: 'name', source: 'café', target: 'cafe\u0301' }]);
    expect(table(result, 'public.logs').differences.map((d) => d.copies)).toEqual([1, 1]);
  });

  it('finds the same with tiny segments (several bisection levels)', async () => {
    // 4 buckets in the first pass, leaves of 20 rows: every mismatching bucket is cut again.
    const { result } = await diffService({ planPath, service, settle: false, leafRows: 20, firstPassBuckets: 4, record: false });
    expectPlanted(result);
    for (const name of ['public.ints', 'public.uuids', 'public.texts', 'public.pairs']) expect(table(result, name).stats.depth, name).toBeGreaterThan(1);
    // Only small segments were fetched: a few leaves, not the table.
    expect(table(result, 'public.ints').stats.rowsFetched).toBeLessThan(1000);
  });

  it('past --max-differences: exact counts, a sample of the rows, and no fix for that table', async () => {
    const { result, fix } = await diffService({ planPath, service, table: 'ints', settle: false, maxDetails: 3, record: false, fix: 'dry-run' });
    const ints = table(result, 'public.ints');
    expect(ints.differences).toHaveLength(3);
    expect(ints.truncated).toBe(true);
    expect({ missing: ints.missing, extra: ints.extra, changed: ints.changed }).toEqual({ missing: 1, extra: 1, changed: 8 });
    expect(fix!.plan.statements).toEqual([]);
    expect(fix!.plan.skipped.map((x) => x.table)).toEqual(['public.ints']);
  });

  it('--table compares one table; an unknown table is an error naming the service tables', async () => {
    const { result } = await diffService({ planPath, service, table: 'pairs', settle: false, record: false });
    expect(result.tables.map((t) => t.table)).toEqual(['public.pairs']);
    await expect(diffService({ planPath, service, table: 'nope', record: false })).rejects.toMatchObject({ code: 'E_UNKNOWN_TABLE' });
  });

  it('records each run in _dbsplit.diff_runs', async () => {
    const { result } = await diffService({ planPath, service, settle: false });
    expect(result.runId).toBeDefined();
    const last = await withClient(monolith.url, (c) => lastDiffRun(c, service));
    expect(last).toMatchObject({ id: result.runId, clean: false, sourceLsn: result.sourceLsn });
    expect((last!.summary as { totals: { changed: number } }).totals.changed).toBe(12);
  });

  it('--fix is refused outside the shadowing phase; --fix --dry-run prints the SQL and changes nothing', async () => {
    await withClient(monolith.url, async (c) => {
      await ensureControlSchema(c);
      await setPhase(c, service, 'provisioned', ['planned']);
    });
    await expect(diffService({ planPath, service, fix: 'apply', record: false })).rejects.toMatchObject({ code: 'E_PRECONDITION' });
    const { fix } = await diffService({ planPath, service, fix: 'dry-run', settle: false, record: false });
    expect(fix!.applied).toBe(false);
    expect(fix!.plan.rows).toEqual({ insert: 6, update: 12, delete: 3 });
    const sql = fixScript(fix!.plan);
    expect(sql).toContain(`INSERT INTO svc.ints (id, name, amount, note, tags, created_at, meta, flag, ratio) VALUES`);
    expect(sql).toContain(`DELETE FROM svc.ints WHERE id IN ('50000'::bigint);`);
    expect(sql).toContain(`UPDATE svc.ints SET note = NULL WHERE id = '200'::bigint;`);
    expect(sql).toContain(`UPDATE svc.pairs SET v = '2431.25'::numeric(10,2) WHERE a = '5'::integer AND b = 'b20'::text;`);
    expect(sql).toMatch(/DELETE FROM svc\.logs WHERE \(tableoid, ctid\) IN \(SELECT tableoid, ctid FROM svc\.logs WHERE at::text IS NOT DISTINCT FROM '2030-01-01' AND msg::text IS NOT DISTINCT FROM 'new' LIMIT 1\);/);
    // Generated columns are left to the target; GENERATED ALWAYS identities need OVERRIDING SYSTEM VALUE.
    expect(sql).toContain(`INSERT INTO svc.gen (id, a) OVERRIDING SYSTEM VALUE VALUES\n  ('5'::integer, '5'::integer);`);
    expect(sql).toContain(`UPDATE svc.gen SET a = '6'::integer WHERE id = '6'::integer;`);
    expect((await target.query<{ n: number }>(`SELECT count(*)::int AS n FROM svc.ints WHERE id = 50000`))[0]!.n).toBe(1);
  });

  it('--fix in phase shadowing makes the service database equal, in one transaction', async () => {
    await withClient(monolith.url, (c) => setPhase(c, service, 'shadowing', ['provisioned']));
    const { fix } = await diffService({ planPath, service, fix: 'apply', settle: false });
    expect(fix!.applied).toBe(true);
    const again = await diffService({ planPath, service, settle: false });
    expect(again.result.clean).toBe(true);
    expect(again.result.totals).toMatchObject({ missing: 0, extra: 0, changed: 0 });
    expect(await monolith.query(`SELECT step, status FROM _dbsplit.journal WHERE service = $1 AND action = 'diff'`, [service])).toEqual([{ step: 'fix', status: 'done' }]);
  });
});
