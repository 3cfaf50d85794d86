import { quoteIdent } from '../../analyzers/pg-type-names.js';

/**
 * Names in generated SQL: quoted only where PostgreSQL needs it, always schema-qualified, so the
 * scripts do not depend on the search_path of whoever runs them.
 */

export { quoteIdent };

export function qualified(schema: string, name: string): string {
  return `${quoteIdent(schema)}.${quoteIdent(name)}`;
}

/** A SQL string literal (standard_conforming_strings: only the quote is doubled). */
export function sqlLiteral(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}

/** An identifier as written (`Foo`, `"Foo"`) to its stored name: unquoted folds to lower case. */
export function identName(text: string): string {
  if (text.startsWith('"') && text.endsWith('"') && text.length >= 2) return text.slice(1, -1).replace(/""/g, '"');
  return text.toLowerCase();
}

const IDENT = String.raw`(?:"(?:[^"]|"")+"|[A-Za-z_\u0080-\uffff][A-Za-z0-9_$\u0080-\uffff]*)`;
const CHAIN = new RegExp(`^(${IDENT})(?:\\.(${IDENT}))?`);

/**
 * `name` or `schema.name` at the start of `text` (a regclass literal's content, a type as
 * format_type() prints it), and what follows it. Undefined when `text` starts otherwise.
 */
export function leadingName(text: string): { schema?: string; name: string; rest: string } | undefined {
  const m = CHAIN.exec(text);
  if (!m) return undefined;
  const rest = text.slice(m[0].length);
  if (m[2] !== undefined) return { schema: identName(m[1]!), name: identName(m[2]), rest };
  return { name: identName(m[1]!), rest };
}

/**
 * `C`, `"de_DE"`, `pg_catalog."C"`: a collation name as the model keeps it, made safe to print.
 * Collation names may hold dots (`en_US.utf8`), so only a known schema before the first dot
 * counts as a qualification.
 */
export function collationSql(collation: string, schemas: readonly string[]): string {
  if (collation.includes('"')) return collation;
  const dot = collation.indexOf('.');
  if (dot > 0) {
    const schema = collation.slice(0, dot);
    if (schema === 'pg_catalog' || schemas.includes(schema)) return qualified(schema, collation.slice(dot + 1));
  }
  return quoteIdent(collation);
}
