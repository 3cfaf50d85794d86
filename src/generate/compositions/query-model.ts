import type { AstNode } from '../../analyzers/sql-parser.js';
import { tableKey, type SchemaModel, type Table } from '../../model/schema.js';
import type { QueryShape } from '../../model/workload.js';
import { NotComposable } from './not-composable.js';
import { figureColname } from './output-names.js';
import { aggregateKind, fieldStrings, renderExpr } from './sql-expr.js';

/**
 * A SELECT flattened into what composition works with: FROM items in order with their join
 * type, conjuncts (ON and WHERE split on AND, each knowing which items it reads), the output
 * columns, the ordering and the limit. Anything outside that shape throws NotComposable with
 * the reason a team will read in the stub file.
 */

export interface ColumnUse {
  readonly item: number;
  readonly column: string;
}

export interface Expr {
  readonly node: AstNode;
  /** FROM items the expression reads. */
  readonly items: ReadonlySet<number>;
  /** Set when the expression is exactly one column. */
  readonly column?: ColumnUse;
  /** The expression as written (constants inline), for comments and reasons. */
  readonly text: string;
}

export interface ModelItem {
  readonly index: number;
  /** The name the query uses for it (alias, else table name). */
  readonly alias: string;
  readonly table: Table;
  readonly only: boolean;
  readonly join: 'base' | 'inner' | 'left';
  /** Conjuncts of its ON clause (USING written as equalities); for inner items they are pooled with WHERE. */
  readonly on: readonly Expr[];
}

export interface ModelTarget {
  readonly name: string;
  readonly expr: Expr;
}

export interface ModelSort {
  readonly expr: Expr;
  readonly descending: boolean;
  readonly nullsFirst: boolean;
}

export interface QueryModel {
  readonly items: readonly ModelItem[];
  readonly where: readonly Expr[];
  readonly targets: readonly ModelTarget[];
  readonly sorts: readonly ModelSort[];
  readonly limit?: AstNode;
  readonly offset?: AstNode;
  /** Resolve a column as written in the query to the item it belongs to. */
  resolve(names: readonly string[]): ColumnUse;
}

interface RawItem {
  readonly rangeVar: AstNode;
  readonly join: 'base' | 'inner' | 'left';
  readonly quals: AstNode[];
  readonly using: string[];
}

function statementKind(stmt: AstNode): string {
  return Object.keys(stmt)[0] ?? 'unknown';
}

