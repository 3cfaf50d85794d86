import type { AstNode } from '../../analyzers/sql-parser.js';
import type { SchemaModel, Table } from '../../model/schema.js';
import { columnEquality, isConst, operatorOf } from './conditions.js';
import type { ComposedPlan, KeyPair, PostFilter, Step } from './plan-types.js';
import type { ColumnUse, ModelItem, QueryModel } from './query-model.js';
import { fieldStrings } from './sql-expr.js';

/**
 * What the schema guarantees about the rows of a composition: when a join keeps exactly one
 * row per row (so LIMIT can run in the first query), and when ORDER BY leaves no ties.
 */

/** Column sets that identify a row of the table: primary key, unique constraints, plain unique indexes. */
function uniqueKeys(table: Table): string[][] {
  const keys: string[][] = [];
  if (table.primaryKey.length > 0) keys.push([...table.primaryKey]);
  for (const u of table.uniqueKeys) keys.push([...u.columns]);
  for (const ix of table.indexes) {
    if (ix.unique && !ix.predicate && ix.columns.every((c) => table.columns.some((col) => col.name === c))) keys.push([...ix.columns]);
  }
  return keys;
}

function coversUnique(table: Table, columns: ReadonlySet<string>): boolean {
  return uniqueKeys(table).some((k) => k.length > 0 && k.every((c) => columns.has(c)));
}

/** Equalities between two items of the step (its local join conditions). */
function stepLinks(step: Step, model: QueryModel): [ColumnUse, ColumnUse][] {
  const out: [ColumnUse, ColumnUse][] = [];
  const exprs = [...step.filters, ...step.leftJoins.flatMap((j) => j.on)];
  for (const e of exprs) {
    const eq = columnEquality(e, model);
    if (eq && step.items.includes(eq[0].item) && step.items.includes(eq[1].item)) out.push(eq);
  }
  return out;
}

/**
 * Why LIMIT cannot run in the first step's query, or undefined when it can: the order must be
 * the first step's, and every later step must join each row to exactly one row (never drop one
 * by an inner join, never multiply one).
 */
export function limitProblem(steps: readonly Step[], postFilters: readonly PostFilter[], order: ComposedPlan['order'], startIsDriving: boolean, model: QueryModel, schema: SchemaModel): string | undefined {
  if (order === 'memory') return 'the ordering uses columns of another service';
  if (!startIsDriving) return 'the rows are fetched starting from another service (the driving table has no filter)';
  if (postFilters.length > 0) return `a condition across services (${postFilters[0]!.expr.text}) can drop rows`;
  for (const step of steps.slice(1)) {
    const problem = stepProblem(step, model, schema);
    if (problem) return problem;
  }
  return undefined;
}

function stepProblem(step: Step, model: QueryModel, schema: SchemaModel): string | undefined {
  const { items } = model;
  const names = step.items.map((i) => items[i]!.alias).join(', ');
  const keyed = new Set(step.keys.map((k) => k.right.item));
  if (keyed.size !== 1) return `${names} is joined through several of its tables`;
  const first = [...keyed][0]!;
  if (!coversUnique(items[first]!.table, new Set(step.keys.map((k) => k.right.column)))) return `the join to ${items[first]!.alias} can match several rows per row`;
  // Every other item of the step must hang off by its own unique key.
  const reached = new Set([first]);
  const links = stepLinks(step, model);
  let grew = true;
  while (grew) {
    grew = false;
    for (const i of step.items) {
      if (reached.has(i)) continue;
      const cols = new Set(links.filter(([a, b]) => (a.item === i && reached.has(b.item)) || (b.item === i && reached.has(a.item))).map(([a, b]) => (a.item === i ? a.column : b.column)));
      if (coversUnique(items[i]!.table, cols)) {
        reached.add(i);
        grew = true;
      }
    }
  }
  if (reached.size !== step.items.length) return `a join inside ${names} can match several rows per row`;
  if (step.join === 'left') return undefined;
  // An inner join keeps every row only when a declared foreign key from NOT NULL columns
  // guarantees the match, and nothing else filters the step.
  const linkExprs = new Set(step.filters.filter((f) => columnEquality(f, model)));
  if (step.filters.some((f) => !linkExprs.has(f)) || step.derived.length > 0) return `the inner join to ${names} filters rows`;
  if (!guaranteedMatch(step.keys, items, schema)) return `the inner join to ${items[first]!.alias} is not backed by a declared foreign key from NOT NULL columns, so it can drop rows`;
  const innerInside = step.items.filter((i) => i !== first && !step.leftJoins.some((j) => j.item === i));
  for (const i of innerInside) {
    const pairs = links
      .filter(([a, b]) => a.item === i || b.item === i)
      .map(([a, b]) => (a.item === i ? { left: b, right: a } : { left: a, right: b }));
    if (!guaranteedMatch(pairs, items, schema)) return `the inner join to ${items[i]!.alias} is not backed by a declared foreign key from NOT NULL columns, so it can drop rows`;
  }
  return undefined;
}

