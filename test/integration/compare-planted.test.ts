import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compareExitCode, runCompare } from '../../src/compare/index.js';
import type { CheckResult, CompareResult } from '../../src/compare/types.js';
import { createTestDatabase, type TestDatabase } from '../helpers/pg.js';
import { MONOLITH_SQL, SERVICE_SQL, writeChecks, writePlan, type CheckDef } from './compare-fixture.js';

/**
 * Legacy queries on a real monolith against candidate SQL on a real service database, with
 * one planted difference per aspect the comparison must find (or must tolerate).
 */

const COLS = 'id, user_id, total, created_at';

const CHECKS: CheckDef[] = [
  { name: 'equal', legacy: `SELECT ${COLS} FROM orders WHERE user_id = :user_id`, candidate: `SELECT ${COLS} FROM orders WHERE user_id = :user_id`, extra: 'params: [{ user_id: 1 }, { user_id: 2 }]' },
  { name: 'missing', legacy: `SELECT id, total FROM orders WHERE id IN (1, 2)`, candidate: `SELECT id, total FROM orders_bad WHERE id IN (1, 2)` },
  { name: 'extra', legacy: `SELECT id FROM orders WHERE id IN (1, 6)`, candidate: `SELECT id FROM orders WHERE id IN (1, 6, 7)` },
  { name: 'changed', legacy: `SELECT id, user_id, total FROM orders WHERE id = 3`, candidate: `SELECT id, user_id, total FROM orders_bad WHERE id = 3`, extra: 'key: [id]' },
  { name: 'numeric-within', legacy: `SELECT id, total FROM orders WHERE id = 4`, candidate: `SELECT id, total FROM orders_bad WHERE id = 4`, extra: 'tolerance: { numeric: 0.005 }' },
  { name: 'numeric-outside', legacy: `SELECT id, total FROM orders WHERE id IN (3, 4)`, candidate: `SELECT id, total FROM orders_bad WHERE id IN (3, 4)`, extra: 'tolerance: { numeric: 0.005 }\nkey: [id]' },
  { name: 'timestamp-exact', legacy: `SELECT id, created_at FROM orders WHERE id = 5`, candidate: `SELECT id, created_at FROM orders_bad WHERE id = 5` },
  { name: 'timestamp-ms', legacy: `SELECT id, created_at FROM orders WHERE id = 5`, candidate: `SELECT id, created_at FROM orders_bad WHERE id = 5`, extra: 'tolerance: { timestamp: ms }' },
  { name: 'ignored', legacy: `SELECT id, updated_at FROM orders WHERE id = 1`, candidate: `SELECT id, updated_at FROM orders_bad WHERE id = 1`, extra: 'ignore: [updated_at]' },
  { name: 'not-ignored', legacy: `SELECT id, updated_at FROM orders WHERE id = 1`, candidate: `SELECT id, updated_at FROM orders_bad WHERE id = 1` },
  { name: 'order', legacy: `SELECT id, total FROM orders WHERE id <= 5 ORDER BY id`, candidate: `SELECT id, total FROM orders WHERE id <= 5 ORDER BY id DESC` },
  { name: 'order-off', legacy: `SELECT id, total FROM orders WHERE id <= 5 ORDER BY id`, candidate: `SELECT id, total FROM orders WHERE id <= 5 ORDER BY id DESC`, extra: 'ordered: false' },
  // grp = id / 4: ids 4..7 tie on grp 1, so LIMIT 6 cuts that run: any two of them are right.
  { name: 'ties', legacy: `SELECT id, grp FROM orders ORDER BY grp LIMIT 6`, candidate: `SELECT id, grp FROM orders ORDER BY grp, id DESC LIMIT 6` },
  // Sorted by a column not selected: the comparison adds it to the legacy query.
  { name: 'ties-hidden-sort', legacy: `SELECT id FROM orders WHERE id < 12 ORDER BY grp, user_id`, candidate: `SELECT id FROM orders WHERE id < 12 ORDER BY grp, user_id, id DESC` },
  { name: 'ties-wrong', legacy: `SELECT id, grp FROM orders ORDER BY grp LIMIT 6`, candidate: `SELECT id, grp FROM orders ORDER BY grp DESC LIMIT 6` },
  { name: 'sampled', legacy: `SELECT id, total FROM orders WHERE user_id = :user_id`, candidate: `SELECT id, total FROM orders WHERE user_id = :user_id`, extra: 'params: { from: "select id as user_id from users order by id limit 3" }' },
  { name: 'sampled-bad', legacy: `SELECT id, total FROM orders WHERE user_id = :user_id`, candidate: `SELECT id, total FROM orders_bad WHERE user_id = :user_id`, extra: 'params: { from: "select id as user_id from users order by id" }\nkey: [id]' },
  { name: 'unknown-service', legacy: `SELECT 1 AS x`, candidate: `SELECT 1 AS x`, service: 'nope' },
  { name: 'sql-error', legacy: `SELECT id FROM orders WHERE id = 1`, candidate: `SELECT id FROM no_such_table` },
  { name: 'missing-param', legacy: `SELECT id FROM orders WHERE id = :id`, candidate: `SELECT id FROM orders WHERE id = :id` },
];

