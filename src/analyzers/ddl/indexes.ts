import { as, list, rangeVar, str, type Fields } from './ast.js';
import { ddlError } from './catalog.js';
import { charAt, visibleExpression, type StatementContext } from './context.js';
import { expressionFrom, findOpenParen, findWord, leadingExpression, listItems, matchingParen } from './expression-text.js';
import { indexColumnNames, nameAddition } from './pg-names.js';
import type { IndexState } from './state.js';

/** CREATE [UNIQUE] INDEX [CONCURRENTLY] [IF NOT EXISTS] [name] ON [ONLY] t USING m (...) [WHERE ...]. */
export function createIndex(ctx: StatementContext, stmt: Fields): void {
  const catalog = ctx.catalog;
  const rv = rangeVar(stmt.relation);
  if (!rv) return;
  // Indexes on materialized views have no place in the model.
  if (catalog.lookup(rv)?.kind === 'view') return;
  const table = catalog.requireTable(rv, ctx.site);
  const explicit = str(stmt.idxname);
  if (explicit && catalog.findRelation(table.schema, explicit)) {
    if (stmt.if_not_exists) return;
    throw ddlError(ctx.site, `relation "${table.schema}.${explicit}" already exists`);
  }
  const elements = list(stmt.indexParams);
  const text = ctx.source.text;
  const at = charAt(ctx, rv.location);
  const open = at === undefined ? undefined : findOpenParen(text, at);
  const items = open === undefined ? [] : listItems(text, open);

  const columns: string[] = [];
  const expressions: boolean[] = [];
  elements.forEach((el, i) => {
    const ie = as(el, 'IndexElem') ?? {};
    if (typeof ie.name === 'string') {
      columns.push(ie.name);
      expressions.push(false);
    } else {
      const item = items[i];
      columns.push(item === undefined ? 'expr' : visibleExpression(leadingExpression(item)));
      expressions.push(true);
    }
  });

  const unique = stmt.unique === true;
  const attnames = indexColumnNames([...elements, ...list(stmt.indexIncludingParams)]);
  const name = explicit ?? catalog.chooseRelationName(table.schema, table.name, nameAddition(attnames), 'idx', false);
  const index: IndexState = {
    kind: 'index',
    name,
    schema: table.schema,
    table,
    columns,
    expressions,
    attnames,
    unique,
    method: str(stmt.accessMethod) ?? 'btree',
    constraintBacked: false,
  };
  if (stmt.whereClause && open !== undefined) {
    const where = findWord(text, matchingParen(text, open) + 1, 'where');
    if (where) index.predicate = visibleExpression(expressionFrom(text, where.end));
  }
  catalog.addRelation(index);
  table.indexes.push(index);
}
