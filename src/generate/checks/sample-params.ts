import { parseText, type AstNode } from '../../analyzers/sql-parser.js';
import { quoteIdent } from '../compositions/sql-names.js';

/**
 * A query that samples parameter sets for a check from the monolith itself, so that a check
 * written for a query with `$n` placeholders (pg_stat_statements keeps no constants) runs as
 * generated, on real values that find rows.
 *
 * Each `$n` compared with a column (`a.user_id = $1`, `a.status IN ($2)`, `a.created_at < $3`)
 * takes that column's value from a sampled row of the column's table; the parameters of one
 * table come from the same row, so together they select something. LIMIT and OFFSET get a
 * fixed count, an interval a fixed span. Anything else (a parameter inside a function call,
 * in the select list, compared with an expression) is left to the user: no sampling.
 */

const SAMPLES = 20;
const COMPARISONS = new Set(['=', '<>', '!=', '<', '<=', '>', '>=']);

interface Binding {
  readonly alias: string;
  readonly column: string;
}

type ParamSource = { readonly kind: 'column'; readonly binding: Binding } | { readonly kind: 'constant'; readonly sql: string };

function children(node: unknown): unknown[] {
  if (Array.isArray(node)) return node;
  if (node && typeof node === 'object') return Object.values(node as object);
  return [];
}

/** Every `$n` in the tree. */
function paramNumbers(node: unknown, out: Set<number>): Set<number> {
  if (node && typeof node === 'object' && !Array.isArray(node)) {
    const ref = (node as AstNode).ParamRef as { number?: number } | undefined;
    if (ref?.number !== undefined) out.add(ref.number);
  }
  for (const child of children(node)) paramNumbers(child, out);
  return out;
}

/** `$n`, also under a cast to anything but interval. */
function paramOf(node: AstNode | undefined): number | undefined {
  if (!node) return undefined;
  const ref = node.ParamRef as { number?: number } | undefined;
  if (ref?.number !== undefined) return ref.number;
  const cast = node.TypeCast as { arg?: AstNode; typeName?: { names?: AstNode[] } } | undefined;
  if (cast && !isInterval(cast.typeName?.names)) return paramOf(cast.arg);
  return undefined;
}

function isInterval(names: AstNode[] | undefined): boolean {
  const last = names?.[names.length - 1]?.String as { sval?: string } | undefined;
  return last?.sval === 'interval';
}

function columnOf(node: AstNode | undefined, aliases: ReadonlyMap<string, string>): Binding | undefined {
  const ref = node?.ColumnRef as { fields?: AstNode[] } | undefined;
  const names = ref?.fields?.map((f) => (f.String as { sval?: string } | undefined)?.sval);
  if (!names || names.some((n) => n === undefined)) return undefined;
  if (names.length === 2 && aliases.has(names[0]!)) return { alias: names[0]!, column: names[1]! };
  // An unqualified column is only known when one table is read.
  if (names.length === 1 && aliases.size === 1) return { alias: [...aliases.keys()][0]!, column: names[0]! };
  return undefined;
}

/** alias (or table name) -> the table's SQL name, for the FROM list's plain tables. */
function fromAliases(from: unknown, out: Map<string, string>): Map<string, string> {
  for (const item of Array.isArray(from) ? from : [from]) {
    const node = item as AstNode | undefined;
    if (!node) continue;
    const rv = node.RangeVar as { schemaname?: string; relname: string; alias?: { aliasname: string } } | undefined;
    if (rv) out.set(rv.alias?.aliasname ?? rv.relname, (rv.schemaname ? `${quoteIdent(rv.schemaname)}.` : '') + quoteIdent(rv.relname));
    const join = node.JoinExpr as { larg?: unknown; rarg?: unknown } | undefined;
    if (join) {
      fromAliases(join.larg, out);
      fromAliases(join.rarg, out);
    }
  }
  return out;
}

