import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serverUrl } from '../helpers/pg.js';
import { setupShadow, uniqueService, type ShadowFixture } from './shadow-stream-helpers.js';

/**
 * Set-based statements apply a run of updates in one statement, in an order of the server's
 * choosing: values rotating between rows under a unique constraint then collide for a moment.
 * The runner redoes that stretch one change at a time and carries on.
 */

const SCHEMA = `
CREATE TABLE users (id int PRIMARY KEY, email text NOT NULL UNIQUE, n int NOT NULL DEFAULT 0);
INSERT INTO users SELECT g, 'user' || g || '@example.com', 0 FROM generate_series(1, 6) g;
`;

describe('shadow run: unique constraints and set-based statements', () => {
  let f: ShadowFixture;

  beforeAll(async () => {
    f = await setupShadow({ service: uniqueService('sunique'), schemaSql: SCHEMA, tables: ['users'], monolithServer: serverUrl(), targetServer: serverUrl() });
  });

  afterAll(async () => {
    await f?.cleanup();
  });

  it('falls back to one statement per change when a combined statement collides, and ends equal', async () => {
    // rotate the e-mails through a temporary value: fine one by one, a collision if set at once
    await f.mono(`BEGIN;
      UPDATE users SET email = 'tmp' WHERE id = 1;
      UPDATE users SET email = 'user1@example.com' WHERE id = 2;
      UPDATE users SET email = 'user2@example.com' WHERE id = 3;
      UPDATE users SET email = 'user3@example.com' WHERE id = 4;
      UPDATE users SET email = 'user4@example.com' WHERE id = 5;
      UPDATE users SET email = 'user5@example.com' WHERE id = 6;
      UPDATE users SET email = 'user6@example.com' WHERE id = 1;
      COMMIT`);
    await f.mono(`UPDATE users SET n = n + 1`);
    const r = await f.catchUp();
    expect(r.reason).toBe('caught-up');
    expect(r.retries).toBe(1);
    const d = await f.digests('users', 'id');
    expect(d.target).toBe(d.source);
    expect(await f.target('SELECT email FROM users WHERE id = 1')).toEqual([{ email: 'user6@example.com' }]);
  });
});
