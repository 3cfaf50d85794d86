import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BackfillEvent } from '../../src/sync/backfill/index.js';
import { runShadow } from '../../src/sync/stream/index.js';
import { serverUrl } from '../helpers/pg.js';
import { setupShadow, uniqueService, type ShadowFixture } from './shadow-stream-helpers.js';

/**
 * A crash during the backfill leaves a table not done: `shadow run` copies it again first (in a
 * new snapshot), then streams; the changes of that table older than its new snapshot are
 * skipped (the copy has them), the newer ones applied. Nothing is lost or doubled.
 */

const SCHEMA = `
CREATE TABLE parents (id int PRIMARY KEY, name text NOT NULL);
CREATE TABLE children (id int PRIMARY KEY, parent_id int NOT NULL REFERENCES parents (id), note text);
INSERT INTO parents SELECT g, 'p' || g FROM generate_series(1, 100) g;
INSERT INTO children SELECT g, 1 + g % 100, 'c' || g FROM generate_series(1, 1000) g;
`;

describe('shadow run: an interrupted backfill', () => {
  let f: ShadowFixture;

  beforeAll(async () => {
    f = await setupShadow({ service: uniqueService('sbackfill'), schemaSql: SCHEMA, tables: ['parents', 'children'], monolithServer: serverUrl(), targetServer: serverUrl() });
  });

  afterAll(async () => {
    await f?.cleanup();
  });

  it('copies the table again, then streams without losing or doubling anything', async () => {
    // changes before and after the "crash", then the state a crash mid-copy leaves
    await f.mono(`INSERT INTO children SELECT g, 1 + g % 100, 'before' FROM generate_series(1001, 1100) g`);
    await f.mono(`UPDATE children SET note = 'updated before' WHERE id <= 50`);
    await f.target(`UPDATE _dbsplit_sync.backfill SET status = 'copying' WHERE service = $1 AND table_name = 'public.children'`, [f.service]);
    await f.target(`DELETE FROM children WHERE id > 500`);
    await f.mono(`INSERT INTO parents VALUES (101, 'after')`);

    const events: BackfillEvent[] = [];
    const r = await runShadow({ service: f.service, planPath: f.planPath, untilCaughtUp: true }, { onBackfill: (e) => events.push(e) });
    expect(r.reason).toBe('caught-up');
    expect(events.filter((e) => e.kind === 'table-done').map((e) => (e.kind === 'table-done' ? e.table : ''))).toEqual(['public.children']);
    // the 150 earlier changes of children are in the new copy: skipped; the parent insert applied
    expect(r.skippedBySnapshot).toBe(150);
    expect(r.appliedChanges).toBe(1);
    for (const [t, k] of [['parents', 'id'], ['children', 'id']] as const) {
      const d = await f.digests(t, k);
      expect({ t, d: d.target }).toEqual({ t, d: d.source });
    }
    const [row] = await f.target<{ status: string }>(`SELECT status FROM _dbsplit_sync.backfill WHERE service = $1 AND table_name = 'public.children'`, [f.service]);
    expect(row!.status).toBe('done');
  });
});
