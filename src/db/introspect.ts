import type pg from 'pg';
import { DbsplitError, UsageError } from '../errors.js';
import type { SchemaModel } from '../model/schema.js';
import { maskUrl } from '../redact.js';
import { describeConnectionError, markOwn, withConnection } from './connect.js';
import { assembleDomains, assembleEnums, assembleForeignKeys, assembleSequences, assembleTables, assembleViews } from './introspect-assemble.js';
import * as q from './introspect-queries.js';
import { compareText } from './introspect-text.js';

/**
 * Live introspection: the schema model of a running PostgreSQL (12 or later), read from
 * pg_catalog in one consistent snapshot.
 */

export interface IntrospectOptions {
  /** Only these schemas (default: every user schema). */
  readonly schemas?: readonly string[];
  /** How the source is named in reports (default: the client's user, host, port and database). */
  readonly description?: string;
}

function describeClient(client: pg.Client): string {
  return `postgres://${client.user ?? ''}@${client.host}:${client.port}/${client.database ?? ''}`;
}

function selectSchemas(all: readonly string[], wanted: readonly string[] | undefined): string[] {
  if (wanted === undefined) return [...all];
  const missing = wanted.filter((s) => !all.includes(s));
  if (missing.length > 0) {
    const shown = all.slice(0, 20).join(', ') + (all.length > 20 ? ', ...' : '');
    throw new UsageError(`schema ${missing.map((s) => `"${s}"`).join(', ')} not found in the database`, `schemas there: ${shown || '(none)'}`);
  }
  return [...new Set(wanted)].sort(compareText);
}

async function rows<R extends pg.QueryResultRow>(client: pg.Client, sql: string, params: unknown[] = []): Promise<R[]> {
  return (await client.query<R>(markOwn(sql), params)).rows;
}

async function readModel(client: pg.Client, options: IntrospectOptions): Promise<SchemaModel> {
  const [server] = await rows<q.ServerRow>(client, q.SERVER_SQL);
  if (!server) throw new DbsplitError('E_INTERNAL', 'the server did not report its version');
  const all = (await rows<q.SchemaRow>(client, q.SCHEMAS_SQL)).map((r) => r.name).sort(compareText);
  const schemas = selectSchemas(all, options.schemas);
  const p = [schemas];
  // One client runs one query at a time, so these go one after another.
  const relations = await rows<q.RelationRow>(client, q.relationsSql(server.version_num), p);
  const columns = await rows<q.ColumnRow>(client, q.COLUMNS_SQL, p);
  const keys = await rows<q.KeyRow>(client, q.KEYS_SQL, p);
  const indexes = await rows<q.IndexRow>(client, q.INDEXES_SQL, p);
  const inherits = await rows<q.InheritsRow>(client, q.INHERITS_SQL, p);
  const foreignKeys = await rows<q.ForeignKeyRow>(client, q.FOREIGN_KEYS_SQL, p);
  const views = await rows<q.ViewRow>(client, q.VIEWS_SQL, p);
  const viewReads = await rows<q.ViewReadRow>(client, q.VIEW_READS_SQL, p);
  const sequences = await rows<q.SequenceRow>(client, q.SEQUENCES_SQL, p);
  const enums = await rows<q.EnumRow>(client, q.ENUMS_SQL, p);
  const domains = await rows<q.DomainRow>(client, q.DOMAINS_SQL, p);

  const tables = assembleTables({ versionNum: server.version_num, relations, columns, keys, indexes, inherits });
  return {
    source: { kind: 'live', description: options.description ?? describeClient(client), serverVersion: server.version },
    schemas,
    tables,
    foreignKeys: assembleForeignKeys(foreignKeys, tables),
    views: assembleViews(views, viewReads),
    sequences: assembleSequences(sequences),
    enums: assembleEnums(enums),
    domains: assembleDomains(domains),
  };
}

/**
 * Read the schema model of the database `client` is connected to. Only reads; runs in its own
 * read-only transaction, so the client must not be inside one already.
 */
export async function introspect(client: pg.Client, options: IntrospectOptions = {}): Promise<SchemaModel> {
  await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
  try {
    // The deparsed text (types, defaults, view definitions) depends on these settings: pin them
    // so the model does not depend on the user's search_path or date style. With public alone on
    // the path, types in public print unqualified and all others schema-qualified.
    await client.query(`SET LOCAL search_path = public; SET LOCAL DateStyle = 'ISO, MDY'; SET LOCAL IntervalStyle = 'postgres'`);
    const model = await readModel(client, options);
    await client.query('COMMIT');
    return model;
  } catch (e) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw e;
  }
}

/** Connect to `url`, read its schema model, disconnect. The URL is reported masked. */
export async function introspectUrl(url: string, options: { readonly schemas?: readonly string[] } = {}): Promise<SchemaModel> {
  return withConnection(url, async (client) => {
    try {
      return await introspect(client, { ...options, description: maskUrl(url) });
    } catch (e) {
      // A user without access to the catalogs (rare, but some hosted services restrict them).
      if ((e as { code?: string }).code === '42501') throw describeConnectionError(e, url);
      throw e;
    }
  });
}
