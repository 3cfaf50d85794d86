import pg from 'pg';
import { ConnectionError, DbsplitError, UsageError } from '../errors.js';
import { maskUrl } from '../redact.js';

/**
 * Connections to the monolith and the service databases. Every failure becomes one line that
 * names the (masked) URL and what to do about it.
 */

export function validateUrl(url: string, what = 'database URL'): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UsageError(`invalid ${what} "${maskUrl(url)}"`, 'expected postgres://user:password@host:port/database');
  }
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') {
    throw new UsageError(`invalid ${what} "${maskUrl(url)}": scheme must be postgres:// or postgresql://`);
  }
  return parsed;
}

export function describeConnectionError(e: unknown, url: string): DbsplitError {
  const masked = maskUrl(url);
  const err = e as { code?: string; message?: string };
  const msg = err.message ?? String(e);
  switch (err.code) {
    case 'ECONNREFUSED':
      return new ConnectionError(`could not connect to ${masked}: connection refused`, 'is PostgreSQL running there, and is the port right?', e);
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new ConnectionError(`could not connect to ${masked}: unknown host`, 'check the host name in the URL', e);
    case 'ETIMEDOUT':
      return new ConnectionError(`could not connect to ${masked}: timed out`, 'check the host, port and any firewall', e);
    case '28P01':
    case '28000':
      return new ConnectionError(`could not connect to ${masked}: ${msg}`, 'check the user name and password in the URL', e);
    case '3D000':
      return new ConnectionError(`could not connect to ${masked}: ${msg}`, 'create the database first, or fix its name in the URL', e);
    case '42501':
      return new DbsplitError('E_PERMISSION', `permission denied on ${masked}: ${msg}`, { hint: 'grant the privilege named above to this user', cause: e });
    default:
      return new ConnectionError(`could not connect to ${masked}: ${msg}`, undefined, e);
  }
}

export async function connect(url: string, options: { applicationName?: string; connectTimeoutMs?: number; replication?: 'database' } = {}): Promise<pg.Client> {
  validateUrl(url);
  const config: pg.ClientConfig & { replication?: string } = {
    connectionString: url,
    application_name: options.applicationName ?? 'dbsplit',
    connectionTimeoutMillis: options.connectTimeoutMs ?? 10_000,
  };
  // A logical replication connection (replication commands, exported snapshots): a pg
  // connection parameter that @types/pg does not list.
  if (options.replication) config.replication = options.replication;
  const client = new pg.Client(config);
  // An idle client whose server goes away emits 'error'; without a listener that kills the process.
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (e) {
    await client.end().catch(() => undefined);
    throw describeConnectionError(e, url);
  }
  return client;
}

/** Run `fn` with a connection that is closed afterwards, whatever happens. */
export async function withConnection<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = await connect(url);
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * Mark one of dbsplit's own statements so a pg_stat_statements workload can leave it out.
 * The comment goes after the first keyword: pg_stat_statements drops a leading comment.
 */
export function markOwn(sql: string): string {
  return sql.replace(/^\s*([A-Za-z]+)/, '$1 /* dbsplit */');
}
