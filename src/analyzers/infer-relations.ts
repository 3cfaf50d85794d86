import type { ForeignKey, SchemaModel, Table } from '../model/schema.js';

/**
 * Relations nobody declared: real monoliths often lack foreign keys, but name their columns
 * after what they point at. A column `x_id` (or camelCase `xId`) with no foreign key starting
 * at it becomes an inferred foreign key to the table named `x`, `xs`, `xes` or, for `...y`,
 * `...ies` (category_id → categories), when that table's primary key is a single column of
 * exactly the same type (integer against bigint is a mismatch: such pairs are left alone
 * rather than guessed). Tables in the column's own schema win; a name found only in other
 * schemas counts only when exactly one schema has it. Prefixed names (`billing_user_id`) are
 * not matched to `users`: only the whole stem is tried, keeping false positives rare.
 *
 * Pure; works on models from DDL and from live databases alike. Running it twice adds nothing.
 */
export function inferRelations(model: SchemaModel): SchemaModel {
  const bySchema = new Map<string, Map<string, Table>>();
  for (const t of model.tables) {
    let m = bySchema.get(t.schema);
    if (!m) bySchema.set(t.schema, (m = new Map()));
    m.set(t.name, t);
  }
  const covered = new Set<string>();
  for (const fk of model.foreignKeys) {
    const first = fk.from.columns[0];
    if (first !== undefined) covered.add(key(fk.from.schema, fk.from.table, first));
  }

  const inferred: ForeignKey[] = [];
  for (const table of model.tables) {
    for (const column of table.columns) {
      if (covered.has(key(table.schema, table.name, column.name))) continue;
      const stems = stemsOf(column.name);
      if (stems.length === 0) continue;
      const target = findTarget(bySchema, table, stems, column.type);
      if (!target) continue;
      inferred.push({
        name: `${table.name}_${column.name}_inferred`,
        from: { schema: table.schema, table: table.name, columns: [column.name] },
        to: { schema: target.schema, table: target.name, columns: [...target.primaryKey] },
        onDelete: 'no action',
        onUpdate: 'no action',
        deferrable: false,
        initiallyDeferred: false,
        inferred: true,
      });
    }
  }
  if (inferred.length === 0) return model;
  const foreignKeys = [...model.foreignKeys, ...inferred].sort(
    (a, b) => cmp(a.from.schema, b.from.schema) || cmp(a.from.table, b.from.table) || cmp(a.name, b.name),
  );
  return { ...model, foreignKeys };
}

function key(schema: string, table: string, column: string): string {
  return `${schema}\u0000${table}\u0000${column}`;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** What the column may be named after: `user_id` → user; `orderLineId` → orderLine, order_line. */
export function stemsOf(column: string): string[] {
  const snake = /^(.+)_id$/i.exec(column);
  if (snake) return [snake[1]!];
  const camel = /^(.*[a-z0-9])Id$/.exec(column);
  if (!camel) return [];
  const stem = camel[1]!;
  const lower = stem.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
  return lower === stem ? [stem] : [stem, lower];
}

/** Table names a stem may refer to, in order of preference. */
export function candidateNames(stem: string): string[] {
  const names = [stem, stem + 's', stem + 'es'];
  if (/[^aeiou]y$/i.test(stem)) names.push(stem.slice(0, -1) + 'ies');
  return names;
}

function findTarget(bySchema: Map<string, Map<string, Table>>, from: Table, stems: readonly string[], type: string): Table | undefined {
  const matchIn = (schema: string): Table | undefined => {
    const tables = bySchema.get(schema);
    if (!tables) return undefined;
    for (const stem of stems) {
      for (const name of candidateNames(stem)) {
        const t = tables.get(name);
        if (!t || t === from || t.primaryKey.length !== 1) continue;
        const pk = t.columns.find((c) => c.name === t.primaryKey[0]);
        if (pk && pk.type === type) return t;
      }
    }
    return undefined;
  };
  const own = matchIn(from.schema);
  if (own) return own;
  let found: Table | undefined;
  for (const schema of bySchema.keys()) {
    if (schema === from.schema) continue;
    const t = matchIn(schema);
    if (!t) continue;
    if (found) return undefined; // ambiguous across schemas
    found = t;
  }
  return found;
}