export function buildQueryModel(stmt: AstNode, query: QueryShape, schema: SchemaModel): QueryModel {
  const kind = statementKind(stmt);
  if (kind !== 'SelectStmt') {
    const verb = kind.replace(/Stmt$/, '').toUpperCase();
    throw new NotComposable(`it is a write (${verb}): a write across services is a saga step per service, not a read composition`);
  }
  const s = stmt.SelectStmt as AstNode;
  if (s.withClause) throw new NotComposable('it has a WITH query (CTE) whose result crosses the boundary');
  if (s.op !== undefined && s.op !== 'SETOP_NONE') throw new NotComposable('it is a set operation (UNION / INTERSECT / EXCEPT)');
  if (s.valuesLists) throw new NotComposable('it is a VALUES list');
  if (s.intoClause) throw new NotComposable('it is SELECT INTO (a write)');
  if (s.lockingClause) throw new NotComposable('it locks rows (FOR UPDATE / FOR SHARE), which cannot span two databases');
  if (s.groupClause) throw new NotComposable('it has GROUP BY over joined rows (an aggregate across the boundary)');
  if (s.havingClause) throw new NotComposable('it has HAVING over joined rows');
  if (s.distinctClause) throw new NotComposable('it has DISTINCT over rows joined across the boundary');
  if (s.windowClause) throw new NotComposable('it has a window clause');
  if (s.limitOption === 'LIMIT_OPTION_WITH_TIES') throw new NotComposable('it uses FETCH ... WITH TIES');

  const raw: RawItem[] = [];
  const from = (s.fromClause as AstNode[] | undefined) ?? [];
  if (from.length === 0) throw new NotComposable('it has no FROM clause');
  for (const f of from) flattenFrom(f, raw.length === 0 ? 'base' : 'inner', raw);

  const items: { index: number; alias: string; table: Table; only: boolean; join: RawItem['join']; on: Expr[] }[] = [];
  const byAlias = new Map<string, number>();
  for (const r of raw) {
    const rv = r.rangeVar;
    const table = findTable(rv, query, schema);
    const alias = ((rv.alias as { aliasname?: string } | undefined)?.aliasname ?? (rv.relname as string));
    if ((rv.alias as { colnames?: unknown } | undefined)?.colnames) throw new NotComposable(`it renames the columns of ${alias}`);
    if (byAlias.has(alias)) throw new NotComposable(`it names ${alias} twice`);
    byAlias.set(alias, items.length);
    items.push({ index: items.length, alias, table, only: rv.inh === false, join: r.join, on: [] });
  }

  // USING (c): the merged column is the left side's (inner and left joins keep the left value).
  const merged = new Map<string, number>();
  const hasColumn = (i: number, c: string) => items[i]!.table.columns.some((col) => col.name === c);
  const resolve = (names: readonly string[]): ColumnUse => {
    const column = names[names.length - 1]!;
    if (names.length === 1) {
      const m = merged.get(column);
      if (m !== undefined) return { item: m, column };
      const owners = items.filter((it) => hasColumn(it.index, column));
      if (owners.length === 1) return { item: owners[0]!.index, column };
      throw new NotComposable(owners.length === 0 ? `column ${column} is not a column of any table it reads` : `column ${column} is ambiguous`);
    }
    const relation = names[names.length - 2]!;
    const schemaName = names.length >= 3 ? names[names.length - 3] : undefined;
    const idx = byAlias.get(relation);
    if (idx === undefined || (schemaName !== undefined && items[idx]!.table.schema !== schemaName)) throw new NotComposable(`${names.join('.')} does not name one of its tables`);
    if (!hasColumn(idx, column)) throw new NotComposable(`${names.join('.')} is not a column of ${tableKey(items[idx]!.table)}`);
    return { item: idx, column };
  };

  const expr = (node: AstNode): Expr => {
    const used = new Set<number>();
    checkExpression(node, (names) => used.add(resolve(names).item));
    const plain = plainColumn(node);
    const text = renderExpr(node, { column: (names) => names.join('.') });
    return plain ? { node, items: used, column: resolve(plain), text } : { node, items: used, text };
  };

  for (let i = 0; i < raw.length; i++) {
    const r = raw[i]!;
    const item = items[i]!;
    for (const name of r.using) {
      const left = [...items.slice(0, i)].reverse().find((it) => hasColumn(it.index, name) || merged.get(name) === it.index);
      const leftIdx = merged.get(name) ?? left?.index;
      if (leftIdx === undefined || !hasColumn(i, name)) throw new NotComposable(`USING (${name}) does not name a column on both sides`);
      const node = equality([items[leftIdx]!.alias, name], [item.alias, name]);
      item.on.push(expr(node));
      if (!merged.has(name)) merged.set(name, leftIdx);
    }
    for (const q of r.quals) for (const c of conjuncts(q)) item.on.push(expr(c));
  }

  const where = s.whereClause ? conjuncts(s.whereClause as AstNode).map(expr) : [];

  const targets: ModelTarget[] = [];
  for (const t of (s.targetList as AstNode[] | undefined) ?? []) {
    const res = t.ResTarget as AstNode;
    const val = res.val as AstNode;
    const star = starOf(val);
    if (star) {
      if (merged.size > 0) throw new NotComposable('it selects * from a join with USING');
      const chosen = star.relation === undefined ? items : items.filter((it) => it.alias === star.relation);
      if (chosen.length === 0) throw new NotComposable(`${star.relation ?? ''}.* does not name one of its tables`);
      for (const it of chosen) {
        for (const c of it.table.columns) targets.push({ name: c.name, expr: expr({ ColumnRef: { fields: [{ String: { sval: it.alias } }, { String: { sval: c.name } }] } }) });
      }
      continue;
    }
    targets.push({ name: (res.name as string | undefined) ?? figureColname(val), expr: expr(val) });
  }

  const sorts: ModelSort[] = [];
  for (const sb of (s.sortClause as AstNode[] | undefined) ?? []) {
    const sort = sb.SortBy as AstNode;
    if (sort.sortby_dir === 'SORTBY_USING') throw new NotComposable('it orders with ORDER BY ... USING');
    const descending = sort.sortby_dir === 'SORTBY_DESC';
    const nullsFirst = sort.sortby_nulls === 'SORTBY_NULLS_FIRST' ? true : sort.sortby_nulls === 'SORTBY_NULLS_LAST' ? false : descending;
    sorts.push({ expr: sortTarget(sort.node as AstNode, targets, expr), descending, nullsFirst });
  }

  const limit = s.limitCount as AstNode | undefined;
  const offset = s.limitOffset as AstNode | undefined;
  for (const [name, node] of [['LIMIT', limit], ['OFFSET', offset]] as const) {
    if (node && !isConstantLike(node)) throw new NotComposable(`its ${name} is an expression, not a constant`);
  }
  return {
    items,
    where,
    targets,
    sorts,
    ...(limit && !isNullConst(limit) ? { limit } : {}),
    ...(offset ? { offset } : {}),
    resolve,
  };
}

