import { parseText, type AstNode } from '../../analyzers/sql-parser.js';
import { Scope, resolveColumn, type RangeItem } from '../../analyzers/workload/scope.js';
import type { ColumnRef, SchemaModel, Table } from '../../model/schema.js';
import type { QueryShape } from '../../model/workload.js';

/**
 * Which columns of which tables a statement actually uses, and how: in its output, in a
 * condition, as a join key, or for ordering/grouping. This is what a copy of another service's
 * table must hold for the queries that read it to keep working. Subqueries, CTE bodies and
 * the source queries of writes count; `*` counts every column.
 */
export type Usage = 'select' | 'filter' | 'join' | 'order';

/** table key -> column -> how it is used. */
export type ColumnUsage = Map<string, Map<string, Set<Usage>>>;

export function columnUsage(query: QueryShape, schema: SchemaModel): ColumnUsage {
  const usage: ColumnUsage = new Map();
  if (!query.parsed) return usage;
  const parsed = parseText(query.sql);
  if (!parsed.ok) return usage;
  const walker = new UsageWalker(schema, query, usage);
  for (const s of parsed.statements) walker.statement(s.stmt, undefined, new Set());
  return usage;
}

class UsageWalker {
  private readonly tables = new Map<string, Table>();

  constructor(
    schema: SchemaModel,
    private readonly query: QueryShape,
    private readonly usage: ColumnUsage,
  ) {
    for (const t of schema.tables) this.tables.set(`${t.schema}.${t.name}`, t);
  }

  private record(ref: ColumnRef, how: Usage): void {
    const key = `${ref.schema}.${ref.table}`;
    if (!this.tables.has(key)) return;
    let cols = this.usage.get(key);
    if (!cols) this.usage.set(key, (cols = new Map()));
    let set = cols.get(ref.column);
    if (!set) cols.set(ref.column, (set = new Set()));
    set.add(how);
  }

  private table(schemaName: string | undefined, name: string): Table | undefined {
    if (schemaName !== undefined) return this.tables.get(`${schemaName}.${name}`);
    const read = [...this.query.reads, ...this.query.writes].filter((r) => r.name === name);
    return this.tables.get(`${read.length === 1 ? read[0]!.schema : 'public'}.${name}`);
  }

  private item(rv: AstNode, ctes: ReadonlySet<string>): RangeItem {
    const alias = (rv.alias as { aliasname?: string } | undefined)?.aliasname;
    const name = rv.relname as string;
    const schemaName = rv.schemaname as string | undefined;
    if (schemaName === undefined && ctes.has(name)) return { name: alias ?? name, complete: false };
    const table = this.table(schemaName, name);
    if (!table) return { name: alias ?? name, complete: false };
    const columns = new Map<string, ColumnRef>(table.columns.map((c) => [c.name, { schema: table.schema, table: table.name, column: c.name }]));
    return { name: alias ?? name, ...(alias === undefined && schemaName !== undefined ? { qualifier: schemaName } : {}), table: { schema: table.schema, name: table.name }, columns, complete: true };
  }

  statement(node: AstNode, parent: Scope | undefined, ctes: ReadonlySet<string>): void {
    const key = Object.keys(node)[0];
    const body = (key === undefined ? {} : node[key]) as AstNode;
    switch (key) {
      case 'SelectStmt':
        return this.select(body, parent, ctes);
      case 'InsertStmt': {
        const inner = this.withClause(body, parent, ctes);
        if (body.selectStmt) this.statement(body.selectStmt as AstNode, parent, inner);
        const scope = new Scope(parent, 'where', undefined);
        scope.items.push(this.item(body.relation as AstNode, inner));
        this.returning(body, scope);
        return;
      }
      case 'UpdateStmt':
      case 'DeleteStmt': {
        const inner = this.withClause(body, parent, ctes);
        const scope = new Scope(parent, 'where', undefined);
        scope.items.push(this.item(body.relation as AstNode, inner));
        for (const f of ((body.fromClause ?? body.usingClause) as AstNode[] | undefined) ?? []) this.from(f, scope, inner);
        for (const t of (body.targetList as AstNode[] | undefined) ?? []) this.expr((t.ResTarget as AstNode | undefined)?.val, scope, inner, 'select');
        this.expr(body.whereClause, scope, inner, 'filter');
        this.returning(body, scope);
        return;
      }
      default:
        return;
    }
  }

  private returning(body: AstNode, scope: Scope): void {
    const list = (body.returningClause as { exprs?: AstNode[] } | undefined)?.exprs ?? (body.returningList as AstNode[] | undefined);
    for (const t of list ?? []) this.target(t, scope, new Set());
  }

  private withClause(body: AstNode, parent: Scope | undefined, ctes: ReadonlySet<string>): ReadonlySet<string> {
    const clause = body.withClause as { ctes?: AstNode[] } | undefined;
    if (!clause?.ctes) return ctes;
    const names = new Set(ctes);
    for (const c of clause.ctes) {
      const cte = c.CommonTableExpr as AstNode;
      names.add(cte.ctename as string);
      if (cte.ctequery) this.statement(cte.ctequery as AstNode, parent, names);
    }
    return names;
  }

