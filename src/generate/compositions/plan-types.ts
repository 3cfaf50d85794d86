import type { AstNode } from '../../analyzers/sql-parser.js';
import type { Plan } from '../../model/plan.js';
import type { SchemaModel } from '../../model/schema.js';
import type { QueryShape } from '../../model/workload.js';
import type { ColumnUse, Expr, QueryModel } from './query-model.js';

/** What the composition planner decides, as data: render-composition.ts turns it into TypeScript. */

export interface KeyPair {
  /** A column of rows fetched earlier. */
  readonly left: ColumnUse;
  /** The column of this step it must equal. */
  readonly right: ColumnUse;
}

export interface ItemJoin {
  readonly item: number;
  readonly type: 'inner' | 'left';
  /** ON conjuncts (for inner joins inside a step, the local conditions that link it). */
  readonly on: readonly Expr[];
}

export interface Step {
  readonly index: number;
  readonly service: string;
  /** How the step's rows join the rows fetched before it. */
  readonly join: 'start' | 'inner' | 'left';
  /** FROM items answered by this step's query, in FROM order. */
  readonly items: readonly number[];
  /** Items after the first that are LEFT JOINed inside the step's query. */
  readonly leftJoins: readonly ItemJoin[];
  /** Conditions local to the step's items (WHERE and the inner ON conditions linking them). */
  readonly filters: readonly Expr[];
  /** Equalities to a constant implied through join keys (`o.id = 42`, `p.order_id = o.id` gives `p.order_id = 42`). */
  readonly derived: readonly { readonly column: ColumnUse; readonly constant: AstNode; readonly text: string }[];
  readonly keys: readonly KeyPair[];
}

export interface PostFilter {
  readonly expr: Expr;
  readonly left: ColumnUse;
  readonly operator: string;
  readonly right: ColumnUse;
}

export interface ComposedPlan {
  readonly kind: 'composed';
  readonly query: QueryShape;
  readonly model: QueryModel;
  readonly owner: string;
  /** Services in the order their parts are fetched (owner first when it is fetched first). */
  readonly services: readonly string[];
  readonly steps: readonly Step[];
  readonly postFilters: readonly PostFilter[];
  /** `sql`: the first step's query orders the rows and the joins keep that order. */
  readonly order: 'none' | 'sql' | 'memory';
  readonly limit: 'none' | 'sql' | 'memory';
  /** Why LIMIT / OFFSET could not be pushed down (set when limit is `memory`). */
  readonly limitNote?: string;
  /** ORDER BY fully determines the order of the rows (no ties between different rows). */
  readonly totalOrder: boolean;
  /** Item -> step index. */
  readonly stepOf: readonly number[];
}

export interface StubPlan {
  readonly kind: 'stub';
  readonly query: QueryShape;
  readonly owner: string;
  readonly services: readonly string[];
  readonly reason: string;
}

export type CompositionPlan = ComposedPlan | StubPlan;

export interface PlannerInput {
  readonly schema: SchemaModel;
  readonly plan: Plan;
}
