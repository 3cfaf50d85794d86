/**
 * Small text helpers for introspection: deterministic ordering and tidying the SQL text that
 * PostgreSQL's deparser returns.
 */

import { compareText } from '../model/schema.js';

export { compareText };

/** Compare by several string keys in turn. */
export function compareKeys(a: readonly string[], b: readonly string[]): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const c = compareText(a[i] ?? '', b[i] ?? '');
    if (c !== 0) return c;
  }
  return a.length - b.length;
}

/**
 * Index of the parenthesis closing the one at `open`, skipping string literals and quoted
 * identifiers; -1 when unbalanced.
 */
function matchingParen(text: string, open: number): number {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    const ch = text[i];
    if (ch === "'" || ch === '"') {
      // E'...' strings let a backslash escape the quote; everywhere else a quote is doubled.
      const backslashEscapes = ch === "'" && i > 0 && (text[i - 1] === 'E' || text[i - 1] === 'e');
      i++;
      while (i < text.length) {
        if (backslashEscapes && text[i] === '\\') {
          i += 2;
          continue;
        }
        if (text[i] === ch) {
          if (text[i + 1] === ch) {
            i += 2;
            continue;
          }
          break;
        }
        i++;
      }
      continue;
    }
    if (ch === '(') depth++;
    else if (ch === ')') {
      depth--;
      if (depth === 0) return i;
    }
  }
  return -1;
}

/**
 * Remove parentheses that enclose the whole expression: `((price > 0))` becomes `price > 0`,
 * while `(a > 0) AND (b > 0)` is left alone.
 */
export function stripEnclosingParens(text: string): string {
  let out = text.trim();
  while (out.startsWith('(') && matchingParen(out, 0) === out.length - 1) {
    out = out.slice(1, -1).trim();
  }
  return out;
}
