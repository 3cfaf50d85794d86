import { parseText, scanTokens, type AstNode } from '../analyzers/sql-parser.js';

/**
 * How the legacy query orders its rows, so an ordered comparison can tolerate ties.
 *
 * Rows equal in the ORDER BY values may come in any order, and under LIMIT the last run of
 * ties may be cut anywhere. To know which rows tie, each row's sort values are needed:
 * - a sort key that is an output column (by position `ORDER BY 2`, by output name, or the same
 *   expression as a select-list item) is read from the rows of both sides;
 * - a plain column not in the select list (`ORDER BY u.created_at`) is added to the legacy
 *   query as an extra output (`"u"."created_at" AS __dbsplit_sort_1`), read from the legacy
 *   rows only, and left out of the comparison;
 * - so is an expression not in the select list (`ORDER BY il.on_hand - il.reserved`), its text
 *   cut from the ORDER BY clause;
 * - from the first key that is none of these (its text cannot be cut, or a set operation), the
 *   remaining keys are dropped: rows tied on the keys before it are compared as a set, which
 *   can miss an order difference but never reports a false one.
 * libpg-query must be ready; the SQL must already have `$n` placeholders.
 */

export interface SortKeyRef {
  /** Column of the legacy rows that holds the sort value. */
  readonly column: string;
  /** The candidate's rows hold it too (an output column), or only the legacy's (an added one). */
  readonly inCandidate: boolean;
}

export interface OrderInfo {
  /** The legacy query has a top-level ORDER BY. */
  readonly hasOrderBy: boolean;
  /** It has LIMIT / FETCH FIRST too (the last run of ties may be cut). */
  readonly limited: boolean;
  readonly keys: readonly SortKeyRef[];
  /** The legacy SQL to run (with added sort columns). */
  readonly sql: string;
  /** Columns added for sorting: not compared. */
  readonly added: readonly string[];
  /** Why order is judged on fewer keys than ORDER BY has, when it is. */
  readonly note?: string | undefined;
}

export const SORT_COLUMN_PREFIX = '__dbsplit_sort_';

function withoutLocations(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(withoutLocations);
  if (node !== null && typeof node === 'object') {
    return Object.fromEntries(
      Object.entries(node)
        .filter(([k]) => k !== 'location')
        .map(([k, v]) => [k, withoutLocations(v)]),
    );
  }
  return node;
}

function columnRefNames(node: AstNode): string[] | undefined {
  const ref = node.ColumnRef as { fields?: AstNode[] } | undefined;
  if (!ref?.fields) return undefined;
  const names: string[] = [];
  for (const f of ref.fields) {
    const s = (f.String as { sval?: string } | undefined)?.sval;
    if (s === undefined) return undefined;
    names.push(s);
  }
  return names;
}

const quoteIdent = (s: string) => `"${s.replace(/"/g, '""')}"`;

interface Target {
  readonly name: string | undefined;
  readonly val: AstNode | undefined;
  readonly location: number;
}

function targetsOf(select: AstNode): Target[] {
  const list = (select.targetList as AstNode[] | undefined) ?? [];
  return list.map((t) => {
    const rt = (t.ResTarget ?? {}) as { name?: string; val?: AstNode; location?: number };
    const refNames = rt.val ? columnRefNames(rt.val) : undefined;
    const name = rt.name ?? (refNames ? refNames[refNames.length - 1] : undefined);
    const fn = (rt.val?.FuncCall as { funcname?: AstNode[] } | undefined)?.funcname;
    const fnName = fn ? (fn[fn.length - 1]?.String as { sval?: string } | undefined)?.sval : undefined;
    return { name: name ?? fnName, val: rt.val, location: rt.location ?? -1 };
  });
}

