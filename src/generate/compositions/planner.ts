import { parseText, type AstNode } from '../../analyzers/sql-parser.js';
import { ownership } from '../../model/plan.js';
import { tableKey, type SchemaModel } from '../../model/schema.js';
import type { QueryShape } from '../../model/workload.js';
import { columnComparison, columnEquality, isConst, operatorOf } from './conditions.js';
import { tablesInTextOrder } from './naming.js';
import type { ComposedPlan, CompositionPlan, ItemJoin, KeyPair, PlannerInput, PostFilter, Step, StubPlan } from './plan-types.js';
import { determinesOrder, limitProblem } from './row-guarantees.js';
import { NotComposable } from './not-composable.js';
import { buildQueryModel, type ColumnUse, type Expr, type ModelItem, type QueryModel } from './query-model.js';
import { fieldStrings, renderExpr } from './sql-expr.js';
import { valueTypeOf } from './value-kinds.js';

export { columnEquality } from './conditions.js';
export type { ComposedPlan, CompositionPlan, ItemJoin, KeyPair, PlannerInput, PostFilter, Step, StubPlan } from './plan-types.js';

/**
 * Plan the API composition of one cross-boundary SELECT: which service answers which part,
 * in what order the parts are fetched (each after the first batch-fetched by join keys), which
 * conditions each part applies, and where ordering and LIMIT can run. Pure; the plan is data
 * that render-composition.ts turns into TypeScript.
 */

/** Plan one query. libpg-query must be ready. */
export function planComposition(query: QueryShape, input: PlannerInput): CompositionPlan {
  const owners = ownership(input.plan);
  const services = servicesOfShape(query, owners);
  const fallbackOwner = services[0] ?? 'unowned';
  const stub = (reason: string, owner = fallbackOwner): StubPlan => ({ kind: 'stub', query, owner, services, reason });
  if (!query.parsed) return stub(`it did not parse (${query.error ?? 'unknown error'})`);
  const parsed = parseText(query.sql);
  if (!parsed.ok || parsed.statements.length !== 1) return stub('it is not exactly one statement');
  let model: QueryModel | undefined;
  try {
    model = buildQueryModel(parsed.statements[0]!.stmt, query, input.schema);
    return planModel(query, model, input, owners);
  } catch (e) {
    if (e instanceof NotComposable) {
      const first = model?.items.map((it) => owners.get(tableKey(it.table))).find((s) => s !== undefined);
      return stub(e.reason, first ?? ownerFromSql(query, owners) ?? fallbackOwner);
    }
    throw e;
  }
}

/** Services a query touches, the first table read (in the text) first. */
function servicesOfShape(query: QueryShape, owners: ReadonlyMap<string, string>): string[] {
  const out: string[] = [];
  const first = ownerFromSql(query, owners);
  if (first) out.push(first);
  for (const t of [...query.reads, ...query.writes]) {
    const s = owners.get(tableKey(t));
    if (s && !out.includes(s)) out.push(s);
  }
  return out;
}

/** The owner of the table a statement names first: its FROM-first (or target) table. */
function ownerFromSql(query: QueryShape, owners: ReadonlyMap<string, string>): string | undefined {
  return tablesInTextOrder(query)
    .map((t) => owners.get(tableKey(t)))
    .find((s) => s !== undefined);
}

interface MutableStep {
  service: string;
  join: Step['join'];
  items: number[];
  leftJoins: ItemJoin[];
  filters: Expr[];
  derived: { column: ColumnUse; constant: AstNode; text: string }[];
  keys: KeyPair[];
  core: boolean;
}

