import type pg from 'pg';
import { connect, markOwn } from '../db/connect.js';
import { DbsplitError } from '../errors.js';
import { maskUrl } from '../redact.js';
import { fetchFullRowsSql, ident, keyless, literal, type Side } from './diff-sql.js';
import type { DiffRun } from './run-diff.js';
import type { TextRow, TrackedDifference } from './row-compare.js';
import { SESSION_SETTINGS, SidePool } from './side-pool.js';
import type { SideColumn, TableShape } from './table-shape.js';

/**
 * `dbsplit diff --fix`: the SQL that makes the target equal the monolith for the rows the diff
 * found, planned as data first (printed by --dry-run, executed by apply in one transaction).
 *
 * The rows are read again, in full, from both sides when the plan is made: the diff kept only
 * compacted values, and a row may have changed (or settled) since. Missing rows become INSERTs,
 * extra rows DELETEs, changed rows UPDATEs of just the columns that differ; values are the
 * monolith's text, as literals cast to the target's column types. Columns the target generates
 * are left to it. Differences still in flight (unsettled) are left alone: sync is about to
 * write them, and a fix would race it. Deletes run children first, inserts parents first (the
 * order of the service's tables).
 */

export type FixKind = 'insert' | 'update' | 'delete';

export interface FixStatement {
  readonly table: string;
  readonly kind: FixKind;
  /** Rows the statement writes. */
  readonly rows: number;
  readonly sql: string;
}

export interface FixPlan {
  readonly service: string;
  /** Masked URL of the service's database. */
  readonly target: string;
  readonly statements: readonly FixStatement[];
  readonly skipped: readonly { readonly table: string; readonly reason: string }[];
  readonly rows: Readonly<Record<FixKind, number>>;
}

/** Settings under which the literals were read (and keyless rows are matched by their text). */
const FIX_SETTINGS = ['TimeZone', 'DateStyle', 'IntervalStyle', 'extra_float_digits', 'bytea_output', 'lc_monetary', 'standard_conforming_strings'] as const;

export function fixPreamble(): string[] {
  return [...FIX_SETTINGS.map((k) => `SET LOCAL ${k} = ${literal(SESSION_SETTINGS[k]!)};`), 'SET CONSTRAINTS ALL DEFERRED;'];
}

/** The whole fix as one script: what --dry-run prints, and what apply runs. */
export function fixScript(plan: FixPlan): string {
  if (plan.statements.length === 0) return '';
  return ['BEGIN;', ...fixPreamble(), ...plan.statements.map((s) => s.sql), 'COMMIT;'].join('\n') + '\n';
}

function targetColumn(shape: TableShape, name: string): SideColumn {
  return shape.target.columns.find((c) => c.name === name)!;
}

function value(v: string | null, col: SideColumn): string {
  return v === null ? 'NULL' : `${literal(v)}::${col.type}`;
}

function keyMatch(shape: TableShape, key: readonly (string | null)[]): string {
  return shape.key.map((k, i) => `${ident(k.name)} = ${value(key[i] ?? null, k.target)}`).join(' AND ');
}

const CHUNK = 500;

async function readFull(pool: SidePool, shape: TableShape, side: Side, details: readonly TrackedDifference[]): Promise<TextRow[]> {
  const out: TextRow[] = [];
  for (let i = 0; i < details.length; i += CHUNK) {
    const chunk = details.slice(i, i + CHUNK);
    const params = keyless(shape) ? [chunk.map((d) => d.hashKey ?? '0')] : shape.key.map((_, k) => chunk.map((d) => d.key[k]));
    out.push(...(await pool.rows(fetchFullRowsSql(shape, side), params)));
  }
  return out;
}

