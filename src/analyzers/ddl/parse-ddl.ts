import type { SchemaModel } from '../../model/schema.js';
import { list, str, unwrap, type Fields } from './ast.js';
import { alterTable } from './alter-table.js';
import { DdlCatalog } from './catalog.js';
import { comment, drop } from './comments-drops.js';
import type { StatementContext } from './context.js';
import { createTable } from './create-table.js';
import { createTableFromQuery } from './create-table-as.js';
import { finalize } from './finalize.js';
import { createIndex } from './indexes.js';
import { firstTokenAt, parseFileStatements } from './parse-file.js';
import { stripPsqlMeta } from './psql-meta.js';
import { rename, setSchema } from './renames.js';
import { alterSequence, createSequence } from './sequences.js';
import { selectSetConfig, setVariable } from './session.js';
import { SourceText } from './source-text.js';
import { alterEnum, createComposite, createDomain, createEnum } from './types.js';
import { createTableAs, createView } from './views.js';

export interface DdlFile {
  readonly path: string;
  readonly text: string;
}

export interface ParseDdlOptions {
  /** Schemas for unqualified names; the first is where unqualified objects are created. Default `public`. */
  readonly searchPath?: readonly string[];
}

/**
 * The schema a set of DDL files describes: pg_dump --schema-only output or hand-written
 * migration scripts, applied in order as one script (an ALTER in a later file applies to a
 * table created in an earlier one). Each file starts with the default search path, as each
 * would under its own `psql -f`. Pure; call `ready()` from sql-parser.ts once before.
 *
 * Throws SqlSyntaxError for SQL that does not parse and for statements PostgreSQL would reject
 * for want of the object they alter.
 */
export function parseDdl(files: readonly DdlFile[], options: ParseDdlOptions = {}): SchemaModel {
  const catalog = new DdlCatalog(options.searchPath ?? ['public']);
  for (const file of files) {
    catalog.searchPath = catalog.defaultPath;
    const text = stripPsqlMeta(file.text);
    const source = new SourceText(text);
    for (const stmt of parseFileStatements(file.path, text)) {
      const offset = firstTokenAt(text, stmt.start);
      const end = text.indexOf(stmt.text, stmt.start) + stmt.text.length;
      const ctx: StatementContext = { catalog, source, site: { file: file.path, text, offset, statement: text.slice(offset, end) } };
      apply(ctx, stmt.stmt);
    }
  }
  return finalize(catalog, files.map((f) => f.path).join(', '));
}

function apply(ctx: StatementContext, node: unknown, schemaOverride?: string): void {
  const [kind, stmt] = unwrap(node) ?? ['', {} as Fields];
  switch (kind) {
    case 'CreateStmt':
      createTable(ctx, stmt, schemaOverride);
      break;
    case 'AlterTableStmt':
      alterTable(ctx, stmt);
      break;
    case 'IndexStmt':
      createIndex(ctx, stmt);
      break;
    case 'ViewStmt':
      createView(ctx, stmt, schemaOverride);
      break;
    case 'CreateTableAsStmt':
      createTableAs(ctx, stmt, schemaOverride);
      break;
    case 'CreateSeqStmt':
      createSequence(ctx, stmt, schemaOverride);
      break;
    case 'AlterSeqStmt':
      alterSequence(ctx, stmt);
      break;
    case 'CreateEnumStmt':
      createEnum(ctx, stmt, schemaOverride);
      break;
    case 'AlterEnumStmt':
      alterEnum(ctx, stmt);
      break;
    case 'CreateDomainStmt':
      createDomain(ctx, stmt, schemaOverride);
      break;
    case 'CompositeTypeStmt':
      createComposite(ctx, stmt, schemaOverride);
      break;
    case 'CommentStmt':
      comment(ctx, stmt);
      break;
    case 'DropStmt':
      drop(ctx, stmt);
      break;
    case 'RenameStmt':
      rename(ctx, stmt);
      break;
    case 'AlterObjectSchemaStmt':
      setSchema(ctx, stmt);
      break;
    case 'VariableSetStmt':
      setVariable(ctx.catalog, stmt);
      break;
    case 'SelectStmt':
      if (stmt.intoClause) createTableFromQuery(ctx, stmt.intoClause as Fields, stmt, false);
      else selectSetConfig(ctx.catalog, stmt);
      break;
    case 'CreateSchemaStmt':
      createSchema(ctx, stmt);
      break;
    default:
      // Functions, triggers, grants, extensions, policies, data: not part of the model.
      break;
  }
}

/** CREATE SCHEMA [IF NOT EXISTS] x [AUTHORIZATION r] [CREATE TABLE ... CREATE VIEW ...]. */
function createSchema(ctx: StatementContext, stmt: Fields): void {
  const authrole = (stmt.authrole ?? {}) as Fields;
  const schema = str(stmt.schemaname) ?? str(authrole.rolename);
  if (schema === undefined) return;
  const catalog = ctx.catalog;
  catalog.createdSchemas.add(schema);
  const elements = list(stmt.schemaElts);
  if (elements.length === 0) return;
  // Schema elements are created in the new schema, with it first on the search path.
  const saved = catalog.searchPath;
  catalog.searchPath = [schema, ...catalog.effectivePath];
  try {
    for (const element of elements) apply(ctx, element, schema);
  } finally {
    catalog.searchPath = saved;
  }
}