  private select(s: AstNode, parent: Scope | undefined, outer: ReadonlySet<string>): void {
    const ctes = this.withClause(s, parent, outer);
    if (s.op !== undefined && s.op !== 'SETOP_NONE') {
      if (s.larg) this.select(s.larg as AstNode, parent, ctes);
      if (s.rarg) this.select(s.rarg as AstNode, parent, ctes);
      return;
    }
    const scope = new Scope(parent, 'where', undefined);
    for (const f of (s.fromClause as AstNode[] | undefined) ?? []) this.from(f, scope, ctes);
    for (const t of (s.targetList as AstNode[] | undefined) ?? []) this.target(t, scope, ctes);
    this.expr(s.whereClause, scope, ctes, 'filter');
    this.expr(s.havingClause, scope, ctes, 'filter');
    this.expr(s.groupClause, scope, ctes, 'order');
    for (const sb of (s.sortClause as AstNode[] | undefined) ?? []) this.expr((sb.SortBy as AstNode).node, scope, ctes, 'order');
    this.expr(s.distinctClause, scope, ctes, 'order');
  }

  private target(t: AstNode, scope: Scope, ctes: ReadonlySet<string>): void {
    const val = (t.ResTarget as AstNode | undefined)?.val as AstNode | undefined;
    const fields = (val?.ColumnRef as AstNode | undefined)?.fields as AstNode[] | undefined;
    if (fields && 'A_Star' in fields[fields.length - 1]!) {
      const relation = fields.length > 1 ? ((fields[fields.length - 2] as { String?: { sval?: string } }).String?.sval) : undefined;
      for (const item of scope.items) {
        if (relation !== undefined && item.name !== relation) continue;
        for (const ref of item.columns?.values() ?? []) if (ref) this.record(ref, 'select');
      }
      return;
    }
    this.expr(val, scope, ctes, 'select');
  }

  private from(node: AstNode, scope: Scope, ctes: ReadonlySet<string>): void {
    if (node.RangeVar) {
      scope.items.push(this.item(node.RangeVar as AstNode, ctes));
      return;
    }
    const j = node.JoinExpr as AstNode | undefined;
    if (j) {
      if (j.larg) this.from(j.larg as AstNode, scope, ctes);
      if (j.rarg) this.from(j.rarg as AstNode, scope, ctes);
      // USING (c): c of every relation that has it is a join key.
      for (const u of (j.usingClause as AstNode[] | undefined) ?? []) {
        const name = (u as { String?: { sval?: string } }).String?.sval;
        if (!name) continue;
        for (const item of scope.items) {
          const ref = item.columns?.get(name);
          if (ref) this.record(ref, 'join');
        }
      }
      this.expr(j.quals, scope, ctes, 'filter');
      return;
    }
    const sub = node.RangeSubselect as AstNode | undefined;
    if (sub?.subquery) {
      this.statement(sub.subquery as AstNode, sub.lateral ? scope : scope.parent, ctes);
      scope.items.push({ name: (sub.alias as { aliasname?: string } | undefined)?.aliasname ?? '', complete: false });
      return;
    }
    // Functions in FROM and the like: their arguments may read columns.
    this.expr(node, scope, ctes, 'filter');
  }

  private column(fields: unknown, scope: Scope, how: Usage): ColumnRef | undefined {
    if (!Array.isArray(fields)) return undefined;
    const names: string[] = [];
    for (const f of fields) {
      const s = (f as { String?: { sval?: string } }).String?.sval;
      if (s === undefined) return undefined;
      names.push(s);
    }
    const resolved = resolveColumn(scope, names);
    if (resolved?.item.table) this.record(resolved.ref, how);
    return resolved?.ref;
  }

  private expr(node: unknown, scope: Scope, ctes: ReadonlySet<string>, how: Usage): void {
    if (node === null || typeof node !== 'object') return;
    if (Array.isArray(node)) {
      for (const n of node) this.expr(n, scope, ctes, how);
      return;
    }
    const n = node as AstNode;
    for (const key of Object.keys(n)) {
      const value = n[key] as AstNode;
      switch (key) {
        case 'ColumnRef':
          this.column(value.fields, scope, how);
          break;
        case 'A_Expr': {
          const l = (value.lexpr as AstNode | undefined)?.ColumnRef as AstNode | undefined;
          const r = (value.rexpr as AstNode | undefined)?.ColumnRef as AstNode | undefined;
          const op = ((value.name as AstNode[] | undefined)?.[0] as { String?: { sval?: string } } | undefined)?.String?.sval;
          if (l && r && op === '=' && value.kind === 'AEXPR_OP') {
            this.column(l.fields, scope, how === 'filter' ? 'join' : how);
            this.column(r.fields, scope, how === 'filter' ? 'join' : how);
            break;
          }
          this.expr(value, scope, ctes, how);
          break;
        }
        case 'SubLink': {
          this.expr(value.testexpr, scope, ctes, how === 'select' ? 'select' : 'filter');
          if (value.subselect) this.statement(value.subselect as AstNode, scope, ctes);
          break;
        }
        default:
          if (value !== null && typeof value === 'object') this.expr(value, scope, ctes, how);
      }
    }
  }
}
