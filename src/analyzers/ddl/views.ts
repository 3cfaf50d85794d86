import { as, rangeVar, type Fields, type RangeVarNode } from './ast.js';
import { ddlError } from './catalog.js';
import { charAt, type StatementContext } from './context.js';
import { createTableFromQuery } from './create-table-as.js';
import { findWord } from './expression-text.js';
import { objectKey, type TableState, type UnresolvedRef, type ViewState } from './state.js';

/** CREATE [OR REPLACE] VIEW. */
export function createView(ctx: StatementContext, stmt: Fields, schemaOverride?: string): void {
  const rv = rangeVar(stmt.view);
  if (rv) defineView(ctx, rv, stmt.query, false, stmt.replace === true, schemaOverride);
}

/** CREATE MATERIALIZED VIEW, and CREATE TABLE ... AS. */
export function createTableAs(ctx: StatementContext, stmt: Fields, schemaOverride?: string): void {
  const into = (stmt.into ?? {}) as Fields;
  if (stmt.objtype === 'OBJECT_TABLE') {
    createTableFromQuery(ctx, into, stmt.query, stmt.if_not_exists === true);
    return;
  }
  if (stmt.objtype !== 'OBJECT_MATVIEW') return;
  const rv = rangeVar(into.rel);
  if (!rv) return;
  if (stmt.if_not_exists && ctx.catalog.lookup(rv)) return;
  defineView(ctx, rv, stmt.query, true, false, schemaOverride);
}

function defineView(ctx: StatementContext, rv: RangeVarNode, query: unknown, materialized: boolean, replace: boolean, schemaOverride?: string): void {
  const catalog = ctx.catalog;
  const schema = catalog.creationSchema(rv.schemaname ?? schemaOverride);
  const existing = catalog.findRelation(schema, rv.relname);
  if (existing && !(replace && existing.kind === 'view')) throw ddlError(ctx.site, `relation "${schema}.${rv.relname}" already exists`);
  const view: ViewState = existing?.kind === 'view' ? existing : { kind: 'view', schema, name: rv.relname, materialized, reads: [] };
  view.reads = readsOf(ctx, query);
  const definition = definitionText(ctx, rv);
  if (definition) view.definition = definition;
  catalog.addRelation(view);
}

/** The relations a query reads: every RangeVar that is not the name of a CTE. */
export function readsOf(ctx: StatementContext, query: unknown): (TableState | ViewState | UnresolvedRef)[] {
  const cteNames = new Set<string>();
  const ranges: RangeVarNode[] = [];
  const visit = (n: unknown): void => {
    if (Array.isArray(n)) {
      for (const x of n) visit(x);
      return;
    }
    if (!n || typeof n !== 'object') return;
    const rv = as(n, 'RangeVar');
    if (rv) {
      ranges.push(rv as unknown as RangeVarNode);
      return;
    }
    const cte = as(n, 'CommonTableExpr');
    if (cte && typeof cte.ctename === 'string') cteNames.add(cte.ctename);
    for (const v of Object.values(n)) if (v && typeof v === 'object') visit(v);
  };
  visit(query);
  const seen = new Set<string>();
  const out: (TableState | ViewState | UnresolvedRef)[] = [];
  for (const rv of ranges) {
    // CTE scoping is approximated: an unqualified name equal to any CTE's name is that CTE.
    if (!rv.schemaname && cteNames.has(rv.relname)) continue;
    const ref = ctx.catalog.reference(rv);
    const key = objectKey(ref.schema, ref.name);
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(ref);
  }
  return out;
}

/** The query text after AS, without a trailing WITH [NO] DATA / CHECK OPTION. */
function definitionText(ctx: StatementContext, rv: RangeVarNode): string | undefined {
  const at = charAt(ctx, rv.location);
  if (at === undefined) return undefined;
  const text = ctx.source.text;
  const as = findWord(text, at, 'as');
  if (!as) return undefined;
  const end = ctx.site.offset + ctx.site.statement.length;
  return text
    .slice(as.end, end)
    .trim()
    .replace(/\s+with\s+(no\s+)?data\s*$/i, '')
    .replace(/\s+with\s+(cascaded\s+|local\s+)?check\s+option\s*$/i, '');
}
