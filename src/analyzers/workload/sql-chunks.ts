import { skipBlockComment, skipDollarQuote, skipQuoted } from './sql-normalize.js';

/**
 * Cut a large SQL file into pieces of roughly `target` characters at statement boundaries, so
 * each piece is parsed in one call (parsing megabytes in one call is slower, and the parse tree
 * of a whole file may not fit in one JavaScript string). A cut is made only after a semicolon
 * that ends a line outside strings, quoted names, dollar quotes, comments and parentheses; the
 * parser then decides where statements really are, so a wrong cut costs only a slower fallback
 * for that piece. Files with BEGIN ATOMIC bodies (semicolons inside a statement) are not cut.
 */
export function chunkSql(text: string, target = 64 * 1024): string[] {
  if (text.length <= target || /\bbegin\s+atomic\b/i.test(text)) return [text];
  const chunks: string[] = [];
  const n = text.length;
  let chunkStart = 0;
  let depth = 0;
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 39 /* ' */) {
      i = skipQuoted(text, i, 39, isEscapeString(text, i));
      continue;
    }
    if (c === 34 /* " */) {
      i = skipQuoted(text, i, 34, false);
      continue;
    }
    if (c === 45 /* - */ && text.charCodeAt(i + 1) === 45) {
      const nl = text.indexOf('\n', i);
      i = nl < 0 ? n : nl;
      continue;
    }
    if (c === 47 /* / */ && text.charCodeAt(i + 1) === 42) {
      i = skipBlockComment(text, i);
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
    else if (c === 59 /* ; */ && depth === 0 && i - chunkStart >= target) {
      let j = i + 1;
      while (j < n && (text.charCodeAt(j) === 32 || text.charCodeAt(j) === 9 || text.charCodeAt(j) === 13)) j++;
      if (j < n && text.charCodeAt(j) === 10) {
        chunks.push(text.slice(chunkStart, j + 1));
        chunkStart = j + 1;
        i = j + 1;
        continue;
      }
    }
    i++;
  }
  if (chunkStart < n) chunks.push(text.slice(chunkStart));
  return chunks;
}

function isIdentifierChar(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 36 || c >= 128;
}

/** E'...' strings take backslash escapes; standard strings do not. */
function isEscapeString(text: string, quote: number): boolean {
  const p = text.charCodeAt(quote - 1);
  return (p === 69 || p === 101) && !isIdentifierChar(text.charCodeAt(quote - 2));
}
