import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import kafkajs from 'kafkajs';
import { stringify } from 'yaml';

/**
 * A Kafka broker for tests: the one named by KAFKA_BROKERS (topics created with the admin
 * client), or a mokapi process serving the Kafka protocol from a generated AsyncAPI spec.
 *
 * mokapi (go-mokapi 0.52, not in package.json: `npm install --no-save --no-audit --no-fund
 * go-mokapi@0.52.0`) serves produce, fetch, metadata, list offsets, consumer groups (join,
 * sync, heartbeat, commit) and create topics well enough for kafkajs. What it does not do:
 * - topics must be declared in the spec (generated here, one channel per topic);
 * - values must be JSON (the spec's payload schema is validated; a null value is refused);
 * - a produce request whose partition batch holds a record > 512 bytes followed by another
 *   record is misread (its fragment reader overruns), and a record > ~64 KiB crashes the
 *   request: the publisher sends one record per partition per request against it
 *   (`publisherTuning`);
 * - no idempotent or transactional producer, no compression, and OffsetFetch outside a
 *   group member (admin.fetchOffsets) fails with UNKNOWN_MEMBER_ID.
 * mokapi watches its spec's directory and runs scripts found there: the spec gets a directory
 * of its own.
 */

export interface TestTopic {
  readonly topic: string;
  readonly partitions?: number;
}

export interface KafkaTestServer {
  readonly brokers: string[];
  readonly kind: 'mokapi' | 'external';
  /** KafkaPublisher options this broker needs. */
  readonly publisherTuning: { readonly maxRecordsPerPartitionRequest?: number };
  /** What the broker process printed (mokapi), for failure messages. */
  logs(): string;
  stop(): Promise<void>;
}

const MOKAPI_VERSION = '0.52.0';

export async function startKafka(topics: readonly TestTopic[]): Promise<KafkaTestServer> {
  const external = process.env.KAFKA_BROKERS;
  if (external) return useExternal(external.split(',').map((b) => b.trim()).filter(Boolean), topics);
  return startMokapi(topics);
}

async function useExternal(brokers: string[], topics: readonly TestTopic[]): Promise<KafkaTestServer> {
  const kafka = new kafkajs.Kafka({ clientId: 'dbsplit-test', brokers, logLevel: kafkajs.logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ waitForLeaders: true, topics: topics.map((t) => ({ topic: t.topic, numPartitions: t.partitions ?? 1 })) });
  return {
    brokers,
    kind: 'external',
    publisherTuning: {},
    logs: () => '',
    stop: async () => {
      await admin.deleteTopics({ topics: topics.map((t) => t.topic) }).catch(() => undefined);
      await admin.disconnect();
    },
  };
}

function mokapiBinary(): string {
  const require = createRequire(import.meta.url);
  const pkg = `@go-mokapi/${process.platform}-${process.arch}`;
  try {
    return require(pkg) as string;
  } catch {
    throw new Error(`the Kafka tests need mokapi (${pkg}): npm install --no-save --no-audit --no-fund go-mokapi@${MOKAPI_VERSION}, or set KAFKA_BROKERS to a real broker`);
  }
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** The AsyncAPI 3 document declaring the topics, on one broker at 127.0.0.1:port. */
export function asyncApiSpec(port: number, topics: readonly TestTopic[]): string {
  const channels: Record<string, unknown> = {};
  topics.forEach((t, i) => {
    channels[`topic${i}`] = {
      address: t.topic,
      bindings: { kafka: { partitions: t.partitions ?? 1 } },
      messages: { change: { contentType: 'application/json', payload: { type: 'object' } } },
    };
  });
  return stringify({
    asyncapi: '3.0.0',
    info: { title: 'dbsplit test broker', version: '1.0.0' },
    servers: {
      // The initial rebalance delay defaults to 3 s: every consumer start would wait for it.
      broker: { host: `127.0.0.1:${port}`, protocol: 'kafka', bindings: { kafka: { 'group.initial.rebalance.delay.ms': 50 } } },
    },
    channels,
  });
}

async function startMokapi(topics: readonly TestTopic[]): Promise<KafkaTestServer> {
  const binary = mokapiBinary();
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'dbsplit-mokapi-'));
  const spec = join(dir, 'asyncapi.yaml');
  writeFileSync(spec, asyncApiSpec(port, topics));
  let output = '';
  const child: ChildProcess = spawn(binary, ['--api-port=0', '--health-enabled=false', '--mcp-server-enabled=false', '--log-level=warn', spec], { stdio: ['ignore', 'pipe', 'pipe'] });
  const keep = (chunk: Buffer): void => {
    output = (output + chunk.toString()).slice(-20_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitForBroker(port, topics.map((t) => t.topic), () => child.exitCode !== null || child.signalCode !== null);
  } catch (e) {
    await stop();
    throw new Error(`mokapi did not start: ${(e as Error).message}\n${output}`);
  }
  return { brokers: [`127.0.0.1:${port}`], kind: 'mokapi', publisherTuning: { maxRecordsPerPartitionRequest: 1 }, logs: () => output, stop };
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    socket.setTimeout(500);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
    socket.connect(port, '127.0.0.1');
  });
}

/** The port accepts connections and the metadata lists every topic. */
async function waitForBroker(port: number, topics: readonly string[], gone: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'port closed';
  while (Date.now() < deadline) {
    if (gone()) throw new Error('the process exited');
    if (await canConnect(port)) {
      const kafka = new kafkajs.Kafka({ clientId: 'dbsplit-test-wait', brokers: [`127.0.0.1:${port}`], logLevel: kafkajs.logLevel.NOTHING, retry: { retries: 0 } });
      const admin = kafka.admin();
      try {
        await admin.connect();
        const listed = new Set(await admin.listTopics());
        const missing = topics.filter((t) => !listed.has(t));
        if (missing.length === 0) return;
        last = `topics not listed yet: ${missing.join(', ')}`;
      } catch (e) {
        last = (e as Error).message;
      } finally {
        await admin.disconnect().catch(() => undefined);
      }
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out after ${timeoutMs} ms (${last})`);
}
