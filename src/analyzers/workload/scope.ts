import type { ColumnRef, TableRef } from '../../model/schema.js';
import type { JoinVia } from '../../model/workload.js';
import type { ColumnMap } from './relation-resolver.js';

/**
 * Name resolution inside one statement: which relations each query level can see (its FROM
 * items, and through correlation every enclosing level), and what a column reference means.
 */

/** One FROM item as the query sees it. */
export interface RangeItem {
  /** The name the query uses for it: the alias, else the relation name. */
  readonly name: string;
  /** The schema as written, for `schema.table.column` references to an unaliased table. */
  readonly qualifier?: string;
  /** Set for a table or view (also one not in the schema model). */
  readonly table?: TableRef;
  /**
   * Known columns: a table's columns from the schema model, or a derived table's output columns
   * with the table column each passes through (undefined for computed ones).
   */
  readonly columns?: ColumnMap;
  /** False when the item may have columns beyond `columns` (unknown tables, views, functions). */
  readonly complete: boolean;
}

/** What a WITH query exposes to the statement that names it. */
export interface CteDefinition {
  readonly columns?: ColumnMap;
  readonly complete: boolean;
}

export class CteEnvironment {
  private readonly definitions = new Map<string, CteDefinition>();
  constructor(readonly parent: CteEnvironment | undefined) {}

  define(name: string, definition: CteDefinition): void {
    this.definitions.set(name, definition);
  }

  lookup(name: string): CteDefinition | undefined {
    for (let env: CteEnvironment | undefined = this; env; env = env.parent) {
      const hit = env.definitions.get(name);
      if (hit) return hit;
    }
    return undefined;
  }
}

export class Scope {
  readonly items: RangeItem[] = [];
  constructor(
    readonly parent: Scope | undefined,
    /** How a predicate that reaches an enclosing level from here couples the two. */
    readonly via: JoinVia,
    readonly ctes: CteEnvironment | undefined,
  ) {}
}

export interface ResolvedColumn {
  readonly ref: ColumnRef;
  readonly item: RangeItem;
  /** 0 for the scope the reference is written in, 1 for its parent, ... */
  readonly level: number;
}

/** The table column `item.column` stands for, if it stands for one. */
export function columnOf(item: RangeItem, column: string): ColumnRef | undefined {
  const known = item.columns?.get(column);
  if (known) return known;
  // A table's column that the model does not list (a system column, a stale model) is still
  // that table's column; a derived table's computed column is not any table's.
  if (item.table) return { schema: item.table.schema, table: item.table.name, column };
  return undefined;
}

/** ColumnRef.fields as names; undefined for `*` and for anything that is not a plain name. */
export function fieldNames(fields: unknown): string[] | undefined {
  if (!Array.isArray(fields)) return undefined;
  const names: string[] = [];
  for (const f of fields) {
    const s = (f as { String?: { sval?: string } }).String;
    if (!s || typeof s.sval !== 'string') return undefined;
    names.push(s.sval);
  }
  return names;
}

export function resolveColumn(scope: Scope, names: readonly string[]): ResolvedColumn | undefined {
  if (names.length === 1) return resolveUnqualified(scope, names[0]!);
  // db.schema.table.column: the database part can only be the current database.
  const column = names[names.length - 1]!;
  const relation = names[names.length - 2]!;
  const qualifier = names.length >= 3 ? names[names.length - 3] : undefined;
  let level = 0;
  for (let s: Scope | undefined = scope; s; s = s.parent, level++) {
    for (const item of s.items) {
      if (item.name !== relation) continue;
      if (qualifier !== undefined && item.qualifier !== qualifier && item.table?.schema !== qualifier) continue;
      const ref = columnOf(item, column);
      return ref ? { ref, item, level } : undefined;
    }
  }
  return undefined;
}

/**
 * An unqualified column belongs to the one relation in scope that has it per the schema model,
 * searching the innermost level first. Ambiguity and guesses are skipped, with one exception:
 * a level whose only candidate is a single relation of unknown columns takes it when no level
 * knows the column at all (`SELECT id FROM not_in_model WHERE ...`).
 */
function resolveUnqualified(scope: Scope, column: string): ResolvedColumn | undefined {
  let level = 0;
  let guess: ResolvedColumn | undefined;
  let guessAllowed = true;
  for (let s: Scope | undefined = scope; s; s = s.parent, level++) {
    let match: RangeItem | undefined;
    let matches = 0;
    let open: RangeItem | undefined;
    let openCount = 0;
    for (const item of s.items) {
      if (item.columns?.has(column)) {
        match = item;
        matches++;
      } else if (!item.complete) {
        open = item;
        openCount++;
      }
    }
    if (matches > 1) return undefined;
    if (matches === 1) {
      const ref = columnOf(match!, column);
      return ref && !guess ? { ref, item: match!, level } : undefined;
    }
    if (openCount > 0) {
      if (openCount === 1 && guessAllowed && !guess) {
        const ref = columnOf(open!, column);
        if (ref) guess = { ref, item: open!, level };
      } else {
        guessAllowed = false;
        guess = undefined;
      }
    }
  }
  return guessAllowed ? guess : undefined;
}