function planModel(query: QueryShape, model: QueryModel, input: PlannerInput, owners: ReadonlyMap<string, string>): ComposedPlan {
  const { items } = model;
  const shared = new Set(input.plan.shared);
  const serviceOf: (string | undefined)[] = items.map((it) => {
    const key = tableKey(it.table);
    const s = owners.get(key);
    if (s) return s;
    if (shared.has(key)) return undefined;
    throw new NotComposable(`it reads ${key}, which no service owns yet (${input.plan.unassigned.includes(key) ? 'unassigned' : 'not in the plan'})`);
  });
  const owner = serviceOf.find((s) => s !== undefined);
  if (!owner) throw new NotComposable('it reads only shared tables');

  const isLeft = (i: number) => items[i]!.join === 'left';
  const coreConjuncts: Expr[] = [];
  for (const it of items) {
    if (it.join !== 'inner') continue;
    for (const c of it.on) {
      const nullable = [...c.items].find(isLeft);
      if (nullable !== undefined) throw new NotComposable(`the inner join of ${it.alias} depends on ${items[nullable]!.alias}, which is LEFT JOINed (${c.text})`);
      coreConjuncts.push(c);
    }
  }
  const whereOnLeft: Expr[] = [];
  for (const c of model.where) ([...c.items].some(isLeft) ? whereOnLeft : coreConjuncts).push(c);

  // Shared (replicated) tables live in every service's database: they join the service they link to.
  for (const it of items) {
    if (serviceOf[it.index] !== undefined) continue;
    const conjuncts = it.join === 'left' ? it.on : coreConjuncts;
    let assigned: string | undefined;
    for (const c of conjuncts) {
      if (!c.items.has(it.index)) continue;
      const others = [...c.items].filter((i) => i !== it.index).map((i) => serviceOf[i]);
      if (others.length > 0 && others.every((s) => s !== undefined && s === others[0])) {
        assigned = others[0];
        break;
      }
    }
    serviceOf[it.index] = assigned ?? owner;
  }
  const svc = (i: number) => serviceOf[i]!;

  // Core runs: same-service items linked by local conditions.
  const parent = items.map((_, i) => i);
  const find = (i: number): number => (parent[i] === i ? i : (parent[i] = find(parent[i]!)));
  for (const c of coreConjuncts) {
    const its = [...c.items];
    if (its.length < 2 || !its.every((i) => svc(i) === svc(its[0]!))) continue;
    for (const i of its.slice(1)) parent[find(i)] = find(its[0]!);
  }
  const runs: MutableStep[] = [];
  const stepOf: number[] = items.map(() => -1);
  for (const it of items) {
    if (it.join === 'left') continue;
    const root = find(it.index);
    const existing = runs.findIndex((r) => r.core && find(r.items[0]!) === root);
    if (existing >= 0) {
      runs[existing]!.items.push(it.index);
      stepOf[it.index] = existing;
    } else {
      stepOf[it.index] = runs.length;
      runs.push({ service: svc(it.index), join: 'inner', items: [it.index], leftJoins: [], filters: [], derived: [], keys: [], core: true });
    }
  }

  // LEFT JOINed items: inside the query of the step they hang off when it is the same service,
  // else their own step, null-extended in memory.
  const leftSteps: MutableStep[] = [];
  for (const it of items) {
    if (it.join !== 'left') continue;
    const foreign = it.on.find((c) => !c.items.has(it.index));
    if (foreign) throw new NotComposable(`the ON condition ${foreign.text} of LEFT JOIN ${it.alias} does not involve ${it.alias}`);
    const refs = new Set<number>();
    for (const c of it.on) for (const i of c.items) if (i !== it.index) refs.add(i);
    const all = [...runs, ...leftSteps];
    const host = all.find((s) => s.service === svc(it.index) && refs.size > 0 && [...refs].every((i) => s.items.includes(i)));
    if (host) {
      host.leftJoins.push({ item: it.index, type: 'left', on: it.on });
      host.items.push(it.index);
      stepOf[it.index] = runs.includes(host) ? runs.indexOf(host) : runs.length + leftSteps.indexOf(host);
      continue;
    }
    const step: MutableStep = { service: svc(it.index), join: 'left', items: [it.index], leftJoins: [], filters: [], derived: [], keys: [], core: false };
    for (const c of it.on) {
      if (c.items.size === 1) {
        step.filters.push(c);
        continue;
      }
      const eq = columnEquality(c, model);
      if (!eq) throw new NotComposable(`the LEFT JOIN of ${it.alias} across services uses ${c.text}, which is not an equality of two columns`);
      const [mine, other] = eq[0].item === it.index ? [eq[0], eq[1]] : [eq[1], eq[0]];
      if (mine.item !== it.index || other.item === it.index) throw new NotComposable(`the LEFT JOIN of ${it.alias} uses ${c.text}`);
      step.keys.push({ left: other, right: mine });
    }
    if (step.keys.length === 0) throw new NotComposable(`LEFT JOIN ${it.alias} has no equality with the other services' columns to fetch it by`);
    stepOf[it.index] = runs.length + leftSteps.length;
    leftSteps.push(step);
  }

  for (const c of whereOnLeft) {
    const steps = new Set([...c.items].map((i) => stepOf[i]!));
    const only = steps.size === 1 ? [...steps][0]! : -1;
    if (only >= 0 && only < runs.length) runs[only]!.filters.push(c);
    else throw new NotComposable(`the WHERE condition ${c.text} filters the nullable side of a LEFT JOIN across services`);
  }

  // Conditions of the inner core: local, join keys, or comparisons kept for memory.
  const candidates: { a: ColumnUse; b: ColumnUse }[] = [];
  const postFilters: PostFilter[] = [];
  const unplaced: Expr[] = [];
  for (const c of coreConjuncts) {
    const steps = new Set([...c.items].map((i) => stepOf[i]!));
    if (steps.size === 0) {
      unplaced.push(c);
      continue;
    }
    if (steps.size === 1) {
      runs[[...steps][0]!]!.filters.push(c);
      continue;
    }
    const eq = steps.size === 2 ? columnEquality(c, model) : undefined;
    if (eq) {
      candidates.push({ a: eq[0], b: eq[1] });
      continue;
    }
    const cmp = steps.size === 2 ? columnComparison(c, model) : undefined;
    if (cmp && comparable(cmp.left, cmp.right, cmp.operator, items, input.schema)) {
      postFilters.push({ expr: c, ...cmp });
      continue;
    }
    const names = [...new Set([...c.items].map(svc))].join(' and ');
    throw new NotComposable(`the condition ${c.text} combines columns of ${names} in a way batch fetches cannot answer (only equalities and simple comparisons of two columns can)`);
  }

  // Where to start: the driving part if it filters (directly or through a key equal to a
  // constant), else the first part that does, so that no part is read whole when avoidable.
  const driving = stepOf[0]!;
  let start = driving;
  // Local join conditions link a part's tables; only the other conditions narrow its rows.
  const narrows = (r: MutableStep) => r.filters.some((f) => !columnEquality(f, model));
  if (!narrows(runs[driving]!) && unplaced.length === 0) {
    const derived = deriveConstants(runs[driving]!, runs, candidates, model);
    if (derived.length > 0) runs[driving]!.derived.push(...derived);
    else {
      const filtered = runs.findIndex(narrows);
      if (filtered >= 0) start = filtered;
    }
  }
  runs[start]!.filters.push(...unplaced);
  runs[start]!.join = 'start';

  const order: number[] = [start];
  const pending = new Set(runs.map((_, i) => i).filter((i) => i !== start));
  const used = new Set<number>();
  while (pending.size > 0) {
    let next = -1;
    for (const r of [...pending].sort((a, b) => a - b)) {
      if (candidates.some((c, ci) => !used.has(ci) && joinsRun(c, r, order, stepOf))) {
        next = r;
        break;
      }
    }
    if (next < 0) {
      const names = [...pending].map((r) => runs[r]!.items.map((i) => items[i]!.alias).join(', ')).join('; ');
      throw new NotComposable(`nothing joins ${names} to the rest by an equality (a cross join across services)`);
    }
    candidates.forEach((c, ci) => {
      if (used.has(ci) || !joinsRun(c, next, order, stepOf)) return;
      used.add(ci);
      const right = stepOf[c.a.item] === next ? c.a : c.b;
      const left = right === c.a ? c.b : c.a;
      runs[next]!.keys.push({ left, right });
    });
    order.push(next);
    pending.delete(next);
  }
  for (const [ci, c] of candidates.entries()) {
    if (!used.has(ci)) postFilters.push({ expr: { node: {}, items: new Set([c.a.item, c.b.item]), text: `${items[c.a.item]!.alias}.${c.a.column} = ${items[c.b.item]!.alias}.${c.b.column}` }, left: c.a, operator: '=', right: c.b });
  }

  const ordered: MutableStep[] = [...order.map((i) => runs[i]!), ...leftSteps];
  const renumber = new Map<MutableStep, number>(ordered.map((s, i) => [s, i]));
  const all = [...runs, ...leftSteps];
  const finalStepOf = stepOf.map((s) => renumber.get(all[s]!)!);
  const steps: Step[] = ordered.map((s, index) => ({
    index,
    service: s.service,
    join: s.join,
    items: [...s.items].sort((a, b) => a - b),
    leftJoins: s.leftJoins,
    filters: s.filters,
    derived: s.derived,
    keys: s.keys,
  }));

  // Ordering: a step's expression, in SQL when it is the first step's (joins keep its order).
  const sortSteps = model.sorts.filter((s) => s.expr.items.size > 0).map((s) => {
    const stepsOfSort = new Set([...s.expr.items].map((i) => finalStepOf[i]!));
    if (stepsOfSort.size > 1) throw new NotComposable(`ORDER BY ${s.expr.text} combines columns of several services`);
    const step = [...stepsOfSort][0]!;
    if (!s.expr.column && steps[step]!.join === 'left') throw new NotComposable(`ORDER BY ${s.expr.text} is computed from the nullable side of a LEFT JOIN across services`);
    return step;
  });
  for (const t of model.targets) {
    const stepsOfTarget = new Set([...t.expr.items].map((i) => finalStepOf[i]!));
    if (stepsOfTarget.size > 1) throw new NotComposable(`the output column ${t.name} = ${t.expr.text} combines columns of several services`);
    const step = [...stepsOfTarget][0];
    if (step !== undefined && !t.expr.column && steps[step]!.join === 'left') {
      throw new NotComposable(`the output column ${t.name} = ${t.expr.text} is computed from the nullable side of a LEFT JOIN across services`);
    }
  }
  const orderPlace: ComposedPlan['order'] = sortSteps.length === 0 ? 'none' : sortSteps.every((s) => s === 0) ? 'sql' : 'memory';

  let limitPlace: ComposedPlan['limit'] = 'none';
  let limitNote: string | undefined;
  if (model.limit || model.offset) {
    const problem = limitProblem(steps, postFilters, orderPlace, start === driving, model, input.schema);
    limitPlace = problem ? 'memory' : 'sql';
    if (problem) limitNote = problem;
  }

  const servicesInOrder: string[] = [];
  for (const s of steps) if (!servicesInOrder.includes(s.service)) servicesInOrder.push(s.service);
  return {
    kind: 'composed',
    query,
    model,
    owner,
    services: servicesInOrder,
    steps,
    postFilters,
    order: orderPlace,
    limit: limitPlace,
    ...(limitNote ? { limitNote } : {}),
    totalOrder: orderPlace !== 'none' && determinesOrder(model, steps, candidates),
    stepOf: finalStepOf,
  };
}

