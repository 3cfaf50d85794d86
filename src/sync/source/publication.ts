import type pg from 'pg';
import { qualified, quoteIdent } from '../../generate/ddl/names.js';
import { DbsplitError } from '../../errors.js';

/**
 * The publication of a service's tables in the monolith. A partitioned table is published
 * through its root (publish_via_partition_root), so changes arrive under the name the target
 * knows; any other table with ONLY, so inheritance children (tables of their own in the model)
 * are not dragged in.
 */

export interface PublishedTable {
  readonly schema: string;
  readonly name: string;
  readonly partitioned: boolean;
}

export interface PublicationInfo {
  readonly name: string;
  /** `schema.name`, sorted. */
  readonly tables: readonly string[];
}

const tableItem = (t: PublishedTable): string => (t.partitioned ? qualified(t.schema, t.name) : `ONLY ${qualified(t.schema, t.name)}`);

export function createPublicationSql(name: string, tables: readonly PublishedTable[]): string {
  return `CREATE PUBLICATION ${quoteIdent(name)} FOR TABLE ${tables.map(tableItem).join(', ')} WITH (publish_via_partition_root = true)`;
}

export function setPublicationTablesSql(name: string, tables: readonly PublishedTable[]): string {
  return `ALTER PUBLICATION ${quoteIdent(name)} SET TABLE ${tables.map(tableItem).join(', ')}`;
}

export function dropPublicationSql(name: string): string {
  return `DROP PUBLICATION IF EXISTS ${quoteIdent(name)}`;
}

export async function inspectPublication(client: pg.Client, name: string): Promise<PublicationInfo | undefined> {
  const exists = await client.query('SELECT 1 FROM pg_publication WHERE pubname = $1', [name]);
  if (exists.rowCount === 0) return undefined;
  const res = await client.query<{ t: string }>(
    `SELECT n.nspname || '.' || c.relname AS t
       FROM pg_publication p JOIN pg_publication_rel pr ON pr.prpubid = p.oid
       JOIN pg_class c ON c.oid = pr.prrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE p.pubname = $1 ORDER BY 1`,
    [name],
  );
  return { name, tables: res.rows.map((r) => r.t) };
}

export type PublicationAction = 'create' | 'alter' | 'none';

/** What to do so that the publication holds exactly `tables`. */
export function publicationAction(current: PublicationInfo | undefined, tables: readonly PublishedTable[]): PublicationAction {
  if (!current) return 'create';
  const wanted = tables.map((t) => `${t.schema}.${t.name}`).sort();
  const same = wanted.length === current.tables.length && wanted.every((t, i) => t === current.tables[i]);
  return same ? 'none' : 'alter';
}

export function publicationSql(action: PublicationAction, name: string, tables: readonly PublishedTable[]): string | undefined {
  if (action === 'create') return createPublicationSql(name, tables);
  if (action === 'alter') return setPublicationTablesSql(name, tables);
  return undefined;
}

/** Create the publication, or bring its table list to `tables`. */
export async function ensurePublication(client: pg.Client, name: string, tables: readonly PublishedTable[]): Promise<PublicationAction> {
  const action = publicationAction(await inspectPublication(client, name), tables);
  const sql = publicationSql(action, name, tables);
  if (sql === undefined) return action;
  try {
    await client.query(sql);
  } catch (e) {
    const err = e as { code?: string; message?: string };
    const hint = err.code === '42501' ? 'creating a publication needs CREATE on the database and ownership of every table in it: run as the tables\' owner' : undefined;
    throw new DbsplitError(err.code === '42501' ? 'E_PERMISSION' : 'E_SYNC', `cannot ${action} publication ${name}: ${err.message ?? String(e)}`, { ...(hint ? { hint } : {}), cause: e });
  }
  return action;
}
