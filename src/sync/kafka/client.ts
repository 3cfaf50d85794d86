import kafkajs from 'kafkajs';
import { redactSecrets } from '../../redact.js';
import { SyncFailure } from '../apply/errors.js';

/**
 * The kafkajs client of both sides of the transport. kafkajs logs to the console by default;
 * dbsplit's core never prints, so its log goes to a callback (or nowhere).
 */

export interface KafkaConnection {
  readonly brokers: readonly string[];
  readonly clientId?: string | undefined;
}

export interface KafkaLogEntry {
  readonly level: 'error' | 'warn' | 'info';
  readonly message: string;
}

export type KafkaLogHandler = (entry: KafkaLogEntry) => void;

const { Kafka, logLevel } = kafkajs;

export function createKafka(connection: KafkaConnection, onLog?: KafkaLogHandler): kafkajs.Kafka {
  return new Kafka({
    clientId: connection.clientId ?? 'dbsplit',
    brokers: [...connection.brokers],
    logLevel: onLog ? logLevel.WARN : logLevel.NOTHING,
    logCreator: () => (entry) => {
      if (!onLog) return;
      const level = entry.level === logLevel.ERROR ? 'error' : entry.level === logLevel.WARN ? 'warn' : 'info';
      onLog({ level, message: redactSecrets(`${entry.namespace}: ${entry.log.message}`) });
    },
    retry: { retries: 5, initialRetryTime: 200, maxRetryTime: 5000 },
  });
}

const RETRYABLE_NAMES = new Set([
  'KafkaJSConnectionError',
  'KafkaJSConnectionClosedError',
  'KafkaJSRequestTimeoutError',
  'KafkaJSBrokerNotFound',
  'KafkaJSNoBrokerAvailableError',
  'KafkaJSMetadataNotLoaded',
  'KafkaJSGroupCoordinatorNotFound',
  'KafkaJSLockTimeout',
]);

/** kafkajs gives up after its own retries; whether dbsplit's slower retry can still help. */
export function kafkaRetryable(e: unknown): boolean {
  let current: unknown = e;
  for (let i = 0; i < 5 && current; i++) {
    const x = current as { name?: unknown; retriable?: unknown; code?: unknown; cause?: unknown };
    if (typeof x.name === 'string' && RETRYABLE_NAMES.has(x.name)) return true;
    if (typeof x.code === 'string' && /^E(CONNREFUSED|CONNRESET|PIPE|TIMEDOUT|HOSTUNREACH|NETUNREACH|AI_AGAIN|NOTFOUND)$/.test(x.code)) return true;
    if (x.name !== 'KafkaJSNumberOfRetriesExceeded' && x.retriable === true) return true;
    current = x.cause;
  }
  return false;
}

function messageChain(e: unknown): string {
  const parts: string[] = [];
  let current: unknown = e;
  for (let i = 0; i < 4 && current; i++) {
    const m = (current as { message?: unknown }).message;
    if (typeof m === 'string' && m !== '' && !parts.includes(m)) parts.push(m);
    current = (current as { cause?: unknown }).cause;
  }
  return parts.join(': ') || String(e);
}

/** Any kafkajs failure as a SyncFailure saying what dbsplit was doing; kept when already one. */
export function kafkaFailure(e: unknown, context: string, connection: KafkaConnection): SyncFailure {
  if (e instanceof SyncFailure) return e;
  const retryable = kafkaRetryable(e);
  return new SyncFailure(`${context}: ${redactSecrets(messageChain(e))}`, {
    retryable,
    cause: e,
    code: retryable ? 'E_CONNECTION' : 'E_SYNC',
    ...(retryable ? { hint: `is Kafka reachable at ${connection.brokers.join(', ')}?` } : {}),
  });
}
