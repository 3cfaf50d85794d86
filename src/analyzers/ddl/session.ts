import { as, list, names, str, stringConst, type Fields } from './ast.js';
import type { DdlCatalog } from './catalog.js';
import { splitQualifiedName } from './context.js';

/**
 * The search path, as `SET search_path` and pg_dump's
 * `SELECT pg_catalog.set_config('search_path', '', false)` change it.
 */

/** Path entries that name no schema objects can be created in. */
function usable(schema: string): boolean {
  return schema !== '' && schema !== '$user' && schema !== 'pg_temp';
}

/** A search_path setting's text (`a, "B", public`) as schema names. */
export function parseSearchPath(value: string): string[] {
  return value
    .split(',')
    .map((part) => splitQualifiedName(part.trim())[0] ?? '')
    .filter(usable);
}

export function setVariable(catalog: DdlCatalog, stmt: Fields): void {
  if (str(stmt.name)?.toLowerCase() !== 'search_path') return;
  if (stmt.kind === 'VAR_SET_VALUE') {
    const values: string[] = [];
    for (const arg of list(stmt.args)) {
      const s = stringConst(arg);
      if (s !== undefined) values.push(s);
      else {
        const ref = as(arg, 'ColumnRef');
        if (ref) values.push(...names(ref.fields));
      }
    }
    catalog.searchPath = values.filter(usable);
  } else if (stmt.kind === 'VAR_SET_DEFAULT' || stmt.kind === 'VAR_RESET' || stmt.kind === 'VAR_RESET_ALL') {
    catalog.searchPath = catalog.defaultPath;
  }
}

/** `SELECT [pg_catalog.]set_config('search_path', 'value', ...)`, as pg_dump writes. */
export function selectSetConfig(catalog: DdlCatalog, stmt: Fields): void {
  for (const target of list(stmt.targetList)) {
    const rt = as(target, 'ResTarget');
    const fn = as(rt?.val, 'FuncCall');
    if (!fn) continue;
    const fname = names(fn.funcname);
    if (fname[fname.length - 1] !== 'set_config') continue;
    const args = list(fn.args);
    if (stringConst(args[0])?.toLowerCase() !== 'search_path') continue;
    const value = stringConst(args[1]);
    if (value !== undefined) catalog.searchPath = parseSearchPath(value);
  }
}
