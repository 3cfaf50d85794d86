import type { AstNode } from '../../analyzers/sql-parser.js';
import type { SchemaModel } from '../../model/schema.js';
import type { ComposedPlan } from './planner.js';
import type { ColumnUse, Expr } from './query-model.js';
import type { ConstantSpec } from './sql-expr.js';
import { valueTypeOf, type ValueType } from './value-kinds.js';

/**
 * Names for everything a generated composition handles: the fields each step's query returns
 * (unique across steps, so joined rows never collide) and the function's named parameters.
 */

export interface Field {
  readonly name: string;
  readonly step: number;
  /** The SQL selected for it, filled by the step builder. */
  readonly column?: ColumnUse;
  readonly expr?: Expr;
  /** `::text` of a character(n) key, so that keys compare without padding. */
  readonly keyOf?: ColumnUse;
}

export class FieldLayout {
  private readonly byKey = new Map<string, Field>();
  private readonly names = new Set<string>();
  readonly fields: Field[] = [];
  private readonly byExpr = new Map<Expr, Field>();
  private exprs = 0;

  constructor(private readonly plan: ComposedPlan, private readonly schema: SchemaModel) {}

  private unique(base: string): string {
    let name = base.toLowerCase().replace(/[^a-z0-9_]+/g, '_').replace(/^(?=[0-9])/, '_') || 'c';
    if (this.names.has(name)) {
      let i = 2;
      while (this.names.has(`${name}_${i}`)) i++;
      name = `${name}_${i}`;
    }
    this.names.add(name);
    return name;
  }

  private add(key: string, make: (name: string) => Field, base: string): Field {
    const hit = this.byKey.get(key);
    if (hit) return hit;
    const field = make(this.unique(base));
    this.byKey.set(key, field);
    this.fields.push(field);
    return field;
  }

  column(c: ColumnUse): Field {
    const alias = this.plan.model.items[c.item]!.alias;
    return this.add(`c:${c.item}.${c.column}`, (name) => ({ name, step: this.plan.stepOf[c.item]!, column: c }), `${alias}_${c.column}`);
  }

  /** The field a join key is compared by: the column itself, or its text for character(n). */
  key(c: ColumnUse): Field {
    if (!this.valueType(c).bpchar) return this.column(c);
    const alias = this.plan.model.items[c.item]!.alias;
    return this.add(`k:${c.item}.${c.column}`, (name) => ({ name, step: this.plan.stepOf[c.item]!, keyOf: c }), `${alias}_${c.column}_key`);
  }

  /** A computed expression of one step (or of the first step when it reads no column). */
  expr(e: Expr): Field {
    if (e.column) return this.column(e.column);
    const hit = this.byExpr.get(e);
    if (hit) return hit;
    const step = e.items.size === 0 ? 0 : this.plan.stepOf[[...e.items][0]!]!;
    const field = this.add(`e:${++this.exprs}`, (name) => ({ name, step, expr: e }), `expr${this.exprs}`);
    this.byExpr.set(e, field);
    return field;
  }

  valueType(c: ColumnUse): ValueType {
    const item = this.plan.model.items[c.item]!;
    const column = item.table.columns.find((col) => col.name === c.column);
    return valueTypeOf(column?.type ?? 'unknown', this.schema);
  }

  nullable(c: ColumnUse): boolean {
    const item = this.plan.model.items[c.item]!;
    const step = this.plan.steps[this.plan.stepOf[c.item]!]!;
    const column = item.table.columns.find((col) => col.name === c.column);
    return (column?.nullable ?? true) || step.join === 'left' || step.leftJoins.some((j) => j.item === c.item);
  }

  forStep(step: number): Field[] {
    return this.fields.filter((f) => f.step === step);
  }
}

export interface NamedParam {
  readonly name: string;
  readonly ts: string;
  /** TypeScript literal of the workload's value; undefined for a `$n` of the original text (required). */
  readonly defaultValue?: string;
  readonly comment: string;
}

function camel(hint: string): string {
  const parts = hint.split(/[^A-Za-z0-9]+/).filter(Boolean);
  const name = parts.map((p, i) => (i === 0 ? p.toLowerCase() : p[0]!.toUpperCase() + p.slice(1).toLowerCase())).join('');
  return /^[A-Za-z_]/.test(name) ? name : `p${name}`;
}

/** The generated function's parameters: one per constant of the original query, named after the column it is compared with. */
export class NamedParams {
  private readonly byNode = new Map<AstNode, NamedParam>();
  private readonly byRef = new Map<number, NamedParam>();
  readonly list: NamedParam[] = [];

  private fresh(base: string): string {
    let name = base;
    for (let i = 2; this.list.some((p) => p.name === name) || RESERVED.has(name); i++) name = `${base}${i}`;
    return name;
  }

  get(node: AstNode, spec: ConstantSpec): NamedParam {
    if (spec.kind === 'ref') {
      const hit = this.byRef.get(spec.number);
      if (hit) return hit;
      const param: NamedParam = { name: this.fresh(`param${spec.number}`), ts: 'unknown', comment: `$${spec.number} of the original query` };
      this.byRef.set(spec.number, param);
      this.list.push(param);
      return param;
    }
    const hit = this.byNode.get(node);
    if (hit) return hit;
    const value = spec.kind === 'list' ? spec.values : spec.value;
    const param: NamedParam = {
      name: this.fresh(camel(spec.hint ?? 'value')),
      ts: spec.ts,
      defaultValue: JSON.stringify(value),
      comment: `the workload ran it with ${JSON.stringify(value)}`,
    };
    this.byNode.set(node, param);
    this.list.push(param);
    return param;
  }

  /** LIMIT / OFFSET, when they are constants of the original query. */
  count(node: AstNode, name: 'limit' | 'offset'): NamedParam {
    const hit = this.byNode.get(node);
    if (hit) return hit;
    let inner = node;
    while (inner.TypeCast) inner = (inner.TypeCast as { arg: AstNode }).arg;
    const c = inner.A_Const as { ival?: { ival?: number } } | undefined;
    let param: NamedParam;
    if (c) {
      param = { name: this.fresh(name), ts: 'number', defaultValue: String(c.ival?.ival ?? 0), comment: `${name.toUpperCase()} of the original query` };
      this.list.push(param);
    } else {
      // A `$n` used as LIMIT / OFFSET is a number, whatever else it is compared with.
      const number = (inner.ParamRef as { number?: number } | undefined)?.number ?? 0;
      const untyped = this.get(inner, { kind: 'ref', number });
      param = { ...untyped, ts: 'number', comment: `${untyped.comment} (${name.toUpperCase()})` };
      this.list[this.list.indexOf(untyped)] = param;
      this.byRef.set(number, param);
      for (const [k, v] of this.byNode) if (v === untyped) this.byNode.set(k, param);
    }
    this.byNode.set(node, param);
    return param;
  }
}

/** Names a parameter cannot take: `p` and `params` are the generated function's own. */
const RESERVED = new Set(['p', 'params', 'db', 'rows']);
