import type { PartitionStrategy } from '../../model/schema.js';
import { as, list, rangeVar, str, unwrap, type Fields } from './ast.js';
import { ddlError, TEMP_SCHEMA } from './catalog.js';
import { defineColumn } from './columns.js';
import { addCheck, PendingConstraints } from './constraints.js';
import { charAt, visibleExpression, type StatementContext } from './context.js';
import { findOpenParen, leadingExpression, listItems } from './expression-text.js';
import { nameAddition } from './pg-names.js';
import { findColumn, newTable, type ColumnState, type SequenceState, type TableState } from './state.js';

// TableLikeOption bits (parsenodes.h).
const LIKE_COMMENTS = 1 << 0;
const LIKE_CONSTRAINTS = 1 << 2;
const LIKE_DEFAULTS = 1 << 3;
const LIKE_GENERATED = 1 << 4;
const LIKE_IDENTITY = 1 << 5;
const LIKE_INDEXES = 1 << 6;

const STRATEGIES: Record<string, PartitionStrategy> = {
  PARTITION_STRATEGY_RANGE: 'range',
  PARTITION_STRATEGY_LIST: 'list',
  PARTITION_STRATEGY_HASH: 'hash',
};

/** CREATE TABLE, including PARTITION OF, INHERITS, LIKE and PARTITION BY. */
export function createTable(ctx: StatementContext, stmt: Fields, schemaOverride?: string): void {
  const catalog = ctx.catalog;
  const rv = rangeVar(stmt.relation);
  if (!rv) return;
  // Temporary tables live in pg_temp, which the model leaves out.
  const schema = catalog.creationSchema(rv.relpersistence === 't' ? TEMP_SCHEMA : (rv.schemaname ?? schemaOverride));
  if (catalog.findRelation(schema, rv.relname)) {
    if (stmt.if_not_exists) return;
    throw ddlError(ctx.site, `relation "${schema}.${rv.relname}" already exists`);
  }
  const table = newTable(schema, rv.relname);
  table.unlogged = rv.relpersistence === 'u';
  catalog.addRelation(table);

  const parents = list(stmt.inhRelations).map((p) => catalog.requireTable(rangeVar(p)!, ctx.site));
  if (stmt.partbound) {
    const parent = parents[0]!;
    table.partitionOf = parent;
    for (const col of parent.columns) table.columns.push(inheritedColumn(col));
  } else {
    for (const parent of parents) inherit(table, parent);
  }

  const pending = new PendingConstraints();
  for (const elt of list(stmt.tableElts)) {
    const [kind, fields] = unwrap(elt) ?? ['', {}];
    if (kind === 'ColumnDef') defineColumn(ctx, table, fields, pending);
    else if (kind === 'Constraint') pending.add(ctx, fields);
    else if (kind === 'TableLikeClause') copyLike(ctx, table, fields);
  }
  pending.apply(ctx, table);

  const spec = (stmt.partspec ?? undefined) as Fields | undefined;
  if (spec) {
    const strategy = STRATEGIES[str(spec.strategy) ?? ''];
    if (strategy) table.partitioning = { strategy, key: partitionKeyText(ctx, spec) };
  }
}

function inheritedColumn(col: ColumnState): ColumnState {
  const copy: ColumnState = { name: col.name, type: col.type, nullable: col.nullable };
  if (col.default !== undefined) copy.default = col.default;
  if (col.generated !== undefined) copy.generated = col.generated;
  if (col.collation !== undefined) copy.collation = col.collation;
  return copy;
}

/** INHERITS (parent): the parent's columns come first (merged by name), its checks are inherited. */
function inherit(table: TableState, parent: TableState): void {
  table.inherits.push(parent);
  for (const col of parent.columns) {
    const existing = findColumn(table, col.name);
    if (existing) existing.nullable &&= col.nullable;
    else table.columns.push(inheritedColumn(col));
  }
  for (const check of parent.checks) {
    if (!table.checks.some((c) => c.name === check.name)) table.checks.push({ ...check, columns: [...check.columns] });
  }
}

/** LIKE source [INCLUDING ...]: columns always; defaults, identity, checks, indexes, comments as asked. */
function copyLike(ctx: StatementContext, table: TableState, clause: Fields): void {
  const catalog = ctx.catalog;
  const source = catalog.requireTable(rangeVar(clause.relation)!, ctx.site);
  const options = Number(clause.options ?? 0);
  for (const col of source.columns) {
    if (findColumn(table, col.name)) continue;
    const copy: ColumnState = { name: col.name, type: col.type, nullable: col.nullable };
    if (col.collation !== undefined) copy.collation = col.collation;
    if (col.default !== undefined && options & LIKE_DEFAULTS) copy.default = col.default;
    if (col.generated !== undefined && options & LIKE_GENERATED) copy.generated = col.generated;
    if (col.comment !== undefined && options & LIKE_COMMENTS) copy.comment = col.comment;
    if (col.identity !== undefined && options & LIKE_IDENTITY) {
      copy.identity = col.identity;
      const name = catalog.chooseRelationName(table.schema, table.name, col.name, 'seq', false);
      const seq: SequenceState = { kind: 'sequence', schema: table.schema, name, type: col.type, start: '1', increment: '1', ownedBy: { table, column: col.name } };
      catalog.addRelation(seq);
    }
    table.columns.push(copy);
  }
  if (options & LIKE_CONSTRAINTS) {
    for (const check of source.checks) addCheck(ctx, table, check.name, check.expression, [...check.columns]);
  }
  if (options & LIKE_COMMENTS && source.comment !== undefined) table.comment ??= source.comment;
  if (options & LIKE_INDEXES) {
    for (const index of source.indexes) {
      const isPrimary = source.primaryKey?.name === index.name;
      // Copies are named from the source index's own column names (`lower`, `expr`, INCLUDE columns).
      const colNames = index.attnames;
      const name = isPrimary
        ? catalog.chooseRelationName(table.schema, table.name, undefined, 'pkey', true)
        : catalog.chooseRelationName(table.schema, table.name, nameAddition(colNames), index.constraintBacked ? 'key' : 'idx', index.constraintBacked);
      const copy = { ...index, name, schema: table.schema, table, columns: [...index.columns], expressions: [...index.expressions], attnames: [...index.attnames] };
      delete copy.attachedTo;
      catalog.addRelation(copy);
      table.indexes.push(copy);
      if (index.constraintBacked) {
        catalog.addConstraintName(table.schema, name);
        if (isPrimary) table.primaryKey = { name, columns: [...index.columns] };
        else table.uniques.push({ name, columns: [...index.columns] });
      }
    }
  }
}

/** The partition key as written: `created_at`, `lower(name), region`. */
function partitionKeyText(ctx: StatementContext, spec: Fields): string {
  const params = list(spec.partParams).map((p) => as(p, 'PartitionElem') ?? {});
  const at = charAt(ctx, spec.location);
  const open = at === undefined ? undefined : findOpenParen(ctx.source.text, at);
  const items = open === undefined ? [] : listItems(ctx.source.text, open);
  return params
    .map((p, i) => {
      if (typeof p.name === 'string') return p.name;
      const item = items[i];
      return item === undefined ? 'expr' : visibleExpression(leadingExpression(item));
    })
    .join(', ');
}

