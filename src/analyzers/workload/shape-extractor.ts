import type { AstNode } from '../sql-parser.js';
import type { ColumnRef, TableRef } from '../../model/schema.js';
import type { JoinPredicate, JoinVia } from '../../model/workload.js';
import type { ColumnMap, RelationResolver, ResolvedRelation } from './relation-resolver.js';
import { aliasOf, columnKey, lastName, renamed, sublinkVia, unwrapColumn } from './ast-helpers.js';
import { CteEnvironment, Scope, columnOf, fieldNames, resolveColumn, type RangeItem, type ResolvedColumn } from './scope.js';

/**
 * One walk over a statement's parse tree that collects the tables it reads and writes and
 * every column-level join predicate, with aliases, CTEs and derived tables resolved. A join
 * predicate is `column = column` (or IS NOT DISTINCT FROM) between two different FROM items,
 * wherever it is written (ON, USING, NATURAL, WHERE, correlated subqueries, IN); a self-join
 * counts, a comparison within one item does not.
 *
 * CTEs and derived tables are resolved through pass-through columns: `WITH c AS (SELECT
 * o.user_id FROM orders o) ... c.user_id = u.id` becomes `orders.user_id = users.id`, also
 * through `*`, nested derived tables and RETURNING of data-modifying CTEs. A computed output
 * column (`count(*) AS n`, a UNION arm that differs) stands for no table column, so predicates
 * on it are skipped.
 */

/** What a query produces, as seen by whoever names it (a CTE, a derived table, IN). */
interface QueryOutput {
  readonly columns: ColumnMap;
  readonly complete: boolean;
}

const EMPTY_OUTPUT: QueryOutput = { columns: new Map(), complete: false };


export class ShapeExtractor {
  readonly reads = new Map<string, TableRef>();
  readonly writes = new Map<string, TableRef>();
  readonly joins = new Map<string, JoinPredicate>();
  readonly unknown = new Set<string>();

  constructor(private readonly resolver: RelationResolver) {}

  // ----- relations -----

  private relation(rangeVar: AstNode): ResolvedRelation {
    const resolved = this.resolver.resolve(rangeVar.schemaname as string | undefined, rangeVar.relname as string);
    if (resolved.kind === 'unknown') this.unknown.add(`${resolved.ref.schema}.${resolved.ref.name}`);
    return resolved;
  }

  private record(into: Map<string, TableRef>, resolved: ResolvedRelation): void {
    if (resolved.kind === 'system') return;
    const key = `${resolved.ref.schema}.${resolved.ref.name}`;
    if (!into.has(key)) into.set(key, resolved.ref);
  }

  private tableItem(rangeVar: AstNode, resolved: ResolvedRelation): RangeItem {
    const alias = aliasOf(rangeVar);
    const columns = renamed(resolved.columns, alias.colnames);
    return {
      name: alias.name ?? (rangeVar.relname as string),
      qualifier: alias.name === undefined ? (rangeVar.schemaname as string | undefined) : undefined,
      table: resolved.ref,
      columns,
      complete: resolved.columns !== undefined,
    };
  }

  /** The target of INSERT / UPDATE / DELETE / MERGE: written, and visible under its alias. */
  private target(rangeVar: AstNode): RangeItem {
    const resolved = this.relation(rangeVar);
    this.record(this.writes, resolved);
    return this.tableItem(rangeVar, resolved);
  }

  // ----- statements -----

  /** A top-level statement node (`{ SelectStmt: ... }`). */
  statement(node: AstNode): void {
    this.query(node, undefined, 'where', undefined);
  }

