import { skipBlockComment, skipDollarQuote, skipQuoted } from './sql-normalize.js';

/**
 * A fast splitter for big SQL workload files, in JavaScript, so that statements seen before
 * with other constants (the analyzer's normalized-text cache) are never handed to the parser at
 * all. It cuts after each semicolon outside strings, quoted names, dollar quotes, comments and
 * parentheses; the parser still decides what each piece means, and a piece that does not parse
 * falls back to the real scanner. Files with BEGIN ATOMIC bodies (semicolons inside a
 * statement) are not split here.
 */
export interface SqlPiece {
  /** Offset of the statement's first token (after leading whitespace and comments). */
  readonly start: number;
  /** Offset just past the statement's last character (its semicolon excluded). */
  readonly end: number;
  readonly text: string;
}

export function hasAtomicBodies(text: string): boolean {
  return /\bbegin\s+atomic\b/i.test(text);
}

export function splitTopLevel(text: string): SqlPiece[] {
  const pieces: SqlPiece[] = [];
  const n = text.length;
  let pieceStart = -1;
  let depth = 0;
  let i = 0;
  const close = (end: number) => {
    if (pieceStart >= 0) {
      let e = end;
      while (e > pieceStart && isSpace(text.charCodeAt(e - 1))) e--;
      if (e > pieceStart) pieces.push({ start: pieceStart, end: e, text: text.slice(pieceStart, e) });
    }
    pieceStart = -1;
    depth = 0;
  };
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 45 /* - */ && text.charCodeAt(i + 1) === 45) {
      const nl = text.indexOf('\n', i);
      i = nl < 0 ? n : nl;
      continue;
    }
    if (c === 47 /* / */ && text.charCodeAt(i + 1) === 42) {
      i = skipBlockComment(text, i);
      continue;
    }
    if (isSpace(c)) {
      i++;
      continue;
    }
    if (c === 59 /* ; */ && depth === 0) {
      close(i);
      i++;
      continue;
    }
    if (pieceStart < 0) pieceStart = i;
    if (c === 39 /* ' */) {
      i = skipQuoted(text, i, 39, isEscapeString(text, i));
      continue;
    }
    if (c === 34 /* " */) {
      i = skipQuoted(text, i, 34, false);
      continue;
    }
    if (c === 36 /* $ */) {
      const end = skipDollarQuote(text, i);
      if (end > i) {
        i = end;
        continue;
      }
    } else if (c === 40) depth++;
    else if (c === 41) depth = depth > 0 ? depth - 1 : 0;
    i++;
  }
  close(n);
  return pieces;
}

/**
 * Cut a large SQL file into pieces of roughly `target` characters at statement boundaries, for
 * callers that parse a piece in one call.
 */
export function chunkSql(text: string, target = 64 * 1024): string[] {
  if (text.length <= target || hasAtomicBodies(text)) return [text];
  const chunks: string[] = [];
  let chunkStart = 0;
  for (const piece of splitTopLevel(text)) {
    if (piece.end - chunkStart < target) continue;
    const nl = text.indexOf('\n', piece.end);
    const cut = nl < 0 ? text.length : nl + 1;
    chunks.push(text.slice(chunkStart, cut));
    chunkStart = cut;
  }
  if (chunkStart < text.length) chunks.push(text.slice(chunkStart));
  return chunks;
}

function isSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13 || c === 12;
}

function isIdentifierChar(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 36 || c >= 128;
}

/** E'...' strings take backslash escapes; standard strings do not. */
function isEscapeString(text: string, quote: number): boolean {
  const p = text.charCodeAt(quote - 1);
  return (p === 69 || p === 101) && !isIdentifierChar(text.charCodeAt(quote - 2));
}
