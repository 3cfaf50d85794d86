import type { AstNode } from '../../analyzers/sql-parser.js';
import { NotComposable } from './not-composable.js';
import { quoteIdent, quoteLiteral } from './sql-names.js';

/**
 * Expressions of the original query written back as SQL for one service's part, with columns
 * re-qualified by the caller and literal constants turned into parameters. libpg-query has no
 * deparser here, so this covers the expression forms a composition keeps; anything else is
 * reported as not composable rather than guessed.
 */

/** A constant of the original query, as a parameter of the generated function. */
export type ConstantSpec =
  | { readonly kind: 'scalar'; readonly value: string | number | boolean; readonly ts: 'number' | 'string' | 'boolean'; readonly hint?: string | undefined }
  | { readonly kind: 'list'; readonly values: readonly (string | number)[]; readonly ts: 'number[]' | 'string[]'; readonly hint?: string | undefined }
  | { readonly kind: 'ref'; readonly number: number };

export interface ParamSink {
  /** The placeholder (`$n`) standing for this constant node in the SQL being built. */
  constant(node: AstNode, spec: ConstantSpec): string;
}

export interface RenderContext {
  /** A column reference as it must be written (re-qualified), from the names written in the query. */
  column(names: readonly string[]): string;
  /** Where constants go; without one they are written inline (comments, reasons, target lists). */
  readonly params?: ParamSink | undefined;
}

const COMMON_TYPES = new Set(['interval', 'timestamptz', 'timestamp', 'date', 'time', 'timetz', 'int2', 'int4', 'int8', 'numeric', 'text', 'varchar', 'bpchar', 'bool', 'float4', 'float8', 'uuid', 'json', 'jsonb']);

export function fieldStrings(list: unknown): string[] {
  if (!Array.isArray(list)) return [];
  return list.map((f) => {
    const s = (f as { String?: { sval?: string } }).String;
    if (!s || typeof s.sval !== 'string') throw new NotComposable('uses a name the composer does not understand');
    return s.sval;
  });
}

export function renderTypeName(t: AstNode): string {
  if (t.setof || t.pct_type) throw new NotComposable('uses a %TYPE or SETOF type reference');
  let names = fieldStrings(t.names);
  if (names.length === 2 && names[0] === 'pg_catalog' && COMMON_TYPES.has(names[1]!)) names = [names[1]!];
  let out = names.map(quoteIdent).join('.');
  const mods = (t.typmods as AstNode[] | undefined) ?? [];
  if (mods.length > 0) {
    if (names[names.length - 1] === 'interval') throw new NotComposable('uses an interval with field restrictions');
    out += `(${mods.map((m) => renderExpr(m, { column: () => '' })).join(', ')})`;
  }
  for (const _ of (t.arrayBounds as unknown[] | undefined) ?? []) out += '[]';
  return out;
}

/** The literal value of an A_Const node (libpg-query leaves out zero and false). */
export function constValue(c: AstNode): { value: string | number | boolean; ts: 'number' | 'string' | 'boolean'; float?: boolean } | null {
  if (c.isnull) return null;
  if ('ival' in c) return { value: ((c.ival as { ival?: number }).ival ?? 0), ts: 'number' };
  if ('fval' in c) return { value: (c.fval as { fval?: string }).fval ?? '0', ts: 'string', float: true };
  if ('boolval' in c) return { value: (c.boolval as { boolval?: boolean }).boolval ?? false, ts: 'boolean' };
  if ('sval' in c) return { value: (c.sval as { sval?: string }).sval ?? '', ts: 'string' };
  if ('bsval' in c) return { value: (c.bsval as { bsval?: string }).bsval ?? '', ts: 'string' };
  throw new NotComposable('uses a constant the composer does not understand');
}

function literal(c: AstNode): string {
  const v = constValue(c);
  if (v === null) return 'NULL';
  if (typeof v.value === 'boolean') return v.value ? 'true' : 'false';
  if (typeof v.value === 'number' || v.float) return String(v.value);
  if ('bsval' in c) return String(v.value).startsWith('x') ? `X'${String(v.value).slice(1)}'` : `B'${String(v.value).slice(1)}'`;
  return quoteLiteral(String(v.value));
}

function operatorName(list: unknown): string {
  const names = fieldStrings(list);
  if (names.length === 1) return names[0]!;
  return `OPERATOR(${names.slice(0, -1).map(quoteIdent).join('.')}.${names[names.length - 1]!})`;
}

function isPlainConst(node: unknown): node is { A_Const: AstNode } {
  return node !== null && typeof node === 'object' && 'A_Const' in node && !(node as { A_Const: AstNode }).A_Const.isnull;
}

