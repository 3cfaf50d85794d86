import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyTables } from '../../src/sync/backfill/pending.js';
import { resetTargetState } from '../../src/sync/backfill/target-state.js';
import { startShadow } from '../../src/sync/lifecycle.js';
import { openSyncSession } from '../../src/sync/lifecycle/session.js';
import { createExportedSlot } from '../../src/sync/source/replication.js';
import { loadSyncService } from '../../src/sync/source/service-tables.js';
import { ensureTargetState } from '../../src/sync/target-tables.js';
import { compareTable, customFixture, dropServiceSlots, withClient, type ShadowFixture } from '../helpers/shadow-lifecycle-fixture.js';

/**
 * The backfill copies exactly the slot's snapshot (a write committed after the slot's
 * consistent point is not in the copy), every type round-trips, and names follow the
 * service's isolation (here: schema).
 */

const SCHEMA = `
CREATE TYPE mood AS ENUM ('happy', 'sad', 'ünï "côde"');
CREATE TABLE parents (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name text NOT NULL,
  doubled bigint GENERATED ALWAYS AS (id * 2) STORED
);
CREATE TABLE children (
  id bigserial PRIMARY KEY,
  parent_id bigint NOT NULL REFERENCES parents (id),
  payload jsonb,
  tags text[],
  amount numeric(20, 6),
  at timestamptz,
  blob bytea,
  m mood,
  moods mood[],
  big text
);
CREATE TABLE events (
  id bigint NOT NULL,
  occurred date NOT NULL,
  note text,
  PRIMARY KEY (id, occurred)
) PARTITION BY RANGE (occurred);
CREATE TABLE events_2024 PARTITION OF events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
CREATE TABLE events_2025 PARTITION OF events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
CREATE TABLE ledger (at timestamptz, amount integer);
ALTER TABLE ledger REPLICA IDENTITY FULL;

INSERT INTO parents (name) SELECT 'parent ' || g FROM generate_series(1, 2000) g;
INSERT INTO children (parent_id, payload, tags, amount, at, blob, m, moods, big)
SELECT 1 + g % 2000,
       CASE WHEN g % 7 = 0 THEN NULL ELSE jsonb_build_object('g', g, 'nested', jsonb_build_array(g, 'ß→✓', NULL), 'quote', 'a"b\\c') END,
       CASE WHEN g % 5 = 0 THEN NULL ELSE ARRAY['x' || g, 'tab\tand\nnewline', NULL, '{brace}'] END,
       (g * 1.000001)::numeric(20, 6),
       timestamptz '2024-02-29 23:59:59.123456+00' + g * interval '1 minute',
       CASE WHEN g % 3 = 0 THEN NULL ELSE decode(md5(g::text), 'hex') || '\\x00ff'::bytea END,
       (ARRAY['happy', 'sad', 'ünï "côde"']::mood[])[1 + g % 3],
       ARRAY['sad', 'ünï "côde"']::mood[],
       CASE WHEN g % 1000 = 0 THEN repeat('toasted ✓ ', 30000) ELSE 'row ' || g || E'\\\\ back\\\\slash' END
  FROM generate_series(1, 20000) g;
INSERT INTO events SELECT g, date '2024-06-01' + (g % 400), 'event ' || g FROM generate_series(1, 3000) g;
INSERT INTO ledger SELECT now(), g FROM generate_series(1, 100) g;
INSERT INTO ledger SELECT NULL, 7 FROM generate_series(1, 3);
`;

const TABLES = ['children', 'events', 'ledger', 'parents'];

