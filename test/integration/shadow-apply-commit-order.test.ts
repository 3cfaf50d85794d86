import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChangeEvent } from '../../src/sync/contract.js';
import { TargetApplier } from '../../src/sync/apply/index.js';
import { formatLsn, parseLsn } from '../../src/sync/apply/lsn.js';
import { serverUrl } from '../helpers/pg.js';
import { setupShadow, uniqueService, type ShadowFixture } from './shadow-stream-helpers.js';

/**
 * The applier sends a batch's COMMIT and lets the next batch be built before it knows the
 * outcome. A COMMIT that fails must then take nothing of a later batch with it: the later
 * batch's statements, and above all its later position, never reach the target.
 *
 * To make a COMMIT fail, the target gets a deferred constraint trigger (ENABLE ALWAYS, so it
 * fires under session_replication_role = replica) that rejects a negative total at commit.
 */

const SCHEMA = `CREATE TABLE totals (account int PRIMARY KEY, total bigint NOT NULL);
INSERT INTO totals SELECT g, 0 FROM generate_series(1, 3) g;`;

const TRIGGER = `
CREATE FUNCTION reject_negative() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.total < 0 THEN RAISE EXCEPTION 'negative total for account %', NEW.account; END IF;
  RETURN NULL;
END $$;
CREATE CONSTRAINT TRIGGER no_negative AFTER UPDATE ON totals DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION reject_negative();
ALTER TABLE totals ENABLE ALWAYS TRIGGER no_negative;`;

function update(account: number, total: number, lsn: string): ChangeEvent {
  return {
    op: 'u',
    source: { lsn, txId: 1, schema: 'public', table: 'totals', commitTimeMs: Date.now(), seq: 0, lastInTx: true },
    before: null,
    after: { account: String(account), total: String(total) },
    key: ['account'],
  };
}

describe('TargetApplier: commits in the background, in order', () => {
  let f: ShadowFixture;

  beforeAll(async () => {
    f = await setupShadow({ service: uniqueService('scommit'), schemaSql: SCHEMA, tables: ['totals'], monolithServer: serverUrl(), targetServer: serverUrl() });
    await f.target(TRIGGER);
  });

  afterAll(async () => {
    await f?.cleanup();
  });

  it('commits batches whose COMMIT succeeds, and nothing after a COMMIT that fails', async () => {
    const applier = await TargetApplier.open({ service: f.service, targetUrl: f.targetUrl, placement: { isolation: 'database' } });
    try {
      const start = parseLsn((await applier.readPosition())!.lsn);
      const lsn = (n: number): string => formatLsn(start + BigInt(n) * 1000n);
      const position = (n: number) => ({ lsn: { lsn: lsn(n), txId: n, commitTimeMs: Date.now() } });

      // two good batches, the second built while the first commits
      await applier.begin();
      await applier.apply(update(1, 10, lsn(1)));
      const first = await applier.commitInBackground(position(1));
      await applier.begin();
      await applier.apply(update(2, 20, lsn(2)));
      const second = await applier.commitInBackground(position(2));
      await first.durable;
      await second.durable;
      expect(await f.target('SELECT account, total::int AS total FROM totals ORDER BY account')).toEqual([
        { account: 1, total: 10 },
        { account: 2, total: 20 },
        { account: 3, total: 0 },
      ]);
      expect((await applier.readPosition())!.lsn).toBe(lsn(2));

      // a batch whose COMMIT fails, then one that would succeed on its own
      await applier.begin();
      await applier.apply(update(1, -1, lsn(3)));
      const failing = await applier.commitInBackground(position(3));
      const next = (async () => {
        await applier.begin();
        await applier.apply(update(3, 30, lsn(4)));
        const { durable } = await applier.commitInBackground(position(4));
        await durable;
      })();
      await expect(failing.durable).rejects.toThrow(/negative total for account 1/);
      await expect(next).rejects.toThrow(/negative total for account 1/);
      await applier.rollback();

      expect(await f.target('SELECT account, total::int AS total FROM totals ORDER BY account')).toEqual([
        { account: 1, total: 10 },
        { account: 2, total: 20 },
        { account: 3, total: 0 },
      ]);
      const [row] = await f.target<{ lsn: string }>('SELECT lsn::text AS lsn FROM _dbsplit_sync.position WHERE service = $1', [f.service]);
      expect(row!.lsn).toBe(lsn(2));
    } finally {
      await applier.close();
    }
  });
});