/** The column name an expression compares, for naming the parameter on the other side. */
function hintOf(node: unknown): string | undefined {
  let n = node as AstNode | undefined;
  for (let depth = 0; n && depth < 6; depth++) {
    if ('ColumnRef' in n) {
      const fields = (n.ColumnRef as AstNode).fields as unknown[];
      const last = fields[fields.length - 1] as { String?: { sval?: string } };
      return last.String?.sval;
    }
    if ('TypeCast' in n) n = (n.TypeCast as AstNode).arg as AstNode;
    else if ('CollateClause' in n) n = (n.CollateClause as AstNode).arg as AstNode;
    else if ('FuncCall' in n) n = ((n.FuncCall as AstNode).args as AstNode[] | undefined)?.find((a) => !isPlainConst(a));
    else if ('A_Expr' in n) n = ((n.A_Expr as AstNode).lexpr ?? (n.A_Expr as AstNode).rexpr) as AstNode;
    else return undefined;
  }
  return undefined;
}

function constant(node: AstNode, c: AstNode, ctx: RenderContext, hint: string | undefined, cast?: string): string {
  const v = constValue(c);
  if (v === null || !ctx.params) {
    const text = literal(c);
    return cast ? `${text}::${cast}` : text;
  }
  if (cast) return `${ctx.params.constant(node, { kind: 'scalar', value: v.float ? String(v.value) : v.value, ts: v.ts, hint })}::${cast}`;
  if (!v.float) return ctx.params.constant(node, { kind: 'scalar', value: v.value, ts: v.ts, hint });
  // A fractional literal is numeric in PostgreSQL; an untyped parameter would take the other
  // side's type instead (2.5 against an integer column would fail), so it keeps its type.
  const text = String(v.value);
  const exact = String(Number(text)) === text;
  return `${ctx.params.constant(node, { kind: 'scalar', value: exact ? Number(text) : text, ts: exact ? 'number' : 'string', hint })}::numeric`;
}

