import { SqlSyntaxError } from '../../errors.js';
import { firstWords, lineOf, parseText, splitStatements, type ParsedStatement } from '../sql-parser.js';
import { Lexer } from './lexer.js';

/**
 * One file's statements, parsed in one go. When the file does not parse, the statements are
 * parsed one by one to name the statement at fault and its line.
 */
export function parseFileStatements(path: string, text: string): ParsedStatement[] {
  const outcome = parseText(text);
  if (outcome.ok) return outcome.statements;
  // A caller bug, not bad SQL: say so rather than blame the file.
  if (/not initialized/i.test(outcome.error.message)) throw new Error('parseDdl() needs `await ready()` from sql-parser.ts first');

  for (const stmt of splitStatements(text)) {
    const single = parseText(stmt.text);
    if (single.ok) continue;
    const at = single.error.position !== undefined && single.error.position > 0 ? stmt.start + single.error.position : firstTokenAt(text, stmt.start);
    throw new SqlSyntaxError(path, lineOf(text, at), single.error.message, firstWords(statementText(stmt.text)));
  }
  // Every statement parses alone but the file does not (a split the scanner got wrong):
  // report where the parser stopped.
  const at = outcome.error.position ?? 0;
  throw new SqlSyntaxError(path, lineOf(text, at), outcome.error.message, firstWords(text.slice(firstTokenAt(text, at))));
}

/** Offset of the first token at or after `offset` (skipping blanks and comments). */
export function firstTokenAt(text: string, offset: number): number {
  return new Lexer(text, offset).next()?.start ?? offset;
}

/** A statement's text without the comments before its first token. */
function statementText(text: string): string {
  return text.slice(firstTokenAt(text, 0));
}
