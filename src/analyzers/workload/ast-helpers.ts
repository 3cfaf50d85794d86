import type { AstNode } from '../sql-parser.js';
import type { ColumnRef } from '../../model/schema.js';
import type { JoinVia } from '../../model/workload.js';
import type { ColumnMap } from './relation-resolver.js';
import { fieldNames } from './scope.js';

/** Small readers of libpg-query parse-tree nodes, for the shape extractor. */

export function sublinkVia(type: unknown): JoinVia {
  switch (type) {
    case 'EXISTS_SUBLINK':
      return 'exists';
    case 'ANY_SUBLINK':
    case 'ALL_SUBLINK':
      return 'in';
    default:
      return 'scalar';
  }
}

export function aliasOf(node: AstNode): { name?: string; colnames?: string[] } {
  const alias = node.alias as { aliasname?: string; colnames?: unknown } | undefined;
  if (!alias) return {};
  return { name: alias.aliasname, colnames: fieldNames(alias.colnames) };
}

/** Rename the first columns positionally, as `AS x(a, b)` does. */
export function renamed(columns: ColumnMap | undefined, colnames: readonly string[] | undefined): ColumnMap | undefined {
  if (!columns || !colnames || colnames.length === 0) return columns;
  const out = new Map<string, ColumnRef | undefined>();
  let i = 0;
  for (const [name, ref] of columns) {
    const newName = i < colnames.length ? colnames[i]! : name;
    if (!out.has(newName)) out.set(newName, ref);
    i++;
  }
  for (; i < colnames.length; i++) if (!out.has(colnames[i]!)) out.set(colnames[i]!, undefined);
  return out;
}

/** Strip casts and COLLATE from an expression that may be a plain column. */
export function unwrapColumn(node: unknown): string[] | undefined {
  let n = node as AstNode | undefined;
  for (let depth = 0; n && depth < 4; depth++) {
    if ('ColumnRef' in n) return fieldNames((n.ColumnRef as AstNode).fields);
    const inner = (n.TypeCast ?? n.CollateClause) as { arg?: AstNode } | undefined;
    if (!inner) return undefined;
    n = inner.arg;
  }
  return undefined;
}

export function lastName(list: unknown): string | undefined {
  const names = fieldNames(list);
  return names ? names[names.length - 1] : undefined;
}

export function columnKey(c: ColumnRef): string {
  return `${c.schema}.${c.table}.${c.column}`;
}
