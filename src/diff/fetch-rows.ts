import type pg from 'pg';
import { markOwn } from '../db/connect.js';
import { fetchKeysSql, keyless, type Side } from './diff-sql.js';
import type { TextRow } from './row-compare.js';
import type { TableShape } from './table-shape.js';

/**
 * Rows by key on one side, as diff-sql.ts's fetchKeysSql selects them (keyed: key values then
 * compacted columns; keyless: row hash, compacted columns, copies), in chunks so that no
 * statement carries an unbounded parameter.
 *
 * `keys`: key values per row (keyed tables), or row hashes (keyless tables).
 */
export async function fetchByKeys(client: pg.Client, shape: TableShape, side: Side, keys: readonly (readonly (string | null)[] | string)[]): Promise<TextRow[]> {
  const out: TextRow[] = [];
  const CHUNK = 1000;
  const sql = markOwn(fetchKeysSql(shape, side));
  for (let i = 0; i < keys.length; i += CHUNK) {
    const chunk = keys.slice(i, i + CHUNK);
    const params = keyless(shape) ? [chunk.map((k) => (typeof k === 'string' ? k : '0'))] : shape.key.map((_, j) => chunk.map((k) => (typeof k === 'string' ? k : (k[j] ?? null))));
    const res = await client.query<(string | null)[]>({ text: sql, values: params, rowMode: 'array' });
    out.push(...res.rows);
  }
  return out;
}
