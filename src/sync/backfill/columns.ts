import type pg from 'pg';

/**
 * The columns a table is copied with: named explicitly, in the same order on both sides, so
 * the copy does not depend on column order. A column the target generates itself (GENERATED
 * ALWAYS AS ... STORED or VIRTUAL) is left out: PostgreSQL computes it there. Identity columns
 * are copied as they are: COPY FROM writes GENERATED ALWAYS identity columns too.
 */

export interface ColumnFacts {
  readonly name: string;
  readonly generated: boolean;
}

export interface CopyColumns {
  readonly columns: readonly string[];
  /** Columns of the source that the target lacks (the target is not migrated to the source's shape). */
  readonly missing: readonly string[];
}

export interface QualifiedName {
  readonly schema: string;
  readonly name: string;
}

/** Columns of each table that exists (key `schema.name`), in attribute order. */
export async function readTableColumns(client: pg.Client, tables: readonly QualifiedName[]): Promise<Map<string, ColumnFacts[]>> {
  const res = await client.query<{ key: string; name: string; generated: boolean }>(
    `SELECT t.schema || '.' || t.name AS key, a.attname AS name, a.attgenerated <> '' AS generated
       FROM unnest($1::text[], $2::text[]) AS t(schema, name)
       JOIN pg_namespace n ON n.nspname = t.schema
       JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = t.name AND c.relkind IN ('r', 'p')
       JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
      ORDER BY 1, a.attnum`,
    [tables.map((t) => t.schema), tables.map((t) => t.name)],
  );
  const out = new Map<string, ColumnFacts[]>();
  for (const r of res.rows) {
    const list = out.get(r.key) ?? [];
    list.push({ name: r.name, generated: r.generated });
    out.set(r.key, list);
  }
  return out;
}

export function copyColumns(source: readonly ColumnFacts[], target: readonly ColumnFacts[]): CopyColumns {
  const byName = new Map(target.map((c) => [c.name, c]));
  const columns: string[] = [];
  const missing: string[] = [];
  for (const c of source) {
    const t = byName.get(c.name);
    if (t === undefined) {
      // A column the source generates is derived data: the target may do without it.
      if (!c.generated) missing.push(c.name);
      continue;
    }
    if (!t.generated) columns.push(c.name);
  }
  return { columns, missing };
}
