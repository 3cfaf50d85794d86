import { tableKey, type SchemaModel } from '../model/schema.js';

/**
 * Table names in a plan: `orders`, `audit.events`, or globs (`order_*`, `audit.*`). An
 * unqualified name or glob is looked up in the search path's schemas.
 */
export function isGlob(pattern: string): boolean {
  return /[*?[]/.test(pattern);
}

function globToRegExp(glob: string): RegExp {
  let re = '';
  for (const ch of glob) {
    if (ch === '*') re += '[^.]*';
    else if (ch === '?') re += '[^.]';
    else re += ch.replace(/[\\^$+.()|{}\]]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/** Qualified keys of the tables a pattern names, in schema order. */
export function matchTables(pattern: string, schema: SchemaModel, searchPath: readonly string[]): string[] {
  const qualified = pattern.includes('.');
  const keys = schema.tables.map((t) => tableKey(t));
  if (!isGlob(pattern)) {
    if (qualified) return keys.includes(pattern) ? [pattern] : [];
    for (const s of searchPath) {
      const key = `${s}.${pattern}`;
      if (keys.includes(key)) return [key];
    }
    return [];
  }
  const candidates = qualified ? [pattern] : searchPath.map((s) => `${s}.${pattern}`);
  const regexps = candidates.map(globToRegExp);
  return keys.filter((k) => regexps.some((r) => r.test(k)));
}

/** The closest existing table name, for "did you mean" hints. */
export function closestTable(name: string, schema: SchemaModel): string | undefined {
  const bare = name.includes('.') ? name.slice(name.indexOf('.') + 1) : name;
  let best: { key: string; d: number } | undefined;
  for (const t of schema.tables) {
    const d = editDistance(bare, t.name);
    if (!best || d < best.d) best = { key: tableKey(t), d };
  }
  return best && best.d <= Math.max(2, Math.floor(bare.length / 3)) ? best.key : undefined;
}

function editDistance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = prev[j]!;
      prev[j] = Math.min(prev[j]! + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = tmp;
    }
  }
  return prev[b.length]!;
}
