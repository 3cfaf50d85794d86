import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedPostgres, type EmbeddedServer } from '../../src/db/embedded.js';
import { isDbsplitError, type DbsplitError } from '../../src/errors.js';
import { provisionService } from '../../src/provision/index.js';
import { startShadow } from '../../src/sync/lifecycle.js';
import { serverUrl } from '../helpers/pg.js';
import { customFixture, uniqueSuffix, withClient, writePlan, type ShadowFixture } from '../helpers/shadow-lifecycle-fixture.js';

/**
 * `shadow start` refuses, before changing anything, when the monolith or the target is not
 * ready, and lists every problem with its fix at once.
 */

const SCHEMA = `
CREATE TABLE accounts (id bigint PRIMARY KEY, name text NOT NULL, note text);
CREATE TABLE logbook (at timestamptz NOT NULL, line text);
CREATE TABLE audit_trail (at timestamptz NOT NULL, line text);
ALTER TABLE audit_trail REPLICA IDENTITY FULL;
INSERT INTO accounts SELECT g, 'a' || g, NULL FROM generate_series(1, 10) g;
`;

async function failure(p: Promise<unknown>): Promise<DbsplitError> {
  try {
    await p;
  } catch (e) {
    if (isDbsplitError(e)) return e;
    throw e;
  }
  throw new Error('expected shadow start to fail');
}

async function nothingCreated(url: string, service: string): Promise<void> {
  await withClient(url, async (c) => {
    expect((await c.query('SELECT 1 FROM pg_replication_slots WHERE slot_name = $1', [`dbsplit_${service}`])).rows).toEqual([]);
    expect((await c.query('SELECT 1 FROM pg_publication WHERE pubname = $1', [`dbsplit_${service}`])).rows).toEqual([]);
  });
}

describe('shadow start preconditions', () => {
  let f: ShadowFixture;
  const role = `shpre_role_${uniqueSuffix()}`;

  beforeAll(async () => {
    f = await customFixture('shpre', SCHEMA, { tables: ['accounts', 'logbook', 'audit_trail'], provision: false });
    await withClient(serverUrl(), (c) => c.query(`CREATE ROLE ${role} LOGIN PASSWORD 'pre-secret-pw' NOREPLICATION`));
  });

  afterAll(async () => {
    await f?.cleanup();
    await withClient(serverUrl(), (c) => c.query(`DROP ROLE IF EXISTS ${role}`));
  });

  it('lists a table without primary key nor REPLICA IDENTITY FULL and the unprovisioned target, at once', async () => {
    const e = await failure(startShadow({ planPath: f.planPath, service: f.service, dryRun: false }));
    expect(e.code).toBe('E_PRECONDITION');
    expect(e.exitCode).toBe(2);
    expect(e.message).toContain('2 preconditions not met');
    expect(e.message).toContain('public.logbook has no primary key and no REPLICA IDENTITY FULL');
    expect(e.message).toContain('ALTER TABLE public.logbook REPLICA IDENTITY FULL;');
    expect(e.message).not.toContain('audit_trail');
    expect(e.message).toContain(`fix: dbsplit provision ${f.service}`);
    await nothingCreated(f.monolith.url, f.service);
    expect(await f.monolith.query(`SELECT 1 FROM pg_namespace WHERE nspname = '_dbsplit'`)).toEqual([]);
  });

  it('names a user that may not replicate nor publish, and a target table missing a column', async () => {
    await provisionService({ service: f.service, planFile: f.planPath, outDir: join(f.dir, 'generated'), dryRun: false });
    await withClient(f.targetUrl, (c) => c.query('ALTER TABLE public.accounts DROP COLUMN note'));
    const url = new URL(f.monolith.url);
    url.username = role;
    url.password = 'pre-secret-pw';
    await withClient(serverUrl(), (c) => c.query(`REVOKE CREATE ON DATABASE "${f.monolith.name}" FROM PUBLIC`));
    await f.monolith.exec(`GRANT USAGE ON SCHEMA _dbsplit TO ${role}; GRANT SELECT ON ALL TABLES IN SCHEMA _dbsplit TO ${role}`);
    const e = await failure(startShadow({ planPath: f.planPath, service: f.service, url: url.toString(), dryRun: true }));
    expect(e.code).toBe('E_PRECONDITION');
    expect(e.message).toContain(`user ${role} may not create replication slots`);
    expect(e.message).toContain(`ALTER ROLE ${role} REPLICATION;`);
    expect(e.message).toContain(`GRANT CREATE ON DATABASE ${f.monolith.name} TO ${role};`);
    expect(e.message).toContain(`does not own public.accounts, public.audit_trail, public.logbook`);
    expect(e.message).toContain('target table public.accounts lacks column note');
    expect(e.message).not.toContain('pre-secret-pw');
    await nothingCreated(f.monolith.url, f.service);
  });
});

describe('shadow start on a monolith without logical decoding', () => {
  let server: EmbeddedServer;
  let dir: string;

  beforeAll(async () => {
    server = await startEmbeddedPostgres({ extraSettings: { wal_level: 'replica', max_replication_slots: '1' } });
    dir = mkdtempSync(join(tmpdir(), 'dbsplit-shpre-wal-'));
  });

  afterAll(async () => {
    await server?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('says to set wal_level = logical and restart, and that no slot is free', async () => {
    const admin = new pg.Client({ connectionString: server.url('postgres') });
    await admin.connect();
    try {
      await admin.query('CREATE DATABASE mono');
      await admin.query(`SELECT pg_create_physical_replication_slot('standby_1')`);
    } finally {
      await admin.end();
    }
    await withClient(server.url('mono'), (c) => c.query('CREATE TABLE items (id int PRIMARY KEY, name text)'));
    const planPath = writePlan(dir, server.url('mono'), { items: { tables: ['items'] } });
    // The plan's target is on the shared test server; only the monolith matters here.
    const { readFileSync, writeFileSync } = await import('node:fs');
    writeFileSync(planPath, readFileSync(planPath, 'utf8').replace('tables: [items]', `tables: [items]\n    target: { url: "${server.url('items_target')}" }`));
    const e = await failure(startShadow({ planPath, service: 'items', dryRun: false }));
    expect(e.code).toBe('E_PRECONDITION');
    expect(e.message).toContain('wal_level is replica on the monolith');
    expect(e.message).toContain('ALTER SYSTEM SET wal_level = logical; then restart PostgreSQL');
    expect(e.message).toContain('1 of max_replication_slots = 1 are in use');
    expect(e.message).toContain('service items is not provisioned');
    expect(e.message).toContain('3 preconditions not met');
  });
});
