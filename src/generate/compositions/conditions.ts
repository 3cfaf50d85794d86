import type { AstNode } from '../../analyzers/sql-parser.js';
import type { ColumnUse, Expr, QueryModel } from './query-model.js';
import { fieldStrings } from './sql-expr.js';

/** Reading conditions of the original query: column equalities, comparisons, constants. */

export const COMPARISONS = new Set(['=', '<>', '!=', '<', '<=', '>', '>=']);

export function operatorOf(node: AstNode): string | undefined {
  const e = node.A_Expr as AstNode | undefined;
  if (!e || e.kind !== 'AEXPR_OP') return undefined;
  const names = fieldStrings(e.name);
  return names.length === 1 ? names[0] : undefined;
}

function columnsOf(node: AstNode, model: QueryModel): [ColumnUse, ColumnUse] | undefined {
  const e = node.A_Expr as AstNode | undefined;
  const l = (e?.lexpr as AstNode | undefined)?.ColumnRef as AstNode | undefined;
  const r = (e?.rexpr as AstNode | undefined)?.ColumnRef as AstNode | undefined;
  if (!l || !r) return undefined;
  const a = model.resolve(fieldStrings(l.fields));
  const b = model.resolve(fieldStrings(r.fields));
  return a.item === b.item ? undefined : [a, b];
}

/** `a.x = b.y` between two different items. */
export function columnEquality(c: Expr, model: QueryModel): [ColumnUse, ColumnUse] | undefined {
  return operatorOf(c.node) === '=' ? columnsOf(c.node, model) : undefined;
}

export function columnComparison(c: Expr, model: QueryModel): { left: ColumnUse; operator: string; right: ColumnUse } | undefined {
  const op = operatorOf(c.node);
  if (!op || !COMPARISONS.has(op)) return undefined;
  const cols = columnsOf(c.node, model);
  return cols ? { left: cols[0], operator: op === '!=' ? '<>' : op, right: cols[1] } : undefined;
}

/** A literal (not NULL), a `$n`, or either cast. */
export function isConst(node: unknown): boolean {
  if (node === null || typeof node !== 'object') return false;
  const n = node as AstNode;
  if (n.A_Const !== undefined) return (n.A_Const as AstNode).isnull !== true;
  if (n.ParamRef !== undefined) return true;
  const cast = n.TypeCast as AstNode | undefined;
  return cast !== undefined && isConst(cast.arg);
}