export function analyzeOrder(sql: string): OrderInfo {
  const none: OrderInfo = { hasOrderBy: false, limited: false, keys: [], sql, added: [] };
  const parsed = parseText(sql);
  if (!parsed.ok || parsed.statements.length !== 1) return none;
  const stmt = parsed.statements[0]!;
  const select = stmt.stmt.SelectStmt as AstNode | undefined;
  if (!select) return none;
  const sorts = (select.sortClause as AstNode[] | undefined) ?? [];
  if (sorts.length === 0) return none;
  const limited = select.limitCount !== undefined;
  const targets = targetsOf(select);
  const setOperation = select.op !== undefined && select.op !== 'SETOP_NONE';
  const keys: SortKeyRef[] = [];
  const extras: string[] = [];
  let note: string | undefined;
  let sortTexts: string[] | undefined;
  for (let i = 0; i < sorts.length; i++) {
    const node = ((sorts[i]!.SortBy as { node?: AstNode } | undefined)?.node ?? {}) as AstNode;
    const position = ((node.A_Const as { ival?: { ival?: number } } | undefined)?.ival?.ival);
    const names = columnRefNames(node);
    let column: string | undefined;
    if (position !== undefined) column = targets[position - 1]?.name;
    else if (names?.length === 1 && targets.some((t) => t.name === names[0])) column = names[0];
    else {
      const shape = JSON.stringify(withoutLocations(node));
      column = targets.find((t) => t.val !== undefined && JSON.stringify(withoutLocations(t.val)) === shape)?.name;
    }
    if (column !== undefined && targets.filter((t) => t.name === column).length === 1) {
      keys.push({ column, inCandidate: true });
      continue;
    }
    const expression = names ? names.map(quoteIdent).join('.') : (sortTexts ??= sortItemTexts(sql, sorts.length))?.[i];
    if (expression !== undefined && !setOperation && targets.length > 0 && targets[0]!.location >= 0) {
      const added = `${SORT_COLUMN_PREFIX}${i + 1}`;
      extras.push(`${names ? expression : `(${expression})`} AS ${added}`);
      keys.push({ column: added, inCandidate: false });
      continue;
    }
    note = `ORDER BY key ${i + 1} is an expression that is not in the select list: rows tied on the keys before it are compared as a set`;
    break;
  }
  let text = sql;
  if (extras.length > 0) {
    // AST locations are byte offsets into the UTF-8 text.
    const at = Buffer.from(sql, 'utf8').subarray(0, targets[0]!.location).toString('utf8').length;
    text = `${sql.slice(0, at)}${extras.join(', ')}, ${sql.slice(at)}`;
  }
  return { hasOrderBy: true, limited, keys, sql: text, added: extras.map((_, i) => keys.filter((k) => !k.inCandidate)[i]!.column), note };
}

const CLAUSE_AFTER_ORDER = new Set(['limit', 'offset', 'fetch', 'for']);

/**
 * The text of each item of the top-level ORDER BY, without ASC/DESC/NULLS/USING, or undefined
 * when it cannot be cut out (a different number of items than the parser saw).
 */
function sortItemTexts(sql: string, expected: number): string[] | undefined {
  let tokens;
  try {
    tokens = scanTokens(sql).filter((t) => t.tokenName !== 'SQL_COMMENT' && t.tokenName !== 'C_COMMENT');
  } catch {
    return undefined;
  }
  let depth = 0;
  let orderAt = -1;
  tokens.forEach((t, i) => {
    if (t.text === '(' || t.text === '[') depth++;
    else if (t.text === ')' || t.text === ']') depth--;
    else if (depth === 0 && t.text.toLowerCase() === 'order' && tokens[i + 1]?.text.toLowerCase() === 'by') orderAt = i;
  });
  if (orderAt < 0) return undefined;
  const items: string[] = [];
  let start = tokens[orderAt + 1]!.end;
  depth = 0;
  let end = sql.length;
  for (let i = orderAt + 2; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.text === '(' || t.text === '[') depth++;
    else if (t.text === ')' || t.text === ']') depth--;
    else if (depth === 0 && t.text === ',') {
      items.push(sql.slice(start, t.start));
      start = t.end;
    } else if (depth === 0 && (CLAUSE_AFTER_ORDER.has(t.text.toLowerCase()) || t.text === ';')) {
      end = t.start;
      break;
    }
  }
  items.push(sql.slice(start, end));
  const texts = items.map((x) =>
    x
      .trim()
      .replace(/\s+nulls\s+(?:first|last)$/i, '')
      .replace(/\s+(?:asc|desc)$/i, '')
      .replace(/\s+using\s+\S+$/i, '')
      .trim(),
  );
  return texts.length === expected && texts.every((x) => x.length > 0) ? texts : undefined;
}
