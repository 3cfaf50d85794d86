/**
 * SQL text for the applier. Values travel as quoted literals of PostgreSQL's text form: an
 * untyped literal takes the type of the column it meets, exactly as an untyped parameter would,
 * and many statements then fit in one round trip (the simple query protocol).
 */

export function ident(name: string): string {
  return '"' + name.replace(/"/g, '""') + '"';
}

export function qualifiedName(schema: string, name: string): string {
  return `${ident(schema)}.${ident(name)}`;
}

/** A string literal, or NULL. Same escaping as pg's `escapeLiteral` (E'' when backslashes occur). */
export function literal(value: string | null | undefined): string {
  if (value === null || value === undefined) return 'NULL';
  let quoted = value.includes("'") ? value.replace(/'/g, "''") : value;
  if (!quoted.includes('\\')) return `'${quoted}'`;
  quoted = quoted.replace(/\\/g, '\\\\');
  return ` E'${quoted}'`;
}