function flattenFrom(node: AstNode, join: RawItem['join'], out: RawItem[]): void {
  if (node.RangeVar) {
    out.push({ rangeVar: node.RangeVar as AstNode, join, quals: [], using: [] });
    return;
  }
  const j = node.JoinExpr as AstNode | undefined;
  if (!j) {
    const kind = Object.keys(node)[0] ?? '';
    if (kind === 'RangeSubselect') throw new NotComposable('it reads from a subquery in FROM');
    if (kind === 'RangeFunction') throw new NotComposable('it reads from a set-returning function in FROM');
    throw new NotComposable(`it reads from ${kind} in FROM`);
  }
  if (j.alias) throw new NotComposable('it names a join with an alias');
  if (j.isNatural) throw new NotComposable('it uses NATURAL JOIN');
  const type = j.jointype as string;
  if (type !== 'JOIN_INNER' && type !== 'JOIN_LEFT') throw new NotComposable(`it uses ${type === 'JOIN_RIGHT' ? 'RIGHT' : type === 'JOIN_FULL' ? 'FULL' : type.replace('JOIN_', '')} JOIN`);
  flattenFrom(j.larg as AstNode, join, out);
  const rarg = j.rarg as AstNode;
  const quals = j.quals ? [j.quals as AstNode] : [];
  const using = (j.usingClause as unknown[] | undefined) ? fieldStrings(j.usingClause) : [];
  if (rarg.RangeVar) {
    out.push({ rangeVar: rarg.RangeVar as AstNode, join: type === 'JOIN_LEFT' ? 'left' : 'inner', quals, using });
    return;
  }
  // a JOIN (b JOIN c ON ...) ON ...: with inner joins only, the parentheses do not matter.
  if (type !== 'JOIN_INNER' || using.length > 0) throw new NotComposable('it has a parenthesized join under an outer join');
  const start = out.length;
  flattenFrom(rarg, 'inner', out);
  if (out.slice(start).some((r) => r.join !== 'inner')) throw new NotComposable('it has an outer join inside parentheses');
  const last = out[out.length - 1]!;
  out[out.length - 1] = { ...last, quals: [...last.quals, ...quals] };
}

function findTable(rv: AstNode, query: QueryShape, schema: SchemaModel): Table {
  const name = rv.relname as string;
  const qualifier = rv.schemaname as string | undefined;
  let table: Table | undefined;
  if (qualifier !== undefined) table = schema.tables.find((t) => t.schema === qualifier && t.name === name);
  else {
    // The workload was resolved with the application's search_path: its reads say which schema.
    const read = query.reads.filter((r) => r.name === name);
    const schemaName = read.length === 1 ? read[0]!.schema : 'public';
    table = schema.tables.find((t) => t.schema === schemaName && t.name === name);
  }
  if (!table) {
    const key = `${qualifier ?? 'public'}.${name}`;
    const view = schema.views.find((v) => v.name === name && (qualifier === undefined || v.schema === qualifier));
    throw new NotComposable(view ? `it reads the view ${view.schema}.${view.name}, which spans services` : `it reads ${key}, which is not a table of the schema model`);
  }
  return table;
}