  /** Any query-like node, returning what it outputs. */
  query(node: AstNode, parent: Scope | undefined, via: JoinVia, ctes: CteEnvironment | undefined): QueryOutput {
    for (const key in node) {
      const body = node[key] as AstNode;
      switch (key) {
        case 'SelectStmt':
          return this.select(body, parent, via, ctes);
        case 'InsertStmt':
          return this.insert(body, parent, via, ctes);
        case 'UpdateStmt':
          return this.update(body, parent, via, ctes);
        case 'DeleteStmt':
          return this.delete(body, parent, via, ctes);
        case 'MergeStmt':
          return this.merge(body, parent, via, ctes);
        case 'CopyStmt':
          return this.copy(body, ctes);
        case 'TruncateStmt':
          for (const r of (body.relations as AstNode[] | undefined) ?? []) {
            const rv = r.RangeVar as AstNode | undefined;
            if (rv) this.record(this.writes, this.relation(rv));
          }
          return EMPTY_OUTPUT;
        case 'DeclareCursorStmt':
          return body.query ? this.query(body.query as AstNode, parent, via, ctes) : EMPTY_OUTPUT;
        default:
          return EMPTY_OUTPUT;
      }
    }
    return EMPTY_OUTPUT;
  }

  /** WITH queries see the enclosing query levels (and the earlier WITH queries), not the FROM of their statement. */
  private withClause(node: AstNode, ctes: CteEnvironment | undefined, parent: Scope | undefined, via: JoinVia): CteEnvironment | undefined {
    const clause = node.withClause as { ctes?: AstNode[]; recursive?: boolean } | undefined;
    if (!clause?.ctes?.length) return ctes;
    const env = new CteEnvironment(ctes);
    if (clause.recursive) {
      // A recursive CTE names itself before its columns are known.
      for (const c of clause.ctes) {
        const cte = c.CommonTableExpr as AstNode | undefined;
        if (cte) env.define(cte.ctename as string, { complete: false });
      }
    }
    for (const c of clause.ctes) {
      const cte = c.CommonTableExpr as AstNode | undefined;
      if (!cte?.ctequery) continue;
      const output = this.query(cte.ctequery as AstNode, parent, via, env);
      const columns = renamed(output.columns, fieldNames(cte.aliascolnames));
      env.define(cte.ctename as string, { columns, complete: output.complete });
    }
    return env;
  }

  private select(s: AstNode, parent: Scope | undefined, via: JoinVia, outerCtes: CteEnvironment | undefined): QueryOutput {
    const ctes = this.withClause(s, outerCtes, parent, via);
    if (s.op !== undefined && s.op !== 'SETOP_NONE') {
      const left = s.larg ? this.select(s.larg as AstNode, parent, via, ctes) : EMPTY_OUTPUT;
      const right = s.rarg ? this.select(s.rarg as AstNode, parent, via, ctes) : EMPTY_OUTPUT;
      const columns = new Map<string, ColumnRef | undefined>();
      const rightRefs = [...right.columns.values()];
      let i = 0;
      for (const [name, ref] of left.columns) {
        const other = rightRefs[i++];
        columns.set(name, ref && other && columnKey(ref) === columnKey(other) ? ref : undefined);
      }
      const scope = new Scope(parent, via, ctes);
      this.expr(s.sortClause, scope, 'where');
      this.expr(s.limitCount, scope, 'where');
      this.expr(s.limitOffset, scope, 'where');
      return { columns, complete: left.complete };
    }
    const scope = new Scope(parent, via, ctes);
    for (const item of (s.fromClause as AstNode[] | undefined) ?? []) this.fromItem(item, scope);
    if (s.valuesLists) {
      this.expr(s.valuesLists, scope, 'where');
      const first = (s.valuesLists as { List?: { items?: unknown[] } }[])[0]?.List?.items ?? [];
      const columns = new Map<string, ColumnRef | undefined>();
      for (let i = 0; i < first.length; i++) columns.set(`column${i + 1}`, undefined);
      return { columns, complete: true };
    }
    this.expr(s.whereClause, scope, 'where');
    this.expr(s.havingClause, scope, 'where');
    this.expr(s.groupClause, scope, 'where');
    this.expr(s.distinctClause, scope, 'where');
    this.expr(s.windowClause, scope, 'where');
    this.expr(s.sortClause, scope, 'where');
    this.expr(s.limitCount, scope, 'where');
    this.expr(s.limitOffset, scope, 'where');
    return this.targets(s.targetList as AstNode[] | undefined, scope);
  }

