import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyFromKafka, topicName } from '../../src/sync/kafka/index.js';
import { runShadow } from '../../src/sync/stream/index.js';
import { startKafka, type KafkaTestServer } from '../helpers/kafka.js';
import { serverUrl } from '../helpers/pg.js';
import { setupShadow, uniqueService, type ShadowFixture } from './shadow-stream-helpers.js';

/**
 * `shadow run` with transport kafka: the runner publishes the stream (acknowledging the slot
 * once the brokers have each batch) and `shadow apply`'s core applies the topics; the target
 * ends equal to the monolith. Stopped and started again, the runner publishes only what is new.
 */

const SCHEMA = `
CREATE TABLE items (id int PRIMARY KEY, name text NOT NULL, qty int NOT NULL);
CREATE TABLE item_log (item int NOT NULL, what text NOT NULL);
ALTER TABLE item_log REPLICA IDENTITY FULL;
INSERT INTO items SELECT g, 'item ' || g, g FROM generate_series(1, 20) g;
`;

describe('shadow run with transport kafka', () => {
  let f: ShadowFixture;
  let kafka: KafkaTestServer;
  const service = uniqueService('skafka');
  const prefix = `p${service.slice(-6)}`;

  beforeAll(async () => {
    kafka = await startKafka(['items', 'item_log'].map((t) => ({ topic: topicName(prefix, service, 'public', t) })));
    f = await setupShadow({
      service,
      schemaSql: SCHEMA,
      tables: ['items', 'item_log'],
      monolithServer: serverUrl(),
      targetServer: serverUrl(),
      planExtra: ['transport:', '  kind: kafka', `  brokers: [${kafka.brokers.map((b) => `"${b}"`).join(', ')}]`, `  topicPrefix: ${prefix}`],
    });
  }, 120_000);

  afterAll(async () => {
    await f?.cleanup();
    await kafka?.stop();
  });

  const publish = () => runShadow({ service, planPath: f.planPath, untilCaughtUp: true, retry: { initialMs: 200, maxMs: 1000 }, kafka: kafka.publisherTuning });
  const apply = () =>
    applyFromKafka({ service, connection: { brokers: kafka.brokers }, topicPrefix: prefix, targetUrl: f.targetUrl, placement: { isolation: 'database' }, untilCaughtUp: true, sessionTimeoutMs: 6000 });

  it('publishes the stream, which the applier turns into an equal target', async () => {
    await f.mono(`INSERT INTO items SELECT g, 'item ' || g, g FROM generate_series(21, 40) g`);
    await f.mono(`UPDATE items SET qty = qty * 2 WHERE id % 3 = 0`);
    await f.mono(`DELETE FROM items WHERE id % 7 = 0`);
    await f.mono(`INSERT INTO item_log SELECT g, 'added' FROM generate_series(21, 30) g`);
    await f.mono(`DELETE FROM item_log WHERE item = 25`);

    const published = await publish();
    expect(published.reason).toBe('caught-up');
    expect(published.appliedChanges).toBe(20 + 13 + 5 + 10 + 1);
    // nothing reached the database yet: that is the applier's job
    expect((await f.target<{ n: number }>('SELECT count(*)::int AS n FROM items'))[0]!.n).toBe(20);
    const [slot] = await f.mono<{ ok: boolean }>(`SELECT confirmed_flush_lsn >= $2::pg_lsn AS ok FROM pg_replication_slots WHERE slot_name = $1`, [`dbsplit_${service}`, published.appliedLsn]);
    expect(slot!.ok).toBe(true);

    await apply();
    for (const [t, k] of [['items', 'id'], ['item_log', 'item, what']] as const) {
      const d = await f.digests(t, k);
      expect({ t, d: d.target }).toEqual({ t, d: d.source });
    }

    // again: only the new changes are published, and applied once
    await f.mono(`UPDATE items SET name = name || '!' WHERE id < 5`);
    const again = await publish();
    expect(again.appliedChanges).toBe(4);
    await apply();
    for (const [t, k] of [['items', 'id'], ['item_log', 'item, what']] as const) {
      const d = await f.digests(t, k);
      expect({ t, d: d.target }).toEqual({ t, d: d.source });
    }
  }, 120_000);
});