export function renderExpr(node: unknown, ctx: RenderContext, hint?: string): string {
  if (node === null || typeof node !== 'object') throw new NotComposable('has an expression the composer does not understand');
  const n = node as AstNode;
  const key = Object.keys(n)[0];
  const body = (key === undefined ? {} : n[key]) as AstNode;
  const r = (x: unknown, h?: string) => renderExpr(x, ctx, h);
  switch (key) {
    case 'ColumnRef': {
      const fields = body.fields as AstNode[];
      if (fields.some((f) => 'A_Star' in f)) throw new NotComposable('uses a whole-row reference (t.*) inside an expression');
      return ctx.column(fieldStrings(fields));
    }
    case 'A_Const':
      return constant(n, body, ctx, hint);
    case 'ParamRef': {
      const number = (body.number as number | undefined) ?? 0;
      return ctx.params ? ctx.params.constant(n, { kind: 'ref', number }) : `$${number}`;
    }
    case 'TypeCast': {
      const type = renderTypeName(body.typeName as AstNode);
      const arg = body.arg as AstNode;
      if (isPlainConst(arg)) return constant(n, arg.A_Const, ctx, hint, type);
      return `(${r(arg, hint)})::${type}`;
    }
    case 'CollateClause':
      return `(${r(body.arg, hint)} COLLATE ${fieldStrings(body.collname).map(quoteIdent).join('.')})`;
    case 'A_Expr':
      return renderAExpr(body, ctx, hint);
    case 'BoolExpr': {
      const args = (body.args as AstNode[]).map((a) => r(a));
      if (body.boolop === 'NOT_EXPR') return `(NOT ${args[0]!})`;
      return `(${args.join(body.boolop === 'AND_EXPR' ? ' AND ' : ' OR ')})`;
    }
    case 'NullTest':
      return `(${r(body.arg)} ${body.nulltesttype === 'IS_NOT_NULL' ? 'IS NOT NULL' : 'IS NULL'})`;
    case 'BooleanTest': {
      const tests: Record<string, string> = {
        IS_TRUE: 'IS TRUE', IS_NOT_TRUE: 'IS NOT TRUE', IS_FALSE: 'IS FALSE', IS_NOT_FALSE: 'IS NOT FALSE', IS_UNKNOWN: 'IS UNKNOWN', IS_NOT_UNKNOWN: 'IS NOT UNKNOWN',
      };
      return `(${r(body.arg)} ${tests[body.booltesttype as string] ?? 'IS TRUE'})`;
    }
    case 'FuncCall':
      return renderFuncCall(body, ctx, hint);
    case 'SQLValueFunction': {
      const ops: Record<string, string> = {
        SVFOP_CURRENT_DATE: 'CURRENT_DATE', SVFOP_CURRENT_TIME: 'CURRENT_TIME', SVFOP_CURRENT_TIME_N: 'CURRENT_TIME', SVFOP_CURRENT_TIMESTAMP: 'CURRENT_TIMESTAMP',
        SVFOP_CURRENT_TIMESTAMP_N: 'CURRENT_TIMESTAMP', SVFOP_LOCALTIME: 'LOCALTIME', SVFOP_LOCALTIME_N: 'LOCALTIME', SVFOP_LOCALTIMESTAMP: 'LOCALTIMESTAMP',
        SVFOP_LOCALTIMESTAMP_N: 'LOCALTIMESTAMP', SVFOP_CURRENT_ROLE: 'CURRENT_ROLE', SVFOP_CURRENT_USER: 'CURRENT_USER', SVFOP_USER: 'USER',
        SVFOP_SESSION_USER: 'SESSION_USER', SVFOP_CURRENT_CATALOG: 'CURRENT_CATALOG', SVFOP_CURRENT_SCHEMA: 'CURRENT_SCHEMA',
      };
      const op = ops[body.op as string];
      if (!op) throw new NotComposable('uses a SQL value function the composer does not understand');
      const typmod = body.typmod as number | undefined;
      return String(body.op).endsWith('_N') && typmod !== undefined && typmod >= 0 ? `${op}(${typmod})` : op;
    }
    case 'CoalesceExpr':
      return `COALESCE(${(body.args as AstNode[]).map((a) => r(a, hint)).join(', ')})`;
    case 'MinMaxExpr':
      return `${body.op === 'IS_GREATEST' ? 'GREATEST' : 'LEAST'}(${(body.args as AstNode[]).map((a) => r(a, hint)).join(', ')})`;
    case 'CaseExpr': {
      const parts = ['CASE'];
      if (body.arg) parts.push(r(body.arg));
      for (const w of body.args as AstNode[]) {
        const when = w.CaseWhen as AstNode;
        parts.push(`WHEN ${r(when.expr)} THEN ${r(when.result, hint)}`);
      }
      if (body.defresult) parts.push(`ELSE ${r(body.defresult, hint)}`);
      parts.push('END');
      return `(${parts.join(' ')})`;
    }
    case 'A_ArrayExpr':
      return `ARRAY[${((body.elements as AstNode[] | undefined) ?? []).map((e) => r(e, hint)).join(', ')}]`;
    case 'RowExpr':
      return `ROW(${((body.args as AstNode[] | undefined) ?? []).map((e) => r(e)).join(', ')})`;
    case 'A_Indirection': {
      let out = `(${r(body.arg)})`;
      for (const ind of body.indirection as AstNode[]) {
        if ('String' in ind) out += `.${quoteIdent((ind.String as { sval: string }).sval)}`;
        else if ('A_Indices' in ind) {
          const ix = ind.A_Indices as AstNode;
          const lower = ix.lidx ? r(ix.lidx) : '';
          const upper = ix.uidx ? r(ix.uidx) : '';
          out += ix.is_slice ? `[${lower}:${upper}]` : `[${upper}]`;
        } else throw new NotComposable('uses an indirection the composer does not understand');
      }
      return out;
    }
    case 'SubLink':
      throw new NotComposable('has a subquery');
    default:
      throw new NotComposable(`uses ${key ?? 'an empty expression'}, which the composer does not translate`);
  }
}