/** Parameters compared with a column, and intervals, anywhere in WHERE and the JOIN conditions. */
function bindComparisons(node: unknown, aliases: ReadonlyMap<string, string>, out: Map<number, ParamSource>): void {
  if (node && typeof node === 'object' && !Array.isArray(node)) {
    const n = node as AstNode;
    const expr = n.A_Expr as { kind?: string; name?: AstNode[]; lexpr?: AstNode; rexpr?: AstNode } | undefined;
    if (expr) {
      const op = (expr.name?.[0]?.String as { sval?: string } | undefined)?.sval ?? '';
      const pairs: Array<[AstNode | undefined, AstNode | undefined]> = [];
      if (expr.kind === 'AEXPR_OP' && COMPARISONS.has(op)) pairs.push([expr.lexpr, expr.rexpr], [expr.rexpr, expr.lexpr]);
      if (expr.kind === 'AEXPR_IN' || expr.kind === 'AEXPR_BETWEEN' || expr.kind === 'AEXPR_NOT_BETWEEN') {
        const items = ((expr.rexpr?.List as { items?: AstNode[] } | undefined)?.items ?? []) as AstNode[];
        for (const item of items) pairs.push([expr.lexpr, item]);
      }
      for (const [col, param] of pairs) {
        const number = paramOf(param);
        const binding = columnOf(col, aliases);
        if (number !== undefined && binding && !out.has(number)) out.set(number, { kind: 'column', binding });
      }
    }
    const cast = n.TypeCast as { arg?: AstNode; typeName?: { names?: AstNode[] } } | undefined;
    const castParam = cast && isInterval(cast.typeName?.names) ? paramOf(cast.arg) : undefined;
    if (castParam !== undefined && !out.has(castParam)) out.set(castParam, { kind: 'constant', sql: `'1 day'` });
  }
  for (const child of children(node)) bindComparisons(child, aliases, out);
}

/** The sampling query (its columns are `param<n>`), or undefined when some parameter cannot be sampled. */
export function sampleParamsQuery(sql: string): string | undefined {
  const parsed = parseText(sql);
  if (!parsed.ok || parsed.statements.length !== 1) return undefined;
  const select = parsed.statements[0]!.stmt.SelectStmt as { fromClause?: unknown; whereClause?: unknown; limitCount?: AstNode; limitOffset?: AstNode } | undefined;
  if (!select) return undefined;
  const wanted = paramNumbers(select, new Set());
  if (wanted.size === 0) return undefined;
  const aliases = fromAliases(select.fromClause, new Map());
  const sources = new Map<number, ParamSource>();
  const limit = paramOf(select.limitCount);
  const offset = paramOf(select.limitOffset);
  if (limit !== undefined) sources.set(limit, { kind: 'constant', sql: String(SAMPLES) });
  if (offset !== undefined) sources.set(offset, { kind: 'constant', sql: '0' });
  bindComparisons([select.whereClause, select.fromClause], aliases, sources);
  if ([...wanted].some((n) => !sources.has(n))) return undefined;

  const byAlias = new Map<string, string[]>();
  for (const s of sources.values()) {
    if (s.kind !== 'column') continue;
    const cols = byAlias.get(s.binding.alias) ?? [];
    if (!cols.includes(s.binding.column)) cols.push(s.binding.column);
    byAlias.set(s.binding.alias, cols);
  }
  // The table with the most parameters gives the sets; any other contributes one row to all of them.
  const order = [...byAlias.entries()].sort((a, b) => b[1].length - a[1].length);
  const from = order.map(([alias, cols], i) => {
    const notNull = cols.map((c) => `${quoteIdent(c)} IS NOT NULL`).join(' AND ');
    return `(SELECT * FROM ${aliases.get(alias)!} WHERE ${notNull} ORDER BY random() LIMIT ${i === 0 ? SAMPLES : 1}) AS ${quoteIdent(alias)}`;
  });
  const list = [...sources.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([n, s]) => (s.kind === 'constant' ? `${s.sql} AS param${n}` : `${quoteIdent(s.binding.alias)}.${quoteIdent(s.binding.column)} AS param${n}`));
  return `SELECT ${list.join(', ')}` + (from.length > 0 ? ` FROM ${from.join(' CROSS JOIN ')}` : '');
}
