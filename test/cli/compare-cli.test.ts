import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { createTestDatabase, serverUrl, type TestDatabase } from '../helpers/pg.js';
import { MONOLITH_SQL, SERVICE_SQL, writeChecks, writePlan } from '../integration/compare-fixture.js';

/**
 * `dbsplit compare` through the built binary, as CI runs it: exit codes (0 pass, 1 mismatch,
 * 2 error), JSON with a version, JUnit with one test case per check, no password in output.
 */

describe('dbsplit compare (CLI)', () => {
  let monolith: TestDatabase;
  let service: TestDatabase;
  let dir: string;
  let plan: string;
  const password = decodeURIComponent(new URL(serverUrl()).password);
  const compare = (checks: string, ...args: string[]) => runCli(['compare', '--plan', plan, '--checks', join(dir, checks), ...args]);

  beforeAll(async () => {
    monolith = await createTestDatabase('cmpcli_mono');
    service = await createTestDatabase('cmpcli_svc');
    await monolith.exec(MONOLITH_SQL);
    await service.exec(SERVICE_SQL);
    dir = mkdtempSync(join(tmpdir(), 'dbsplit-compare-cli-'));
    plan = writePlan(dir, monolith.url, { orders: service.url });
    writeChecks(join(dir, 'pass'), 'a.yaml', [{ name: 'same', legacy: 'SELECT id, total FROM orders ORDER BY id', candidate: 'SELECT id, total FROM orders ORDER BY id' }]);
    writeChecks(join(dir, 'fail'), 'a.yaml', [
      { name: 'same', legacy: 'SELECT id, total FROM orders ORDER BY id', candidate: 'SELECT id, total FROM orders ORDER BY id' },
      { name: 'changed', legacy: 'SELECT id, total FROM orders WHERE id = 3', candidate: 'SELECT id, total FROM orders_bad WHERE id = 3', extra: 'key: [id]' },
    ]);
    writeChecks(join(dir, 'error'), 'a.yaml', [{ name: 'broken', legacy: 'SELECT 1 AS x', candidate: 'SELECT nope FROM nowhere' }]);
  });

  afterAll(async () => {
    await monolith?.drop();
    await service?.drop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('all pass: exit 0', async () => {
    const r = await compare('pass');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/✓ all 1 check pass/);
    if (password) expect(r.stdout + r.stderr).not.toContain(password);
  });

  it('a mismatch: exit 1, in table, json and junit', async () => {
    const table = await compare('fail');
    expect(table.code).toBe(1);
    expect(table.stdout).toContain('changed  id=3 — total: "30.00" → "31"');
    const json = await compare('fail', '--format', 'json');
    expect(json.code).toBe(1);
    const doc = JSON.parse(json.stdout) as { version: number; exitCode: number; checks: { name: string; status: string; changed: number }[] };
    expect(doc.version).toBe(1);
    expect(doc.exitCode).toBe(1);
    expect(doc.checks.map((c) => [c.name, c.status, c.changed])).toEqual([['same', 'pass', 0], ['changed', 'mismatch', 1]]);
    const junit = await compare('fail', '--format', 'junit');
    expect(junit.code).toBe(1);
    expect(junit.stdout).toMatch(/<testsuite name="dbsplit compare" tests="2" failures="1" errors="0"/);
    expect(junit.stdout.match(/<testcase /g)).toHaveLength(2);
    expect(junit.stdout).toMatch(/<testcase classname="dbsplit\.compare" name="changed"[^>]*>\s*<failure message="sql on orders differs from the legacy query in 1 of 1 parameter set\(s\): 1 changed" type="mismatch">/);
    if (password) expect(json.stdout + junit.stdout).not.toContain(password);
  });

  it('errors: exit 2, per check or before anything runs', async () => {
    const broken = await compare('error', '--json');
    expect(broken.code).toBe(2);
    expect((JSON.parse(broken.stdout) as { checks: { status: string; error: string }[] }).checks[0]).toMatchObject({ status: 'error', error: expect.stringContaining('relation "nowhere" does not exist') });
    const missing = await compare('nowhere');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('[E_FILE_NOT_FOUND] checks directory not found');
    const unknown = await compare('pass', '--check', 'nope');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown check "nope"');
  });
});
