import { tableKey, type TableRef } from '../../model/schema.js';
import type { QueryShape } from '../../model/workload.js';

/**
 * Names of generated composition functions and files, from the tables a query names:
 * `ordersWithUsersAndAddresses` in `orders-with-users-and-addresses.ts`. Queries of one service
 * that would share a name all get their id appended, so a name never depends on which other
 * queries the workload happens to hold.
 */

function words(name: string): string[] {
  return name.split(/[^A-Za-z0-9]+|(?<=[a-z0-9])(?=[A-Z])/).filter(Boolean).map((w) => w.toLowerCase());
}

function pascal(name: string): string {
  return words(name).map((w) => w[0]!.toUpperCase() + w.slice(1)).join('');
}

/** Tables in the order the statement names them (FROM-first first). */
export function tablesInTextOrder(query: QueryShape): TableRef[] {
  const lower = query.sql.toLowerCase();
  const all = new Map<string, TableRef>();
  for (const t of [...query.writes, ...query.reads]) all.set(tableKey(t), t);
  const position = (t: TableRef) => {
    const m = new RegExp(`(?:from|join|into|update|using|,)\\s+(?:"?${escapeRegExp(t.schema)}"?\\.)?"?${escapeRegExp(t.name)}"?(?![a-z0-9_$])`).exec(lower);
    return m ? m.index : Number.MAX_SAFE_INTEGER;
  };
  return [...all.values()].sort((a, b) => position(a) - position(b) || tableKey(a).localeCompare(tableKey(b)));
}

export function baseFunctionName(query: QueryShape): string {
  const tables = tablesInTextOrder(query);
  const [first, ...rest] = tables.map((t) => t.name);
  if (!first) return `query${query.id.slice(0, 8)}`;
  const others = rest.map(pascal);
  const joined = others.length <= 1 ? others.join('') : `${others.slice(0, -1).join('')}And${others[others.length - 1]!}`;
  const verb = query.kind === 'select' ? '' : query.kind;
  const head = verb ? `${verb}${pascal(first)}` : pascal(first).replace(/^./, (c) => c.toLowerCase());
  const name = joined ? `${head}${verb ? 'Using' : 'With'}${joined}` : head;
  return /^[A-Za-z_]/.test(name) ? name : `q${name}`;
}

export function fileNameOf(functionName: string): string {
  return functionName
    .replace(/_/g, '-')
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .toLowerCase();
}

/** Function names per query id, unique within each service. */
export function assignNames(entries: readonly { readonly query: QueryShape; readonly service: string }[]): Map<string, { functionName: string; fileName: string }> {
  const groups = new Map<string, string[]>();
  for (const e of entries) {
    const k = `${e.service}\u0000${baseFunctionName(e.query)}`;
    const list = groups.get(k) ?? [];
    list.push(e.query.id);
    groups.set(k, list);
  }
  const out = new Map<string, { functionName: string; fileName: string }>();
  for (const e of entries) {
    const base = baseFunctionName(e.query);
    const clash = (groups.get(`${e.service}\u0000${base}`)?.length ?? 0) > 1;
    const functionName = clash ? `${base}_${e.query.id.slice(0, 8)}` : base;
    out.set(e.query.id, { functionName, fileName: `${fileNameOf(functionName)}.ts` });
  }
  return out;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
