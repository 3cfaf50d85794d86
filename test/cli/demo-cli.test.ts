import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

describe('dbsplit demo', () => {
  it('runs end to end on an embedded PostgreSQL, writes its files, and cleans up', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'dbsplit-demo-test-')), 'demo');
    const r = await runCli(['demo', '--scale', '0.2', '--out', out, '--json'], { timeoutMs: 240_000 });
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.version).toBe(1);
    expect(doc.tables.length).toBeGreaterThanOrEqual(35);
    expect(doc.queries.length).toBeGreaterThanOrEqual(60);
    expect(doc.crossBoundary.foreignKeys.length).toBeGreaterThan(0);
    for (const f of ['dbsplit.yaml', 'catalog.json', 'catalog.md', 'catalog.mmd', 'generated/plan.md']) expect(existsSync(join(out, f)), f).toBe(true);
    const plan = readFileSync(join(out, 'dbsplit.yaml'), 'utf8');
    expect(plan).toContain('${DBSPLIT_DEMO_PASSWORD}');
    expect(r.stderr).toMatch(/service databases created and migrated/);
    const dataDir = /data in (\S+)/.exec(r.stderr)?.[1];
    expect(dataDir).toBeDefined();
    expect(existsSync(dataDir!)).toBe(false);
    expect(r.stderr + r.stdout).not.toMatch(/postgres:\/\/[^:\s]+:(?!\*\*\*)[^@\s]+@/);
  }, 300_000);
});