  /** Walk a target list (or RETURNING list) and say what each output column stands for. */
  private targets(list: readonly AstNode[] | undefined, scope: Scope): QueryOutput {
    const columns = new Map<string, ColumnRef | undefined>();
    let complete = true;
    for (const t of list ?? []) {
      const res = t.ResTarget as AstNode | undefined;
      if (!res) continue;
      const val = res.val as AstNode | undefined;
      const colRef = val?.ColumnRef as AstNode | undefined;
      const fields = colRef?.fields as AstNode[] | undefined;
      if (fields && fields.length > 0 && 'A_Star' in fields[fields.length - 1]!) {
        complete = this.expandStar(fields, scope, columns) && complete;
        continue;
      }
      const names = unwrapColumn(val);
      const name = (res.name as string | undefined) ?? (names ? names[names.length - 1] : undefined) ?? this.implicitName(val);
      let ref: ColumnRef | undefined;
      if (names) ref = resolveColumn(scope, names)?.ref;
      else this.expr(val, scope, 'where');
      if (name !== undefined && !columns.has(name)) columns.set(name, ref);
    }
    return { columns, complete };
  }

  private implicitName(val: AstNode | undefined): string | undefined {
    const call = val?.FuncCall as AstNode | undefined;
    return call ? lastName(call.funcname) : undefined;
  }

  private expandStar(fields: AstNode[], scope: Scope, into: Map<string, ColumnRef | undefined>): boolean {
    const names = fieldNames(fields.slice(0, -1)) ?? [];
    const relation = names[names.length - 1];
    let complete = true;
    for (const item of scope.items) {
      if (relation !== undefined && item.name !== relation) continue;
      for (const [name, ref] of item.columns ?? []) if (!into.has(name)) into.set(name, ref ?? columnOf(item, name));
      complete &&= item.complete;
    }
    return complete;
  }

  private insert(s: AstNode, parent: Scope | undefined, via: JoinVia, outerCtes: CteEnvironment | undefined): QueryOutput {
    const ctes = this.withClause(s, outerCtes, parent, via);
    const target = this.target(s.relation as AstNode);
    // The target is not visible inside the source query.
    if (s.selectStmt) this.query(s.selectStmt as AstNode, parent, via, ctes);
    const conflict = s.onConflictClause as AstNode | undefined;
    if (conflict) {
      const scope = new Scope(parent, via, ctes);
      scope.items.push(target, { ...target, name: 'excluded', qualifier: undefined });
      this.expr(conflict.targetList, scope, 'where');
      this.expr(conflict.whereClause, scope, 'where');
      this.expr((conflict.infer as AstNode | undefined)?.whereClause, scope, 'where');
    }
    return this.returning(s, target, parent, via, ctes);
  }

  private update(s: AstNode, parent: Scope | undefined, via: JoinVia, outerCtes: CteEnvironment | undefined): QueryOutput {
    const ctes = this.withClause(s, outerCtes, parent, via);
    const scope = new Scope(parent, via, ctes);
    scope.items.push(this.target(s.relation as AstNode));
    for (const item of (s.fromClause as AstNode[] | undefined) ?? []) this.fromItem(item, scope);
    this.expr(s.targetList, scope, 'where');
    this.expr(s.whereClause, scope, 'where');
    return this.targets(this.returningList(s), scope);
  }

  private delete(s: AstNode, parent: Scope | undefined, via: JoinVia, outerCtes: CteEnvironment | undefined): QueryOutput {
    const ctes = this.withClause(s, outerCtes, parent, via);
    const scope = new Scope(parent, via, ctes);
    scope.items.push(this.target(s.relation as AstNode));
    for (const item of (s.usingClause as AstNode[] | undefined) ?? []) this.fromItem(item, scope);
    this.expr(s.whereClause, scope, 'where');
    return this.targets(this.returningList(s), scope);
  }

