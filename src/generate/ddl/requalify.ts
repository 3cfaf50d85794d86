import { isWord, Lexer, type Token } from '../../analyzers/ddl/lexer.js';
import { identName, leadingName, sqlLiteral } from './names.js';

/**
 * Re-qualifies the names inside an expression's SQL text (a default, a CHECK, an index
 * expression or predicate) for the service database: the types of casts (`'pending'::order_status`)
 * and the relations of regclass literals (`nextval('orders_id_seq'::regclass)`) are written with
 * the schema they are created in there. Everything else is left exactly as it was, so live
 * introspection (pg_get_expr text) and DDL (the author's text) both keep their spelling.
 */

export interface NameResolver {
  /** Qualified SQL of the type `schema.name` (schema undefined when unqualified), or undefined to leave it. */
  type(schema: string | undefined, name: string): string | undefined;
  /** Qualified text (not quoted as a literal) of the relation, or undefined to leave it. */
  relation(schema: string | undefined, name: string): string | undefined;
}

const SEQUENCE_FUNCTIONS = new Set(['nextval', 'currval', 'setval']);

interface Replacement {
  readonly start: number;
  readonly end: number;
  readonly text: string;
}

function tokens(text: string): Token[] {
  const out: Token[] = [];
  const lexer = new Lexer(text);
  for (let t = lexer.next(); t; t = lexer.next()) out.push(t);
  return out;
}

const isName = (t: Token | undefined): t is Token => t !== undefined && (t.kind === 'word' || t.kind === 'qident');

/** A type name at `i`: `name` or `schema.name`; returns its span and parts. */
function typeAt(toks: readonly Token[], i: number): { start: number; end: number; schema?: string; name: string } | undefined {
  const first = toks[i];
  if (!isName(first)) return undefined;
  const dot = toks[i + 1];
  const second = toks[i + 2];
  if (dot?.text === '.' && isName(second)) {
    // `a.b.c` is not a type name dbsplit creates.
    if (toks[i + 3]?.text === '.') return undefined;
    return { start: first.start, end: second.end, schema: identName(first.text), name: identName(second.text) };
  }
  return { start: first.start, end: first.end, name: identName(first.text) };
}

/** The content of a plain '...' literal, or undefined for E'', $$ and other strings. */
function plainLiteral(t: Token): string | undefined {
  if (t.kind !== 'string' || !t.text.startsWith("'") || !t.text.endsWith("'")) return undefined;
  return t.text.slice(1, -1).replace(/''/g, "'");
}

function relationLiteral(t: Token, resolver: NameResolver): Replacement | undefined {
  const content = plainLiteral(t);
  if (content === undefined) return undefined;
  const parsed = leadingName(content.trim());
  if (!parsed || parsed.rest !== '') return undefined;
  const target = resolver.relation(parsed.schema, parsed.name);
  return target === undefined ? undefined : { start: t.start, end: t.end, text: sqlLiteral(target) };
}

export function requalify(expression: string, resolver: NameResolver): string {
  const toks = tokens(expression);
  const replacements: Replacement[] = [];
  // For each open parenthesis: whether it opened CAST( ... ), where `AS type` names a type.
  const parens: boolean[] = [];
  for (let i = 0; i < toks.length; i++) {
    const t = toks[i]!;
    if (t.text === '(') {
      parens.push(isWord(toks[i - 1], 'cast'));
      continue;
    }
    if (t.text === ')') {
      parens.pop();
      continue;
    }
    const castType = t.text === '::' || (isWord(t, 'as') && parens[parens.length - 1] === true);
    if (castType) {
      const type = typeAt(toks, i + 1);
      if (type) {
        const target = resolver.type(type.schema, type.name);
        if (target !== undefined) replacements.push({ start: type.start, end: type.end, text: target });
      }
      continue;
    }
    if (t.kind !== 'string') continue;
    const castToRegclass = toks[i + 1]?.text === '::' && isWord(toks[i + 2], 'regclass');
    const sequenceArgument = toks[i - 1]?.text === '(' && toks[i - 2] !== undefined && SEQUENCE_FUNCTIONS.has(toks[i - 2]!.text.toLowerCase());
    if (castToRegclass || sequenceArgument) {
      const r = relationLiteral(t, resolver);
      if (r) replacements.push(r);
    }
  }
  let out = expression;
  for (const r of replacements.sort((a, b) => b.start - a.start)) out = out.slice(0, r.start) + r.text + out.slice(r.end);
  return out;
}
