import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TargetApplier } from '../../src/sync/apply/index.js';
import { parseLsn } from '../../src/sync/apply/lsn.js';
import { decodePgoutput } from '../../src/sync/stream/pgoutput-decoder.js';
import { StreamProcessor } from '../../src/sync/stream/stream-processor.js';
import { serverUrl } from '../helpers/pg.js';
import { setupShadow, uniqueService, type ShadowFixture } from './shadow-stream-helpers.js';

/**
 * Exactly once: the slot is rewound to an older acknowledged position (a copy of it taken
 * earlier), as if the runner had crashed after the target committed but before the slot heard
 * of it. The monolith then streams everything again; the target's position makes the runner
 * skip what it already applied. `ledger` has no unique constraint: a double insert would show.
 */

const SCHEMA = `
CREATE TABLE ledger (account int NOT NULL, amount int NOT NULL, note text);
ALTER TABLE ledger REPLICA IDENTITY FULL;
CREATE TABLE totals (account int PRIMARY KEY, total bigint NOT NULL);
INSERT INTO totals SELECT g, 0 FROM generate_series(1, 10) g;
`;

describe('shadow run: exactly once', () => {
  let f: ShadowFixture;
  const backup = () => `${f.service}_backup`;

  beforeAll(async () => {
    f = await setupShadow({ service: uniqueService('sonce'), schemaSql: SCHEMA, tables: ['ledger', 'totals'], monolithServer: serverUrl(), targetServer: serverUrl() });
  });

  afterAll(async () => {
    await f?.mono('SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1', [backup()]).catch(() => undefined);
    await f?.cleanup();
  });

  const write = async (from: number, to: number): Promise<void> => {
    for (let i = from; i < to; i++) {
      await f.mono(`INSERT INTO ledger VALUES ($1, $2, 'tx ' || $3::text), ($1, $2, 'tx ' || $3::text)`, [i % 10 + 1, i, i]);
      await f.mono(`UPDATE totals SET total = total + $2 WHERE account = $1`, [i % 10 + 1, 2 * i]);
    }
  };

  const equal = async (): Promise<void> => {
    for (const [t, k] of [['ledger', 'account, amount, note'], ['totals', 'account']] as const) {
      const d = await f.digests(t, k);
      expect({ t, d: d.target }).toEqual({ t, d: d.source });
    }
  };

  it('applies a stream replayed from an older slot position only once', async () => {
    const [slot] = await f.mono<{ slot: string }>(`SELECT slot_name AS slot FROM _dbsplit.sync_state WHERE service = $1`, [f.service]);
    await f.mono('SELECT pg_copy_logical_replication_slot($1, $2)', [slot!.slot, backup()]);

    await write(0, 100);
    const first = await f.catchUp({ batchSize: 7 });
    expect(first.appliedChanges).toBe(200 + 100);
    expect(first.alreadyApplied).toBe(0);
    await equal();
    const [acked] = await f.mono<{ ok: boolean }>(
      `SELECT confirmed_flush_lsn >= $2::pg_lsn AS ok FROM pg_replication_slots WHERE slot_name = $1`,
      [slot!.slot, first.appliedLsn],
    );
    expect(acked!.ok).toBe(true);

    // rewind: the slot forgets that the first 100 transactions were acknowledged
    await f.mono('SELECT pg_drop_replication_slot($1)', [slot!.slot]);
    await f.mono('SELECT pg_copy_logical_replication_slot($1, $2)', [backup(), slot!.slot]);
    await write(100, 130);

    const again = await f.catchUp({ batchSize: 7 });
    expect(again.appliedChanges).toBe(60 + 30);
    // the server resumes at the position the runner asks for (the target's): only the
    // transaction at that position comes again, and is skipped
    expect(again.alreadyApplied).toBe(1);
    await equal();
    const [n] = await f.target<{ n: number }>('SELECT count(*)::int AS n FROM ledger');
    expect(n!.n).toBe(260);
  });

  it('skips every transaction at or before the target position when the whole stream comes again', async () => {
    // The backup slot still holds every change since the start: read them (without consuming)
    // and feed them to a processor that starts from the target's position.
    await f.mono('SET synchronous_commit = on; SELECT txid_current()');
    const rows = await f.mono<{ data: Buffer }>(
      `SELECT data FROM pg_logical_slot_peek_binary_changes($1, NULL, NULL, 'proto_version', '1', 'publication_names', $2)`,
      [backup(), `dbsplit_${f.service}`],
    );
    expect(rows.length).toBeGreaterThan(400);
    const applier = await TargetApplier.open({ service: f.service, targetUrl: f.targetUrl, placement: { isolation: 'database' } });
    try {
      const position = await applier.readPosition();
      let handled = 0;
      const processor = new StreamProcessor({
        applier,
        startLsn: parseLsn(position!.lsn),
        batchSize: 10,
        batchMs: 1000,
        backlog: () => rows.length - handled,
        acknowledge: () => undefined,
      });
      for (const r of rows) {
        await processor.handle(decodePgoutput(r.data));
        handled++;
      }
      await processor.close(true);
      expect(processor.failure).toBeUndefined();
      expect(processor.alreadyApplied).toBe(260);
      expect(processor.appliedChanges).toBe(0);
    } finally {
      await applier.close();
    }
    await equal();
  });
});
