import { loadModule, parseSync, scanSync, fingerprintSync, type ParseResult } from 'libpg-query';
import { createHash } from 'node:crypto';

/**
 * The one door to libpg-query (the real PostgreSQL grammar, compiled to WebAssembly).
 * `await ready()` once before any of the synchronous helpers.
 */

let loaded: Promise<void> | undefined;

export function ready(): Promise<void> {
  loaded ??= loadModule();
  return loaded;
}

/**
 * A libpg-query AST node. The grammar has hundreds of node kinds; analyzers walk it
 * structurally, so a generic record is the honest type here.
 */
export type AstNode = Record<string, unknown>;

export interface ParsedStatement {
  /** The statement node, e.g. `{ SelectStmt: {...} }`. */
  readonly stmt: AstNode;
  /** Offset of the statement's first character in the parsed text (UTF-16 index). */
  readonly start: number;
  /** The statement's text, without the terminating semicolon. */
  readonly text: string;
}

export interface ParseFailure {
  readonly message: string;
  /** 0-based UTF-16 offset into the text where the parser stopped, when known. */
  readonly position?: number;
}

export type ParseOutcome = { ok: true; statements: ParsedStatement[] } | { ok: false; error: ParseFailure };

/**
 * libpg-query reports locations in bytes of the UTF-8 text; JavaScript strings index UTF-16
 * code units. For pure-ASCII text the two agree, which is the common case and kept fast.
 */
function byteToCharOffsets(text: string): ((byteOffset: number) => number) {
  let ascii = true;
  for (let i = 0; i < text.length; i++) {
    if (text.charCodeAt(i) > 0x7f) {
      ascii = false;
      break;
    }
  }
  if (ascii) return (b) => b;
  const buf = Buffer.from(text, 'utf8');
  return (b) => buf.subarray(0, Math.max(0, Math.min(b, buf.length))).toString('utf8').length;
}

export function parseText(text: string): ParseOutcome {
  let result: ParseResult;
  try {
    result = parseSync(text);
  } catch (e) {
    return { ok: false, error: toFailure(e, text) };
  }
  const toChar = byteToCharOffsets(text);
  const statements: ParsedStatement[] = [];
  for (const raw of result.stmts ?? []) {
    const byteStart = raw.stmt_location ?? 0;
    const start = toChar(byteStart);
    const end = raw.stmt_len ? toChar(byteStart + raw.stmt_len) : text.length;
    statements.push({ stmt: (raw.stmt ?? {}) as AstNode, start, text: text.slice(start, end).trim() });
  }
  return { ok: true, statements };
}

function toFailure(e: unknown, text: string): ParseFailure {
  const message = e instanceof Error ? e.message : String(e);
  const details = (e as { sqlDetails?: { cursorPosition?: number } }).sqlDetails;
  if (details && typeof details.cursorPosition === 'number' && details.cursorPosition >= 0) {
    // cursorPosition is a byte offset (0-based) into the UTF-8 text.
    return { message, position: byteToCharOffsets(text)(details.cursorPosition) };
  }
  return { message };
}

export interface SplitStatement {
  readonly text: string;
  /** Offset of the first character in the source text. */
  readonly start: number;
}

/**
 * Split SQL text into statements on top-level semicolons, using the real scanner so that
 * semicolons inside strings, dollar quotes and comments do not split. Statements that do not
 * parse still come back (the scanner is far more forgiving than the grammar). If even the
 * scanner fails (an unterminated string), the rest of the text is one statement.
 */
export function splitStatements(text: string): SplitStatement[] {
  const out: SplitStatement[] = [];
  let tokens: { start: number; end: number; text: string; tokenName: string }[];
  try {
    tokens = scanSync(text).tokens;
  } catch {
    const trimmed = text.trim();
    return trimmed ? [{ text: trimmed, start: text.indexOf(trimmed) }] : [];
  }
  const toChar = byteToCharOffsets(text);
  let stmtStart = -1;
  let depth = 0;
  // CREATE FUNCTION ... BEGIN ATOMIC ... END bodies contain semicolons; track BEGIN/END depth there.
  let atomic = 0;
  let previousWord = '';
  for (let i = 0; i < tokens.length; i++) {
    const tok = tokens[i]!;
    if (tok.tokenName === 'SQL_COMMENT' || tok.tokenName === 'C_COMMENT') continue;
    if (stmtStart < 0) stmtStart = toChar(tok.start);
    const word = tok.text.toLowerCase();
    if (tok.text === '(') depth++;
    else if (tok.text === ')') depth = Math.max(0, depth - 1);
    else if (word === 'atomic' && previousWord === 'begin') atomic++;
    else if (atomic > 0 && word === 'case') atomic++;
    else if (atomic > 0 && word === 'end') atomic--;
    else if (tok.text === ';' && depth === 0 && atomic === 0) {
      const endChar = toChar(tok.start);
      const stmtText = text.slice(stmtStart, endChar).trim();
      if (stmtText) out.push({ text: stmtText, start: stmtStart });
      stmtStart = -1;
    }
    previousWord = word;
  }
  if (stmtStart >= 0) {
    const stmtText = text.slice(stmtStart).trim();
    if (stmtText) out.push({ text: stmtText, start: stmtStart });
  }
  return out;
}

/** A stable id for a statement: libpg-query's fingerprint (constants and formatting ignored). */
export function statementId(sql: string): string {
  try {
    return fingerprintSync(sql);
  } catch {
    return 'h' + createHash('sha1').update(sql.replace(/\s+/g, ' ').trim()).digest('hex').slice(0, 15);
  }
}

/** 1-based line number of a character offset. */
export function lineOf(text: string, offset: number): number {
  let line = 1;
  const end = Math.min(offset, text.length);
  for (let i = 0; i < end; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

/** The first few words of a statement, for error messages. */
export function firstWords(sql: string, count = 6): string {
  const words = sql.replace(/\s+/g, ' ').trim().split(' ').slice(0, count).join(' ');
  return words.length > 60 ? words.slice(0, 57) + '...' : words;
}
