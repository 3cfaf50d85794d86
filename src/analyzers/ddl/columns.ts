import type { IdentityKind } from '../../model/schema.js';
import { serialBaseType } from '../pg-type-names.js';
import { as, list, names, numericText, str, type Fields } from './ast.js';
import type { PendingConstraints } from './constraints.js';
import { nextvalText, normalizeNextval, parenAfterKeyword, textAfterKeyword, type StatementContext } from './context.js';
import { findColumn, type ColumnState, type SequenceState, type TableState } from './state.js';

/**
 * Column definitions (CREATE TABLE, ALTER TABLE ADD COLUMN): type, nullability, default,
 * identity, generated expression, collation; key constraints written on the column go to
 * `pending`. serial and identity columns get their sequence, named as PostgreSQL names it.
 */
export function defineColumn(ctx: StatementContext, table: TableState, def: Fields, pending: PendingConstraints): ColumnState {
  const name = str(def.colname) ?? '';
  const existing = findColumn(table, name);
  const serial = serialBaseType(def.typeName);
  const column: ColumnState = existing ?? { name, type: '', nullable: true };
  if (def.typeName && !(existing && def.is_from_type)) column.type = serial ?? ctx.catalog.formatType(def.typeName);
  if (!existing) table.columns.push(column);

  const collation = collationName(def.collClause);
  if (collation !== undefined) column.collation = collation;

  const constraints = list(def.constraints).map((c) => as(c, 'Constraint') ?? {});
  const collateAt = (as(def.collClause, 'CollateClause') ?? (def.collClause as Fields | undefined))?.location;
  constraints.forEach((c, i) => {
    // A COLLATE clause written after a DEFAULT ends the default expression too.
    const nextConstraint = constraints[i + 1]?.location;
    const candidates = [nextConstraint, collateAt].filter((l): l is number => typeof l === 'number' && typeof c.location === 'number' && l > c.location);
    const next = candidates.length > 0 ? Math.min(...candidates) : undefined;
    switch (c.contype) {
      case 'CONSTR_NULL':
        column.nullable = true;
        break;
      case 'CONSTR_NOTNULL':
        column.nullable = false;
        break;
      case 'CONSTR_DEFAULT':
        column.default = normalizeNextval(ctx.catalog, c.raw_expr) ?? textAfterKeyword(ctx, c.location, 'default', next);
        break;
      case 'CONSTR_IDENTITY':
        addIdentity(ctx, table, column, c);
        break;
      case 'CONSTR_GENERATED':
        column.generated = parenAfterKeyword(ctx, c.location, 'as');
        break;
      default:
        pending.add(ctx, c, name);
    }
  });

  if (serial) {
    column.nullable = false;
    const seq = createOwnedSequence(ctx, table, column.name, serial, []);
    column.default = nextvalText(seq);
  }
  return column;
}

export function collationName(clause: unknown): string | undefined {
  const coll = as(clause, 'CollateClause') ?? (clause as Fields | undefined);
  if (!coll || !coll.collname) return undefined;
  const parts = names(coll.collname);
  return parts[parts.length - 1];
}

/** GENERATED ALWAYS | BY DEFAULT AS IDENTITY on a column (CREATE TABLE or ALTER ... ADD GENERATED). */
export function addIdentity(ctx: StatementContext, table: TableState, column: ColumnState, c: Fields): void {
  const kind: IdentityKind = c.generated_when === 'a' ? 'always' : 'by default';
  column.identity = kind;
  column.nullable = false;
  delete column.default;
  createOwnedSequence(ctx, table, column.name, column.type, list(c.options));
}

/** The sequence of a serial or identity column: `<table>_<column>_seq` unless SEQUENCE NAME says otherwise. */
function createOwnedSequence(ctx: StatementContext, table: TableState, column: string, type: string, options: readonly unknown[]): SequenceState {
  const catalog = ctx.catalog;
  let schema = table.schema;
  let name: string | undefined;
  for (const o of options) {
    const d = as(o, 'DefElem');
    if (d?.defname === 'sequence_name') {
      const parts = names(as(d.arg, 'List')?.items);
      name = parts[parts.length - 1];
      if (parts.length > 1) schema = parts[parts.length - 2]!;
    }
  }
  name ??= catalog.chooseRelationName(schema, table.name, column, 'seq', false);
  const seq: SequenceState = { kind: 'sequence', schema, name, type, start: '1', increment: '1', ownedBy: { table, column } };
  applySequenceOptions(ctx, seq, options);
  catalog.addRelation(seq);
  return seq;
}

/** AS, START, INCREMENT, MINVALUE/MAXVALUE (for the default start) and OWNED BY options. */
export function applySequenceOptions(ctx: StatementContext, seq: SequenceState, options: readonly unknown[], altering = false): void {
  let start: string | undefined;
  let min: string | undefined;
  let max: string | undefined;
  for (const o of options) {
    const d = as(o, 'DefElem');
    if (!d) continue;
    switch (d.defname) {
      case 'as':
        seq.type = ctx.catalog.formatType(d.arg);
        break;
      case 'start':
        start = numericText(d.arg);
        break;
      case 'increment':
        seq.increment = numericText(d.arg) ?? seq.increment;
        break;
      case 'minvalue':
        min = numericText(d.arg);
        break;
      case 'maxvalue':
        max = numericText(d.arg);
        break;
      case 'owned_by':
        setOwnedBy(ctx, seq, names(as(d.arg, 'List')?.items));
        break;
      default:
        break;
    }
  }
  if (start !== undefined) seq.start = start;
  else if (!altering) {
    // The default start is MINVALUE for ascending sequences and MAXVALUE for descending ones.
    seq.start = seq.increment.startsWith('-') ? (max ?? '-1') : (min ?? '1');
  }
}

function setOwnedBy(ctx: StatementContext, seq: SequenceState, parts: readonly string[]): void {
  if (parts.length === 1 && parts[0] === 'none') {
    delete seq.ownedBy;
    return;
  }
  if (parts.length < 2) return;
  const column = parts[parts.length - 1]!;
  const relname = parts[parts.length - 2]!;
  const schemaname = parts.length > 2 ? parts[parts.length - 3] : undefined;
  const table = ctx.catalog.requireTable(schemaname === undefined ? { relname } : { schemaname, relname }, ctx.site);
  seq.ownedBy = { table, column };
}
