import { writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../src/db/embedded.js';
import { Chalk } from 'chalk';
import { makeStyles } from '../../src/commands/output.js';
import { startShadow } from '../../src/sync/lifecycle.js';
import { renderStatus, statusJson } from '../../src/sync/lifecycle/render-status.js';
import { shadowStatus } from '../../src/sync/status.js';
import { runShadow } from '../../src/sync/stream/index.js';
import { customFixture, type ShadowFixture } from '../helpers/shadow-lifecycle-fixture.js';

/**
 * `shadow status`: the fields per service (runner heartbeat and lag as the runner records
 * them), and the warnings — an inactive slot, too much retained WAL, a slot of a service that
 * is not shadowing, a slot of no service, an unreachable target, a recent error.
 */

const SCHEMA = `
CREATE TABLE notes (id int PRIMARY KEY, body text);
CREATE TABLE others (id int PRIMARY KEY);
INSERT INTO notes SELECT g, 'note ' || g FROM generate_series(1, 50) g;
`;

const plainStyle = makeStyles(new Chalk({ level: 0 }));

describe('dbsplit shadow status', () => {
  let f: ShadowFixture;
  let dead: string;
  let orphan: string;

  beforeAll(async () => {
    f = await customFixture('shstat', SCHEMA, { tables: ['notes'] });
    await startShadow({ planPath: f.planPath, service: f.service, dryRun: false });
    dead = `${f.service}_dead`;
    orphan = `dbsplit_${f.service}_orphan`;
    // A second service whose target cannot be reached, with sync state as if it had been started.
    const deadUrl = `postgres://app:dead-pw@127.0.0.1:${await freePort()}/nowhere`;
    writeFileSync(
      f.planPath,
      ['version: 1', 'monolith:', `  url: "${f.monolith.url}"`, 'services:', `  ${f.service}:`, '    tables: [notes]', `    target: { url: "${f.targetUrl}" }`, `  ${dead}:`, '    tables: [others]', `    target: { url: "${deadUrl}" }`, ''].join('\n'),
    );
    await f.monolith.exec(`INSERT INTO _dbsplit.sync_state (service, slot_name, publication) VALUES ('${dead}', 'dbsplit_${dead}', 'dbsplit_${dead}')`);
    await f.monolith.exec(`SELECT pg_create_logical_replication_slot('${orphan}', 'pgoutput')`);
  });

  afterAll(async () => {
    await f?.cleanup();
  });

  it('reports the runner\'s heartbeat, rate and lag as the runner records them', async () => {
    await f.monolith.exec(`
      UPDATE _dbsplit.sync_state SET runner_pid = 4242, runner_host = 'worker-1', heartbeat_at = now(), applied_changes = 1234,
        applied_rate = 56.5, lag_seconds = 0.25, applied_lsn = '0/1000', last_error = 'target went away', last_error_at = now() - interval '1 minute'
       WHERE service = '${f.service}'`);
    const s = await shadowStatus({ planPath: f.planPath, service: f.service });
    const o = s.services[0]!;
    expect(o.runner).toMatchObject({ desired: 'running', pid: 4242, host: 'worker-1', alive: true, appliedChanges: 1234, appliedRate: 56.5, appliedLsn: '0/1000' });
    expect(o.runner!.heartbeatAgeSeconds).toBeLessThan(30);
    expect(o.lag.seconds).toBe(0.25);
    expect(o.lag.bytes).toBeGreaterThanOrEqual(0);
    expect(o.position?.lsn).toMatch(/^[0-9A-F]+\/[0-9A-F]+$/);
    expect(o.lastError?.message).toBe('target went away');
    // The runner beat after the error: it recovered, so no warning for it.
    expect(o.warnings.some((w) => w.includes('target went away'))).toBe(false);
    expect(o.backfill).toMatchObject({ tablesTotal: 1, tablesDone: 1, rows: 50 });
    const json = statusJson(s) as { version: number; services: unknown[]; currentWalLsn: string };
    expect(json.version).toBe(1);
    expect(json.currentWalLsn).toMatch(/\//);
    const text = renderStatus(s, 'table', plainStyle);
    expect(text).toContain('pid 4242 on worker-1');
    expect(text).toContain('1,234 changes applied, 57/s');
  });

  it('warns about a stale runner with a recent error, an inactive slot and too much retained WAL', async () => {
    await f.monolith.exec(`UPDATE _dbsplit.sync_state SET heartbeat_at = now() - interval '10 minutes', last_error_at = now() - interval '5 minutes' WHERE service = '${f.service}'`);
    const s = await shadowStatus({ planPath: f.planPath, service: f.service, maxRetainedWalBytes: 1 });
    const o = s.services[0]!;
    expect(o.runner?.alive).toBe(false);
    expect(o.warnings.some((w) => w.includes('last error') && w.includes('target went away'))).toBe(true);
    expect(o.warnings.some((w) => w.includes('is inactive: no runner reads it'))).toBe(true);
    expect(o.warnings.some((w) => w.includes('of WAL, more than 1 B'))).toBe(true);
    expect(s.warnings.every((w) => w.startsWith(`${f.service}: `))).toBe(true);
  });

  it('lists every service: the slot of one not shadowing, a slot of no service, an unreachable target', async () => {
    await f.monolith.exec(`UPDATE _dbsplit.services SET phase = 'provisioned' WHERE name = '${f.service}'`);
    try {
      const s = await shadowStatus({ planPath: f.planPath });
      expect(s.services.map((x) => x.service)).toEqual([f.service, dead].sort());
      const main = s.services.find((x) => x.service === f.service)!;
      expect(main.warnings.some((w) => w.includes(`exists but ${f.service} is in phase provisioned`))).toBe(true);
      const d = s.services.find((x) => x.service === dead)!;
      expect(d).toMatchObject({ started: true, phase: 'planned', target: { reachable: false } });
      expect(d.target.url).not.toContain('dead-pw');
      expect(d.warnings.some((w) => w.startsWith('target unreachable'))).toBe(true);
      expect(s.orphanSlots.map((x) => x.name)).toEqual([orphan]);
      expect(s.warnings.some((w) => w.includes(`replication slot ${orphan} belongs to no service`))).toBe(true);
      expect(JSON.stringify(statusJson(s))).not.toContain('dead-pw');
    } finally {
      await f.monolith.exec(`UPDATE _dbsplit.services SET phase = 'shadowing' WHERE name = '${f.service}'`);
    }
  });

  it('refuses an unknown service', async () => {
    await expect(shadowStatus({ planPath: f.planPath, service: 'nope' })).rejects.toMatchObject({ code: 'E_UNKNOWN_SERVICE' });
  });

  it('counts lag from the slot\'s acknowledged position when the stream had nothing for the service', async () => {
    const before = (await shadowStatus({ planPath: f.planPath, service: f.service })).services[0]!;
    expect(before.position).not.toBeNull();
    // About 4 MB of WAL for a table the service does not have: nothing to apply, nothing committed to the target.
    await f.monolith.exec(`INSERT INTO others SELECT g FROM generate_series(1, 60000) g`);
    const run = await runShadow({ service: f.service, planPath: f.planPath, untilCaughtUp: true, heartbeatMs: 200 });
    expect(run.reason).toBe('caught-up');
    expect(run.appliedChanges).toBe(0);
    const after = (await shadowStatus({ planPath: f.planPath, service: f.service })).services[0]!;
    expect(after.position!.lsn).toBe(before.position!.lsn);
    const [{ d }] = (await f.monolith.query<{ d: number }>(`SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), $1::pg_lsn)::float8 AS d`, [before.position!.lsn])) as [{ d: number }];
    // The target's own position is megabytes behind; the acknowledged slot is not.
    expect(d).toBeGreaterThan(2_000_000);
    expect(after.lag.bytes).not.toBeNull();
    expect(after.lag.bytes!).toBeLessThan(d - 2_000_000);
  });
});
