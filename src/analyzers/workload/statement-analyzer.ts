import { parseText, splitStatements, statementIdFromAst, type AstNode } from '../sql-parser.js';
import { extractStructure, unparsedStatement, type StatementAnalysis, type StatementStructure } from './query-shape.js';
import type { RelationResolver } from './relation-resolver.js';
import { normalizeSql } from './sql-normalize.js';

/** Past this many remembered texts a cache stops growing (a log of ever-new statements). */
const CACHE_LIMIT = 200_000;

/**
 * analyzeStatement with caches, for workloads where the same statements come back again and
 * again with other constants:
 * - by normalized text (sql-normalize.ts): text seen before up to literals is neither parsed
 *   nor walked again; a log line costs one pass over its characters;
 * - by statement id: statements whose trees match up to constants share reads, writes and
 *   joins, so a tree is walked for them once;
 * - text that does not parse is remembered by its exact text.
 */
export class StatementAnalyzer {
  private readonly byShape = new Map<string, readonly StatementAnalysis[]>();
  private readonly failed = new Map<string, readonly StatementAnalysis[]>();
  private readonly byId = new Map<string, StatementStructure>();

  constructor(private readonly resolver: RelationResolver) {}

  /** Text that may hold several statements (a logged simple query, a pg_stat_statements entry). */
  analyzeText(text: string): readonly StatementAnalysis[] {
    const shape = normalizeSql(text);
    const known = this.byShape.get(shape) ?? this.failed.get(text);
    if (known) return known;
    const outcome = parseText(text);
    if (outcome.ok) {
      const analyses = outcome.statements.map((s) => this.fromNode(s.text, s.stmt));
      remember(this.byShape, shape, analyses);
      return analyses;
    }
    const analyses = this.salvage(text, outcome.error.message);
    remember(this.failed, text, analyses);
    return analyses;
  }

  /** A statement some caller already parsed (a whole .sql file is parsed in one go). */
  analyzeParsed(sql: string, stmt: AstNode): StatementAnalysis {
    const shape = normalizeSql(sql);
    const known = this.byShape.get(shape);
    if (known?.length === 1) return known[0]!;
    const analysis = this.fromNode(sql, stmt);
    remember(this.byShape, shape, [analysis]);
    return analysis;
  }

  private fromNode(sql: string, stmt: AstNode): StatementAnalysis {
    const id = statementIdFromAst(stmt);
    let structure = this.byId.get(id);
    if (!structure) {
      structure = extractStructure(stmt, this.resolver);
      this.byId.set(id, structure);
    }
    return { id, sql, ...structure };
  }

  /** One bad statement must not hide the good ones beside it. */
  private salvage(text: string, message: string): StatementAnalysis[] {
    const pieces = splitStatements(text);
    if (pieces.length <= 1) return [unparsedStatement(text.trim(), message)];
    return pieces.flatMap((piece) => {
      const one = parseText(piece.text);
      if (!one.ok) return [unparsedStatement(piece.text, one.error.message)];
      return one.statements.map((s) => this.fromNode(s.text, s.stmt));
    });
  }
}

function remember<K, V>(map: Map<K, V>, key: K, value: V): void {
  if (map.size < CACHE_LIMIT) map.set(key, value);
}
