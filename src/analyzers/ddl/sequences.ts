import { list, rangeVar, type Fields } from './ast.js';
import { ddlError } from './catalog.js';
import { applySequenceOptions } from './columns.js';
import type { StatementContext } from './context.js';
import type { SequenceState } from './state.js';

/** CREATE SEQUENCE [IF NOT EXISTS]: type (bigint unless AS says otherwise), start, increment, OWNED BY. */
export function createSequence(ctx: StatementContext, stmt: Fields, schemaOverride?: string): void {
  const rv = rangeVar(stmt.sequence);
  if (!rv) return;
  const catalog = ctx.catalog;
  const schema = catalog.creationSchema(rv.schemaname ?? schemaOverride);
  if (catalog.findRelation(schema, rv.relname)) {
    if (stmt.if_not_exists) return;
    throw ddlError(ctx.site, `relation "${schema}.${rv.relname}" already exists`);
  }
  const seq: SequenceState = { kind: 'sequence', schema, name: rv.relname, type: 'bigint', start: '1', increment: '1' };
  applySequenceOptions(ctx, seq, list(stmt.options));
  catalog.addRelation(seq);
}

/** ALTER SEQUENCE [IF EXISTS] ... (OWNED BY, AS, INCREMENT, START). */
export function alterSequence(ctx: StatementContext, stmt: Fields): void {
  const rv = rangeVar(stmt.sequence);
  if (!rv) return;
  const rel = ctx.catalog.lookup(rv);
  if (rel?.kind !== 'sequence') {
    if (stmt.missing_ok) return;
    throw ddlError(ctx.site, `sequence "${rv.schemaname ? rv.schemaname + '.' : ''}${rv.relname}" does not exist`);
  }
  applySequenceOptions(ctx, rel, list(stmt.options), true);
}
