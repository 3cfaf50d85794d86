import { as, list, names } from './ast.js';

/**
 * The names PostgreSQL gives constraints, indexes and sequences the DDL leaves unnamed, so a
 * model read from DDL names them as a live database does. Ports of makeObjectName(),
 * ChooseRelationName(), ChooseConstraintName(), ChooseIndexNameAddition() and
 * FigureIndexColname() (indexcmds.c, pg_constraint.c, parse_target.c).
 */

/** NAMEDATALEN - 1: the longest identifier, in bytes. */
export const MAX_IDENTIFIER_BYTES = 63;

function byteLength(s: string): number {
  return Buffer.byteLength(s, 'utf8');
}

/** The longest prefix of `s` of at most `bytes` UTF-8 bytes that does not split a character. */
export function clipBytes(s: string, bytes: number): string {
  if (byteLength(s) <= bytes) return s;
  let out = '';
  let used = 0;
  for (const ch of s) {
    const w = byteLength(ch);
    if (used + w > bytes) break;
    out += ch;
    used += w;
  }
  return out;
}

/**
 * `name1_name2_label`, truncated to 63 bytes by shortening the longer of name1 and name2 first,
 * as makeObjectName() does.
 */
export function makeObjectName(name1: string, name2: string | undefined, label: string | undefined): string {
  let name1chars = byteLength(name1);
  let name2chars = name2 === undefined ? 0 : byteLength(name2);
  let overhead = 0;
  if (name2 !== undefined) overhead++;
  if (label !== undefined) overhead += byteLength(label) + 1;
  const avail = MAX_IDENTIFIER_BYTES - overhead;
  while (name1chars + name2chars > avail) {
    if (name1chars > name2chars) name1chars--;
    else name2chars--;
  }
  let out = clipBytes(name1, name1chars);
  if (name2 !== undefined) out += '_' + clipBytes(name2, name2chars);
  if (label !== undefined) out += '_' + label;
  return out;
}

/** Appends 1, 2, ... to the label until `taken` says the name is free. */
export function chooseName(name1: string, name2: string | undefined, label: string, taken: (name: string) => boolean): string {
  let name = makeObjectName(name1, name2, label);
  for (let pass = 1; taken(name); pass++) name = makeObjectName(name1, name2, label + String(pass));
  return name;
}

/** Column names joined by `_`, stopping once the result reaches NAMEDATALEN bytes. */
export function nameAddition(columns: readonly string[]): string {
  let out = '';
  for (const col of columns) {
    if (out.length > 0) out += '_';
    out += clipBytes(col, MAX_IDENTIFIER_BYTES);
    if (byteLength(out) >= MAX_IDENTIFIER_BYTES + 1) break;
  }
  return out;
}

/**
 * The per-column names ChooseIndexColumnNames() gives index elements: the column, or for an
 * expression the name FigureIndexColname() finds (the function name of `lower(email)`), else
 * `expr`; duplicates get 1, 2, ... appended.
 */
export function indexColumnNames(elements: readonly unknown[]): string[] {
  return uniqueColumnNames(
    elements.map((el) => {
      const ie = as(el, 'IndexElem') ?? {};
      return (
        (typeof ie.indexcolname === 'string' ? ie.indexcolname : undefined) ??
        (typeof ie.name === 'string' ? ie.name : undefined) ??
        figureColname(ie.expr) ??
        'expr'
      );
    }),
  );
}

/** Index column names made distinct as ChooseIndexColumnNames() does: `a, a` → `a, a1`. */
export function uniqueColumnNames(names: readonly string[]): string[] {
  const out: string[] = [];
  for (const orig of names) {
    let cur = orig;
    for (let i = 1; out.includes(cur); i++) {
      const suffix = String(i);
      cur = clipBytes(orig, MAX_IDENTIFIER_BYTES - suffix.length) + suffix;
    }
    out.push(cur);
  }
  return out;
}

/** FigureColnameInternal(): the name PostgreSQL gives an unnamed expression (`lower(x)` → lower). */
export function figureColname(node: unknown): string | undefined {
  return figure(node)?.name;
}

function figure(node: unknown): { name: string; strength: number } | undefined {
  const ref = as(node, 'ColumnRef');
  if (ref) {
    const parts = names(ref.fields);
    const last = parts[parts.length - 1];
    return last === undefined ? undefined : { name: last, strength: 2 };
  }
  const fn = as(node, 'FuncCall');
  if (fn) {
    const parts = names(fn.funcname);
    const last = parts[parts.length - 1];
    return last === undefined ? undefined : { name: last, strength: 2 };
  }
  const cast = as(node, 'TypeCast');
  if (cast) {
    const inner = figure(cast.arg);
    if (inner && inner.strength > 1) return inner;
    const typeParts = names((as(cast.typeName, 'TypeName') ?? (cast.typeName as Record<string, unknown> | undefined))?.names);
    const last = typeParts[typeParts.length - 1];
    return last === undefined ? inner : { name: last, strength: 1 };
  }
  const coll = as(node, 'CollateClause');
  if (coll) return figure(coll.arg);
  const aexpr = as(node, 'A_Expr');
  if (aexpr?.kind === 'AEXPR_NULLIF') return { name: 'nullif', strength: 2 };
  if (as(node, 'CaseExpr')) return { name: 'case', strength: 1 };
  if (as(node, 'A_ArrayExpr')) return { name: 'array', strength: 2 };
  if (as(node, 'RowExpr')) return { name: 'row', strength: 2 };
  if (as(node, 'CoalesceExpr')) return { name: 'coalesce', strength: 2 };
  const minmax = as(node, 'MinMaxExpr');
  if (minmax) return { name: minmax.op === 'IS_LEAST' ? 'least' : 'greatest', strength: 2 };
  const svf = as(node, 'SQLValueFunction');
  if (svf && typeof svf.op === 'string') {
    const fnName = SQL_VALUE_FUNCTIONS[svf.op];
    if (fnName) return { name: fnName, strength: 2 };
  }
  const indirection = as(node, 'A_Indirection');
  if (indirection) {
    const ind = list(indirection.indirection);
    for (let i = ind.length - 1; i >= 0; i--) {
      const s = as(ind[i], 'String');
      if (s && typeof s.sval === 'string') return { name: s.sval, strength: 2 };
    }
    return figure(indirection.arg);
  }
  return undefined;
}

const SQL_VALUE_FUNCTIONS: Record<string, string> = {
  SVFOP_CURRENT_DATE: 'current_date',
  SVFOP_CURRENT_TIME: 'current_time',
  SVFOP_CURRENT_TIME_N: 'current_time',
  SVFOP_CURRENT_TIMESTAMP: 'current_timestamp',
  SVFOP_CURRENT_TIMESTAMP_N: 'current_timestamp',
  SVFOP_LOCALTIME: 'localtime',
  SVFOP_LOCALTIME_N: 'localtime',
  SVFOP_LOCALTIMESTAMP: 'localtimestamp',
  SVFOP_LOCALTIMESTAMP_N: 'localtimestamp',
  SVFOP_CURRENT_ROLE: 'current_role',
  SVFOP_CURRENT_USER: 'current_user',
  SVFOP_USER: 'user',
  SVFOP_SESSION_USER: 'session_user',
  SVFOP_CURRENT_CATALOG: 'current_catalog',
  SVFOP_CURRENT_SCHEMA: 'current_schema',
};
