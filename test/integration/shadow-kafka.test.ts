import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import kafkajs from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import type { TargetApplier } from '../../src/sync/apply/index.js';
import { parseLsn } from '../../src/sync/apply/lsn.js';
import type { ChangeEvent } from '../../src/sync/contract.js';
import { applyFromKafka, KafkaPublisher, partitionFor, topicName, type KafkaApplyOptions } from '../../src/sync/kafka/index.js';
import { ReplicationReader } from '../../src/sync/stream/replication-reader.js';
import { StreamProcessor } from '../../src/sync/stream/stream-processor.js';
import { ensureTargetState } from '../../src/sync/target-tables.js';
import { startKafka, type KafkaTestServer } from '../helpers/kafka.js';
import { createTestDatabase, type TestDatabase } from '../helpers/pg.js';

/**
 * The Kafka transport end to end, on the real PostgreSQL and a Kafka protocol server (mokapi,
 * or KAFKA_BROKERS): the monolith's changes are decoded from a logical replication slot by the
 * stream processor (src/sync/stream/) with a KafkaPublisher in the applier's place, and
 * `applyFromKafka` applies the topics to the service's database. After each phase the target
 * equals the source, row for row (keyless rows as a multiset, so a doubled insert shows).
 */

const SERVICE = 'kshop';
const suffix = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
const PREFIX = `t${suffix}`;
const SLOT = `dbsplit_kafka_${suffix}`;
const PUBLICATION = `dbsplit_kafka_${suffix}`;
const TABLES = ['customers', 'orders', 'audit_log'] as const;
const topic = (table: string): string => topicName(PREFIX, SERVICE, 'public', table);

const DDL = `
CREATE TABLE public.customers (
  id bigint PRIMARY KEY, name text NOT NULL, email text, balance numeric(14,4), profile jsonb,
  avatar bytea, bio text, updated_at timestamptz
);
CREATE TABLE public.orders (id bigint PRIMARY KEY, customer_id bigint, total numeric, note text, tags text[]);
CREATE TABLE public.audit_log (at timestamptz, actor text, detail jsonb);
ALTER TABLE public.audit_log REPLICA IDENTITY FULL;
`;

let monolith: TestDatabase;
let target: TestDatabase;
let kafka: KafkaTestServer;
let dir: string;

async function rowsOf(db: TestDatabase, table: string): Promise<string[]> {
  const rows = await db.query<{ r: string }>(`SELECT t::text AS r FROM public.${table} t`);
  return rows.map((x) => x.r).sort();
}

async function expectTargetEqualsSource(): Promise<void> {
  for (const t of TABLES) {
    const [source, copy] = await Promise.all([rowsOf(monolith, t), rowsOf(target, t)]);
    expect(copy, `table ${t}`).toEqual(source);
  }
}