function joinsRun(c: { a: ColumnUse; b: ColumnUse }, run: number, fetched: readonly number[], stepOf: readonly number[]): boolean {
  const ra = stepOf[c.a.item]!;
  const rb = stepOf[c.b.item]!;
  return (ra === run && fetched.includes(rb)) || (rb === run && fetched.includes(ra));
}

function columnType(item: ModelItem, column: string): string {
  return item.table.columns.find((c) => c.name === column)?.type ?? 'unknown';
}

/** Comparisons evaluated in memory must agree with PostgreSQL: same kind of value, and text only for (in)equality. */
function comparable(a: ColumnUse, b: ColumnUse, op: string, items: readonly ModelItem[], schema: SchemaModel): boolean {
  const ka = valueTypeOf(columnType(items[a.item]!, a.column), schema).sort;
  const kb = valueTypeOf(columnType(items[b.item]!, b.column), schema).sort;
  const numeric = (k: typeof ka) => k === 'number' || k === 'decimal';
  if (numeric(ka) && numeric(kb)) return true;
  if (typeof ka !== 'string' || typeof kb !== 'string') return false;
  if (ka !== kb || ka === 'auto') return false;
  return ka === 'time' || ka === 'bool' || op === '=' || op === '<>';
}

/** `col = constant` filters elsewhere that reach the driving part through key equalities. */
function deriveConstants(target: MutableStep, runs: readonly MutableStep[], candidates: readonly { a: ColumnUse; b: ColumnUse }[], model: QueryModel): MutableStep['derived'] {
  const key = (c: ColumnUse) => `${c.item}.${c.column}`;
  const classes = new Map<string, string>();
  const root = (k: string): string => {
    const p = classes.get(k);
    if (p === undefined || p === k) return k;
    const r = root(p);
    classes.set(k, r);
    return r;
  };
  for (const c of candidates) classes.set(root(key(c.a)), root(key(c.b)));
  const out: MutableStep['derived'] = [];
  const seen = new Set<string>();
  for (const run of runs) {
    if (run === target) continue;
    for (const f of run.filters) {
      const e = f.node.A_Expr as AstNode | undefined;
      if (operatorOf(f.node) !== '=' || !e) continue;
      const [colNode, constNode] = isConst(e.rexpr) ? [e.lexpr, e.rexpr] : isConst(e.lexpr) ? [e.rexpr, e.lexpr] : [undefined, undefined];
      const ref = (colNode as AstNode | undefined)?.ColumnRef as AstNode | undefined;
      if (!ref || !constNode) continue;
      const source = model.resolve(fieldStrings(ref.fields));
      for (const c of candidates) {
        for (const side of [c.a, c.b]) {
          if (!target.items.includes(side.item) || root(key(side)) !== root(key(source)) || seen.has(key(side))) continue;
          seen.add(key(side));
          out.push({ column: side, constant: constNode as AstNode, text: `${model.items[side.item]!.alias}.${side.column} = ${renderExpr(constNode, { column: (names) => names.join('.') })}` });
        }
      }
    }
  }
  return out;
}

