import { as, list, names, rangeVar, str, unwrap, type Fields } from './ast.js';
import { ddlError } from './catalog.js';
import type { StatementContext } from './context.js';
import { figureColname } from './pg-names.js';
import { findColumn, newTable, type ColumnState, type TableState } from './state.js';

/**
 * CREATE TABLE ... AS SELECT and SELECT ... INTO: the new table's columns are what the query
 * returns. Their types are known when they come straight from a table column (or `*`) or from
 * a cast; any other expression gets the type `unknown`, as working out expression types needs
 * the server. Migrations that rebuild a table this way and then add keys to it work.
 */
export function createTableFromQuery(ctx: StatementContext, into: Fields, query: unknown, ifNotExists: boolean): void {
  const catalog = ctx.catalog;
  const rv = rangeVar(into.rel);
  if (!rv) return;
  const schema = catalog.creationSchema(rv.relpersistence === 't' ? 'pg_temp' : rv.schemaname);
  if (catalog.findRelation(schema, rv.relname)) {
    if (ifNotExists) return;
    throw ddlError(ctx.site, `relation "${schema}.${rv.relname}" already exists`);
  }
  const table = newTable(schema, rv.relname);
  table.unlogged = rv.relpersistence === 'u';
  table.columns = queryColumns(ctx, query);
  const colNames = names(into.colNames);
  colNames.forEach((name, i) => {
    const col = table.columns[i];
    if (col) col.name = name;
  });
  catalog.addRelation(table);
}

function queryColumns(ctx: StatementContext, query: unknown): ColumnState[] {
  let select = as(query, 'SelectStmt') ?? ((query ?? {}) as Fields);
  // A set operation returns the columns of its first branch.
  while (select.op && select.op !== 'SETOP_NONE' && select.larg) select = select.larg as Fields;
  const sources = new Map<string, TableState>();
  const ordered: TableState[] = [];
  const addSource = (node: unknown): void => {
    const [kind, f] = unwrap(node) ?? ['', {}];
    if (kind === 'RangeVar') {
      const rv = rangeVar(f);
      const rel = rv ? ctx.catalog.lookup(rv) : undefined;
      if (rel?.kind !== 'table') return;
      ordered.push(rel);
      const alias = str((f.alias as Fields | undefined)?.aliasname) ?? rv!.relname;
      sources.set(alias, rel);
    } else if (kind === 'JoinExpr') {
      addSource(f.larg);
      addSource(f.rarg);
    }
  };
  for (const item of list(select.fromClause)) addSource(item);

  const columns: ColumnState[] = [];
  for (const target of list(select.targetList)) {
    const rt = as(target, 'ResTarget') ?? {};
    const alias = str(rt.name);
    const ref = as(rt.val, 'ColumnRef');
    if (ref) {
      const fields = list(ref.fields);
      const star = fields.length > 0 && as(fields[fields.length - 1], 'A_Star') !== undefined;
      const parts = names(fields);
      if (star) {
        const from = parts.length > 0 ? [sources.get(parts[parts.length - 1]!)].filter((t): t is TableState => t !== undefined) : ordered;
        for (const t of from) for (const c of t.columns) columns.push({ name: c.name, type: c.type, nullable: true });
        continue;
      }
      const colName = parts[parts.length - 1] ?? '?column?';
      const qualifier = parts.length > 1 ? sources.get(parts[parts.length - 2]!) : undefined;
      const source = qualifier ? findColumn(qualifier, colName) : ordered.map((t) => findColumn(t, colName)).find((c) => c !== undefined);
      columns.push({ name: alias ?? colName, type: source?.type ?? 'unknown', nullable: true });
      continue;
    }
    const cast = as(rt.val, 'TypeCast');
    columns.push({
      name: alias ?? figureColname(rt.val) ?? '?column?',
      type: cast ? ctx.catalog.formatType(cast.typeName) : 'unknown',
      nullable: true,
    });
  }
  return columns;
}
