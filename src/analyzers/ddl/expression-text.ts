import { isWord, Lexer, type Token } from './lexer.js';

/**
 * Cutting SQL text out of the original source. Expressions are kept as the author (or pg_dump)
 * wrote them: pg_dump prints them as pg_get_expr() does, so dumps give the same text live
 * introspection gives.
 */

/** Char offset of the `)` matching the `(` at `open` (text length if unbalanced). */
export function matchingParen(text: string, open: number): number {
  const lexer = new Lexer(text, open);
  let depth = 0;
  for (let tok = lexer.next(); tok; tok = lexer.next()) {
    if (tok.text === '(') depth++;
    else if (tok.text === ')' && --depth === 0) return tok.start;
  }
  return text.length;
}

/** The trimmed text inside the parentheses opening at `open`. */
export function parenContent(text: string, open: number): string {
  return text.slice(open + 1, matchingParen(text, open)).trim();
}

/**
 * The expression starting at `start`: tokens up to a top-level `,`, an unmatched `)`, a `;`, or
 * `bound` (the start of the next clause, when known). Trailing comments and blanks are left out.
 */
export function expressionFrom(text: string, start: number, bound = text.length): string {
  const lexer = new Lexer(text, start, bound);
  let depth = 0;
  let first = -1;
  let last = start;
  for (let tok = lexer.next(); tok; tok = lexer.next()) {
    if (depth === 0 && (tok.text === ',' || tok.text === ')' || tok.text === ';')) break;
    if (tok.text === '(' || tok.text === '[') depth++;
    else if (tok.text === ')' || tok.text === ']') depth--;
    if (first < 0) first = tok.start;
    last = tok.end;
  }
  return first < 0 ? '' : text.slice(first, last);
}

/**
 * The first unquoted `word` at nesting depth 0 from `start`, not leaving the enclosing
 * parentheses nor the statement.
 */
export function findWord(text: string, start: number, word: string, bound = text.length): Token | undefined {
  const lexer = new Lexer(text, start, bound);
  let depth = 0;
  for (let tok = lexer.next(); tok; tok = lexer.next()) {
    if (depth === 0 && isWord(tok, word)) return tok;
    if (tok.text === '(') depth++;
    else if (tok.text === ')' && --depth < 0) return undefined;
    else if (tok.text === ';' && depth === 0) return undefined;
  }
  return undefined;
}

/** The first `(` at depth 0 from `start` (skipping names and keywords before it). */
export function findOpenParen(text: string, start: number, bound = text.length): number | undefined {
  const lexer = new Lexer(text, start, bound);
  for (let tok = lexer.next(); tok; tok = lexer.next()) {
    if (tok.text === '(') return tok.start;
    if (tok.text === ';' || tok.text === ')') return undefined;
  }
  return undefined;
}

/** The top-level comma-separated items inside the parentheses opening at `open`, as text. */
export function listItems(text: string, open: number): string[] {
  const items: string[] = [];
  const lexer = new Lexer(text, open + 1);
  let depth = 0;
  let first = -1;
  let last = -1;
  for (let tok = lexer.next(); tok; tok = lexer.next()) {
    if (depth === 0 && (tok.text === ',' || tok.text === ')')) {
      if (first >= 0) items.push(text.slice(first, last));
      first = -1;
      if (tok.text === ')') break;
      continue;
    }
    if (tok.text === '(' || tok.text === '[') depth++;
    else if (tok.text === ')' || tok.text === ']') depth--;
    if (first < 0) first = tok.start;
    last = tok.end;
  }
  return items;
}

/**
 * The expression part of an index element or partition key element: `(a + b) DESC` gives
 * `(a + b)`, `lower(email) text_pattern_ops` gives `lower(email)`.
 */
export function leadingExpression(item: string): string {
  const lexer = new Lexer(item);
  let depth = 0;
  let sawName = false;
  for (let tok = lexer.next(); tok; tok = lexer.next()) {
    if (tok.text === '(') depth++;
    else if (tok.text === ')') {
      if (--depth === 0) return item.slice(0, tok.end);
    } else if (depth === 0) {
      if (sawName && tok.kind !== 'punct') return item.slice(0, tok.start).trim();
      sawName = tok.kind === 'word' || tok.kind === 'qident';
      if (tok.text === '.') sawName = false;
    }
  }
  return item.trim();
}