function guaranteedMatch(keys: readonly KeyPair[], items: readonly ModelItem[], schema: SchemaModel): boolean {
  const lefts = new Set(keys.map((k) => k.left.item));
  if (lefts.size !== 1 || keys.length === 0) return false;
  const from = items[keys[0]!.left.item]!;
  const to = items[keys[0]!.right.item]!;
  if (from.join === 'left') return false;
  const notNull = keys.every((k) => from.table.columns.find((c) => c.name === k.left.column)?.nullable === false);
  if (!notNull) return false;
  return schema.foreignKeys.some((fk) => {
    if (fk.inferred || fk.from.schema !== from.table.schema || fk.from.table !== from.table.name || fk.to.schema !== to.table.schema || fk.to.table !== to.table.name) return false;
    if (fk.from.columns.length !== keys.length) return false;
    return fk.from.columns.every((fc, i) => keys.some((k) => k.left.column === fc && k.right.column === fk.to.columns[i]));
  });
}

/**
 * Does ORDER BY leave no ties between different rows? Every item must be determined by the
 * sort columns, constants in equality filters and join equalities (a row of a table is
 * determined once one of its unique keys is).
 */
export function determinesOrder(model: QueryModel, steps: readonly Step[], candidates: readonly { a: ColumnUse; b: ColumnUse }[]): boolean {
  const known = new Set<string>();
  const k = (c: ColumnUse) => `${c.item}.${c.column}`;
  for (const s of model.sorts) if (s.expr.column) known.add(k(s.expr.column));
  const equalities: [ColumnUse, ColumnUse][] = candidates.map((c) => [c.a, c.b]);
  for (const step of steps) {
    for (const key of step.keys) equalities.push([key.left, key.right]);
    equalities.push(...stepLinks(step, model));
    for (const f of step.filters) {
      const e = f.node.A_Expr as AstNode | undefined;
      if (!e || operatorOf(f.node) !== '=') continue;
      const side = isConst(e.rexpr) ? e.lexpr : isConst(e.lexpr) ? e.rexpr : undefined;
      const ref = (side as AstNode | undefined)?.ColumnRef as AstNode | undefined;
      if (ref) known.add(k(model.resolve(fieldStrings(ref.fields))));
    }
  }
  const determined = new Set<number>();
  let grew = true;
  while (grew) {
    grew = false;
    for (const [a, b] of equalities) {
      if (known.has(k(a)) && !known.has(k(b))) (known.add(k(b)), (grew = true));
      if (known.has(k(b)) && !known.has(k(a))) (known.add(k(a)), (grew = true));
    }
    for (const it of model.items) {
      if (determined.has(it.index)) continue;
      const cols = new Set(it.table.columns.map((c) => c.name).filter((c) => known.has(`${it.index}.${c}`)));
      if (coversUnique(it.table, cols)) {
        determined.add(it.index);
        for (const c of it.table.columns) known.add(`${it.index}.${c.name}`);
        grew = true;
      }
    }
  }
  return determined.size === model.items.length;
}
