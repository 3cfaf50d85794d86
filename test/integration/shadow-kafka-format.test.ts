import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseLsn } from '../../src/sync/apply/lsn.js';
import type { ChangeEvent } from '../../src/sync/contract.js';
import { decodeEnvelope, encodeEnvelope, EnvelopeError, messageKey } from '../../src/sync/kafka/envelope.js';
import { partitionFor } from '../../src/sync/kafka/partitioning.js';
import { LostEventsError, PartitionCursor, partitionStart } from '../../src/sync/kafka/positions.js';
import { rounds } from '../../src/sync/kafka/publisher.js';
import { truncateAsDeletes } from '../../src/sync/kafka/target-reads.js';
import { topicName } from '../../src/sync/kafka/topics.js';
import { createTestDatabase, type TestDatabase } from '../helpers/pg.js';

/**
 * The pieces of the Kafka transport that need no broker: the message format, topic names,
 * partitioning, the applier's resume and duplicate rules, a truncate split by partition (on a
 * real PostgreSQL), and `dbsplit shadow apply` refusing a plan without the kafka transport.
 */

const source = (lsn: string, seq: number) => ({ lsn, txId: 731, schema: 'public', table: 'items', commitTimeMs: 1_700_000_000_123, seq, lastInTx: false });
const ctx = { prefix: 'dbsplit', database: 'shop', version: 'dbsplit 9.9.9', nowMs: 1_700_000_000_456 };

describe('Kafka change events', () => {
  it('names topics <prefix>.<service>.<schema>.<table>, with characters Kafka refuses replaced', () => {
    expect(topicName('dbsplit', 'orders', 'public', 'order_items')).toBe('dbsplit.orders.public.order_items');
    expect(topicName('dbsplit', 'orders', 'Sales Data', 'naïve$t')).toBe('dbsplit.orders.Sales_Data.na_ve_t');
    const long = topicName('p', 's', 'public', 'x'.repeat(300));
    expect(long.length).toBe(249);
    expect(long).not.toBe(topicName('p', 's', 'public', 'x'.repeat(301)));
  });

  it('round-trips an update with an unchanged TOAST column, keyed by the primary key', () => {
    const event: ChangeEvent = {
      op: 'u',
      source: source('16/B374D848', 3),
      before: null,
      after: { id: '42', name: 'Zoë 🙂', price: '10.50', note: null },
      unchangedToast: ['body'],
      key: ['id'],
    };
    const value = encodeEnvelope(event, ctx);
    expect(JSON.parse(value)).toEqual({
      before: null,
      after: { id: '42', name: 'Zoë 🙂', price: '10.50', note: null },
      source: { version: 'dbsplit 9.9.9', connector: 'postgresql', name: 'dbsplit', db: 'shop', schema: 'public', table: 'items', lsn: '16/B374D848', txId: 731, ts_ms: 1_700_000_000_123, seq: 3, lastInTx: false },
      op: 'u',
      ts_ms: 1_700_000_000_456,
      unchangedToast: ['body'],
    });
    expect(messageKey(event)).toBe('{"id":"42"}');
    expect(decodeEnvelope(Buffer.from('{"id":"42"}'), Buffer.from(value))).toEqual(event);
  });

  it('keys a delete by its old row, and has no key for a truncate or a table without one', () => {
    const del: ChangeEvent = { op: 'd', source: source('0/10', 0), before: { a: '1', b: 'x y' }, after: null, key: ['a', 'b'] };
    expect(messageKey(del)).toBe('{"a":"1","b":"x y"}');
    expect(messageKey({ ...del, op: 't', before: null })).toBeNull();
    expect(messageKey({ ...del, key: [] })).toBeNull();
    const decoded = decodeEnvelope(null, encodeEnvelope({ ...del, key: [] }, ctx));
    expect(decoded.key).toEqual([]);
    expect(decoded.unchangedToast).toBeUndefined();
  });

  it('refuses messages that are not dbsplit change events', () => {
    const good = JSON.parse(encodeEnvelope({ op: 'c', source: source('0/10', 0), before: null, after: { id: '1' }, key: ['id'] }, ctx)) as Record<string, unknown>;
    const bad = (patch: Record<string, unknown>) => JSON.stringify({ ...good, ...patch });
    expect(() => decodeEnvelope(null, null)).toThrow(EnvelopeError);
    expect(() => decodeEnvelope(null, 'not json')).toThrow(/not JSON/);
    expect(() => decodeEnvelope(null, bad({ op: 'x' }))).toThrow(/unknown op/);
    expect(() => decodeEnvelope(null, bad({ source: { ...(good.source as object), lsn: 'nope' } }))).toThrow(/LSN/);
    expect(() => decodeEnvelope(null, bad({ after: { id: 1 } }))).toThrow(/after.id/);
    expect(() => decodeEnvelope('[1]', JSON.stringify(good))).toThrow(/key/);
  });

  it('partitions keyed messages as Kafka does (murmur2), and keyless ones to partition 0', () => {
    // What the Java client (and kafkajs' default partitioner) choose for these keys.
    expect([0, 2, 5].map((id) => partitionFor('t', JSON.stringify({ id: String(id) }), 3))).toEqual([2, 1, 0]);
    expect(partitionFor('t', null, 8)).toBe(0);
    expect(partitionFor('t', '{"id":"7"}', 1)).toBe(0);
  });

  it('splits sends into rounds of at most n records per partition, each partition in order', () => {
    const m = (topic: string, partition: number, n: number) => ({ topic, partition, n });
    const list = [m('a', 0, 1), m('a', 0, 2), m('a', 1, 3), m('b', 0, 4), m('a', 0, 5), m('b', 0, 6)];
    expect(rounds(list, undefined)).toEqual([list]);
    expect(rounds(list, 1).map((r) => r.map((x) => x.n))).toEqual([[1, 3, 4], [2, 6], [5]]);
    expect(rounds(list, 2).map((r) => r.map((x) => x.n))).toEqual([[1, 2, 3, 4, 6], [5]]);
  });
});

