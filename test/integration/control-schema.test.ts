import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONTROL_SCHEMA_VERSION, controlSchemaVersion, ensureControlSchema, pendingControlMigrations } from '../../src/db/control-schema.js';
import { journaled, readJournal } from '../../src/db/journal.js';
import { getPhase, setPhase } from '../../src/cutover/phases.js';
import { DbsplitError } from '../../src/errors.js';
import { createTestDatabase, type TestDatabase } from '../helpers/pg.js';

describe('control schema', () => {
  let db: TestDatabase;
  let client: pg.Client;
  beforeAll(async () => {
    db = await createTestDatabase('ctl');
    client = new pg.Client({ connectionString: db.url });
    await client.connect();
  });
  afterAll(async () => {
    await client?.end();
    await db?.drop();
  });

  it('is created on first use, versioned, and idempotent (also when two processes race)', async () => {
    expect(await controlSchemaVersion(client)).toBe(0);
    expect((await pendingControlMigrations(client)).length).toBeGreaterThan(1);
    const other = new pg.Client({ connectionString: db.url });
    await other.connect();
    const [a, b] = await Promise.all([ensureControlSchema(client), ensureControlSchema(other)]);
    await other.end();
    expect([a, b]).toEqual([CONTROL_SCHEMA_VERSION, CONTROL_SCHEMA_VERSION]);
    expect(await ensureControlSchema(client)).toBe(CONTROL_SCHEMA_VERSION);
    expect(await pendingControlMigrations(client)).toEqual([]);
  });

  it('moves phases only from allowed phases', async () => {
    expect(await getPhase(client, 'orders')).toBe('planned');
    await setPhase(client, 'orders', 'provisioned', ['planned']);
    expect(await getPhase(client, 'orders')).toBe('provisioned');
    await expect(setPhase(client, 'orders', 'writes', ['reads'])).rejects.toThrow(DbsplitError);
    await expect(setPhase(client, 'orders', 'writes', ['reads'])).rejects.toThrow(/in phase provisioned; moving to writes needs reads/);
    expect(await getPhase(client, 'orders')).toBe('provisioned');
  });

  it('journals steps with their outcome', async () => {
    await journaled(client, 'orders', 'provision', 'create-schema', async () => 1);
    await expect(journaled(client, 'orders', 'provision', 'migrate', async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    const entries = await readJournal(client, 'orders');
    expect(entries.map((e) => [e.step, e.status])).toEqual([
      ['create-schema', 'done'],
      ['migrate', 'failed'],
    ]);
    expect(entries[1]!.detail).toMatchObject({ error: 'boom' });
  });
});