function insertSql(shape: TableShape, rows: readonly TextRow[]): string[] {
  const cols = shape.columns.map((c, i) => ({ name: c, index: i, col: targetColumn(shape, c) })).filter((c) => !c.col.generated);
  const overriding = cols.some((c) => c.col.identityAlways) ? ' OVERRIDING SYSTEM VALUE' : '';
  const out: string[] = [];
  for (let i = 0; i < rows.length; i += 100) {
    const values = rows.slice(i, i + 100).map((r) => `(${cols.map((c) => value(r[c.index] ?? null, c.col)).join(', ')})`);
    out.push(`INSERT INTO ${shape.target.sql} (${cols.map((c) => ident(c.name)).join(', ')})${overriding} VALUES\n  ${values.join(',\n  ')};`);
  }
  return out;
}

function deleteSql(shape: TableShape, keys: readonly (readonly (string | null)[])[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < keys.length; i += CHUNK) {
    const chunk = keys.slice(i, i + CHUNK);
    if (shape.key.length === 1) {
      const k = shape.key[0]!;
      out.push(`DELETE FROM ${shape.target.sql} WHERE ${ident(k.name)} IN (${chunk.map((key) => value(key[0] ?? null, k.target)).join(', ')});`);
    } else {
      const cols = shape.key.map((k) => ident(k.name)).join(', ');
      const tuples = chunk.map((key) => `(${shape.key.map((k, j) => value(key[j] ?? null, k.target)).join(', ')})`);
      out.push(`DELETE FROM ${shape.target.sql} WHERE (${cols}) IN (${tuples.join(', ')});`);
    }
  }
  return out;
}

interface TableFix {
  readonly deletes: FixStatement[];
  readonly writes: FixStatement[];
}

function planKeyed(name: string, shape: TableShape, details: readonly TrackedDifference[], source: readonly TextRow[], target: readonly TextRow[]): TableFix {
  const width = shape.key.length;
  const index = (rows: readonly TextRow[]) => new Map(rows.map((r) => [JSON.stringify(r.slice(0, width)), r.slice(width)]));
  const s = index(source);
  const t = index(target);
  const inserts: TextRow[] = [];
  const deletes: (readonly (string | null)[])[] = [];
  const writes: FixStatement[] = [];
  for (const d of details) {
    const sv = s.get(d.id);
    const tv = t.get(d.id);
    if (sv && !tv) inserts.push(sv);
    else if (!sv && tv) deletes.push(d.key);
    else if (sv && tv) {
      const sets = shape.columns
        .map((c, i) => ({ c, i, col: targetColumn(shape, c) }))
        .filter((x) => !x.col.generated && sv[x.i] !== tv[x.i])
        .map((x) => `${ident(x.c)} = ${value(sv[x.i] ?? null, x.col)}`);
      if (sets.length > 0) writes.push({ table: name, kind: 'update', rows: 1, sql: `UPDATE ${shape.target.sql} SET ${sets.join(', ')} WHERE ${keyMatch(shape, d.key)};` });
    }
  }
  const ins = insertSql(shape, inserts).map((sql, i) => ({ table: name, kind: 'insert' as const, rows: Math.min(100, inserts.length - i * 100), sql }));
  const del = deleteSql(shape, deletes).map((sql, i) => ({ table: name, kind: 'delete' as const, rows: Math.min(CHUNK, deletes.length - i * CHUNK), sql }));
  return { deletes: del, writes: [...writes, ...ins] };
}