describe('dbsplit compare on planted differences', () => {
  let monolith: TestDatabase;
  let service: TestDatabase;
  let dir: string;
  let plan: string;
  let result: CompareResult;
  const check = (name: string): CheckResult => result.checks.find((c) => c.name === name)!;

  beforeAll(async () => {
    monolith = await createTestDatabase('cmp_mono');
    service = await createTestDatabase('cmp_svc');
    await monolith.exec(MONOLITH_SQL);
    await service.exec(SERVICE_SQL);
    dir = mkdtempSync(join(tmpdir(), 'dbsplit-compare-'));
    plan = writePlan(dir, monolith.url, { orders: service.url });
    writeChecks(join(dir, 'checks'), 'planted.yaml', CHECKS);
    result = await runCompare({ planPath: plan, checksDir: join(dir, 'checks') });
  });

  afterAll(async () => {
    await monolith?.drop();
    await service?.drop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('runs every check, in file order, and exits 2 because some could not run', () => {
    expect(result.checks.map((c) => c.name)).toEqual(CHECKS.map((c) => c.name));
    expect(compareExitCode(result)).toBe(2);
    expect(result.monolith).not.toContain(new URL(monolith.url).password || '\u0000');
  });

  it('equal results pass, with timings for both sides per parameter set', () => {
    const c = check('equal');
    expect(c).toMatchObject({ status: 'pass', paramSets: 2, mismatchedSets: 0, missing: 0, extra: 0, changed: 0 });
    expect(c.legacyRows).toBe(8);
    expect(c.legacy.totalMs).toBeGreaterThan(0);
    expect(c.candidateTiming.totalMs).toBeGreaterThan(0);
    expect(c.legacy.medianMs).toBeLessThanOrEqual(c.legacy.totalMs);
  });

  it('finds a missing row, an extra row, and a changed value by key with its column', () => {
    expect(check('missing')).toMatchObject({ status: 'mismatch', missing: 1, extra: 0 });
    expect(check('missing').samples).toEqual([{ kind: 'missing', paramSet: 0, row: { id: '2', total: '20.00' } }]);
    expect(check('extra')).toMatchObject({ status: 'mismatch', missing: 0, extra: 1 });
    expect(check('changed')).toMatchObject({ status: 'mismatch', changed: 1, missing: 0, extra: 0 });
    expect(check('changed').samples[0]).toMatchObject({ kind: 'changed', row: { id: '3' }, columns: [{ column: 'total', legacy: '30.00', candidate: '31' }] });
  });

  it('numeric tolerance, timestamp precision and ignored columns', () => {
    expect(check('numeric-within').status).toBe('pass');
    expect(check('numeric-outside')).toMatchObject({ status: 'mismatch', changed: 1 });
    expect(check('numeric-outside').samples[0]).toMatchObject({ row: { id: '3' } });
    expect(check('timestamp-exact')).toMatchObject({ status: 'mismatch', missing: 1, extra: 1 });
    // Microseconds survive: the sample shows PostgreSQL's own text.
    expect(check('timestamp-exact').samples.map((s) => s.row.created_at)).toEqual(['2025-03-01 15:00:00.123+00', '2025-03-01 15:00:00.1233+00']);
    expect(check('timestamp-ms').status).toBe('pass');
    expect(check('ignored').status).toBe('pass');
    expect(check('not-ignored').status).toBe('mismatch');
  });

  it('order: a different order fails when the legacy query orders; ties are not reported', () => {
    expect(check('order')).toMatchObject({ status: 'mismatch', ordered: true, missing: 0, extra: 0 });
    expect(check('order').outOfOrder).toBeGreaterThan(0);
    expect(check('order').samples[0]).toMatchObject({ kind: 'order', position: 0, row: { id: '1' }, candidateRow: { id: '5' } });
    expect(check('order-off')).toMatchObject({ status: 'pass', ordered: false });
    expect(check('ties')).toMatchObject({ status: 'pass', ordered: true });
    expect(check('ties-hidden-sort')).toMatchObject({ status: 'pass', ordered: true });
    expect(check('ties-wrong').status).toBe('mismatch');
  });

  it('sampled parameters: one set per row of params.from', () => {
    expect(check('sampled')).toMatchObject({ status: 'pass', paramSets: 3 });
    const bad = check('sampled-bad');
    expect(bad).toMatchObject({ status: 'mismatch', paramSets: 5, mismatchedSets: 3 });
    expect(bad.samples.find((s) => s.kind === 'missing')).toMatchObject({ row: { id: '2' }, params: { user_id: '3' } });
  });

  it('errors are per check, one line each', () => {
    expect(check('unknown-service')).toMatchObject({ status: 'error' });
    expect(check('unknown-service').error).toMatch(/^unknown service "nope" \(the plan has: orders\)$/);
    expect(check('sql-error').error).toMatch(/^candidate failed \(parameter set 1\): relation "no_such_table" does not exist \(SQLSTATE 42P01\)$/);
    expect(check('missing-param').error).toContain('parameter :id has no value');
    expect(result.totals).toEqual({ checks: CHECKS.length, passed: 8, mismatched: 9, errors: 3 });
  });

  it('--check runs only the named checks; an unknown name is a usage error', async () => {
    const only = await runCompare({ planPath: plan, checksDir: join(dir, 'checks'), only: ['equal', 'order'] });
    expect(only.checks.map((c) => c.name)).toEqual(['equal', 'order']);
    expect(compareExitCode(only)).toBe(1);
    await expect(runCompare({ planPath: plan, checksDir: join(dir, 'checks'), only: ['nope'] })).rejects.toMatchObject({ code: 'E_USAGE' });
    await expect(runCompare({ planPath: plan, checksDir: join(dir, 'no-such-dir') })).rejects.toMatchObject({ code: 'E_FILE_NOT_FOUND' });
  });
});
