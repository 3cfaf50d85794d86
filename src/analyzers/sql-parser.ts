import { loadModule, parseSync, scanSync, type ParseResult } from 'libpg-query';
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

/**
 * A stable id for a statement: a hash of its parse tree with locations and constants left
 * out, so statements that differ only in constants, parameters or formatting share an id (the
 * idea of pg_stat_statements' queryid). Text that does not parse gets a hash of its text.
 */
export function statementId(sql: string): string {
  const outcome = parseText(sql);
  if (!outcome.ok || outcome.statements.length === 0) return textStatementId(sql);
  if (outcome.statements.length === 1) return statementIdFromAst(outcome.statements[0]!.stmt);
  return sha1Id(outcome.statements.map((s) => statementIdFromAst(s.stmt)).join(';'));
}

/** The id of text that does not parse: `h` and a hash of the text with whitespace collapsed. */
export function textStatementId(sql: string): string {
  return 'h' + createHash('sha1').update(sql.replace(/\s+/g, ' ').trim()).digest('hex').slice(0, 15);
}

/**
 * statementId of an already parsed statement node (`{ SelectStmt: ... }`), without parsing
 * again: one walk over the tree, then sha1 (16 hex digits).
 */
export function statementIdFromAst(stmt: AstNode): string {
  structure = '';
  appendStructure(stmt);
  const id = sha1Id(structure);
  structure = '';
  return id;
}

function sha1Id(text: string): string {
  return createHash('sha1').update(text).digest('hex').slice(0, 16);
}

/** A constant: a literal, a `$n` parameter, or either cast to a type. */
function isConstant(node: unknown): boolean {
  if (node === null || typeof node !== 'object') return false;
  const n = node as AstNode;
  if (n.A_Const !== undefined || n.ParamRef !== undefined) return true;
  const cast = n.TypeCast as { arg?: unknown } | undefined;
  return cast !== undefined && isConstant(cast.arg);
}

function allConstants(items: unknown): boolean {
  if (!Array.isArray(items) || items.length === 0) return false;
  for (const item of items) if (!isConstant(item)) return false;
  return true;
}

/** Numeric fields that say where something was written, not what it is. */
function isPosition(key: string): boolean {
  return key === 'location' || key === 'stmt_location' || key === 'stmt_len' || key === 'name_location' || key.endsWith('_start') || key.endsWith('_end');
}

/** The text being built by appendStructure (one module-level buffer: this runs 100,000s of times). */
let structure = '';

/**
 * Append a compact text that identifies the tree's structure: field names and values, with
 * positions left out, constants and parameters all written `$`, and a list made only of
 * constants (`IN (1, 2, 3)`, `ARRAY[...]`) written as one `$`, as pg_stat_statements squashes
 * them, so that logged text with literals and normalized pg_stat_statements text share an id.
 * Strings end in NUL, which PostgreSQL text cannot contain, so the encoding is unambiguous.
 */
function appendStructure(node: AstNode): void {
  for (const key in node) {
    const value = node[key];
    switch (typeof value) {
      case 'string':
        structure += key;
        structure += value;
        structure += '\0';
        break;
      case 'number':
        if (isPosition(key)) break;
        structure += key;
        structure += value;
        structure += ';';
        break;
      case 'boolean':
        structure += key;
        structure += value ? '+' : '-';
        break;
      case 'object': {
        if (value === null) break;
        if (key === 'A_Const' || key === 'ParamRef') {
          structure += '$';
          break;
        }
        if (Array.isArray(value)) {
          structure += key;
          if (key === 'elements' && allConstants(value)) {
            structure += '$';
            break;
          }
          structure += '[';
          for (const item of value as unknown[]) {
            if (item === null || typeof item !== 'object') {
              structure += String(item);
              structure += '\0';
            } else if ((item as AstNode).A_Const !== undefined || (item as AstNode).ParamRef !== undefined) {
              structure += '$';
            } else {
              structure += '{';
              appendStructure(item as AstNode);
              structure += '}';
            }
          }
          structure += ']';
          break;
        }
        structure += key;
        const inner = value as AstNode;
        if (key === 'rexpr' && node.kind === 'AEXPR_IN' && allConstants((inner.List as AstNode | undefined)?.items)) {
          structure += '$';
          break;
        }
        structure += '{';
        appendStructure(inner);
        structure += '}';
        break;
      }
    }
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

export interface ScannedToken {
  /** UTF-16 offsets into the text. */
  readonly start: number;
  readonly end: number;
  readonly text: string;
  /** The scanner's token name: `IDENT`, `SCONST`, `TYPECAST`, `SQL_COMMENT`, ... (`UNKNOWN` for keywords and single characters). */
  readonly tokenName: string;
}

/** The scanner's tokens (strings, comments and casts are single tokens); throws on text it cannot scan. */
export function scanTokens(text: string): ScannedToken[] {
  const toChar = byteToCharOffsets(text);
  return scanSync(text).tokens.map((t) => {
    const start = toChar(t.start);
    const end = toChar(t.end);
    return { start, end, text: text.slice(start, end), tokenName: t.tokenName };
  });
}