/** A walsender that is going away still holds the slot for a moment. */
async function slotReleased(): Promise<void> {
  const deadline = Date.now() + 10_000;
  while ((await monolith.query<{ active: boolean }>('SELECT active FROM pg_replication_slots WHERE slot_name = $1', [SLOT]))[0]?.active) {
    if (Date.now() > deadline) throw new Error(`slot ${SLOT} stays active`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function confirmedLsn(): Promise<bigint> {
  const [row] = await monolith.query<{ lsn: string }>('SELECT confirmed_flush_lsn::text AS lsn FROM pg_replication_slots WHERE slot_name = $1', [SLOT]);
  return parseLsn(row!.lsn);
}

/**
 * The part of TargetApplier the stream processor drives, over the publisher; records what it
 * published. Changes of the marker table (monolith only) are not published: they tell the
 * test how far the stream got.
 */
function publisherSink(publisher: KafkaPublisher, published: ChangeEvent[], marker: { seen: number }): TargetApplier {
  const sink = {
    begin: () => publisher.begin(),
    apply: async (e: ChangeEvent) => {
      if (e.source.table === 'sync_marker') {
        marker.seen = Math.max(marker.seen, Number(e.after?.n ?? 0));
        return;
      }
      published.push(e);
      await publisher.apply(e);
    },
    commit: () => publisher.commit(),
    rollback: () => publisher.rollback(),
    checkColumns: () => Promise.resolve(),
    coveredBySnapshot: () => false,
    getStats: () => ({ applied: publisher.getStats().events, skipped: 0, missingRows: 0, commits: 0, roundTrips: 0 }),
  };
  // The processor is typed with the applier's class; the publisher has the same shape.
  return sink as unknown as TargetApplier;
}

/**
 * Stream what the monolith committed so far through the publisher: until the processor has
 * handled a marker update made after everything else. (Keepalives are no measure of that: the
 * server can send one whose LSN is past transactions it has not sent yet.) `acknowledge: false`
 * plays a runner that dies after sending and before acknowledging the slot: the next stream
 * sends the same changes again.
 */
async function streamToKafka(publisher: KafkaPublisher, published: ChangeEvent[], acknowledge = true): Promise<void> {
  await slotReleased();
  const [{ n: want }] = (await monolith.query<{ n: number }>('UPDATE sync_marker SET n = n + 1 RETURNING n::int AS n')) as [{ n: number }];
  const confirmed = await confirmedLsn();
  const marker = { seen: 0 };
  let failure: unknown;
  let reader!: ReplicationReader;
  const proc: StreamProcessor = new StreamProcessor({
    applier: publisherSink(publisher, published, marker),
    startLsn: 0n,
    batchSize: 100,
    batchMs: 50,
    backlog: () => reader.backlog(proc.handled),
    acknowledge: (lsn) => {
      if (acknowledge) reader.acknowledge(lsn);
    },
  });
  proc.onFailure = (e) => (failure = e);
  reader = new ReplicationReader(monolith.url, SLOT, PUBLICATION, {
    onMessage: (m) => proc.handle(m),
    onKeepalive: (_lsn, replyRequested) => {
      if (replyRequested) reader.acknowledge(reader.acknowledged);
    },
    onError: (e) => (failure = e),
  });
  reader.start(0n);
  // Lets status updates go out without moving the slot.
  reader.acknowledge(confirmed);
  try {
    const deadline = Date.now() + 30_000;
    while (!(marker.seen >= want && proc.isIdle())) {
      if (failure !== undefined) throw failure;
      if (Date.now() > deadline) throw new Error(`streaming did not reach marker ${want} (at ${marker.seen})`);
      await new Promise((r) => setTimeout(r, 50));
    }
    await proc.close(true);
    if (proc.failure !== undefined) throw proc.failure;
    // The slot has really moved before the next writes (acknowledgements travel asynchronously).
    while (acknowledge && (await confirmedLsn()) < reader.acknowledged) {
      if (Date.now() > deadline) throw new Error('the slot did not confirm the acknowledged position');
      reader.acknowledge(reader.acknowledged, true);
      await new Promise((r) => setTimeout(r, 50));
    }
  } finally {
    await reader.stop();
  }
}

function applyOptions(): KafkaApplyOptions {
  return {
    service: SERVICE,
    connection: { brokers: kafka.brokers, clientId: 'dbsplit-test-apply' },
    topicPrefix: PREFIX,
    targetUrl: target.url,
    placement: { isolation: 'database' },
    sessionTimeoutMs: 6000,
    untilCaughtUp: true,
  };
}

async function storedOffsets(): Promise<Map<string, bigint>> {
  const rows = await target.query<{ topic: string; partition: number; next_offset: string }>(
    `SELECT topic, partition, next_offset::text AS next_offset FROM _dbsplit_sync.kafka_offsets WHERE service = $1`,
    [SERVICE],
  );
  return new Map(rows.map((r) => [`${r.topic}:${r.partition}`, BigInt(r.next_offset)]));
}

async function highWatermarks(): Promise<Map<string, bigint>> {
  const client = new kafkajs.Kafka({ clientId: 'dbsplit-test-offsets', brokers: kafka.brokers, logLevel: kafkajs.logLevel.NOTHING });
  const admin = client.admin();
  await admin.connect();
  try {
    const out = new Map<string, bigint>();
    for (const t of TABLES) for (const o of await admin.fetchTopicOffsets(topic(t))) out.set(`${topic(t)}:${o.partition}`, BigInt(o.high));
    return out;
  } finally {
    await admin.disconnect();
  }
}

const sum = (m: Map<string, bigint>): bigint => [...m.values()].reduce((a, b) => a + b, 0n);

/** The first `count` messages of a topic partition, raw. */
async function readRaw(topicName: string, partition: number, count: number): Promise<{ key: string | null; value: Record<string, unknown> }[]> {
  const client = new kafkajs.Kafka({ clientId: 'dbsplit-test-raw', brokers: kafka.brokers, logLevel: kafkajs.logLevel.NOTHING });
  const consumer = client.consumer({ groupId: `raw-${suffix}-${Math.random().toString(36).slice(2)}`, sessionTimeout: 6000 });
  const out: { key: string | null; value: Record<string, unknown> }[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic: topicName, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`read only ${out.length} of ${count} messages`)), 15_000);
      void consumer.run({
        eachMessage: async ({ partition: p, message }) => {
          if (p !== partition || out.length >= count) return;
          out.push({ key: message.key?.toString() ?? null, value: JSON.parse(message.value!.toString()) as Record<string, unknown> });
          if (out.length === count) {
            clearTimeout(timer);
            resolve();
          }
        },
      });
    });
  } finally {
    await consumer.disconnect();
  }
  return out;
}

