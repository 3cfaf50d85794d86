/**
 * A statement's text with every literal and parameter replaced by `$` (strings, E'', B'', X'',
 * U&'' and dollar-quoted strings, numbers, `$n`); everything else is kept as written. Two texts
 * with the same normalized form have the same parse tree up to constants, so they share an id
 * and an analysis: the analyzer uses this to skip parsing and walking statements it has seen
 * with other constants (a log repeats the same few hundred statements with different literals).
 * Comments and quoted names are recognized so that a quote inside them is not taken for a
 * string; layout and case are kept, which only makes the key finer (never merges different
 * statements). It is a cache key; ids always come from a parse tree.
 */
export function normalizeSql(text: string): string {
  let out = '';
  let copied = 0;
  const n = text.length;
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    let end = -1;
    if (c === 39 /* ' */) {
      end = skipQuoted(text, i, 39, false);
    } else if (c === 36 /* $ */) {
      const d = text.charCodeAt(i + 1);
      if (d >= 48 && d <= 57) {
        end = i + 2;
        while (end < n && isDigit(text.charCodeAt(end))) end++;
      } else {
        const close = skipDollarQuote(text, i);
        if (close > i) end = close;
      }
    } else if (isDigit(c) || (c === 46 && isDigit(text.charCodeAt(i + 1)))) {
      end = skipNumber(text, i);
    } else if (isIdentifierStart(c)) {
      let j = i + 1;
      while (j < n && isIdentifierChar(text.charCodeAt(j))) j++;
      const next = text.charCodeAt(j);
      if (j === i + 1 && next === 39 && isStringPrefix(c)) {
        // E'...', B'...', X'...', N'...': the prefix is part of the literal.
        end = skipQuoted(text, j, 39, c === 69 || c === 101);
      } else if (j === i + 1 && (c === 85 || c === 117) && next === 38 /* & */ && text.charCodeAt(j + 1) === 39) {
        end = skipQuoted(text, j + 1, 39, false);
      } else {
        i = j;
        continue;
      }
    } else if (c === 34 /* " */) {
      i = skipQuoted(text, i, 34, false);
      continue;
    } else if (c === 45 /* - */ && text.charCodeAt(i + 1) === 45) {
      const nl = text.indexOf('\n', i);
      i = nl < 0 ? n : nl;
      continue;
    } else if (c === 47 /* / */ && text.charCodeAt(i + 1) === 42) {
      i = skipBlockComment(text, i);
      continue;
    }
    if (end < 0) {
      i++;
      continue;
    }
    out += text.slice(copied, i);
    out += '$';
    copied = end;
    i = end;
  }
  return copied === 0 ? text : out + text.slice(copied);
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

function isIdentifierStart(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c >= 128;
}

function isIdentifierChar(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 36 || c >= 128;
}

function isStringPrefix(c: number): boolean {
  const l = c | 32;
  return l === 101 /* e */ || l === 98 /* b */ || l === 120 /* x */ || l === 110 /* n */;
}

/** Digits, decimal point, exponent, 0x/0o/0b prefixes and `_` separators: one numeric literal. */
function skipNumber(text: string, start: number): number {
  const n = text.length;
  let j = start;
  while (j < n) {
    const c = text.charCodeAt(j);
    if (isDigit(c) || c === 46 || c === 95 || (c >= 65 && c <= 90) || (c >= 97 && c <= 122)) {
      if ((c === 101 || c === 69) && (text.charCodeAt(j + 1) === 43 || text.charCodeAt(j + 1) === 45) && isDigit(text.charCodeAt(j + 2))) j += 2;
      else j++;
    } else break;
  }
  return j;
}

export function skipQuoted(text: string, open: number, quote: number, backslashEscapes: boolean): number {
  let j = open + 1;
  const n = text.length;
  while (j < n) {
    const c = text.charCodeAt(j);
    if (backslashEscapes && c === 92) {
      j += 2;
      continue;
    }
    if (c === quote) {
      if (text.charCodeAt(j + 1) === quote) {
        j += 2;
        continue;
      }
      return j + 1;
    }
    j++;
  }
  return n;
}

export function skipBlockComment(text: string, open: number): number {
  let depth = 0;
  let j = open;
  const n = text.length;
  while (j < n) {
    if (text.charCodeAt(j) === 47 && text.charCodeAt(j + 1) === 42) {
      depth++;
      j += 2;
    } else if (text.charCodeAt(j) === 42 && text.charCodeAt(j + 1) === 47) {
      depth--;
      j += 2;
      if (depth === 0) return j;
    } else j++;
  }
  return n;
}

const DOLLAR_TAG = /\$(?:[A-Za-z_\u0080-\uffff][A-Za-z_0-9\u0080-\uffff]*)?\$/y;

/** The end of a $tag$...$tag$ string starting at `open`, or `open` when there is none there. */
export function skipDollarQuote(text: string, open: number): number {
  if (open > 0 && isIdentifierChar(text.charCodeAt(open - 1))) return open;
  DOLLAR_TAG.lastIndex = open;
  const m = DOLLAR_TAG.exec(text);
  if (!m) return open;
  const close = text.indexOf(m[0], open + m[0].length);
  return close < 0 ? text.length : close + m[0].length;
}
