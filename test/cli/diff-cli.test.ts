import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureControlSchema } from '../../src/db/control-schema.js';
import { setPhase } from '../../src/cutover/phases.js';
import { runCli } from '../helpers/cli.js';
import { createTestDatabase, serverUrl, type TestDatabase } from '../helpers/pg.js';
import { withClient, writeDiffPlan } from '../integration/diff-fixture.js';

/**
 * `dbsplit diff` through the built binary, as CI runs it: exit codes (0 clean, 1 different,
 * 2 error), every format, --fix --dry-run as a runnable script, --fix refused outside
 * shadowing, and no password anywhere in the output.
 */

const TABLES = `
CREATE TABLE accounts (id bigint PRIMARY KEY, owner text NOT NULL, balance numeric(12,2) NOT NULL);
INSERT INTO accounts SELECT g, 'owner ' || g, g * 10 FROM generate_series(1, 3000) g;
CREATE TABLE tags (name text PRIMARY KEY, color text);
INSERT INTO tags VALUES ('red', '#f00'), ('green', '#0f0'), ('blue', '#00f');
`;

describe('dbsplit diff (CLI)', () => {
  let monolith: TestDatabase;
  let target: TestDatabase;
  let dir: string;
  let plan: string;
  const password = decodeURIComponent(new URL(serverUrl()).password);
  const diff = (...args: string[]) => runCli(['diff', 'ledger', '--plan', plan, ...args]);

  const expectNoPassword = (text: string) => {
    if (password) expect(text).not.toContain(password);
  };

  beforeAll(async () => {
    monolith = await createTestDatabase('diffcli_mono');
    target = await createTestDatabase('diffcli_tgt');
    await monolith.exec(TABLES);
    await target.exec(TABLES);
    dir = mkdtempSync(join(tmpdir(), 'dbsplit-diff-cli-'));
    plan = writeDiffPlan(dir, monolith.url, { ledger: { tables: ['accounts', 'tags'], target: { url: target.url, isolation: 'database' } } });
  });

  afterAll(async () => {
    await target?.drop();
    await monolith?.drop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('equal data: exit 0, a clean verdict, recorded', async () => {
    const r = await diff();
    expect(r.stderr).toContain('public.accounts');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/✓ clean: 2 tables, 3,003 rows compared/);
    expect(r.stdout).toMatch(/recorded as diff run \d+ in _dbsplit\.diff_runs/);
    expectNoPassword(r.stdout + r.stderr);
    expect(await monolith.query(`SELECT clean FROM _dbsplit.diff_runs WHERE service = 'ledger'`)).toEqual([{ clean: true }]);
  });

  it('differences: exit 1 in every format', async () => {
    await target.exec(`DELETE FROM accounts WHERE id = 42; UPDATE accounts SET balance = 1.5 WHERE id = 7; INSERT INTO tags VALUES ('pink', NULL)`);

    const table = await diff();
    expect(table.code).toBe(1);
    expect(table.stdout).toContain('missing  id=42');
    expect(table.stdout).toContain('changed  id=7 — balance: "70.00" → "1.50"');
    expect(table.stdout).toContain('extra    name=pink');
    expect(table.stdout).toMatch(/✗ 3 rows differ in 2 of 2 tables \(1 missing, 1 extra, 1 changed\)/);

    const json = await diff('--format', 'json');
    expect(json.code).toBe(1);
    const doc = JSON.parse(json.stdout) as { version: number; exitCode: number; clean: boolean; tables: { table: string; differences: { kind: string; key: Record<string, string> }[] }[] };
    expect(doc.version).toBe(1);
    expect(doc.exitCode).toBe(1);
    expect(doc.clean).toBe(false);
    expect(doc.tables.find((t) => t.table === 'public.accounts')!.differences).toEqual([
      { kind: 'missing', key: { id: '42' } },
      { kind: 'changed', key: { id: '7' }, columns: [{ column: 'balance', source: '70.00', target: '1.50' }] },
    ]);

    const junit = await diff('--format', 'junit', '--no-record');
    expect(junit.code).toBe(1);
    expect(junit.stdout).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?>/);
    expect(junit.stdout).toMatch(/<testsuite name="dbsplit diff ledger" tests="2" failures="2" errors="0"/);
    expect(junit.stdout).toMatch(/<testcase classname="dbsplit\.diff\.ledger" name="public\.accounts" time="[\d.]+">\s*<failure message="public\.accounts differs from public\.accounts: 1 missing, 1 changed" type="difference">/);
    expect(junit.stdout.match(/<testcase /g)).toHaveLength(2);

    const md = await diff('--format', 'markdown', '--no-record');
    expect(md.code).toBe(1);
    expect(md.stdout).toContain('## dbsplit diff `ledger`');
    expect(md.stdout).toContain('| `public.accounts` | 3,000 | 1 | 0 | 1 |');
    expectNoPassword(json.stdout + junit.stdout + md.stdout + table.stderr);
  });

  it('--fix --dry-run prints a script that repairs the target; --fix is refused outside shadowing', async () => {
    const dry = await diff('--fix', '--dry-run', '--no-record');
    expect(dry.code).toBe(1);
    const lines = dry.stdout.trimEnd().split('\n');
    expect(lines.filter((l) => l !== '' && !l.startsWith('--'))).toEqual([
      'BEGIN;',
      "SET LOCAL TimeZone = 'UTC';",
      "SET LOCAL DateStyle = 'ISO, YMD';",
      "SET LOCAL IntervalStyle = 'postgres';",
      "SET LOCAL extra_float_digits = '3';",
      "SET LOCAL bytea_output = 'hex';",
      "SET LOCAL lc_monetary = 'C';",
      "SET LOCAL standard_conforming_strings = 'on';",
      'SET CONSTRAINTS ALL DEFERRED;',
      "DELETE FROM public.tags WHERE name IN ('pink'::text);",
      "UPDATE public.accounts SET balance = '70.00'::numeric(12,2) WHERE id = '7'::bigint;",
      'INSERT INTO public.accounts (id, owner, balance) VALUES',
      "  ('42'::bigint, 'owner 42'::text, '420.00'::numeric(12,2));",
      'COMMIT;',
    ]);
    expect(dry.stdout).toContain('-- dbsplit diff --fix --dry-run: nothing was changed.');
    expect(await target.query(`SELECT count(*)::int AS n FROM accounts WHERE id = 42`)).toEqual([{ n: 0 }]);

    const refused = await diff('--fix', '--no-record');
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/\[E_PRECONDITION\] dbsplit diff --fix writes to ledger's database, which is allowed only in phase shadowing; ledger is in phase planned/);
    expect(await target.query(`SELECT count(*)::int AS n FROM accounts WHERE id = 42`)).toEqual([{ n: 0 }]);

    await withClient(monolith.url, async (c) => {
      await ensureControlSchema(c);
      await setPhase(c, 'ledger', 'provisioned', ['planned']);
      await setPhase(c, 'ledger', 'shadowing', ['provisioned']);
    });
    const fixed = await diff('--fix');
    expect(fixed.code).toBe(1);
    expect(fixed.stdout).toContain('fixed postgres://');
    expect(fixed.stdout).toContain('1 inserted, 1 updated, 1 deleted');
    expectNoPassword(fixed.stdout);
    const after = await diff();
    expect(after.code).toBe(0);
  });

  it('errors: exit 2 with one line', async () => {
    const unknown = await runCli(['diff', 'nope', '--plan', plan]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/\[E_UNKNOWN_SERVICE\] unknown service "nope"/);

    const usage = await diff('--dry-run');
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('[E_USAGE] --dry-run goes with --fix');

    const badJobs = await diff('--jobs', '0');
    expect(badJobs.code).toBe(2);

    await target.exec(`DROP TABLE tags`);
    const missing = await diff('--no-record');
    expect(missing.code).toBe(2);
    expect(missing.stdout).toContain('public.tags: error table public.tags does not exist in the service\'s database');
    const json = JSON.parse((await diff('--no-record', '--json')).stdout) as { exitCode: number; totals: { errors: number } };
    expect(json).toMatchObject({ exitCode: 2, totals: { errors: 1 } });
  });
});
