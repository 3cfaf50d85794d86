import { UsageError } from '../errors.js';
import { scanTokens } from '../analyzers/sql-parser.js';
import type { ParamSet } from './types.js';

/**
 * Named parameters in a check's SQL: `:user_id` becomes `$1`. The real scanner finds them, so a
 * `:name` inside a string, a dollar-quoted body, a quoted identifier or a comment stays as it
 * is, and `x::int` (a cast) is not a parameter. libpg-query must be ready.
 */

export interface NamedSql {
  /** The SQL with `$n` placeholders. */
  readonly text: string;
  /** Parameter names in `$n` order (each name once: a repeated `:name` reuses its `$n`). */
  readonly names: readonly string[];
}

export function rewriteNamedParams(sql: string): NamedSql {
  let tokens;
  try {
    tokens = scanTokens(sql);
  } catch (e) {
    throw new UsageError(`cannot scan SQL: ${(e as Error).message}`, 'check quotes and comments in the SQL');
  }
  const names: string[] = [];
  let out = '';
  let at = 0;
  for (let i = 0; i + 1 < tokens.length; i++) {
    const colon = tokens[i]!;
    const ident = tokens[i + 1]!;
    // `:name` with nothing between: a lone ':' token (a cast is one TYPECAST token) then a word.
    if (colon.text !== ':' || ident.start !== colon.end || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(ident.text)) continue;
    // Inside brackets `a[1:n]` and `a[:n]` are slices, not parameters.
    if (insideBrackets(tokens, i)) continue;
    let n = names.indexOf(ident.text);
    if (n < 0) n = names.push(ident.text) - 1;
    out += sql.slice(at, colon.start) + `$${n + 1}`;
    at = ident.end;
    i++;
  }
  return { text: out + sql.slice(at), names };
}

function insideBrackets(tokens: readonly { text: string }[], index: number): boolean {
  let depth = 0;
  for (let i = index - 1; i >= 0; i--) {
    const t = tokens[i]!.text;
    if (t === ']') depth++;
    else if (t === '[') {
      if (depth === 0) return true;
      depth--;
    } else if (t === ';') return false;
  }
  return false;
}

/** The values for `$1..$n`, from one parameter set; a name the set lacks is an error. */
export function bindParams(named: NamedSql, set: ParamSet, where: string): unknown[] {
  return named.names.map((name) => {
    if (!Object.prototype.hasOwnProperty.call(set, name)) {
      const has = Object.keys(set);
      throw new UsageError(`${where}: parameter :${name} has no value`, has.length > 0 ? `the parameter set has ${has.join(', ')}` : 'add params to the check, or sample them with params: { from: "select ... as ' + name + ' ..." }');
    }
    return set[name];
  });
}
