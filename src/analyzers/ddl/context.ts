import { displayName } from '../pg-type-names.js';
import { as, list, names, stringConst } from './ast.js';
import type { DdlCatalog } from './catalog.js';
import { expressionFrom, findOpenParen, findWord, parenContent } from './expression-text.js';
import { Lexer } from './lexer.js';
import type { SourceText } from './source-text.js';
import type { SequenceState, Site } from './state.js';

/** What a statement handler works with: the catalog, the file's text, and where the statement is. */
export interface StatementContext {
  readonly catalog: DdlCatalog;
  readonly source: SourceText;
  readonly site: Site;
}

/** Char offset in the file text of a node location (a byte offset), or undefined. */
export function charAt(ctx: StatementContext, location: unknown): number | undefined {
  return typeof location === 'number' && location >= 0 ? ctx.source.charAt(location) : undefined;
}

/**
 * Expression text written after `keyword` (DEFAULT, WHERE...), searching for the keyword from
 * the clause's location, up to `bound` (the next clause's location) or the end of the list item.
 */
export function textAfterKeyword(ctx: StatementContext, location: unknown, keyword: string, bound?: unknown): string | undefined {
  const from = charAt(ctx, location);
  if (from === undefined) return undefined;
  const text = ctx.source.text;
  const kw = findWord(text, from, keyword);
  if (!kw) return undefined;
  return visibleExpression(expressionFrom(text, kw.end, charAt(ctx, bound) ?? text.length));
}

/** Text inside the parentheses after `keyword` (CHECK (...), AS (...)), from the clause's location. */
export function parenAfterKeyword(ctx: StatementContext, location: unknown, keyword: string): string | undefined {
  const from = charAt(ctx, location);
  if (from === undefined) return undefined;
  const text = ctx.source.text;
  const kw = findWord(text, from, keyword);
  if (!kw) return undefined;
  const open = findOpenParen(text, kw.end);
  return open === undefined ? undefined : visibleExpression(parenContent(text, open));
}

/**
 * The expression text of a node that has no clause location of its own (ALTER COLUMN ... SET
 * DEFAULT): the last `keyword` before the expression's first token starts it.
 */
export function textAfterPrecedingKeyword(ctx: StatementContext, expressionLocation: number | undefined, keyword: string): string | undefined {
  const at = charAt(ctx, expressionLocation);
  if (at === undefined) return undefined;
  const text = ctx.source.text;
  const windowStart = Math.max(ctx.site.offset, at - 400);
  const re = new RegExp(`\\b${keyword}\\b`, 'gi');
  const before = text.slice(windowStart, at);
  let start: number | undefined;
  for (let m = re.exec(before); m; m = re.exec(before)) start = windowStart + m.index + m[0].length;
  if (start === undefined) return undefined;
  return visibleExpression(expressionFrom(text, start));
}

/**
 * Drops `public.` qualifiers outside strings: pg_dump runs with an empty search path and so
 * qualifies everything, while pg_get_expr() under the default search path does not qualify
 * what is in public. This makes a dump's expressions read as introspection shows them.
 */
export function visibleExpression(text: string): string {
  if (!/public/i.test(text)) return text;
  const lexer = new Lexer(text);
  let out = '';
  let kept = 0;
  let prev: { start: number; end: number; isPublic: boolean } | undefined;
  for (let tok = lexer.next(); tok; tok = lexer.next()) {
    if (tok.text === '.' && prev?.isPublic && prev.end === tok.start) {
      out += text.slice(kept, prev.start);
      kept = tok.end;
      prev = undefined;
      continue;
    }
    const isPublic = (tok.kind === 'word' && tok.text.toLowerCase() === 'public') || (tok.kind === 'qident' && tok.text === '"public"');
    prev = { start: tok.start, end: tok.end, isPublic };
  }
  return kept === 0 ? text : out + text.slice(kept);
}

/** `nextval('seq'::regclass)` as PostgreSQL shows a serial column's default. */
export function nextvalText(seq: Pick<SequenceState, 'schema' | 'name'>): string {
  return `nextval('${displayName(seq.schema, seq.name).replace(/'/g, "''")}'::regclass)`;
}

/**
 * A `nextval('name'::regclass)` default rewritten as PostgreSQL displays it: the regclass
 * constant is bound to a sequence when the default is set, then printed qualified only when
 * not visible. Undefined for any other expression.
 */
export function normalizeNextval(catalog: DdlCatalog, expr: unknown): string | undefined {
  const fn = as(expr, 'FuncCall');
  if (!fn) return undefined;
  const fname = names(fn.funcname);
  if (fname[fname.length - 1] !== 'nextval' || (fname.length > 1 && fname[0] !== 'pg_catalog')) return undefined;
  const args = list(fn.args);
  if (args.length !== 1) return undefined;
  const cast = as(args[0], 'TypeCast');
  const literal = stringConst(cast ? cast.arg : args[0]);
  if (literal === undefined) return undefined;
  if (cast) {
    const t = names((as(cast.typeName, 'TypeName') ?? (cast.typeName as Record<string, unknown>))?.names);
    if (t[t.length - 1] !== 'regclass') return undefined;
  }
  const parts = splitQualifiedName(literal);
  if (parts.length === 0 || parts.length > 2) return undefined;
  const rel = catalog.lookup(parts.length === 2 ? { schemaname: parts[0]!, relname: parts[1]! } : { relname: parts[0]! });
  const schema = rel?.schema ?? (parts.length === 2 ? parts[0]! : catalog.creationSchema());
  return nextvalText({ schema, name: parts[parts.length - 1]! });
}

/** `a.b`, `"A".b` → identifiers as stored (unquoted parts folded to lower case). */
export function splitQualifiedName(text: string): string[] {
  const parts: string[] = [];
  const re = /\s*(?:"((?:[^"]|"")*)"|([^."\s]+))\s*(\.|$)/y;
  let pos = 0;
  while (pos < text.length) {
    re.lastIndex = pos;
    const m = re.exec(text);
    if (!m) return [];
    parts.push(m[1] !== undefined ? m[1].replace(/""/g, '"') : m[2]!.toLowerCase());
    pos = re.lastIndex;
    if (m[3] === '') break;
  }
  return parts;
}