  private merge(s: AstNode, parent: Scope | undefined, via: JoinVia, outerCtes: CteEnvironment | undefined): QueryOutput {
    const ctes = this.withClause(s, outerCtes, parent, via);
    const scope = new Scope(parent, via, ctes);
    scope.items.push(this.target(s.relation as AstNode));
    if (s.sourceRelation) this.fromItem(s.sourceRelation as AstNode, scope);
    this.expr(s.joinCondition, scope, 'on');
    for (const w of (s.mergeWhenClauses as AstNode[] | undefined) ?? []) {
      const clause = w.MergeWhenClause as AstNode | undefined;
      if (!clause) continue;
      this.expr(clause.condition, scope, 'where');
      this.expr(clause.targetList, scope, 'where');
      this.expr(clause.values, scope, 'where');
    }
    return this.targets(this.returningList(s), scope);
  }

  private returningList(s: AstNode): AstNode[] | undefined {
    // PostgreSQL 18 wraps RETURNING in a clause (for OLD/NEW aliases); earlier trees had a list.
    const clause = s.returningClause as { exprs?: AstNode[] } | undefined;
    return clause?.exprs ?? (s.returningList as AstNode[] | undefined);
  }

  private returning(s: AstNode, target: RangeItem, parent: Scope | undefined, via: JoinVia, ctes: CteEnvironment | undefined): QueryOutput {
    const list = this.returningList(s);
    if (!list?.length) return EMPTY_OUTPUT;
    const scope = new Scope(parent, via, ctes);
    scope.items.push(target);
    return this.targets(list, scope);
  }

  private copy(s: AstNode, ctes: CteEnvironment | undefined): QueryOutput {
    if (s.query) return this.query(s.query as AstNode, undefined, 'where', ctes);
    if (s.relation) this.record(s.is_from ? this.writes : this.reads, this.relation(s.relation as AstNode));
    return EMPTY_OUTPUT;
  }

  // ----- FROM -----

  /** Add a FROM item's relations to the scope; returns the items it contributed. */
  private fromItem(node: AstNode, scope: Scope): RangeItem[] {
    const start = scope.items.length;
    for (const key in node) {
      const body = node[key] as AstNode;
      switch (key) {
        case 'RangeVar':
          scope.items.push(this.rangeVar(body, scope));
          break;
        case 'JoinExpr':
          this.join(body, scope);
          break;
        case 'RangeSubselect': {
          const lateral = body.lateral === true;
          // Only LATERAL sees its FROM siblings; any subquery sees enclosing query levels, and a
          // reference to one of those couples as the enclosing level does (EXISTS, IN, ...).
          const output = body.subquery
            ? this.query(body.subquery as AstNode, lateral ? scope : scope.parent, lateral ? 'lateral' : scope.via, scope.ctes)
            : EMPTY_OUTPUT;
          const alias = aliasOf(body);
          scope.items.push({ name: alias.name ?? '', columns: renamed(output.columns, alias.colnames), complete: output.complete });
          break;
        }
        case 'RangeTableSample':
          if (body.relation) this.fromItem(body.relation as AstNode, scope);
          this.expr(body.args, scope, 'where');
          break;
        case 'RangeFunction':
        case 'RangeTableFunc':
        case 'JsonTable':
        default: {
          // Functions, XMLTABLE, JSON_TABLE: their arguments may hold subqueries and columns of
          // LATERAL siblings; their own columns are unknown.
          this.expr(body, scope, 'lateral');
          const alias = aliasOf(body);
          if (alias.name) scope.items.push({ name: alias.name, complete: false });
          break;
        }
      }
    }
    return scope.items.slice(start);
  }

