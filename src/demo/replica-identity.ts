import type pg from 'pg';
import { qualified } from '../generate/ddl/names.js';

/**
 * The sample monolith has two tables without a primary key (a ledger and a partitioned event
 * log), and `shadow start` refuses to publish them until they have REPLICA IDENTITY FULL, as
 * its precondition message says. The demo applies that fix, to every partition too: an UPDATE or
 * DELETE on a partition is checked against the partition's own identity.
 */
export async function replicaIdentityFull(client: pg.Client, tables: readonly string[]): Promise<string[]> {
  const res = await client.query<{ schema: string; name: string; relkind: string }>(
    `SELECT n.nspname AS schema, c.relname AS name, c.relkind::text AS relkind
     FROM unnest($1::text[]) AS t(name)
     JOIN pg_class c ON c.oid = to_regclass(t.name)
     JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE c.relreplident IN ('d', 'n')
       AND NOT EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = c.oid AND i.indisprimary)
     ORDER BY 1, 2`,
    [tables],
  );
  const altered: string[] = [];
  for (const t of res.rows) {
    const parts = await client.query<{ schema: string; name: string }>(
      `SELECT n.nspname AS schema, c.relname AS name FROM pg_partition_tree(to_regclass($1)) p
       JOIN pg_class c ON c.oid = p.relid JOIN pg_namespace n ON n.oid = c.relnamespace ORDER BY p.level, 2`,
      [qualified(t.schema, t.name)],
    );
    const relations = t.relkind === 'p' ? parts.rows : [t];
    for (const r of relations) await client.query(`ALTER TABLE ${qualified(r.schema, r.name)} REPLICA IDENTITY FULL`);
    altered.push(`${t.schema}.${t.name}`);
  }
  return altered;
}