describe('where the Kafka applier resumes, and what it skips', () => {
  const w = (lsn: string, seq: number) => () => ({ lsn: parseLsn(lsn), seq });

  it('starts at the oldest offset without a stored one, else one back to re-read the last applied event', () => {
    expect(partitionStart(null, 5n)).toEqual({ seekTo: 5n, carrier: null, stored: null });
    expect(partitionStart(10n, 0n)).toEqual({ seekTo: 9n, carrier: 9n, stored: 10n });
    // Retention removed the last applied event only: nothing older can come again.
    expect(partitionStart(10n, 10n)).toEqual({ seekTo: 10n, carrier: null, stored: 10n });
    expect(() => partitionStart(10n, 12n)).toThrow(LostEventsError);
  });

  it('reads the watermark from the carrier, skips re-sent events, applies newer ones', () => {
    const c = new PartitionCursor(partitionStart(10n, 0n));
    expect(c.classify(7n, w('0/1', 0))).toBe('stale');
    expect(c.classify(9n, w('0/20', 1))).toBe('carrier');
    expect(c.consumed).toBe(10n);
    expect(c.classify(10n, w('0/20', 0))).toBe('duplicate');
    expect(c.classify(11n, w('0/20', 1))).toBe('duplicate');
    expect(c.classify(12n, w('0/20', 2))).toBe('apply');
    expect(c.classify(13n, w('0/1F', 9))).toBe('duplicate');
    expect(c.classify(14n, w('0/30', 0))).toBe('apply');
    expect(c.consumed).toBe(15n);
    expect(c.watermark).toEqual({ lsn: parseLsn('0/30'), seq: 0 });
  });

  it('goes on without a watermark when the carrier is gone, and stops when unapplied events are', () => {
    const gone = new PartitionCursor(partitionStart(10n, 0n));
    expect(gone.classify(10n, w('0/5', 0))).toBe('apply');
    const lost = new PartitionCursor(partitionStart(10n, 0n));
    expect(() => lost.classify(12n, w('0/5', 0))).toThrow(LostEventsError);
  });
});

describe('a truncate read from one partition of several', () => {
  let db: TestDatabase;
  let client: pg.Client;

  beforeAll(async () => {
    db = await createTestDatabase('kafka_trunc');
    await db.exec(`
      CREATE TABLE items (b text, a int, v text, PRIMARY KEY (a, b));
      INSERT INTO items SELECT 'k' || g, g % 7, 'v' FROM generate_series(1, 60) g;
      CREATE TABLE loose (v text);
      INSERT INTO loose VALUES ('x'), ('y');
    `);
    client = new pg.Client({ connectionString: db.url });
    await client.connect();
  });

  afterAll(async () => {
    await client?.end();
    await db?.drop();
  });

  it('deletes exactly the rows whose key maps to that partition, keyed in table column order', async () => {
    const truncate: ChangeEvent = { op: 't', source: { ...source('0/99', 0), table: 'items' }, before: null, after: null, key: [] };
    const parts = [];
    for (const p of [0, 1, 2]) parts.push(await truncateAsDeletes(client, { schema: 'public', name: 'items' }, truncate, 'topic.items', p, 3));
    const keys = parts.map((d) => (Array.isArray(d) ? d.map((e) => JSON.stringify(e.before)) : []));
    expect(keys.flat().sort()).toEqual((await db.query<{ k: string }>(`SELECT json_build_object('b', b, 'a', a::text)::text AS k FROM items`)).map((r) => JSON.stringify(JSON.parse(r.k))).sort());
    for (const [p, d] of parts.entries()) {
      expect(Array.isArray(d) && d.length > 0).toBe(true);
      for (const e of d as ChangeEvent[]) {
        expect(e).toMatchObject({ op: 'd', key: ['b', 'a'], after: null, source: truncate.source });
        expect(partitionFor('topic.items', JSON.stringify(e.before), 3)).toBe(p);
      }
    }
    expect(await truncateAsDeletes(client, { schema: 'public', name: 'items' }, truncate, 'topic.items', 0, 1)).toBe('all');
    expect(await truncateAsDeletes(client, { schema: 'public', name: 'loose' }, truncate, 'topic.loose', 0, 3)).toBe('all');
    expect(await truncateAsDeletes(client, { schema: 'public', name: 'loose' }, truncate, 'topic.loose', 1, 3)).toBe('none');
  });
});

describe('dbsplit shadow apply', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'dbsplit-kafka-cli-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('refuses a plan whose transport is direct, saying how to switch', async () => {
    const plan = join(dir, 'dbsplit.yaml');
    writeFileSync(plan, 'version: 1\nservices:\n  shop:\n    tables: [items]\n    target: { url: "postgres://u:secret-pw@127.0.0.1:1/shop" }\n');
    const cli = fileURLToPath(new URL('../../src/cli.ts', import.meta.url));
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', `const { main } = await import(process.env.DBSPLIT_CLI); process.exitCode = await main(JSON.parse(process.env.DBSPLIT_ARGV));`], {
      env: { ...process.env, NO_COLOR: '1', DBSPLIT_CLI: cli, DBSPLIT_ARGV: JSON.stringify(['node', 'dbsplit', 'shadow', 'apply', 'shop', '--plan', plan]) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
    expect(code).toBe(2);
    expect(stderr).toContain('[E_PRECONDITION]');
    expect(stderr).toContain("the plan's transport is direct");
    expect(stderr).toContain('kind: kafka');
    expect(stderr).not.toContain('secret-pw');
  });
});
