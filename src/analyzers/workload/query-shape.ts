import { parseText, statementIdFromAst, textStatementId, type AstNode } from '../sql-parser.js';
import type { TableRef } from '../../model/schema.js';
import type { JoinPredicate, QueryShape, StatementKind } from '../../model/workload.js';
import type { RelationResolver } from './relation-resolver.js';
import { ShapeExtractor } from './shape-extractor.js';

export { createResolver, type RelationResolver, type ResolvedRelation } from './relation-resolver.js';

/** Transaction control, which log sources use to group statements into transactions. */
export type TransactionControl = 'begin' | 'commit' | 'rollback';

/** What one statement is, before anyone counts how often it ran. */
export type StatementAnalysis = Omit<QueryShape, 'calls' | 'sources' | 'totalTimeMs' | 'meanTimeMs' | 'rows'> & {
  readonly transactionControl?: TransactionControl;
};

/** The part of an analysis that depends only on the statement's structure (not its constants). */
export type StatementStructure = Omit<StatementAnalysis, 'id' | 'sql'>;

function kindOf(stmt: AstNode): StatementKind {
  for (const key in stmt) {
    switch (key) {
      case 'SelectStmt':
      case 'DeclareCursorStmt':
        return 'select';
      case 'InsertStmt':
        return 'insert';
      case 'UpdateStmt':
        return 'update';
      case 'DeleteStmt':
      case 'TruncateStmt':
        return 'delete';
      case 'MergeStmt':
        return 'merge';
      case 'CopyStmt': {
        const copy = stmt.CopyStmt as AstNode;
        // COPY t FROM loads rows; COPY t TO and COPY (query) TO read them.
        return copy.is_from ? 'insert' : 'select';
      }
      default:
        return 'other';
    }
  }
  return 'other';
}

function transactionControlOf(stmt: AstNode): TransactionControl | undefined {
  const tx = stmt.TransactionStmt as { kind?: string } | undefined;
  switch (tx?.kind) {
    case 'TRANS_STMT_BEGIN':
    case 'TRANS_STMT_START':
      return 'begin';
    case 'TRANS_STMT_COMMIT':
    // PREPARE TRANSACTION ends the session's part; the commit may come from anywhere.
    case 'TRANS_STMT_PREPARE':
      return 'commit';
    case 'TRANS_STMT_ROLLBACK':
      return 'rollback';
    default:
      return undefined;
  }
}

function sortedRefs(refs: Iterable<TableRef>): TableRef[] {
  return [...refs].sort((a, b) => (a.schema === b.schema ? (a.name < b.name ? -1 : a.name > b.name ? 1 : 0) : a.schema < b.schema ? -1 : 1));
}

function predicateKey(p: JoinPredicate): string {
  return `${p.left.schema}.${p.left.table}.${p.left.column}|${p.operator}|${p.right.schema}.${p.right.table}.${p.right.column}`;
}

/**
 * Reads, writes and join predicates of one parsed statement. Utility statements (BEGIN, SET,
 * EXPLAIN, VACUUM, ...) are kind `other` with nothing read or written; EXPLAIN's inner query is
 * deliberately not analyzed (it did not run).
 */
export function extractStructure(stmt: AstNode, resolver: RelationResolver): StatementStructure {
  const kind = kindOf(stmt);
  const transactionControl = kind === 'other' ? transactionControlOf(stmt) : undefined;
  if (kind === 'other') return { kind, reads: [], writes: [], joins: [], parsed: true, ...(transactionControl ? { transactionControl } : {}) };
  const extractor = new ShapeExtractor(resolver);
  extractor.statement(stmt);
  const joins = [...extractor.joins.values()].sort((a, b) => (predicateKey(a) < predicateKey(b) ? -1 : 1));
  return {
    kind,
    reads: sortedRefs(extractor.reads.values()),
    writes: sortedRefs(extractor.writes.values()),
    joins,
    parsed: true,
    ...(extractor.unknown.size > 0 ? { unknownRelations: [...extractor.unknown].sort() } : {}),
  };
}

/** The shape of a statement that does not parse: nothing known but its text and the error. */
export function unparsedStatement(sql: string, error: string): StatementAnalysis {
  return { id: textStatementId(sql), sql, kind: guessKind(sql), reads: [], writes: [], joins: [], parsed: false, error };
}

function guessKind(sql: string): StatementKind {
  const word = /^\s*(?:\/\*[\s\S]*?\*\/\s*|--[^\n]*\n\s*)*([a-z]+)/i.exec(sql)?.[1]?.toLowerCase();
  switch (word) {
    case 'select':
    case 'with':
    case 'values':
    case 'table':
      return 'select';
    case 'insert':
    case 'update':
    case 'delete':
    case 'merge':
      return word;
    default:
      return 'other';
  }
}

/**
 * The pure core: one statement's text and, when the caller already parsed it, its node
 * (`{ SelectStmt: ... }`). Without a node the text is parsed here; text that does not parse
 * (or that holds several statements) yields `parsed: false` with the parser's message.
 */
export function analyzeStatement(sql: string, stmt: AstNode | undefined, resolver: RelationResolver): StatementAnalysis {
  let node = stmt;
  if (node === undefined) {
    const outcome = parseText(sql);
    if (!outcome.ok) return unparsedStatement(sql, outcome.error.message);
    if (outcome.statements.length !== 1) return unparsedStatement(sql, `expected one statement, found ${outcome.statements.length}`);
    node = outcome.statements[0]!.stmt;
  }
  return { id: statementIdFromAst(node), sql, ...extractStructure(node, resolver) };
}
