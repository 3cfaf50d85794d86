import { ident, literal } from './sql-text.js';
import type { TargetColumn, TargetTableInfo } from './table-info.js';

/**
 * SQL for runs of changes. A run is a sequence of changes of one table with the same operation
 * and the same columns, and distinct keys (two updates of one row keep the later image):
 * applying it as one set-based statement has the same effect as applying its changes one by
 * one, with far less parsing and planning.
 */

export type Value = string | null;

export type RunOp = 'insert' | 'upsert' | 'update' | 'delete';

export interface Run {
  readonly table: TargetTableInfo;
  readonly op: RunOp;
  /** insert/upsert: the columns inserted; update: the columns set. */
  readonly columns: readonly string[];
  /** The key the rows are matched on (update, delete, upsert). */
  readonly key: readonly string[];
  /** Per row: key values then column values. */
  readonly rows: Array<{ readonly key: readonly Value[]; readonly values: readonly Value[] }>;
  /** Key (as JSON) -> index in rows. */
  readonly keys: Map<string, number>;
  bytes: number;
}

export interface Statement {
  readonly sql: string;
  /** Rows it should touch (-1: not checked). */
  readonly expectedRows: number;
}

// Plain loops and string concatenation: these run for every row applied, and the array
// methods' temporaries showed up as garbage collection in profiles.
function valuesRow(values: readonly Value[], more?: readonly Value[]): string {
  let out = '(';
  for (let i = 0; i < values.length; i++) out += (i === 0 ? '' : ', ') + literal(values[i]);
  if (more) for (let i = 0; i < more.length; i++) out += (values.length + i === 0 ? '' : ', ') + literal(more[i]);
  return out + ')';
}

function castRow(values: readonly Value[], types: readonly TargetColumn[]): string {
  let out = '(';
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    out += (i === 0 ? '' : ', ') + (v === null ? 'NULL' : literal(v)) + '::' + types[i]!.typeSql;
  }
  return out + ')';
}

function rowsSql(run: Run, row: (r: Run['rows'][number], i: number) => string): string {
  let out = '';
  for (let i = 0; i < run.rows.length; i++) out += (i === 0 ? '' : ', ') + row(run.rows[i]!, i);
  return out;
}

function columnsOf(table: TargetTableInfo, names: readonly string[]): TargetColumn[] {
  return names.map((n) => {
    const c = table.columns.get(n);
    if (!c) throw new Error(`column ${n} is not in ${table.schema}.${table.name}`);
    return c;
  });
}

function keyMatch(alias: string, key: readonly string[], values: readonly Value[]): string {
  return key.map((k, i) => `${alias}${ident(k)} = ${literal(values[i])}`).join(' AND ');
}

export function runStatement(run: Run): Statement {
  const t = run.table;
  const n = run.rows.length;
  switch (run.op) {
    case 'insert':
    case 'upsert': {
      const cols = run.columns.map(ident).join(', ');
      const overriding = t.identityAlways ? ' OVERRIDING SYSTEM VALUE' : '';
      let sql = `INSERT INTO ${t.sql} (${cols})${overriding} VALUES ${rowsSql(run, (r) => valuesRow(r.values))}`;
      if (run.op === 'upsert') {
        const rest = run.columns.filter((c) => !run.key.includes(c));
        sql +=
          ` ON CONFLICT (${run.key.map(ident).join(', ')}) ` +
          (rest.length === 0 ? 'DO NOTHING' : `DO UPDATE SET ${rest.map((c) => `${ident(c)} = EXCLUDED.${ident(c)}`).join(', ')}`);
        return { sql, expectedRows: -1 };
      }
      return { sql, expectedRows: n };
    }
    case 'update': {
      if (n === 1) {
        const row = run.rows[0]!;
        const set = run.columns.map((c, i) => `${ident(c)} = ${literal(row.values[i])}`).join(', ');
        return { sql: `UPDATE ${t.sql} SET ${set} WHERE ${keyMatch('', run.key, row.key)}`, expectedRows: 1 };
      }
      const types = columnsOf(t, [...run.key, ...run.columns]);
      const names = [...run.key.map((_, i) => `k${i}`), ...run.columns.map((_, i) => `c${i}`)];
      const rows = rowsSql(run, (r, i) => (i === 0 ? castRow([...r.key, ...r.values], types) : valuesRow(r.key, r.values)));
      const set = run.columns.map((c, i) => `${ident(c)} = v.c${i}`).join(', ');
      const where = run.key.map((k, i) => `t.${ident(k)} = v.k${i}`).join(' AND ');
      return { sql: `UPDATE ${t.sql} AS t SET ${set} FROM (VALUES ${rows}) AS v(${names.join(', ')}) WHERE ${where}`, expectedRows: n };
    }
    case 'delete': {
      if (run.key.length === 1) {
        return { sql: `DELETE FROM ${t.sql} WHERE ${ident(run.key[0]!)} IN (${rowsSql(run, (r) => literal(r.key[0]))})`, expectedRows: n };
      }
      const tuple = '(' + run.key.map(ident).join(', ') + ')';
      return { sql: `DELETE FROM ${t.sql} WHERE ${tuple} IN (${rowsSql(run, (r) => valuesRow(r.key))})`, expectedRows: n };
    }
  }
}

/** The row matching all of `before` (REPLICA IDENTITY FULL without a key): one of them, by ctid. */
function ctidOf(t: TargetTableInfo, before: Readonly<Record<string, Value>>, unknown: ReadonlySet<string>): string {
  const conds: string[] = [];
  for (const [name, value] of Object.entries(before)) {
    const c = t.columns.get(name);
    if (!c || c.generated || unknown.has(name)) continue;
    const lhs = c.compareAsText ? `${ident(name)}::text` : ident(name);
    conds.push(value === null ? `${lhs} IS NULL` : `${lhs} IS NOT DISTINCT FROM ${literal(value)}`);
  }
  return `ctid = (SELECT ctid FROM ${t.sql} WHERE ${conds.join(' AND ') || 'true'} LIMIT 1)`;
}

export function updateByRow(t: TargetTableInfo, before: Readonly<Record<string, Value>>, set: ReadonlyArray<readonly [string, Value]>, unknown: ReadonlySet<string>): Statement {
  const assignments = set.map(([c, v]) => `${ident(c)} = ${literal(v)}`).join(', ');
  return { sql: `UPDATE ${t.sql} SET ${assignments} WHERE ${ctidOf(t, before, unknown)}`, expectedRows: 1 };
}

export function deleteByRow(t: TargetTableInfo, before: Readonly<Record<string, Value>>, unknown: ReadonlySet<string>): Statement {
  return { sql: `DELETE FROM ${t.sql} WHERE ${ctidOf(t, before, unknown)}`, expectedRows: 1 };
}

/** An update whose key changed: matched by the old key, setting the new one. */
export function updateByKey(t: TargetTableInfo, key: readonly string[], oldKey: readonly Value[], set: ReadonlyArray<readonly [string, Value]>): Statement {
  const assignments = set.map(([c, v]) => `${ident(c)} = ${literal(v)}`).join(', ');
  return { sql: `UPDATE ${t.sql} SET ${assignments} WHERE ${keyMatch('', key, oldKey)}`, expectedRows: 1 };
}

export function truncateStatement(tables: readonly TargetTableInfo[]): Statement {
  return { sql: `TRUNCATE ${tables.map((t) => t.sql).join(', ')}`, expectedRows: -1 };
}