/** Split on top-level AND. */
export function conjuncts(node: AstNode): AstNode[] {
  const b = node.BoolExpr as AstNode | undefined;
  if (b && b.boolop === 'AND_EXPR') return (b.args as AstNode[]).flatMap(conjuncts);
  return [node];
}

function equality(left: string[], right: string[]): AstNode {
  const ref = (names: string[]) => ({ ColumnRef: { fields: names.map((sval) => ({ String: { sval } })) } });
  return { A_Expr: { kind: 'AEXPR_OP', name: [{ String: { sval: '=' } }], lexpr: ref(left), rexpr: ref(right) } };
}

function plainColumn(node: AstNode): string[] | undefined {
  const ref = node.ColumnRef as AstNode | undefined;
  if (!ref) return undefined;
  const fields = ref.fields as AstNode[];
  if (fields.some((f) => !('String' in f))) return undefined;
  return fieldStrings(fields);
}

function starOf(val: AstNode): { relation?: string } | undefined {
  const ref = val.ColumnRef as AstNode | undefined;
  const fields = ref?.fields as AstNode[] | undefined;
  if (!fields || !('A_Star' in fields[fields.length - 1]!)) return undefined;
  const names = fieldStrings(fields.slice(0, -1));
  return names.length === 0 ? {} : { relation: names[names.length - 1]! };
}

/** Walk an expression: report every column it reads, refuse subqueries, aggregates and window functions. */
function checkExpression(node: unknown, onColumn: (names: string[]) => void): void {
  if (node === null || typeof node !== 'object') return;
  if (Array.isArray(node)) {
    for (const x of node) checkExpression(x, onColumn);
    return;
  }
  const n = node as AstNode;
  for (const key of Object.keys(n)) {
    const value = n[key];
    switch (key) {
      case 'ColumnRef': {
        const fields = (value as AstNode).fields as AstNode[];
        if (fields.some((f) => 'A_Star' in f)) throw new NotComposable('it uses a whole-row reference inside an expression');
        onColumn(fieldStrings(fields));
        break;
      }
      case 'SubLink': {
        const type = (value as AstNode).subLinkType as string;
        const what = type === 'EXISTS_SUBLINK' ? 'an EXISTS subquery' : type === 'ANY_SUBLINK' || type === 'ALL_SUBLINK' ? 'an IN / ANY subquery' : 'a scalar subquery';
        throw new NotComposable(`it has ${what} (a subquery across the boundary is answered by a read model, not by batch fetches)`);
      }
      case 'FuncCall': {
        const k = aggregateKind(value as AstNode);
        if (k === 'aggregate') throw new NotComposable('it aggregates over rows joined across the boundary');
        if (k === 'window') throw new NotComposable('it has a window function over rows joined across the boundary');
        checkExpression(value, onColumn);
        break;
      }
      case 'GroupingFunc':
        throw new NotComposable('it uses GROUPING()');
      default:
        if (value !== null && typeof value === 'object') checkExpression(value, onColumn);
    }
  }
}

/** ORDER BY n and ORDER BY output_name refer to output columns; anything else is an input expression. */
function sortTarget(node: AstNode, targets: readonly ModelTarget[], expr: (n: AstNode) => Expr): Expr {
  const c = node.A_Const as AstNode | undefined;
  if (c && 'ival' in c) {
    const position = (c.ival as { ival?: number }).ival ?? 0;
    const target = targets[position - 1];
    if (!target) throw new NotComposable(`ORDER BY position ${position} is not in the select list`);
    return target.expr;
  }
  const names = plainColumn(node);
  if (names && names.length === 1) {
    const target = targets.find((t) => t.name === names[0]);
    if (target) return target.expr;
  }
  return expr(node);
}

function isNullConst(node: AstNode): boolean {
  return (node.A_Const as AstNode | undefined)?.isnull === true;
}

function isConstantLike(node: AstNode): boolean {
  if (node.A_Const || node.ParamRef) return true;
  const cast = node.TypeCast as AstNode | undefined;
  return cast !== undefined && isConstantLike(cast.arg as AstNode);
}