  private rangeVar(rv: AstNode, scope: Scope): RangeItem {
    const relname = rv.relname as string;
    if (rv.schemaname === undefined) {
      const cte = scope.ctes?.lookup(relname);
      if (cte) {
        const alias = aliasOf(rv);
        return { name: alias.name ?? relname, columns: renamed(cte.columns, alias.colnames), complete: cte.complete };
      }
    }
    const resolved = this.relation(rv);
    this.record(this.reads, resolved);
    return this.tableItem(rv, resolved);
  }

  private join(j: AstNode, scope: Scope): void {
    const start = scope.items.length;
    const left = j.larg ? this.fromItem(j.larg as AstNode, scope) : [];
    const right = j.rarg ? this.fromItem(j.rarg as AstNode, scope) : [];
    for (const name of fieldNames(j.usingClause) ?? []) this.usingPair(name, left, right, 'using');
    if (j.isNatural) {
      const rightNames = new Set<string>();
      for (const item of right) for (const name of item.columns?.keys() ?? []) rightNames.add(name);
      const done = new Set<string>();
      for (const item of left) {
        for (const name of item.columns?.keys() ?? []) {
          if (!rightNames.has(name) || done.has(name)) continue;
          done.add(name);
          this.usingPair(name, left, right, 'natural');
        }
      }
    }
    this.expr(j.quals, scope, 'on');
    const alias = aliasOf(j);
    if (alias.name) {
      // `(a JOIN b) AS ab` hides a and b behind ab.
      const inner = scope.items.splice(start);
      const columns = new Map<string, ColumnRef | undefined>();
      for (const item of inner) for (const [name, ref] of item.columns ?? []) if (!columns.has(name)) columns.set(name, ref ?? columnOf(item, name));
      scope.items.push({ name: alias.name, columns: renamed(columns, alias.colnames), complete: inner.every((i) => i.complete) });
    }
  }

  /** `USING (c)` / NATURAL: c of the first left relation that has it = c of the first right one. */
  private usingPair(name: string, left: readonly RangeItem[], right: readonly RangeItem[], via: JoinVia): void {
    const pick = (items: readonly RangeItem[]): RangeItem | undefined =>
      items.find((i) => i.columns?.has(name)) ?? (items.length === 1 && !items[0]!.complete ? items[0] : undefined);
    const l = pick(left);
    const r = pick(right);
    if (!l || !r) return;
    const lRef = columnOf(l, name);
    const rRef = columnOf(r, name);
    if (lRef && rRef) this.predicate({ ref: lRef, item: l, level: 0 }, { ref: rRef, item: r, level: 0 }, via);
  }

  // ----- expressions -----

  /** Walk any expression subtree for comparisons and subqueries. */
  private expr(node: unknown, scope: Scope, via: JoinVia): void {
    if (node === null || typeof node !== 'object') return;
    if (Array.isArray(node)) {
      for (const item of node) this.expr(item, scope, via);
      return;
    }
    const n = node as AstNode;
    for (const key in n) {
      const value = n[key];
      switch (key) {
        case 'ColumnRef':
        case 'A_Const':
        case 'ParamRef':
        case 'TypeName':
          break;
        case 'A_Expr':
          this.aExpr(value as AstNode, scope, via);
          break;
        case 'SubLink':
          this.subLink(value as AstNode, scope);
          break;
        case 'SelectStmt':
        case 'InsertStmt':
        case 'UpdateStmt':
        case 'DeleteStmt':
        case 'MergeStmt':
          this.query(n, scope, 'scalar', scope.ctes);
          return;
        default:
          if (value !== null && typeof value === 'object') this.expr(value, scope, via);
      }
    }
  }

  private aExpr(e: AstNode, scope: Scope, via: JoinVia): void {
    const kind = e.kind as string | undefined;
    const op = lastName(e.name);
    const lexpr = e.lexpr as AstNode | undefined;
    const rexpr = e.rexpr as AstNode | undefined;
    // Only equality joins count: `a.x < b.y` relates the tables, but is not a join on a key.
    if (op === '=' && lexpr && rexpr && (kind === 'AEXPR_OP' || kind === 'AEXPR_NOT_DISTINCT')) {
      this.compare(lexpr, rexpr, scope, via);
      return;
    }
    this.expr(lexpr, scope, via);
    this.expr(rexpr, scope, via);
  }