function renderAExpr(e: AstNode, ctx: RenderContext, outerHint: string | undefined): string {
  const kind = e.kind as string;
  const l = e.lexpr;
  const rx = e.rexpr;
  const lh = hintOf(rx) ?? outerHint;
  const rh = hintOf(l) ?? outerHint;
  const r = (x: unknown, h?: string) => renderExpr(x, ctx, h);
  switch (kind) {
    case 'AEXPR_OP': {
      const op = operatorName(e.name);
      if (l === undefined) return `(${op} ${r(rx, rh)})`;
      return `(${r(l, lh)} ${op} ${r(rx, rh)})`;
    }
    case 'AEXPR_OP_ANY':
    case 'AEXPR_OP_ALL':
      return `(${r(l, lh)} ${operatorName(e.name)} ${kind === 'AEXPR_OP_ANY' ? 'ANY' : 'ALL'} (${r(rx, rh)}))`;
    case 'AEXPR_DISTINCT':
      return `(${r(l, lh)} IS DISTINCT FROM ${r(rx, rh)})`;
    case 'AEXPR_NOT_DISTINCT':
      return `(${r(l, lh)} IS NOT DISTINCT FROM ${r(rx, rh)})`;
    case 'AEXPR_NULLIF':
      return `NULLIF(${r(l, lh)}, ${r(rx, rh)})`;
    case 'AEXPR_IN': {
      const items = ((rx as AstNode).List as { items?: AstNode[] } | undefined)?.items ?? [];
      const negated = operatorName(e.name) === '<>';
      const consts = items.every(isPlainConst) ? items.map((i) => constValue(i.A_Const)!) : undefined;
      if (consts && ctx.params && consts.every((c) => typeof c.value !== 'boolean')) {
        // `x IN (a, b)` is `x = ANY(array)` for non-null constants: one array parameter.
        const ints = consts.every((c) => typeof c.value === 'number');
        const placeholder = ctx.params.constant(rx as AstNode, {
          kind: 'list',
          values: consts.map((c) => (ints ? (c.value as number) : String(c.value))),
          ts: ints ? 'number[]' : 'string[]',
          hint: rh,
        });
        return negated ? `(${r(l)} <> ALL (${placeholder}))` : `(${r(l)} = ANY (${placeholder}))`;
      }
      return `(${r(l)} ${negated ? 'NOT IN' : 'IN'} (${items.map((i) => r(i, rh)).join(', ')}))`;
    }
    case 'AEXPR_LIKE':
    case 'AEXPR_ILIKE': {
      const ops: Record<string, string> = { '~~': 'LIKE', '!~~': 'NOT LIKE', '~~*': 'ILIKE', '!~~*': 'NOT ILIKE' };
      const op = ops[operatorName(e.name)];
      if (!op || (rx as AstNode).FuncCall) throw new NotComposable('uses LIKE ... ESCAPE');
      return `(${r(l, lh)} ${op} ${r(rx, rh)})`;
    }
    case 'AEXPR_BETWEEN':
    case 'AEXPR_NOT_BETWEEN':
    case 'AEXPR_BETWEEN_SYM':
    case 'AEXPR_NOT_BETWEEN_SYM': {
      const [a, b] = ((rx as AstNode).List as { items: AstNode[] }).items;
      const word = { AEXPR_BETWEEN: 'BETWEEN', AEXPR_NOT_BETWEEN: 'NOT BETWEEN', AEXPR_BETWEEN_SYM: 'BETWEEN SYMMETRIC', AEXPR_NOT_BETWEEN_SYM: 'NOT BETWEEN SYMMETRIC' }[kind];
      return `(${r(l)} ${word} ${r(a, rh)} AND ${r(b, rh)})`;
    }
    default:
      throw new NotComposable(`uses ${kind.replace('AEXPR_', '').toLowerCase().replace(/_/g, ' ')}, which the composer does not translate`);
  }
}

const AGGREGATES = new Set([
  'avg', 'bit_and', 'bit_or', 'bit_xor', 'bool_and', 'bool_or', 'count', 'every', 'json_agg', 'jsonb_agg', 'json_object_agg', 'jsonb_object_agg',
  'max', 'min', 'string_agg', 'sum', 'array_agg', 'xmlagg', 'range_agg', 'range_intersect_agg', 'corr', 'covar_pop', 'covar_samp', 'regr_avgx',
  'regr_avgy', 'regr_count', 'regr_intercept', 'regr_r2', 'regr_slope', 'regr_sxx', 'regr_sxy', 'regr_syy', 'stddev', 'stddev_pop', 'stddev_samp',
  'variance', 'var_pop', 'var_samp', 'mode', 'percentile_cont', 'percentile_disc', 'any_value', 'json_agg_strict', 'jsonb_agg_strict',
  'json_objectagg', 'json_arrayagg',
]);

/** Aggregate or window call: these summarise joined rows and cannot run in one service's part. */
export function aggregateKind(call: AstNode): 'aggregate' | 'window' | undefined {
  if (call.over) return 'window';
  if (call.agg_star || call.agg_distinct || call.agg_filter || call.agg_order || call.agg_within_group) return 'aggregate';
  const names = fieldStrings(call.funcname);
  const name = names[names.length - 1]!;
  if (AGGREGATES.has(name) && (names.length === 1 || names[0] === 'pg_catalog')) return 'aggregate';
  return undefined;
}

function renderFuncCall(call: AstNode, ctx: RenderContext, hint: string | undefined): string {
  const kind = aggregateKind(call);
  if (kind) throw new NotComposable(kind === 'window' ? 'has a window function' : 'has an aggregate');
  const names = fieldStrings(call.funcname);
  const args = (call.args as AstNode[] | undefined) ?? [];
  // SQL-syntax calls (EXTRACT(year FROM x), x AT TIME ZONE 'UTC') take keywords as string
  // arguments: those stay literal, not parameters.
  const sqlSyntax = call.funcformat === 'COERCE_SQL_SYNTAX';
  const inner = sqlSyntax ? { column: ctx.column.bind(ctx) } : ctx;
  const rendered = args.map((a, i) => {
    const named = (a as AstNode).NamedArgExpr as AstNode | undefined;
    const text = named ? `${quoteIdent(named.name as string)} => ${renderExpr(named.arg, inner, hint)}` : renderExpr(a, inner, hint);
    return call.func_variadic && i === args.length - 1 ? `VARIADIC ${text}` : text;
  });
  return `${names.map(quoteIdent).join('.')}(${rendered.join(', ')})`;
}
