import pg from 'pg';
import { inject } from 'vitest';

/** The admin URL of the test server (a database named `postgres` on it). */
export function serverUrl(): string {
  return inject('pgUrl');
}

export function databaseUrl(database: string): string {
  const u = new URL(serverUrl());
  u.pathname = '/' + encodeURIComponent(database);
  return u.toString();
}

export interface TestDatabase {
  readonly name: string;
  readonly url: string;
  /** Run SQL (several statements allowed) against the database. */
  exec(sql: string): Promise<void>;
  query<R extends pg.QueryResultRow = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<R[]>;
  drop(): Promise<void>;
}

async function withAdmin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: serverUrl() });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** A fresh, empty database on the test server, with a unique name. */
export async function createTestDatabase(prefix = 't'): Promise<TestDatabase> {
  const name = `${prefix}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`.toLowerCase();
  await withAdmin((c) => c.query(`CREATE DATABASE "${name}"`));
  const url = databaseUrl(name);
  const run = async <T>(fn: (c: pg.Client) => Promise<T>): Promise<T> => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      return await fn(client);
    } finally {
      await client.end();
    }
  };
  return {
    name,
    url,
    exec: (sql) => run(async (c) => void (await c.query(sql))),
    query: <R extends pg.QueryResultRow>(sql: string, params?: unknown[]) => run(async (c) => (await c.query<R>(sql, params)).rows),
    drop: () => withAdmin(async (c) => void (await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`))),
  };
}

/** A suffix unique to this moment and process: replication slots are per server, shared by every test file. */
export function uniqueSuffix(): string {
  return `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
}

/** A client for the length of `fn`. Tests stop servers on purpose: an idle client's error is ignored. */
export async function withClient<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: url });
  c.on('error', () => undefined);
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end().catch(() => undefined);
  }
}
