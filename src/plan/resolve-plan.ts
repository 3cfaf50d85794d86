import { ConfigError } from '../errors.js';
import type { Plan, ServicePlan } from '../model/plan.js';
import type { SchemaModel } from '../model/schema.js';
import type { PlanFile } from './plan-file.js';
import { closestTable, isGlob, matchTables } from './table-patterns.js';

export interface ResolvedPlan {
  readonly plan: Plan;
  /** table key -> service, for tables pinned in the file. */
  readonly pins: ReadonlyMap<string, string>;
}

/**
 * Check a plan file against the schema and expand its globs. An explicit name beats a glob:
 * `order_*` in one service does not clash with `order_audit` listed by name in another.
 */
export function resolvePlan(file: PlanFile, schema: SchemaModel, fileName = 'dbsplit.yaml'): ResolvedPlan {
  const searchPath = file.monolith?.searchPath ?? ['public'];
  const explicitOwner = new Map<string, string>();
  const section = (name: string) => (name === 'shared' || name === 'unassigned' ? name : `services.${name}`);

  const lists: { name: string; patterns: readonly string[] }[] = [
    ...Object.entries(file.services).map(([name, s]) => ({ name, patterns: s.tables })),
    { name: 'shared', patterns: file.shared ?? [] },
    { name: 'unassigned', patterns: file.unassigned ?? [] },
  ];

  const expand = (owner: string, pattern: string): string[] => {
    const found = matchTables(pattern, schema, searchPath);
    if (found.length === 0) {
      const suggestion = isGlob(pattern) ? undefined : closestTable(pattern, schema);
      throw new ConfigError(
        'E_UNKNOWN_TABLE',
        `${fileName}: ${section(owner)}.tables: ${isGlob(pattern) ? `pattern "${pattern}" matches no table` : `unknown table "${pattern}"`}`,
        suggestion ? `did you mean ${suggestion}? (dbsplit analyze lists the tables)` : 'dbsplit analyze lists the tables',
      );
    }
    return found;
  };

  for (const { name, patterns } of lists) {
    for (const p of patterns.filter((x) => !isGlob(x))) {
      for (const key of expand(name, p)) {
        const prev = explicitOwner.get(key);
        if (prev && prev !== name) throw ownedTwice(fileName, key, prev, name);
        explicitOwner.set(key, name);
      }
    }
  }
  const owner = new Map(explicitOwner);
  for (const { name, patterns } of lists) {
    for (const p of patterns.filter(isGlob)) {
      for (const key of expand(name, p)) {
        if (explicitOwner.has(key)) continue;
        const prev = owner.get(key);
        if (prev && prev !== name) throw ownedTwice(fileName, key, prev, name);
        owner.set(key, name);
      }
    }
  }

  const tablesOf = (name: string) => [...owner.entries()].filter(([, o]) => o === name).map(([k]) => k).sort();
  const services: ServicePlan[] = Object.entries(file.services).map(([name, s]) => {
    const tables = tablesOf(name);
    if (tables.length === 0) {
      throw new ConfigError('E_PLAN_INVALID', `${fileName}: services.${name} owns no table`, 'list its tables, or remove the service');
    }
    return {
      name,
      tables,
      ...(s.target ? { target: { isolation: s.target.isolation, ...(s.target.url ? { url: s.target.url } : {}), ...(s.target.schema ? { schema: s.target.schema } : {}) } } : {}),
    };
  });

  const pins = new Map<string, string>();
  for (const [name, s] of Object.entries(file.services)) {
    for (const p of s.pin ?? []) {
      for (const key of expand(name, p)) {
        if (owner.get(key) !== name) {
          throw new ConfigError('E_PLAN_INVALID', `${fileName}: services.${name}.pin: ${key} is pinned to ${name} but not among its tables`, `add it to services.${name}.tables`);
        }
        pins.set(key, name);
      }
    }
  }

  return { plan: { version: 1, services, shared: tablesOf('shared'), unassigned: tablesOf('unassigned') }, pins };
}

function ownedTwice(file: string, table: string, a: string, b: string): ConfigError {
  const label = (n: string) => (n === 'shared' || n === 'unassigned' ? n : `service ${n}`);
  return new ConfigError('E_PLAN_INVALID', `${file}: table ${table} is listed under both ${label(a)} and ${label(b)}`, 'a table belongs to exactly one service, or to shared, or to unassigned');
}