function planKeyless(name: string, shape: TableShape, source: readonly TextRow[], target: readonly TextRow[]): TableFix {
  const index = (rows: readonly TextRow[]) => {
    const m = new Map<string, { values: TextRow; copies: number }>();
    for (const r of rows) {
      const values = r.slice(1, -1);
      const id = JSON.stringify(values);
      const prev = m.get(id);
      if (prev) prev.copies += Number(r[r.length - 1]);
      else m.set(id, { values, copies: Number(r[r.length - 1]) });
    }
    return m;
  };
  const s = index(source);
  const t = index(target);
  const inserts: TextRow[] = [];
  const deletes: FixStatement[] = [];
  for (const id of new Set([...s.keys(), ...t.keys()])) {
    const sc = s.get(id)?.copies ?? 0;
    const tc = t.get(id)?.copies ?? 0;
    const values = (s.get(id) ?? t.get(id))!.values;
    for (let i = tc; i < sc; i++) inserts.push(values);
    if (tc > sc) {
      // No key: match every column by its text, and delete just the surplus copies. tableoid
      // with ctid, since ctids repeat across the partitions of a partitioned table.
      const match = shape.columns.map((c, i) => `${ident(c)}::text IS NOT DISTINCT FROM ${values[i] === null ? 'NULL' : literal(values[i]!)}`).join(' AND ');
      deletes.push({ table: name, kind: 'delete', rows: tc - sc, sql: `DELETE FROM ${shape.target.sql} WHERE (tableoid, ctid) IN (SELECT tableoid, ctid FROM ${shape.target.sql} WHERE ${match} LIMIT ${tc - sc});` });
    }
  }
  const ins = insertSql(shape, inserts).map((sql, i) => ({ table: name, kind: 'insert' as const, rows: Math.min(100, inserts.length - i * 100), sql }));
  return { deletes, writes: ins };
}

export async function planFix(run: DiffRun, sourceUrl: string, targetUrl: string): Promise<FixPlan> {
  const pools = { source: await SidePool.open(sourceUrl, 1, 'dbsplit diff --fix'), target: undefined as SidePool | undefined };
  try {
    pools.target = await SidePool.open(targetUrl, 1, 'dbsplit diff --fix');
    const skipped: { table: string; reason: string }[] = [];
    const fixes: TableFix[] = [];
    for (const t of run.tables) {
      const name = `${t.spec.source.schema}.${t.spec.source.name}`;
      if (!t.shape) {
        if (t.details.length > 0 || t.truncated) skipped.push({ table: name, reason: 'the table could not be compared' });
        continue;
      }
      if (t.truncated) {
        skipped.push({ table: name, reason: 'more differences than --max-differences: re-run with a larger limit, or copy the table again (shadow sync backfill)' });
        continue;
      }
      const settledOnes = t.details.filter((d) => !d.unsettled);
      if (settledOnes.length < t.details.length) skipped.push({ table: name, reason: `${t.details.length - settledOnes.length} difference(s) still in flight left to sync` });
      if (settledOnes.length === 0) continue;
      const [src, tgt] = await Promise.all([readFull(pools.source, t.shape, 'source', settledOnes), readFull(pools.target, t.shape, 'target', settledOnes)]);
      fixes.push(keyless(t.shape) ? planKeyless(name, t.shape, src, tgt) : planKeyed(name, t.shape, settledOnes, src, tgt));
    }
    const statements = [...[...fixes].reverse().flatMap((f) => f.deletes), ...fixes.flatMap((f) => f.writes)];
    const rows = { insert: 0, update: 0, delete: 0 };
    for (const s of statements) rows[s.kind] += s.rows;
    return { service: run.result.service, target: maskUrl(targetUrl), statements, skipped, rows };
  } finally {
    await Promise.all([pools.source.close(), pools.target?.close()]);
  }
}

/** Run the fix in one transaction on the target: all of it, or nothing. */
export async function applyFix(plan: FixPlan, targetUrl: string): Promise<void> {
  if (plan.statements.length === 0) return;
  const client: pg.Client = await connect(targetUrl, { applicationName: 'dbsplit diff --fix' });
  try {
    await client.query('BEGIN');
    for (const sql of fixPreamble()) await client.query(sql);
    for (const s of plan.statements) await client.query(markOwn(s.sql));
    await client.query('COMMIT');
  } catch (e) {
    await client.query('ROLLBACK').catch(() => undefined);
    const err = e as { message?: string };
    throw new DbsplitError('E_SYNC', `the fix failed on ${plan.target} and was rolled back: ${err.message ?? String(e)}`, { hint: 'run dbsplit diff --fix --dry-run to see the SQL', cause: e });
  } finally {
    await client.end().catch(() => undefined);
  }
}
