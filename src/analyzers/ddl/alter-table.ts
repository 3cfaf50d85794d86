import { as, list, minLocation, rangeVar, str, type Fields } from './ast.js';
import { ddlError } from './catalog.js';
import { addIdentity, collationName, defineColumn } from './columns.js';
import { PendingConstraints } from './constraints.js';
import { normalizeNextval, textAfterPrecedingKeyword, type StatementContext } from './context.js';
import { dropColumn, dropConstraint, dropOwnedSequences } from './drops.js';
import { findColumn, type ColumnState, type TableState } from './state.js';

const REPLICA_IDENTITY: Record<string, TableState['replicaIdentity']> = { d: 'default', f: 'full', n: 'nothing', i: 'index' };

/** ALTER TABLE / ALTER INDEX ... ATTACH PARTITION. Commands with no bearing on the model are ignored. */
export function alterTable(ctx: StatementContext, stmt: Fields): void {
  const rv = rangeVar(stmt.relation);
  if (!rv) return;
  const catalog = ctx.catalog;
  const cmds = list(stmt.cmds).map((c) => as(c, 'AlterTableCmd') ?? {});

  if (stmt.objtype === 'OBJECT_INDEX') {
    for (const cmd of cmds) if (cmd.subtype === 'AT_AttachPartition') attachIndex(ctx, rv, cmd);
    return;
  }
  if (stmt.objtype !== 'OBJECT_TABLE') return;
  const rel = catalog.lookup(rv);
  if (!rel) {
    if (stmt.missing_ok) return;
    catalog.requireTable(rv, ctx.site);
    return;
  }
  // pg_dump and people run ALTER TABLE on sequences and views too (OWNER TO...): nothing to model.
  if (rel.kind !== 'table') return;
  const table = rel;

  const pending = new PendingConstraints();
  for (const cmd of cmds) {
    const name = str(cmd.name);
    const column = name === undefined ? undefined : findColumn(table, name);
    const needColumn = (): ColumnState => {
      if (column) return column;
      throw ddlError(ctx.site, `column "${name}" of relation "${table.name}" does not exist`);
    };
    switch (cmd.subtype) {
      case 'AT_AddColumn': {
        const def = as(cmd.def, 'ColumnDef');
        if (!def) break;
        if (findColumn(table, str(def.colname) ?? '')) {
          if (cmd.missing_ok) break;
          throw ddlError(ctx.site, `column "${str(def.colname)}" of relation "${table.name}" already exists`);
        }
        defineColumn(ctx, table, def, pending);
        break;
      }
      case 'AT_ColumnDefault': {
        const col = needColumn();
        if (cmd.def === undefined) delete col.default;
        else {
          const text = normalizeNextval(catalog, cmd.def) ?? textAfterPrecedingKeyword(ctx, minLocation(cmd.def), 'default');
          if (text !== undefined) col.default = text;
        }
        break;
      }
      case 'AT_SetNotNull':
        needColumn().nullable = false;
        break;
      case 'AT_DropNotNull':
        needColumn().nullable = true;
        break;
      case 'AT_DropColumn':
        if (column) dropColumn(catalog, table, column.name);
        else if (!cmd.missing_ok) needColumn();
        break;
      case 'AT_AlterColumnType': {
        const col = needColumn();
        const def = as(cmd.def, 'ColumnDef') ?? {};
        if (def.typeName) col.type = catalog.formatType(def.typeName);
        const collation = collationName(def.collClause);
        if (collation !== undefined) col.collation = collation;
        break;
      }
      case 'AT_AddConstraint': {
        const c = as(cmd.def, 'Constraint');
        if (c) pending.add(ctx, c);
        break;
      }
      case 'AT_DropConstraint':
        if (name !== undefined && !dropConstraint(catalog, table, name) && !cmd.missing_ok) {
          throw ddlError(ctx.site, `constraint "${name}" of relation "${table.name}" does not exist`);
        }
        break;
      case 'AT_AddIdentity': {
        const c = as(cmd.def, 'Constraint');
        if (c) addIdentity(ctx, table, needColumn(), c);
        break;
      }
      case 'AT_DropIdentity':
        if (column) {
          delete column.identity;
          dropOwnedSequences(catalog, table, column.name);
        }
        break;
      case 'AT_ReplicaIdentity': {
        const ri = as(cmd.def, 'ReplicaIdentityStmt');
        const kind = REPLICA_IDENTITY[str(ri?.identity_type) ?? ''];
        if (kind) table.replicaIdentity = kind;
        break;
      }
      case 'AT_SetLogged':
        table.unlogged = false;
        break;
      case 'AT_SetUnLogged':
        table.unlogged = true;
        break;
      case 'AT_AttachPartition': {
        const child = catalog.requireTable(rangeVar((as(cmd.def, 'PartitionCmd') ?? {}).name)!, ctx.site);
        child.partitionOf = table;
        break;
      }
      case 'AT_DetachPartition': {
        const child = catalog.lookup(rangeVar((as(cmd.def, 'PartitionCmd') ?? {}).name)!);
        if (child?.kind === 'table' && child.partitionOf === table) delete child.partitionOf;
        break;
      }
      case 'AT_AddInherit': {
        const parent = catalog.requireTable(rangeVar(cmd.def)!, ctx.site);
        if (!table.inherits.includes(parent)) table.inherits.push(parent);
        break;
      }
      case 'AT_DropInherit': {
        const parent = catalog.lookup(rangeVar(cmd.def)!);
        table.inherits = table.inherits.filter((p) => p !== parent);
        break;
      }
      default:
        break;
    }
  }
  pending.apply(ctx, table);
}

/** ALTER INDEX parent_idx ATTACH PARTITION child_idx: the child index folds into the parent's. */
function attachIndex(ctx: StatementContext, parentRv: NonNullable<ReturnType<typeof rangeVar>>, cmd: Fields): void {
  const catalog = ctx.catalog;
  const parent = catalog.lookup(parentRv);
  const childRv = rangeVar((as(cmd.def, 'PartitionCmd') ?? {}).name);
  const child = childRv ? catalog.lookup(childRv) : undefined;
  if (parent?.kind !== 'index' || child?.kind !== 'index') {
    const missing = parent?.kind !== 'index' ? parentRv.relname : (childRv?.relname ?? '?');
    throw ddlError(ctx.site, `index "${missing}" does not exist`);
  }
  child.attachedTo = parent;
}

