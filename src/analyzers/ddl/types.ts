import { as, list, names, rangeVar, str, type Fields } from './ast.js';
import { ddlError } from './catalog.js';
import { normalizeNextval, parenAfterKeyword, textAfterKeyword, type StatementContext } from './context.js';
import { objectKey, type DomainState, type EnumState } from './state.js';

/** CREATE TYPE ... AS ENUM, ALTER TYPE ... ADD VALUE / RENAME VALUE, CREATE DOMAIN, CREATE TYPE ... AS (...). */

function qualified(ctx: StatementContext, parts: readonly string[], schemaOverride?: string): { schema: string; name: string } {
  const name = parts[parts.length - 1] ?? '';
  const schema = ctx.catalog.creationSchema(parts.length > 1 ? parts[parts.length - 2] : schemaOverride);
  return { schema, name };
}

export function createEnum(ctx: StatementContext, stmt: Fields, schemaOverride?: string): void {
  const { schema, name } = qualified(ctx, names(stmt.typeName), schemaOverride);
  if (ctx.catalog.findType(schema, name)) throw ddlError(ctx.site, `type "${schema}.${name}" already exists`);
  const type: EnumState = { kind: 'enum', schema, name, values: names(stmt.vals) };
  ctx.catalog.types.set(objectKey(schema, name), type);
}

export function alterEnum(ctx: StatementContext, stmt: Fields): void {
  const parts = names(stmt.typeName);
  const type = ctx.catalog.lookupType(parts);
  if (type?.kind !== 'enum') throw ddlError(ctx.site, `type "${parts.join('.')}" is not a known enum`);
  const oldVal = str(stmt.oldVal);
  const newVal = str(stmt.newVal) ?? '';
  if (oldVal !== undefined) {
    type.values = type.values.map((v) => (v === oldVal ? newVal : v));
    return;
  }
  if (type.values.includes(newVal)) {
    if (stmt.skipIfNewValExists) return;
    throw ddlError(ctx.site, `enum label "${newVal}" already exists`);
  }
  const neighbor = str(stmt.newValNeighbor);
  const at = neighbor === undefined ? -1 : type.values.indexOf(neighbor);
  if (at < 0) type.values.push(newVal);
  else type.values.splice(stmt.newValIsAfter ? at + 1 : at, 0, newVal);
}

export function createDomain(ctx: StatementContext, stmt: Fields, schemaOverride?: string): void {
  const catalog = ctx.catalog;
  const { schema, name } = qualified(ctx, names(stmt.domainname), schemaOverride);
  if (catalog.findType(schema, name)) throw ddlError(ctx.site, `type "${schema}.${name}" already exists`);
  const domain: DomainState = { kind: 'domain', schema, name, baseType: catalog.formatType(stmt.typeName), notNull: false, checks: [] };
  const constraints = list(stmt.constraints).map((c) => as(c, 'Constraint') ?? {});
  constraints.forEach((c, i) => {
    switch (c.contype) {
      case 'CONSTR_NOTNULL':
        domain.notNull = true;
        break;
      case 'CONSTR_NULL':
        domain.notNull = false;
        break;
      case 'CONSTR_DEFAULT': {
        const text = normalizeNextval(catalog, c.raw_expr) ?? textAfterKeyword(ctx, c.location, 'default', constraints[i + 1]?.location);
        if (text !== undefined) domain.default = text;
        break;
      }
      case 'CONSTR_CHECK': {
        // domainAddConstraint(): ChooseConstraintName(domain, NULL, "check", ...).
        const conname = str(c.conname) ?? catalog.chooseConstraintName(schema, name, undefined, 'check');
        catalog.addConstraintName(schema, conname);
        domain.checks.push({ name: conname, expression: parenAfterKeyword(ctx, c.location, 'check') ?? '' });
        break;
      }
      default:
        break;
    }
  });
  catalog.types.set(objectKey(schema, name), domain);
}

/** A composite type takes a relation name (and a type name) in its schema. */
export function createComposite(ctx: StatementContext, stmt: Fields, schemaOverride?: string): void {
  const rv = rangeVar(stmt.typevar);
  if (!rv) return;
  const schema = ctx.catalog.creationSchema(rv.schemaname ?? schemaOverride);
  ctx.catalog.addRelation({ kind: 'composite', schema, name: rv.relname });
}
