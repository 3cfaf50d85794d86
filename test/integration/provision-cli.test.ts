import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../src/db/embedded.js';
import { SAMPLE_MONOLITH_DIR } from '../../src/paths.js';
import { runCli } from '../helpers/cli.js';
import { createTestDatabase, databaseUrl, serverUrl, type TestDatabase } from '../helpers/pg.js';

/** `dbsplit provision` through the built binary: what a user sees, exit codes, masked URLs. */

const TARGET_DB = `provcli_${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;

describe('dbsplit provision (CLI)', () => {
  let monolith: TestDatabase;
  let dir: string;
  let deadUrl: string;

  beforeAll(async () => {
    monolith = await createTestDatabase('provcli_mono');
    dir = mkdtempSync(join(tmpdir(), 'dbsplit-provision-cli-'));
    deadUrl = `postgres://app:dead-target-pw@127.0.0.1:${await freePort()}/reviews`;
    writeFileSync(
      join(dir, 'dbsplit.yaml'),
      [
        'version: 1',
        'monolith:',
        `  url: "${monolith.url}"`,
        `  ddl: ["${join(SAMPLE_MONOLITH_DIR, 'schema.sql')}"]`,
        'services:',
        '  cart:',
        '    tables: [carts, cart_items]',
        `    target: { url: "${databaseUrl(TARGET_DB)}" }`,
        '  reviews:',
        '    tables: [reviews, review_votes]',
        `    target: { url: "${deadUrl}" }`,
        'shared: [currencies, countries]',
        '',
      ].join('\n'),
    );
  });

  afterAll(async () => {
    const c = new pg.Client({ connectionString: serverUrl() });
    await c.connect();
    await c.query(`DROP DATABASE IF EXISTS "${TARGET_DB}" WITH (FORCE)`);
    await c.end();
    await monolith?.drop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('--dry-run prints the SQL and creates nothing', async () => {
    const r = await runCli(['provision', 'cart', '--dry-run'], { cwd: dir });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('--dry-run: nothing was changed');
    expect(r.stdout).toContain(`CREATE DATABASE ${TARGET_DB};`);
    expect(r.stdout).toContain('CREATE TABLE public.carts (');
    expect(r.stdout).toContain('record phase provisioned for cart');
    expect(r.stdout).not.toContain(new URL(serverUrl()).password);
    const exists = await monolith.query(`SELECT 1 FROM pg_database WHERE datname = '${TARGET_DB}'`);
    expect(exists).toEqual([]);
    expect(await monolith.query(`SELECT 1 FROM pg_namespace WHERE nspname = '_dbsplit'`)).toEqual([]);
  });

  it('provisions, then says already provisioned', async () => {
    const first = await runCli(['provision', 'cart'], { cwd: dir });
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/provisioned postgres:\/\/\w+:\*\*\*@/);
    expect(first.stdout).toContain('✓ run 1 knex migration: 0001_initial_schema.cjs');
    const again = await runCli(['provision', 'cart', '--json'], { cwd: dir });
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ version: 1, service: 'cart', alreadyProvisioned: true, steps: [] });
    const text = await runCli(['provision', 'cart'], { cwd: dir });
    expect(text.stdout).toContain('already provisioned');
  });

  it('an unreachable target: one line with the URL masked, exit 2', async () => {
    const r = await runCli(['provision', 'reviews'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('[E_CONNECTION]');
    expect(r.stderr).toContain(deadUrl.replace('dead-target-pw', '***'));
    expect(r.stderr).not.toContain('dead-target-pw');
  });

  it('an unknown service: E_UNKNOWN_SERVICE with the services of the plan', async () => {
    const r = await runCli(['provision', 'billing'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('[E_UNKNOWN_SERVICE] unknown service "billing"');
    expect(r.stderr).toContain('services in the plan: cart, reviews');
  });
});
