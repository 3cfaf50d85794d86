import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

describe('dbsplit demo', () => {
  it('runs end to end on an embedded PostgreSQL, writes its files, and cleans up', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'dbsplit-demo-test-')), 'demo');
    const r = await runCli(['demo', '--scale', '0.2', '--load-seconds', '2', '--out', out, '--json'], { timeoutMs: 240_000 });
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.version).toBe(1);
    expect(doc.tables.length).toBeGreaterThanOrEqual(35);
    expect(doc.queries.length).toBeGreaterThanOrEqual(60);
    expect(doc.crossBoundary.foreignKeys.length).toBeGreaterThan(0);
    for (const f of ['dbsplit.yaml', 'catalog.json', 'catalog.md', 'catalog.mmd', 'generated/plan.md', 'diff.md', 'diff.junit.xml', 'compare.md', 'compare.junit.xml']) expect(existsSync(join(out, f)), f).toBe(true);

    // The sync steps, in order, in the JSON (under `demo`) and on stderr.
    const demo = doc.demo;
    expect(demo.steps.map((s: { step: string }) => s.step)).toEqual(['server', 'schema', 'seed', 'workload', 'suggest', 'analyze', 'generate', 'provision', 'shadow', 'diff', 'fix', 'compare', 'stop', 'reports']);
    expect(demo.shadow.services.length).toBeGreaterThanOrEqual(5);
    for (const s of demo.shadow.services) expect([s.service, s.phase, s.lagSeconds]).toEqual([s.service, 'shadowing', 0]);
    expect(demo.shadow.load.transactions).toBeGreaterThan(0);
    expect(demo.shadow.services.reduce((n: number, s: { appliedChanges: number }) => n + s.appliedChanges, 0)).toBeGreaterThan(0);
    expect(r.stderr).toMatch(/service\s+phase\s+lag\s+applied changes/);
    expect(r.stderr).toMatch(/orders\s+shadowing\s+0\.0 s/);
    expect(demo.diff).toMatchObject({ clean: true, differences: 0 });
    expect(demo.diff.services).toHaveLength(demo.shadow.services.length);
    expect(demo.fix.found.clean).toBe(false);
    expect(demo.fix.found.differences).toEqual([{ table: demo.fix.table, kind: 'changed', key: demo.fix.key, columns: [expect.objectContaining({ column: demo.fix.column, target: 'corrupted on purpose by dbsplit demo' })] }]);
    expect(demo.fix.fixed).toMatchObject({ applied: true, rows: { insert: 0, update: 1, delete: 0 } });
    expect(demo.fix.after.clean).toBe(true);
    // Every generated composition's check ran on sampled parameters and passed.
    expect(demo.compare.totals.checks).toBeGreaterThanOrEqual(10);
    expect(demo.compare.totals).toMatchObject({ passed: demo.compare.totals.checks, mismatched: 0, errors: 0 });
    expect(readFileSync(join(out, 'compare.junit.xml'), 'utf8')).toContain('failures="0"');
    expect(demo.stopped.stopped).toHaveLength(demo.shadow.services.length);
    const key = Object.entries(demo.fix.key as Record<string, string>).map(([k, v]) => `${k}=${v}`)[0]!;
    expect(readFileSync(join(out, 'diff.md'), 'utf8')).toContain(key);
    expect(readFileSync(join(out, 'diff.junit.xml'), 'utf8')).toMatch(/<testsuites name="dbsplit diff" tests="\d+" failures="0" errors="0"/);
    expect(r.stderr).toMatch(/runners stopped/);
    const plan = readFileSync(join(out, 'dbsplit.yaml'), 'utf8');
    expect(plan).toContain('${DBSPLIT_DEMO_PASSWORD}');
    expect(r.stderr).toMatch(/service databases created and migrated/);
    const dataDir = /data in (\S+)/.exec(r.stderr)?.[1];
    expect(dataDir).toBeDefined();
    expect(existsSync(dataDir!)).toBe(false);
    expect(r.stderr + r.stdout).not.toMatch(/postgres:\/\/[^:\s]+:(?!\*\*\*)[^@\s]+@/);
  }, 300_000);
});