  private compare(lexpr: AstNode, rexpr: AstNode, scope: Scope, via: JoinVia): void {
    const lRow = (lexpr.RowExpr as { args?: AstNode[] } | undefined)?.args;
    const rRow = (rexpr.RowExpr as { args?: AstNode[] } | undefined)?.args;
    if (lRow && rRow && lRow.length === rRow.length) {
      for (let i = 0; i < lRow.length; i++) this.compare(lRow[i]!, rRow[i]!, scope, via);
      return;
    }
    const lNames = unwrapColumn(lexpr);
    const rNames = unwrapColumn(rexpr);
    if (lNames && rNames) {
      const l = resolveColumn(scope, lNames);
      const r = resolveColumn(scope, rNames);
      if (l && r) this.predicate(l, r, l.level > 0 || r.level > 0 ? scope.via : via);
      return;
    }
    // `col = (SELECT x FROM ...)`: the subquery's output column is the other side.
    const lSub = lexpr.SubLink as AstNode | undefined;
    const rSub = rexpr.SubLink as AstNode | undefined;
    if (lNames && rSub?.subLinkType === 'EXPR_SUBLINK') return this.scalarComparison(lNames, rSub, scope);
    if (rNames && lSub?.subLinkType === 'EXPR_SUBLINK') return this.scalarComparison(rNames, lSub, scope);
    if (!lNames) this.expr(lexpr, scope, via);
    if (!rNames) this.expr(rexpr, scope, via);
  }

  private scalarComparison(names: string[], sub: AstNode, scope: Scope): void {
    const output = this.subLink(sub, scope);
    const column = resolveColumn(scope, names);
    const inner = [...output.columns.values()][0];
    if (column && inner && output.columns.size === 1) this.predicate(column, { ref: inner, item: { name: '', complete: false }, level: 0 }, 'scalar');
  }

  private subLink(s: AstNode, scope: Scope): QueryOutput {
    const via = sublinkVia(s.subLinkType);
    const output = s.subselect ? this.query(s.subselect as AstNode, scope, via, scope.ctes) : EMPTY_OUTPUT;
    const test = s.testexpr as AstNode | undefined;
    if (!test) return output;
    if (via === 'in') {
      const tests = (test.RowExpr as { args?: AstNode[] } | undefined)?.args ?? [test];
      const outputs = [...output.columns.values()];
      // `x IN (SELECT ...)` has no operator name; `x = ANY (SELECT ...)` has `=`.
      const equality = (lastName(s.operName) ?? '=') === '=';
      for (let i = 0; i < tests.length; i++) {
        const names = unwrapColumn(tests[i]);
        const inner = outputs[i];
        if (!names) {
          this.expr(tests[i], scope, 'where');
          continue;
        }
        const column = resolveColumn(scope, names);
        if (column && inner && equality) this.predicate(column, { ref: inner, item: { name: '', complete: false }, level: 0 }, 'in');
      }
      return output;
    }
    this.expr(test, scope, 'where');
    return output;
  }

  /** Record `a = b`, sides in canonical order, once per statement (the first way it was written wins). */
  private predicate(a: ResolvedColumn, b: ResolvedColumn, via: JoinVia): void {
    if (a.item === b.item) return;
    const aKey = columnKey(a.ref);
    const bKey = columnKey(b.ref);
    if (aKey === bKey) return;
    const [left, right, key] = aKey < bKey ? [a.ref, b.ref, `${aKey}=${bKey}`] : [b.ref, a.ref, `${bKey}=${aKey}`];
    if (!this.joins.has(key)) this.joins.set(key, { left, right, operator: '=', via });
  }
}