describe('shadow sync through Kafka', () => {
  let publisher: KafkaPublisher;
  const published: ChangeEvent[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'dbsplit-kafka-'));
    [monolith, target] = await Promise.all([createTestDatabase('kafka_mono'), createTestDatabase('kafka_target')]);
    await monolith.exec(DDL);
    await target.exec(DDL);
    await monolith.exec(`CREATE TABLE public.sync_marker (id int PRIMARY KEY, n bigint NOT NULL); INSERT INTO public.sync_marker VALUES (1, 0)`);
    await monolith.exec(`CREATE PUBLICATION ${PUBLICATION} FOR TABLE public.customers, public.orders, public.audit_log, public.sync_marker`);
    await monolith.query(`SELECT pg_create_logical_replication_slot($1, 'pgoutput')`, [SLOT]);
    // What shadow start leaves in the target: its state tables and one backfill row per table
    // (the tables were empty: nothing copied, no snapshot to skip by).
    const client = new pg.Client({ connectionString: target.url });
    await client.connect();
    try {
      await ensureTargetState(client);
      for (const t of TABLES) await client.query(`INSERT INTO _dbsplit_sync.backfill (service, table_name, status) VALUES ($1, $2, 'done')`, [SERVICE, `public.${t}`]);
    } finally {
      await client.end();
    }
    kafka = await startKafka([{ topic: topic('customers') }, { topic: topic('orders'), partitions: 2 }, { topic: topic('audit_log') }]);
    publisher = await KafkaPublisher.connect({
      service: SERVICE,
      connection: { brokers: kafka.brokers, clientId: 'dbsplit-test-publish' },
      topicPrefix: PREFIX,
      database: monolith.name,
      createTopics: false,
      ...kafka.publisherTuning,
    });
    expect(await publisher.ensureTopics(TABLES.map((name) => ({ schema: 'public', name })))).toEqual(TABLES.map(topic));
  });

  afterAll(async () => {
    await publisher?.close();
    await kafka?.stop();
    await monolith?.query('SELECT pg_drop_replication_slot($1)', [SLOT]).catch(() => undefined);
    await monolith?.drop();
    await target?.drop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('publishes every change as a keyed Debezium-style event and the applier makes the target equal the source', async () => {
    await monolith.exec(`
      INSERT INTO customers (id, name, email, balance, profile, avatar, bio, updated_at)
      SELECT g,
             (ARRAY['Zoë', '東京 太郎', 'O''Brien', 'emoji 🙂', E'tab\\there'])[1 + g % 5] || ' ' || g,
             CASE WHEN g % 3 = 0 THEN NULL ELSE 'c' || g || '@example.com' END,
             CASE WHEN g % 4 = 0 THEN NULL ELSE (g * 1234.5678 - 5000)::numeric(14,4) END,
             CASE WHEN g % 5 = 0 THEN NULL ELSE jsonb_build_object('g', g, 'name', 'ünï "q"', 'tags', jsonb_build_array('a', g, null), 'x', 1.50) END,
             CASE WHEN g % 2 = 0 THEN NULL ELSE decode(lpad(to_hex(g), 8, '0') || '00ff5c', 'hex') END,
             CASE WHEN g % 10 = 1 THEN (SELECT string_agg(md5(g::text || '-' || i), '') FROM generate_series(1, 600) i) ELSE 'short bio ' || g END,
             '2024-01-02 03:04:05.123456+00'::timestamptz + g * interval '1 hour'
        FROM generate_series(1, 60) g;
      UPDATE customers SET name = name || ' (updated)' WHERE id % 10 = 1;
      UPDATE customers SET balance = balance + 1, email = NULL WHERE id % 7 = 0;
      DELETE FROM customers WHERE id % 13 = 0;
      INSERT INTO orders SELECT g, 1 + g % 60, g * 3.25, CASE WHEN g % 6 = 0 THEN NULL ELSE 'note ✓ ' || g END, ARRAY['t' || g % 3, 'x,y', NULL] FROM generate_series(1, 120) g;
      UPDATE orders SET total = total * 2 WHERE id % 5 = 0;
      DELETE FROM orders WHERE id % 11 = 0;
      UPDATE orders SET id = id + 100000 WHERE id IN (2, 3, 4, 7, 8);
      TRUNCATE orders;
      INSERT INTO orders SELECT g, 1 + g % 60, g * 1.5, 'after truncate', NULL FROM generate_series(1000, 1079) g;
      UPDATE orders SET id = id + 100000, note = 'moved' WHERE id IN (1000, 1001, 1002, 1003);
      DELETE FROM orders WHERE id % 7 = 0;
      INSERT INTO audit_log SELECT '2024-05-01 00:00:00+00'::timestamptz + (g % 5) * interval '1 min', 'actor ' || (g % 4), jsonb_build_object('n', g % 3) FROM generate_series(1, 40) g;
      UPDATE audit_log SET actor = 'renamed' WHERE actor = 'actor 1' AND detail->>'n' = '0';
      DELETE FROM audit_log WHERE actor = 'actor 2' AND detail->>'n' = '1';
    `);
    await streamToKafka(publisher, published);
    expect(published.length).toBeGreaterThan(300);

    const result = await applyFromKafka(applyOptions());
    expect(result.reason).toBe('caught-up');
    expect(result.duplicates).toBe(0);
    await expectTargetEqualsSource();
    // Every message was applied once (a truncate is one message per partition), and the
    // target stored where each partition ends.
    const highs = await highWatermarks();
    expect(BigInt(result.applied)).toBe(sum(highs));
    expect(await storedOffsets()).toEqual(highs);

    // The format other services read (README, "Change events (Kafka transport)").
    const [first] = await readRaw(topic('customers'), 0, 1);
    expect(first!.key).toBe('{"id":"1"}');
    const v = first!.value as { op: string; before: unknown; after: Record<string, string | null>; source: Record<string, unknown>; ts_ms: number; unchangedToast: string[] };
    expect(v.op).toBe('c');
    expect(v.before).toBeNull();
    expect(v.after).toMatchObject({ id: '1', name: '東京 太郎 1', email: 'c1@example.com', balance: '-3765.4322', avatar: '\\x0000000100ff5c', updated_at: '2024-01-02 04:04:05.123456+00' });
    expect(JSON.parse(v.after.profile!)).toEqual({ g: 1, x: 1.5, name: 'ünï "q"', tags: ['a', 1, null] });
    expect(v.source).toMatchObject({ connector: 'postgresql', name: PREFIX, db: monolith.name, schema: 'public', table: 'customers', seq: 0 });
    expect(v.source.version).toMatch(/^dbsplit /);
    expect(typeof v.source.lsn).toBe('string');
    expect(typeof v.source.txId).toBe('number');
    expect(typeof v.source.ts_ms).toBe('number');
    expect(v.ts_ms).toBeGreaterThanOrEqual(v.source.ts_ms as number);
    expect(v.unchangedToast).toEqual([]);
    // A truncate reaches every partition of the table's topic (ordered with each one's
    // changes); a key change across partitions is a delete of the old key and a create of the new.
    const orders = [0, 1].map((p) => ({ p, high: Number(highs.get(`${topic('orders')}:${p}`)) }));
    const raw: Awaited<ReturnType<typeof readRaw>>[] = [];
    for (const { p, high } of orders) raw.push(await readRaw(topic('orders'), p, high));
    for (const messages of raw) expect(messages.filter((m) => m.value.op === 't' && m.key === null)).toHaveLength(1);
    const moves = published.filter((e) => e.source.table === 'orders' && e.op === 'u' && e.before !== null && e.before.id !== e.after?.id);
    expect(moves).toHaveLength(9);
    let split = 0;
    for (const e of moves) {
      const oldKey = JSON.stringify({ id: e.before!.id });
      const newKey = JSON.stringify({ id: e.after!.id });
      const [po, pn] = [partitionFor(topic('orders'), oldKey, 2), partitionFor(topic('orders'), newKey, 2)];
      const at = (m: { value: Record<string, unknown> }) => (m.value.source as { lsn: string; seq: number }).lsn === e.source.lsn && (m.value.source as { seq: number }).seq === e.source.seq;
      if (po === pn) {
        expect(raw[po]!.find((m) => at(m))).toMatchObject({ key: newKey, value: { op: 'u', before: { id: e.before!.id } } });
      } else {
        split++;
        expect(raw[po]!.find((m) => at(m))).toMatchObject({ key: oldKey, value: { op: 'd', after: null } });
        expect(raw[pn]!.find((m) => at(m))).toMatchObject({ key: newKey, value: { op: 'c', before: null, after: { id: e.after!.id } } });
      }
    }
    expect(split).toBeGreaterThan(0);
    // The update that left the TOASTed bio alone says so instead of sending it.
    const toastUpdate = published.find((e) => e.op === 'u' && e.source.table === 'customers' && e.after?.id === '1');
    expect(toastUpdate?.unchangedToast).toEqual(['bio']);
    expect(toastUpdate?.after).not.toHaveProperty('bio');
  });

  it('resumes after the applier is killed (SIGKILL) from the offsets stored in the target: nothing lost, nothing doubled', async () => {
    for (let tx = 0; tx < 10; tx++) {
      await monolith.exec(`
        INSERT INTO orders SELECT g, 1 + g % 60, g * 0.01, 'bulk ' || g, ARRAY['k'] FROM generate_series(${5000 + tx * 60}, ${5000 + tx * 60 + 59}) g;
        INSERT INTO audit_log SELECT now(), 'bulk', jsonb_build_object('tx', ${tx}) FROM generate_series(1, 20);
        UPDATE customers SET balance = COALESCE(balance, 0) + ${tx}, updated_at = now() WHERE id % 9 = ${tx % 9};
      `);
    }
    await streamToKafka(publisher, published);
    const before = await storedOffsets();
    const highs = await highWatermarks();
    const total = sum(highs) - sum(before);
    expect(total).toBeGreaterThan(700n);

    // `dbsplit shadow apply` in a child process, in small target transactions, killed after some of them.
    const planPath = join(dir, 'dbsplit.yaml');
    writeFileSync(
      planPath,
      stringify({
        version: 1,
        monolith: { url: monolith.url },
        services: { [SERVICE]: { tables: [...TABLES], target: { url: target.url, isolation: 'database' } } },
        transport: { kind: 'kafka', brokers: kafka.brokers, topicPrefix: PREFIX, clientId: 'dbsplit-test-child' },
      }),
    );
    const cli = fileURLToPath(new URL('../../src/cli.ts', import.meta.url));
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', `const { main } = await import(process.env.DBSPLIT_CLI); process.exitCode = await main(JSON.parse(process.env.DBSPLIT_ARGV));`],
      {
        env: { ...process.env, NO_COLOR: '1', DBSPLIT_CLI: cli, DBSPLIT_ARGV: JSON.stringify(['node', 'dbsplit', 'shadow', 'apply', SERVICE, '--plan', planPath, '--batch-size', '5', '--until-caught-up']) },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let childOut = '';
    child.stdout.on('data', (c: Buffer) => (childOut += c.toString()));
    child.stderr.on('data', (c: Buffer) => (childOut += c.toString()));
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    // Killed once it has committed 125 events (25 transactions) or more; it keeps going while we look.
    const poll = new pg.Client({ connectionString: target.url });
    await poll.connect();
    let progress = 0n;
    try {
      const deadline = Date.now() + 30_000;
      while (child.exitCode === null && child.signalCode === null) {
        const res = await poll.query<{ n: string }>(`SELECT COALESCE(sum(next_offset), 0)::text AS n FROM _dbsplit_sync.kafka_offsets WHERE service = $1`, [SERVICE]);
        progress = BigInt(res.rows[0]!.n) - sum(before);
        if (progress >= 125n) {
          child.kill('SIGKILL');
          break;
        }
        if (Date.now() > deadline) throw new Error(`the child applier did not apply 125 events in time (${progress}): ${childOut}`);
      }
    } finally {
      await poll.end();
    }
    await exited;
    expect(child.signalCode).toBe('SIGKILL');
    expect(childOut).not.toContain('caught up');
    const stored = await storedOffsets();
    const remaining = sum(highs) - sum(stored);
    expect(remaining, 'killed before it finished').toBeGreaterThan(0n);

    const result = await applyFromKafka(applyOptions());
    expect(result.reason).toBe('caught-up');
    // Exactly what the killed applier had not committed, each message once.
    expect(BigInt(result.applied)).toBe(remaining);
    expect(result.duplicates).toBe(0);
    expect(await storedOffsets()).toEqual(highs);
    await expectTargetEqualsSource();
  });

  it('skips events the publisher sent twice (a runner that died before acknowledging the slot)', async () => {
    await monolith.exec(`
      INSERT INTO audit_log SELECT now(), 'twice', jsonb_build_object('i', g) FROM generate_series(1, 30) g;
      INSERT INTO orders SELECT g, 1, 1, 'twice', NULL FROM generate_series(9000, 9029) g;
      UPDATE orders SET total = total + 1 WHERE id BETWEEN 9000 AND 9009;
      DELETE FROM orders WHERE id BETWEEN 9020 AND 9024;
      UPDATE customers SET name = name || '!' WHERE id = 2;
    `);
    const first: ChangeEvent[] = [];
    await streamToKafka(publisher, first, false);
    const second: ChangeEvent[] = [];
    await streamToKafka(publisher, second);
    expect(second.length).toBe(first.length);
    expect(second.map((e) => `${e.source.lsn}/${e.source.seq}`)).toEqual(first.map((e) => `${e.source.lsn}/${e.source.seq}`));

    const result = await applyFromKafka(applyOptions());
    expect(result.reason).toBe('caught-up');
    expect(result.applied).toBe(first.length);
    expect(result.duplicates).toBe(second.length);
    await expectTargetEqualsSource();
    expect(await target.query(`SELECT count(*)::int AS n FROM audit_log WHERE actor = 'twice'`)).toEqual([{ n: 30 }]);

    // A restart with nothing new applies nothing: the stored offsets point after the last
    // applied event, whose (lsn, seq) is read again; the duplicates after it are skipped again.
    const again = await applyFromKafka(applyOptions());
    expect(again).toMatchObject({ applied: 0, duplicates: second.length, reason: 'caught-up' });
    await expectTargetEqualsSource();
  });
});
