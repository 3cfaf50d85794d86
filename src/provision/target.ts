import type pg from 'pg';
import { quoteIdent } from '../analyzers/pg-type-names.js';
import { connect, describeConnectionError, validateUrl } from '../db/connect.js';
import { ConfigError, DbsplitError } from '../errors.js';
import { maskUrl } from '../redact.js';

/**
 * A service's target database: where it is, whether it and the service's schema exist yet, and
 * which knex migrations already ran there. Reading only; creating is done by the apply step.
 */

export interface TargetInfo {
  readonly url: string;
  readonly masked: string;
  readonly database: string;
  readonly user: string;
  /** URL of the same server's `postgres` database, from which a missing database is created. */
  readonly adminUrl: string;
  readonly isolation: 'schema' | 'database';
  /** With isolation `schema`: the service's schema (also where knex keeps its migration tables). */
  readonly schema?: string;
}

export interface TargetState {
  readonly databaseExists: boolean;
  readonly schemaExists: boolean;
  /** Names of the migrations knex has recorded as run. */
  readonly completed: readonly string[];
}

export const KNEX_TABLE = 'knex_migrations';

export function targetInfo(service: string, target: { url?: string | undefined; isolation: 'schema' | 'database'; schema?: string | undefined } | undefined): TargetInfo {
  if (!target?.url) {
    throw new ConfigError('E_PLAN_INVALID', `service ${service} has no target database URL`, `add services.${service}.target.url to the plan, e.g. url: \${${service.toUpperCase()}_DATABASE_URL}`);
  }
  const parsed = validateUrl(target.url, `services.${service}.target.url`);
  const database = decodeURIComponent(parsed.pathname.replace(/^\//, ''));
  if (database === '') throw new ConfigError('E_PLAN_INVALID', `services.${service}.target.url names no database: ${maskUrl(target.url)}`, 'end the URL with /<database>');
  const admin = new URL(target.url);
  admin.pathname = '/postgres';
  return {
    url: target.url,
    masked: maskUrl(target.url),
    database,
    user: decodeURIComponent(parsed.username),
    adminUrl: admin.toString(),
    isolation: target.isolation,
    ...(target.isolation === 'schema' ? { schema: target.schema ?? service } : {}),
  };
}

/** Connect to the target; undefined when the database does not exist (yet). */
export async function connectTarget(info: TargetInfo): Promise<pg.Client | undefined> {
  try {
    return await connect(info.url, { applicationName: 'dbsplit provision' });
  } catch (e) {
    const cause = (e as { cause?: { code?: string } }).cause;
    if (cause?.code === '3D000') return undefined;
    throw e;
  }
}

export async function readTargetState(info: TargetInfo, client: pg.Client | undefined): Promise<TargetState> {
  if (!client) return { databaseExists: false, schemaExists: false, completed: [] };
  const schemaExists = info.schema === undefined || (await client.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [info.schema])).rowCount === 1;
  // knex looks its table up where it creates it: in schemaName, else through the search_path.
  const table = info.schema !== undefined ? `${quoteIdent(info.schema)}.${KNEX_TABLE}` : KNEX_TABLE;
  const exists = schemaExists ? (await client.query<{ t: string | null }>('SELECT to_regclass($1)::text AS t', [table])).rows[0]?.t : null;
  const completed = exists ? (await client.query<{ name: string }>(`SELECT name FROM ${table} ORDER BY id`)).rows.map((r) => r.name) : [];
  return { databaseExists: true, schemaExists, completed };
}

export function createDatabaseSql(info: TargetInfo): string {
  return `CREATE DATABASE ${quoteIdent(info.database)}`;
}

export function createSchemaSql(info: TargetInfo): string {
  return `CREATE SCHEMA IF NOT EXISTS ${quoteIdent(info.schema ?? 'public')}`;
}

function permissionError(e: unknown, what: string, url: string, hint: string): DbsplitError {
  const err = e as { code?: string; message?: string };
  if (err.code === '42501') return new DbsplitError('E_PERMISSION', `cannot ${what} on ${maskUrl(url)}: ${err.message ?? 'permission denied'}`, { hint, cause: e });
  if (typeof err.code === 'string' && /^[0-9A-Z]{5}$/.test(err.code)) return new DbsplitError('E_PRECONDITION', `cannot ${what} on ${maskUrl(url)}: ${err.message ?? ''}`, { cause: e });
  return describeConnectionError(e, url);
}

/** CREATE DATABASE from the server's `postgres` database (a database cannot create itself). */
export async function createDatabase(info: TargetInfo): Promise<void> {
  const client = await connect(info.adminUrl, { applicationName: 'dbsplit provision' });
  try {
    await client.query(createDatabaseSql(info));
  } catch (e) {
    // Someone else created it in the meantime: the goal is reached.
    if ((e as { code?: string }).code === '42P04') return;
    throw permissionError(e, `create database ${info.database}`, info.adminUrl, `the user ${info.user || '(from the URL)'} needs CREATEDB: ALTER ROLE ${quoteIdent(info.user || 'app')} CREATEDB, or ask an administrator to run ${createDatabaseSql(info)}`);
  } finally {
    await client.end().catch(() => undefined);
  }
}

export async function createSchema(info: TargetInfo, client: pg.Client): Promise<void> {
  try {
    await client.query(createSchemaSql(info));
  } catch (e) {
    throw permissionError(e, `create schema ${info.schema ?? ''}`, info.url, `grant it: GRANT CREATE ON DATABASE ${quoteIdent(info.database)} TO ${quoteIdent(info.user || 'app')}`);
  }
}

