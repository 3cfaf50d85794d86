import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../src/db/embedded.js';
import { runCli } from '../helpers/cli.js';
import { customFixture, type ShadowFixture } from '../helpers/shadow-lifecycle-fixture.js';

/** `dbsplit shadow start | status | stop | cancel` through the built binary: output, exit codes, refusals. */

const SCHEMA = `
CREATE TABLE items (id int PRIMARY KEY, name text NOT NULL);
CREATE TABLE tags (id int PRIMARY KEY, item_id int REFERENCES items (id), tag text);
INSERT INTO items SELECT g, 'item ' || g FROM generate_series(1, 300) g;
INSERT INTO tags SELECT g, 1 + g % 300, 't' || g FROM generate_series(1, 600) g;
`;

describe('dbsplit shadow (CLI)', () => {
  let f: ShadowFixture;
  const cli = (...args: string[]) => runCli(['shadow', ...args, '--plan', f.planPath]);

  beforeAll(async () => {
    f = await customFixture('shcli', SCHEMA, { tables: ['items', 'tags'] });
  });

  afterAll(async () => {
    await f?.cleanup();
  });

  const slotCount = async () => (await f.monolith.query<{ n: number }>('SELECT count(*)::int AS n FROM pg_replication_slots WHERE slot_name = $1', [`dbsplit_${f.service}`]))[0]!.n;

  it('bad input: one line, exit 2, nothing changed', async () => {
    const unknown = await cli('start', 'nosuch');
    expect(unknown.code).toBe(2);
    expect(unknown.stdout).toBe('');
    expect(unknown.stderr.trim().split('\n')).toHaveLength(1);
    expect(unknown.stderr).toContain('[E_UNKNOWN_SERVICE] unknown service "nosuch"');

    const deadPlan = join(f.dir, 'dead.yaml');
    const deadUrl = `postgres://app:secret-monolith-pw@127.0.0.1:${await freePort()}/mono`;
    writeFileSync(deadPlan, ['version: 1', 'monolith:', `  url: "${deadUrl}"`, 'services:', '  a:', '    tables: [items]', `    target: { url: "${f.targetUrl}" }`, '  b:', '    tables: [tags]', ''].join('\n'));
    const unreachable = await runCli(['shadow', 'start', 'a', '--plan', deadPlan]);
    expect(unreachable.code).toBe(2);
    expect(unreachable.stderr).toContain('[E_CONNECTION]');
    expect(unreachable.stderr).not.toContain('secret-monolith-pw');
    const noTarget = await runCli(['shadow', 'start', 'b', '--plan', deadPlan]);
    expect(noTarget.code).toBe(2);
    expect(noTarget.stderr).toContain('service b has no target database URL');
    const jobs = await cli('start', f.service, '--jobs', '0');
    expect(jobs.code).toBe(2);
    expect(jobs.stderr).toContain('--jobs must be a positive whole number');
    expect(await slotCount()).toBe(0);
  });

  it('start --dry-run --json prints the plan and creates nothing', async () => {
    const r = await cli('start', f.service, '--dry-run', '--json');
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as { version: number; dryRun: boolean; steps: { kind: string; sql: string[] }[] };
    expect(doc.version).toBe(1);
    expect(doc.dryRun).toBe(true);
    expect(doc.steps.map((s) => s.kind)).toEqual(['publication', 'slot', 'target-state', 'record-sync-state', 'backfill']);
    expect(await slotCount()).toBe(0);
  });

  it('start copies with progress lines on stderr and a summary on stdout', async () => {
    const r = await cli('start', f.service, '--jobs', '2');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('copying 2 tables (2 at a time) in the snapshot of slot');
    expect(r.stderr).toMatch(/public\.tags: started/);
    expect(r.stderr).toMatch(/public\.items +\[#+\] +100% +300 rows .* done in/);
    expect(r.stdout).toContain(`created slot dbsplit_${f.service} and publication dbsplit_${f.service}`);
    expect(r.stdout).toContain('backfill: 2/2 tables done, 900 rows; phase shadowing.');
    expect(await slotCount()).toBe(1);
  });

  it('status prints warnings, and --check turns them into exit 1', async () => {
    const plain = await cli('status', f.service);
    expect(plain.code).toBe(0);
    expect(plain.stdout).toContain('2/2 tables done, 900 rows');
    expect(plain.stdout).toContain('is inactive: no runner reads it');
    const check = await cli('status', f.service, '--check', '--json');
    expect(check.code).toBe(1);
    const doc = JSON.parse(check.stdout) as { version: number; services: { service: string; phase: string; slot: { active: boolean } }[]; warnings: string[] };
    expect(doc.version).toBe(1);
    expect(doc.services[0]).toMatchObject({ service: f.service, phase: 'shadowing', slot: { active: false } });
    expect(doc.warnings.length).toBeGreaterThan(0);
    const bad = await cli('status', '--max-retained-wal', 'lots');
    expect(bad.code).toBe(2);
  });

  it('stop keeps the slot and says WAL is retained', async () => {
    const r = await cli('stop', f.service, '--timeout', '2');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('the monolith keeps WAL for it while stopped');
    expect(await slotCount()).toBe(1);
  });

  it('cancel refuses without --yes when stdin is not a terminal; --dry-run prints SQL; --yes drops', async () => {
    const refused = await cli('cancel', f.service);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('[E_NO_TTY]');
    expect(await slotCount()).toBe(1);
    const dry = await cli('cancel', f.service, '--dry-run');
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain(`SELECT pg_drop_replication_slot('dbsplit_${f.service}');`);
    expect(dry.stdout).toContain(`DROP PUBLICATION IF EXISTS dbsplit_${f.service};`);
    expect(await slotCount()).toBe(1);
    const done = await cli('cancel', f.service, '--yes');
    expect(done.code, done.stderr).toBe(0);
    expect(done.stdout).toContain("The target's data is left as it is");
    expect(await slotCount()).toBe(0);
    expect(await f.monolith.query('SELECT phase FROM _dbsplit.services WHERE name = $1', [f.service])).toEqual([{ phase: 'provisioned' }]);
  });
});
