import type { ReferentialAction } from '../../model/schema.js';
import { columnRefs, names, rangeVar, str, type Fields, type RangeVarNode } from './ast.js';
import { ddlError } from './catalog.js';
import { parenAfterKeyword, type StatementContext } from './context.js';
import { nameAddition, uniqueColumnNames } from './pg-names.js';
import { findColumn, type IndexState, type TableState } from './state.js';

/**
 * Table constraints gathered from one CREATE TABLE or ALTER TABLE, then added in the order
 * PostgreSQL names them (checks when the table is created, then the primary key and unique
 * indexes, then foreign keys), so that generated names and their clash suffixes agree.
 */

interface PendingKey {
  primary: boolean;
  name?: string;
  columns: string[];
  /** INCLUDE columns: not part of the key, but of the index's name. */
  including: string[];
  usingIndex?: string;
}

interface PendingCheck {
  name?: string;
  expression: string;
  columns: string[];
}

interface PendingForeignKey {
  name?: string;
  columns: string[];
  target: RangeVarNode;
  targetColumns: string[];
  onDelete: ReferentialAction;
  onUpdate: ReferentialAction;
  deferrable: boolean;
  initiallyDeferred: boolean;
  match: 'simple' | 'full' | 'partial';
}

const ACTIONS: Record<string, ReferentialAction> = {
  a: 'no action',
  r: 'restrict',
  c: 'cascade',
  n: 'set null',
  d: 'set default',
};

const MATCH: Record<string, 'simple' | 'full' | 'partial'> = { s: 'simple', f: 'full', p: 'partial' };

export class PendingConstraints {
  private readonly checks: PendingCheck[] = [];
  private readonly keys: PendingKey[] = [];
  private readonly foreignKeys: PendingForeignKey[] = [];
  /** Columns of table-level `NOT NULL col` constraints (PostgreSQL 18 syntax, in its pg_dump output). */
  private readonly notNull: string[] = [];
  /** The last constraint that DEFERRABLE / INITIALLY DEFERRED written after it applies to. */
  private lastDeferrable: PendingForeignKey | undefined;

  /**
   * A Constraint node, table-level or (with `column`) written on a column. NOT NULL, DEFAULT,
   * identity and generated constraints are column properties, handled by the column code.
   */
  add(ctx: StatementContext, c: Fields, column?: string): void {
    const name = str(c.conname);
    switch (c.contype) {
      case 'CONSTR_CHECK': {
        const expression = parenAfterKeyword(ctx, c.location, 'check') ?? '';
        this.checks.push({ name, expression, columns: columnRefs(c.raw_expr) });
        break;
      }
      case 'CONSTR_PRIMARY':
      case 'CONSTR_UNIQUE': {
        const keyColumns = column !== undefined ? [column] : names(c.keys);
        const usingIndex = str(c.indexname);
        this.keys.push({ primary: c.contype === 'CONSTR_PRIMARY', name, columns: keyColumns, including: names(c.including), usingIndex });
        break;
      }
      case 'CONSTR_FOREIGN': {
        const target = rangeVar(c.pktable);
        if (!target) break;
        const fk: PendingForeignKey = {
          name,
          columns: column !== undefined ? [column] : names(c.fk_attrs),
          target,
          targetColumns: names(c.pk_attrs),
          onDelete: ACTIONS[str(c.fk_del_action) ?? 'a'] ?? 'no action',
          onUpdate: ACTIONS[str(c.fk_upd_action) ?? 'a'] ?? 'no action',
          deferrable: c.deferrable === true,
          initiallyDeferred: c.initdeferred === true,
          match: MATCH[str(c.fk_matchtype) ?? 's'] ?? 'simple',
        };
        this.foreignKeys.push(fk);
        this.lastDeferrable = fk;
        break;
      }
      case 'CONSTR_NOTNULL':
        if (column === undefined) this.notNull.push(...names(c.keys));
        break;
      case 'CONSTR_ATTR_DEFERRABLE':
        if (this.lastDeferrable) this.lastDeferrable.deferrable = true;
        break;
      case 'CONSTR_ATTR_NOT_DEFERRABLE':
        if (this.lastDeferrable) this.lastDeferrable.deferrable = false;
        break;
      case 'CONSTR_ATTR_DEFERRED':
        if (this.lastDeferrable) {
          this.lastDeferrable.initiallyDeferred = true;
          this.lastDeferrable.deferrable = true;
        }
        break;
      case 'CONSTR_ATTR_IMMEDIATE':
        if (this.lastDeferrable) this.lastDeferrable.initiallyDeferred = false;
        break;
      default:
        // Exclusion constraints and the column properties are not table keys.
        break;
    }
  }

