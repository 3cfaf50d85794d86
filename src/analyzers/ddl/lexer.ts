/**
 * A small SQL tokenizer for cutting expression text out of the original source (defaults,
 * CHECK bodies, index expressions, predicates). libpg-query has no deparser, and node locations
 * mark where an expression starts but not where it ends, so the end is found by scanning tokens
 * with strings, quoted identifiers, dollar quotes and comments understood.
 */

export type TokenKind = 'word' | 'qident' | 'string' | 'number' | 'param' | 'punct' | 'op';

export interface Token {
  readonly kind: TokenKind;
  /** The token's text as written (for `word`, not case-folded). */
  readonly text: string;
  /** Char offsets into the scanned text. */
  readonly start: number;
  readonly end: number;
}

const PUNCT = new Set(['(', ')', ',', ';', '[', ']', '.']);
const OP_CHARS = new Set(['+', '-', '*', '/', '<', '>', '=', '~', '!', '@', '#', '%', '^', '&', '|', '`', '?', ':']);

function isWordStart(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || c >= 0x80;
}

function isWordPart(c: number): boolean {
  return isWordStart(c) || (c >= 48 && c <= 57) || c === 36;
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

export class Lexer {
  private pos: number;

  constructor(
    private readonly text: string,
    start = 0,
    private readonly end = text.length,
  ) {
    this.pos = start;
  }

  next(): Token | undefined {
    const t = this.text;
    this.skipTrivia();
    if (this.pos >= this.end) return undefined;
    const start = this.pos;
    const c = t.charCodeAt(start);
    const ch = t[start]!;

    if (ch === "'") return this.quoted(start, "'", 'string', false);
    if (ch === '"') return this.quoted(start, '"', 'qident', false);
    if (ch === '$') {
      if (isDigit(t.charCodeAt(start + 1))) {
        let p = start + 1;
        while (p < this.end && isDigit(t.charCodeAt(p))) p++;
        return this.emit('param', start, p);
      }
      const tag = /^\$([A-Za-z_\u0080-\uffff][A-Za-z0-9_\u0080-\uffff]*)?\$/.exec(t.slice(start, start + 64));
      if (tag) {
        const close = t.indexOf(tag[0], start + tag[0].length);
        const stop = close < 0 ? this.end : close + tag[0].length;
        return this.emit('string', start, Math.min(stop, this.end));
      }
    }
    if (isWordStart(c)) {
      // E'..', B'..', X'..', N'..' and U&'..' are strings that start with a letter.
      const next = t[start + 1];
      if (next === "'" && /[eEbBxXnN]/.test(ch)) return this.quoted(start + 1, "'", 'string', ch === 'e' || ch === 'E', start);
      if (next === '&' && (ch === 'u' || ch === 'U') && (t[start + 2] === "'" || t[start + 2] === '"')) {
        const q = t[start + 2]!;
        return this.quoted(start + 2, q, q === "'" ? 'string' : 'qident', false, start);
      }
      let p = start + 1;
      while (p < this.end && isWordPart(t.charCodeAt(p))) p++;
      return this.emit('word', start, p);
    }
    if (isDigit(c) || (ch === '.' && isDigit(t.charCodeAt(start + 1)))) {
      const m = /^(?:\d[\d_]*(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?/.exec(t.slice(start, start + 128));
      return this.emit('number', start, start + (m ? m[0].length : 1));
    }
    if (ch === ':' && t[start + 1] === ':') return this.emit('op', start, start + 2);
    if (PUNCT.has(ch)) return this.emit('punct', start, start + 1);
    if (OP_CHARS.has(ch)) {
      let p = start + 1;
      while (p < this.end && OP_CHARS.has(t[p]!) && !t.startsWith('--', p) && !t.startsWith('/*', p)) p++;
      return this.emit('op', start, p);
    }
    return this.emit('op', start, start + 1);
  }

  private emit(kind: TokenKind, start: number, end: number): Token {
    this.pos = end;
    return { kind, text: this.text.slice(start, end), start, end };
  }

  private quoted(open: number, quote: string, kind: TokenKind, backslashEscapes: boolean, tokenStart = open): Token {
    const t = this.text;
    let p = open + 1;
    while (p < this.end) {
      const ch = t[p]!;
      if (backslashEscapes && ch === '\\') {
        p += 2;
        continue;
      }
      if (ch === quote) {
        if (t[p + 1] === quote) {
          p += 2;
          continue;
        }
        return this.emit(kind, tokenStart, p + 1);
      }
      p++;
    }
    return this.emit(kind, tokenStart, this.end);
  }

  private skipTrivia(): void {
    const t = this.text;
    while (this.pos < this.end) {
      const c = t.charCodeAt(this.pos);
      if (c === 32 || c === 9 || c === 10 || c === 13 || c === 12) {
        this.pos++;
      } else if (t.startsWith('--', this.pos)) {
        const nl = t.indexOf('\n', this.pos);
        this.pos = nl < 0 ? this.end : nl + 1;
      } else if (t.startsWith('/*', this.pos)) {
        // Block comments nest in PostgreSQL.
        let depth = 0;
        while (this.pos < this.end) {
          if (t.startsWith('/*', this.pos)) {
            depth++;
            this.pos += 2;
          } else if (t.startsWith('*/', this.pos)) {
            depth--;
            this.pos += 2;
            if (depth === 0) break;
          } else this.pos++;
        }
      } else return;
    }
  }
}

/** True when the token is the unquoted keyword `word` (case-insensitive). */
export function isWord(token: Token | undefined, word: string): boolean {
  return token !== undefined && token.kind === 'word' && token.text.toLowerCase() === word;
}
