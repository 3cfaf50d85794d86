/** Anything that runs a query: a pg Client, or diff's SidePool. */
export interface RowQueryable {
  query<R extends Record<string, unknown>>(sql: string, params?: unknown[]): Promise<{ rows: R[] }>;
}

/** The primary key's columns of a relation, in key order (empty when it has none). */
export async function primaryKeyColumns(db: RowQueryable, relationOid: number | string): Promise<string[]> {
  const r = await db.query<{ name: string }>(
    `SELECT a.attname AS name
       FROM pg_index i CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord)
       JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
      WHERE i.indrelid = $1::oid AND i.indisprimary
      ORDER BY k.ord`,
    [relationOid],
  );
  return r.rows.map((row) => row.name);
}