  /** Adds everything gathered to `table`, naming what is unnamed as PostgreSQL would. */
  apply(ctx: StatementContext, table: TableState): void {
    for (const col of this.notNull) {
      const c = findColumn(table, col);
      if (c) c.nullable = false;
    }
    for (const check of this.checks) addCheck(ctx, table, check.name, check.expression, check.columns);
    // transformIndexConstraints() puts the primary key first and drops a unique constraint
    // that repeats the columns of an earlier key.
    const ordered = [...this.keys.filter((k) => k.primary), ...this.keys.filter((k) => !k.primary)];
    const seen: string[][] = [];
    for (const key of ordered) {
      if (!key.usingIndex && seen.some((cols) => sameList(cols, key.columns))) continue;
      seen.push(key.columns);
      addKey(ctx, table, key);
    }
    for (const fk of this.foreignKeys) {
      const name = fk.name ?? ctx.catalog.chooseConstraintName(table.schema, table.name, nameAddition(fk.columns), 'fkey');
      ctx.catalog.addConstraintName(table.schema, name);
      table.foreignKeys.push({
        name,
        table,
        columns: fk.columns,
        target: ctx.catalog.reference(fk.target),
        targetColumns: fk.targetColumns,
        onDelete: fk.onDelete,
        onUpdate: fk.onUpdate,
        deferrable: fk.deferrable,
        initiallyDeferred: fk.initiallyDeferred,
        match: fk.match,
        site: ctx.site,
      });
    }
  }
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

export function addCheck(ctx: StatementContext, table: TableState, explicit: string | undefined, expression: string, columns: string[]): void {
  // AddRelationNewConstraints(): "tab_col_check" when the expression uses exactly one column.
  const name = explicit ?? ctx.catalog.chooseConstraintName(table.schema, table.name, columns.length === 1 ? columns[0] : undefined, 'check');
  ctx.catalog.addConstraintName(table.schema, name);
  table.checks.push({ name, expression, columns });
}

function addKey(ctx: StatementContext, table: TableState, key: PendingKey): void {
  const catalog = ctx.catalog;
  if (key.primary && table.primaryKey) throw ddlError(ctx.site, `multiple primary keys for table "${table.name}" are not allowed`);
  let index: IndexState;
  if (key.usingIndex) {
    const existing = catalog.findRelation(table.schema, key.usingIndex);
    if (existing?.kind !== 'index' || existing.table !== table) throw ddlError(ctx.site, `index "${key.usingIndex}" does not exist on table "${table.name}"`);
    index = existing;
    // ADD CONSTRAINT name ... USING INDEX renames the index to the constraint's name.
    if (key.name && key.name !== index.name) catalog.renameRelation(index, index.schema, key.name);
    index.constraintBacked = true;
    index.unique = true;
  } else {
    const attnames = uniqueColumnNames([...key.columns, ...key.including]);
    const name =
      key.name ??
      (key.primary
        ? catalog.chooseRelationName(table.schema, table.name, undefined, 'pkey', true)
        : catalog.chooseRelationName(table.schema, table.name, nameAddition(attnames), 'key', true));
    index = {
      kind: 'index',
      name,
      schema: table.schema,
      table,
      columns: [...key.columns],
      expressions: key.columns.map(() => false),
      attnames,
      unique: true,
      method: 'btree',
      constraintBacked: true,
    };
    catalog.addRelation(index);
    table.indexes.push(index);
  }
  catalog.addConstraintName(table.schema, index.name);
  const constraint = { name: index.name, columns: [...index.columns] };
  if (key.primary) {
    table.primaryKey = constraint;
    for (const col of constraint.columns) {
      const c = findColumn(table, col);
      if (c) c.nullable = false;
    }
  } else table.uniques.push(constraint);
}
