import type { AstNode } from '../sql-parser.js';

/**
 * Small readers for libpg-query's JSON AST. Nodes are `{ Kind: {...fields} }` wrappers; fields
 * the protobuf encoding leaves at their default (0, false, '') are simply absent.
 */

export type Fields = Record<string, unknown>;

export interface RangeVarNode {
  readonly schemaname?: string;
  readonly relname: string;
  /** Absent (false) when the statement said ONLY. */
  readonly inh?: boolean;
  readonly relpersistence?: string;
  readonly location?: number;
}

/** The node kind and its fields of a wrapped node, e.g. `{ ColumnDef: {...} }`. */
export function unwrap(node: unknown): [string, Fields] | undefined {
  if (!node || typeof node !== 'object') return undefined;
  const keys = Object.keys(node);
  if (keys.length !== 1) return undefined;
  const kind = keys[0]!;
  const fields = (node as Record<string, unknown>)[kind];
  return fields && typeof fields === 'object' ? [kind, fields as Fields] : [kind, {}];
}

/** The fields of `node` if it is of `kind`. */
export function as(node: unknown, kind: string): Fields | undefined {
  const u = unwrap(node);
  return u && u[0] === kind ? u[1] : undefined;
}

export function list(value: unknown): AstNode[] {
  return Array.isArray(value) ? (value as AstNode[]) : [];
}

export function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** The `sval` of a `String` node. */
export function stringValue(node: unknown): string | undefined {
  const s = as(node, 'String');
  return s ? (str(s.sval) ?? '') : undefined;
}

/** A list of `String` nodes (a qualified name) as strings. */
export function names(value: unknown): string[] {
  const out: string[] = [];
  for (const n of list(value)) {
    const s = stringValue(n);
    if (s !== undefined) out.push(s);
  }
  return out;
}

/** The items of a `List` node (as in DROP and COMMENT object names). */
export function listItems(node: unknown): AstNode[] {
  const l = as(node, 'List');
  return l ? list(l.items) : [];
}

/** An integer from an `A_Const` or `Integer` node; the encoding drops zeros. */
export function intValue(node: unknown): number | undefined {
  const c = as(node, 'A_Const');
  if (c) {
    if (c.ival !== undefined) return Number((c.ival as Fields).ival ?? 0);
    return undefined;
  }
  const i = as(node, 'Integer');
  return i ? Number(i.ival ?? 0) : undefined;
}

/** A number-ish option value (`Integer`, `Float` or a string) as decimal text. */
export function numericText(node: unknown): string | undefined {
  const i = as(node, 'Integer');
  if (i) return String(i.ival ?? 0);
  const f = as(node, 'Float');
  if (f) return str(f.fval);
  const s = as(node, 'String');
  if (s) return str(s.sval);
  return undefined;
}

/** A string constant (`A_Const` with `sval`), or undefined. */
export function stringConst(node: unknown): string | undefined {
  const c = as(node, 'A_Const');
  if (!c || c.sval === undefined) return undefined;
  return str((c.sval as Fields).sval) ?? '';
}

export function rangeVar(value: unknown): RangeVarNode | undefined {
  if (!value || typeof value !== 'object') return undefined;
  const wrapped = as(value, 'RangeVar');
  const rv = (wrapped ?? value) as Fields;
  return typeof rv.relname === 'string' ? (rv as unknown as RangeVarNode) : undefined;
}

/** Every `location` in a subtree, for finding where an expression starts in the source. */
export function minLocation(node: unknown): number | undefined {
  let min: number | undefined;
  const visit = (n: unknown): void => {
    if (Array.isArray(n)) {
      for (const x of n) visit(x);
      return;
    }
    if (!n || typeof n !== 'object') return;
    for (const [k, v] of Object.entries(n)) {
      if (k === 'location' && typeof v === 'number' && v >= 0) {
        if (min === undefined || v < min) min = v;
      } else if (v && typeof v === 'object') visit(v);
    }
  };
  visit(node);
  return min;
}

/** Distinct column names a (raw) expression mentions, in first-seen order. */
export function columnRefs(node: unknown): string[] {
  const seen = new Set<string>();
  const visit = (n: unknown): void => {
    if (Array.isArray(n)) {
      for (const x of n) visit(x);
      return;
    }
    if (!n || typeof n !== 'object') return;
    const ref = as(n, 'ColumnRef');
    if (ref) {
      const parts = names(ref.fields);
      const last = parts[parts.length - 1];
      if (last !== undefined) seen.add(last);
      return;
    }
    // Sub-selects name columns of other tables; PostgreSQL forbids them in CHECK anyway.
    if (as(n, 'SubLink')) return;
    for (const v of Object.values(n)) if (v && typeof v === 'object') visit(v);
  };
  visit(node);
  return [...seen];
}