describe('shadow backfill: snapshot and types', () => {
  let f: ShadowFixture;
  let schema: string;

  beforeAll(async () => {
    f = await customFixture('shbs', SCHEMA, { tables: TABLES, isolation: 'schema' });
    schema = f.service;
  });

  afterAll(async () => {
    await f?.cleanup();
  });

  it('copies the slot\'s snapshot: writes committed after its consistent point are not in the copy', async () => {
    const svc = await loadSyncService({ planPath: f.planPath, service: f.service });
    expect(svc.tables.map((t) => `${t.key} -> ${t.target.schema}.${t.target.name}`).sort()).toEqual(TABLES.map((t) => `public.${t} -> ${schema}.${t}`));
    const asOfSnapshot = new Map<string, { rows: number; md5: string | null }>();
    const session = await openSyncSession(svc);
    try {
      await ensureTargetState(session.target!);
      const slot = await createExportedSlot(svc.monolithUrl, svc.slot, { temporary: false, serverVersionNum: session.serverVersionNum });
      for (const t of TABLES) asOfSnapshot.set(t, (await compareTable(f.monolith.url, f.targetUrl, { schema: 'public', name: t }, { schema, name: t })).source);
      // Committed after the consistent point, before any copy starts.
      await f.monolith.exec(`
        UPDATE parents SET name = 'renamed later' WHERE id <= 10;
        INSERT INTO parents (name) VALUES ('born later');
        DELETE FROM children WHERE id <= 100;
        INSERT INTO events VALUES (99999, '2025-03-01', 'later');
      `);
      await resetTargetState(session.target!, svc.service, slot.consistentPoint, svc.tables.map((t) => t.key));
      const r = await copyTables({ session, tables: svc.tables, phase: 'provisioned', jobs: 2, snapshot: slot });
      expect(r.tables.every((t) => t.snapshotLsn === slot.consistentPoint)).toBe(true);
    } finally {
      await session.close();
    }
    for (const t of TABLES) {
      const cmp = await compareTable(f.monolith.url, f.targetUrl, { schema: 'public', name: t }, { schema, name: t });
      expect(cmp.target, t).toEqual(asOfSnapshot.get(t));
      if (t !== 'ledger') expect(cmp.source, `${t} changed after the snapshot`).not.toEqual(cmp.target);
    }
    const renamed = await withClient(f.targetUrl, (c) => c.query(`SELECT count(*)::int AS n FROM "${schema}".parents WHERE name = 'renamed later' OR name = 'born later'`));
    expect(renamed.rows).toEqual([{ n: 0 }]);
    await dropServiceSlots(f.service);
  });

  it('shadow start round-trips every type, generated and identity columns and partitions, row for row', async () => {
    await withClient(f.targetUrl, (c) => c.query(`DELETE FROM _dbsplit_sync.backfill; DELETE FROM _dbsplit_sync.position`));
    const r = await startShadow({ planPath: f.planPath, service: f.service, dryRun: false, jobs: 3 });
    expect(r.slotCreated).toBe(true);
    expect(r.copied.map((c) => c.target).sort()).toEqual(TABLES.map((t) => `${schema}.${t}`));
    for (const t of TABLES) {
      const cmp = await compareTable(f.monolith.url, f.targetUrl, { schema: 'public', name: t }, { schema, name: t });
      expect(cmp.source.rows, t).toBeGreaterThan(0);
      expect(cmp.target, t).toEqual(cmp.source);
    }
    // The target computes its generated column itself, from the copied identity values.
    const doubled = await withClient(f.targetUrl, (c) => c.query(`SELECT count(*)::int AS n FROM "${schema}".parents WHERE doubled <> id * 2`));
    expect(doubled.rows).toEqual([{ n: 0 }]);
    const big = await withClient(f.targetUrl, (c) => c.query(`SELECT min(length(big)) AS n FROM "${schema}".children WHERE length(big) > 1000`));
    expect(big.rows).toEqual([{ n: 300000 }]);
    const pub = await f.monolith.query<{ t: string }>(`SELECT tablename AS t FROM pg_publication_tables WHERE pubname = $1 ORDER BY 1`, [`dbsplit_${f.service}`]);
    expect(pub.map((p) => p.t)).toEqual(TABLES);
  });
});
