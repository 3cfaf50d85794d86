import { ConfigError } from '../../errors.js';
import type { CrossBoundaryForeignKey, ReplacementKind } from '../../model/catalog.js';
import { ownership, type ServicePlan } from '../../model/plan.js';
import { columnKey, compareText, tableKey, type Domain, type EnumType, type ForeignKey, type Sequence, type Table } from '../../model/schema.js';
import type { GenerateContext } from '../types.js';
import { leadingName, qualified, quoteIdent } from './names.js';
import { requalify, type NameResolver } from './requalify.js';

/**
 * What goes into one service's database: its own tables, copies of the shared tables they
 * reference, the types and sequences those use, and which foreign keys survive the split.
 *
 * Shared tables (plan.shared): each service whose tables reference one (by a declared or an
 * inferred relation, and transitively through shared tables) gets its own copy, with the
 * foreign keys to it kept: reference data is read by everyone and changes rarely, so a local
 * copy kept in sync beats a network call per lookup.
 */

export interface RemovedForeignKey {
  readonly foreignKey: ForeignKey;
  /** The service that owns the referenced table; undefined when no service owns it. */
  readonly toService?: string;
  readonly kind?: ReplacementKind;
  /** The column comment that says where the reference points. */
  readonly note: string;
}

export interface ServiceScope {
  readonly service: ServicePlan;
  readonly isolation: 'schema' | 'database';
  /** With isolation `schema`: the schema that holds everything. */
  readonly serviceSchema?: string;
  readonly owned: readonly Table[];
  readonly sharedCopies: readonly Table[];
  /** Owned and shared tables, referenced tables before those that reference them. */
  readonly tables: readonly Table[];
  readonly keptForeignKeys: readonly ForeignKey[];
  readonly removedForeignKeys: readonly RemovedForeignKey[];
  /** Sequences created by CREATE SEQUENCE (serial columns, nextval defaults); identity ones are not. */
  readonly sequences: readonly Sequence[];
  /** columnKey -> the identity column's sequence. */
  readonly identitySequences: ReadonlyMap<string, Sequence>;
  readonly enums: readonly EnumType[];
  /** In creation order (a domain after the domain it is based on). */
  readonly domains: readonly Domain[];
  /** Schemas the service's objects live in (target names), sorted. */
  readonly schemas: readonly string[];
  /** Target schema of an object from the monolith's schema `schema`. */
  readonly place: (schema: string) => string;
  readonly resolver: NameResolver;
  /** A column type (format_type text) with user types re-qualified. */
  readonly typeSql: (type: string) => string;
}

const DEFAULT_SCHEMA = 'public';

const fkIdentity = (fk: ForeignKey): string =>
  [fk.name, fk.from.schema, fk.from.table, fk.from.columns.join(','), fk.to.schema, fk.to.table, fk.to.columns.join(',')].join('\u0000');

const refTableKey = (side: ForeignKey['from'] | ForeignKey['to']): string => tableKey({ schema: side.schema, name: side.table });

/** Every SQL expression of a table, for finding the types and sequences it names. */
function expressionsOf(table: Table): string[] {
  const out: string[] = [];
  for (const c of table.columns) {
    if (c.default !== undefined) out.push(c.default);
    if (c.generated !== undefined) out.push(c.generated);
  }
  for (const c of table.checks) out.push(c.expression);
  for (const i of table.indexes) {
    out.push(...i.columns);
    if (i.predicate !== undefined) out.push(i.predicate);
  }
  if (table.partitioning) out.push(table.partitioning.key);
  return out;
}

function kindWords(kind: ReplacementKind | undefined): string {
  switch (kind) {
    case 'loose-foreign-key':
      return 'loose foreign key';
    case 'plain-reference':
      return 'plain reference';
    case undefined:
      return 'foreign key removed';
    default:
      return kind.replace(/-/g, ' ');
  }
}

function referenceNote(fk: ForeignKey, toService: string | undefined, kind: ReplacementKind | undefined, unownedWhy: string): string {
  const target = `${fk.to.schema}.${fk.to.table}(${fk.to.columns.join(', ')})`;
  const via = fk.from.columns.length > 1 ? ` from (${fk.from.columns.join(', ')})` : '';
  const inferred = fk.inferred ? ', inferred from names' : '';
  if (toService === undefined) return `references ${target}${via}, ${unownedWhy} — foreign key removed${inferred}, see references.md`;
  return `references ${toService}: ${target}${via} — ${kindWords(kind)}${inferred}, see references.md`;
}

/** Tables in creation order: referenced before referencing; ties and cycles broken by name. */
function dependencyOrder(tables: readonly Table[], fks: readonly ForeignKey[]): Table[] {
  const byKey = new Map(tables.map((t) => [tableKey(t), t]));
  const needs = new Map<string, Set<string>>([...byKey.keys()].map((k) => [k, new Set<string>()]));
  for (const fk of fks) {
    const from = refTableKey(fk.from);
    const to = refTableKey(fk.to);
    if (from !== to && byKey.has(to)) needs.get(from)?.add(to);
  }
  const done = new Set<string>();
  const out: Table[] = [];
  const pending = [...byKey.keys()].sort(compareText);
  while (out.length < pending.length) {
    const ready = pending.find((k) => !done.has(k) && [...needs.get(k)!].every((d) => done.has(d)));
    const next = ready ?? pending.find((k) => !done.has(k))!;
    done.add(next);
    out.push(byKey.get(next)!);
  }
  return out;
}

function closeOverShared(ctx: GenerateContext, owned: ReadonlySet<string>): Set<string> {
  const shared = new Set(ctx.plan.shared);
  const copies = new Set<string>();
  let frontier = new Set(owned);
  while (frontier.size > 0) {
    const next = new Set<string>();
    for (const fk of ctx.schema.foreignKeys) {
      const from = refTableKey(fk.from);
      const to = refTableKey(fk.to);
      if (!frontier.has(from) || !shared.has(to) || copies.has(to) || owned.has(to)) continue;
      copies.add(to);
      next.add(to);
    }
    frontier = next;
  }
  return copies;
}

function collisionError(service: string, schema: string, what: string, a: string, b: string): ConfigError {
  return new ConfigError(
    'E_PLAN_INVALID',
    `service ${service}: ${a} and ${b} would both be ${what} in schema ${schema} (isolation: schema puts everything in one schema)`,
    `rename one of them in the monolith, or use isolation: database for services.${service}.target`,
  );
}

export function serviceScope(ctx: GenerateContext, serviceName: string): ServiceScope {
  const service = ctx.plan.services.find((s) => s.name === serviceName);
  if (!service) throw new ConfigError('E_UNKNOWN_SERVICE', `unknown service "${serviceName}"`, `services in the plan: ${ctx.plan.services.map((s) => s.name).join(', ')}`);
  const serviceSchema = ctx.serviceSchemaName(serviceName);
  const isolation = serviceSchema === undefined ? 'database' : 'schema';
  const place = (schema: string): string => serviceSchema ?? schema;

  const tablesByKey = new Map(ctx.schema.tables.map((t) => [tableKey(t), t]));
  const ownedKeys = new Set(service.tables);
  const sharedKeys = closeOverShared(ctx, ownedKeys);
  const included = new Set([...ownedKeys, ...sharedKeys]);
  const pick = (keys: Iterable<string>) => [...keys].sort(compareText).map((k) => tablesByKey.get(k)).filter((t): t is Table => t !== undefined);
  const owned = pick(ownedKeys);
  const sharedCopies = pick(sharedKeys);

  const crossBoundary = new Map<string, CrossBoundaryForeignKey>((ctx.catalog.crossBoundary?.foreignKeys ?? []).map((c) => [fkIdentity(c.foreignKey), c]));
  const owner = ownership(ctx.plan);
  const unassigned = new Set(ctx.plan.unassigned);
  const kept: ForeignKey[] = [];
  const removed: RemovedForeignKey[] = [];
  for (const fk of ctx.schema.foreignKeys) {
    if (!included.has(refTableKey(fk.from))) continue;
    const to = refTableKey(fk.to);
    if (included.has(to)) {
      // An inferred relation inside the service stays as it was in the monolith: no constraint.
      if (!fk.inferred) kept.push(fk);
      continue;
    }
    const cb = crossBoundary.get(fkIdentity(fk));
    const toService = cb?.toService ?? owner.get(to);
    const kind = cb?.recommendation.kind;
    const why = unassigned.has(to) ? 'which the plan leaves unassigned' : ctx.plan.shared.includes(to) ? 'a shared table' : 'which no service owns';
    removed.push({ foreignKey: fk, ...(toService !== undefined ? { toService } : {}), ...(kind !== undefined ? { kind } : {}), note: referenceNote(fk, toService, kind, why) });
  }

  const tables = dependencyOrder([...owned, ...sharedCopies], kept);

  // Types and sequences: those the tables' columns and expressions name, found with the same
  // resolver that later re-qualifies them, so what is created is exactly what is referenced.
  const enumsByKey = new Map(ctx.schema.enums.map((e) => [tableKey(e), e]));
  const domainsByKey = new Map(ctx.schema.domains.map((d) => [tableKey(d), d]));
  const sequencesByKey = new Map(ctx.schema.sequences.map((s) => [tableKey(s), s]));
  const usedTypes = new Set<string>();
  const usedSequences = new Set<string>();
  const keyOf = (schema: string | undefined, name: string) => `${schema ?? DEFAULT_SCHEMA}.${name}`;
  const isType = (key: string) => enumsByKey.has(key) || domainsByKey.has(key) || included.has(key);
  const isRelation = (key: string) => sequencesByKey.has(key) || included.has(key);
  const resolver: NameResolver = {
    type: (schema, name) => {
      const key = keyOf(schema, name);
      if (!isType(key)) return undefined;
      usedTypes.add(key);
      return qualified(place(schema ?? DEFAULT_SCHEMA), name);
    },
    relation: (schema, name) => {
      const key = keyOf(schema, name);
      if (!isRelation(key)) return undefined;
      if (sequencesByKey.has(key)) usedSequences.add(key);
      return qualified(place(schema ?? DEFAULT_SCHEMA), name);
    },
  };
  const typeSql = (type: string): string => {
    const parsed = leadingName(type);
    if (!parsed) return type;
    const target = resolver.type(parsed.schema, parsed.name);
    return target === undefined ? type : target + parsed.rest;
  };

  const identitySequences = new Map<string, Sequence>();
  const identityColumns = new Set<string>();
  for (const t of tables) {
    for (const c of t.columns) {
      typeSql(c.type);
      if (c.identity !== undefined) identityColumns.add(columnKey({ schema: t.schema, table: t.name, column: c.name }));
    }
    for (const e of expressionsOf(t)) requalify(e, resolver);
  }
  for (const s of ctx.schema.sequences) {
    if (!s.ownedBy) continue;
    const key = columnKey(s.ownedBy);
    if (identityColumns.has(key)) identitySequences.set(key, s);
    else if (included.has(tableKey({ schema: s.ownedBy.schema, name: s.ownedBy.table }))) usedSequences.add(tableKey(s));
  }
  for (const s of identitySequences.values()) usedSequences.delete(tableKey(s));

  // Domains may be based on other domains and enums, and their checks may cast to types.
  const domainQueue = [...usedTypes].filter((k) => domainsByKey.has(k));
  const seenDomains = new Set<string>();
  while (domainQueue.length > 0) {
    const key = domainQueue.pop()!;
    if (seenDomains.has(key)) continue;
    seenDomains.add(key);
    const d = domainsByKey.get(key)!;
    const before = new Set(usedTypes);
    typeSql(d.baseType);
    if (d.default !== undefined) requalify(d.default, resolver);
    for (const c of d.checks) requalify(c.expression, resolver);
    for (const k of usedTypes) if (!before.has(k) && domainsByKey.has(k)) domainQueue.push(k);
  }

  const enums = [...usedTypes].filter((k) => enumsByKey.has(k)).sort(compareText).map((k) => enumsByKey.get(k)!);
  const domains = domainOrder([...usedTypes].filter((k) => domainsByKey.has(k)).map((k) => domainsByKey.get(k)!));
  const sequences = [...usedSequences].sort(compareText).map((k) => sequencesByKey.get(k)!);

  const sourceSchemas = new Set<string>([...tables.map((t) => t.schema), ...enums.map((e) => e.schema), ...domains.map((d) => d.schema), ...sequences.map((s) => s.schema)]);
  const schemas = [...new Set([...sourceSchemas].map(place))].sort(compareText);

  const scope: ServiceScope = {
    service,
    isolation,
    ...(serviceSchema !== undefined ? { serviceSchema } : {}),
    owned,
    sharedCopies,
    tables,
    keptForeignKeys: kept,
    removedForeignKeys: removed,
    sequences,
    identitySequences,
    enums,
    domains,
    schemas,
    place,
    resolver,
    typeSql,
  };
  if (serviceSchema !== undefined) checkCollisions(scope, serviceSchema);
  return scope;
}

function domainOrder(domains: readonly Domain[]): Domain[] {
  const byKey = new Map(domains.map((d) => [tableKey(d), d]));
  const baseOf = (d: Domain): string | undefined => {
    const parsed = leadingName(d.baseType);
    if (!parsed) return undefined;
    const key = `${parsed.schema ?? DEFAULT_SCHEMA}.${parsed.name}`;
    return byKey.has(key) ? key : undefined;
  };
  const out: Domain[] = [];
  const done = new Set<string>();
  const visit = (key: string, depth: number) => {
    if (done.has(key) || depth > byKey.size) return;
    const base = baseOf(byKey.get(key)!);
    if (base !== undefined) visit(base, depth + 1);
    if (done.has(key)) return;
    done.add(key);
    out.push(byKey.get(key)!);
  };
  for (const key of [...byKey.keys()].sort(compareText)) visit(key, 0);
  return out;
}

/** With isolation `schema`, objects of several monolith schemas meet in one: their names must not clash. */
function checkCollisions(scope: ServiceScope, schema: string): void {
  const relations = new Map<string, string>();
  const types = new Map<string, string>();
  const claim = (space: Map<string, string>, what: string, name: string, source: string) => {
    const prev = space.get(name);
    if (prev !== undefined && prev !== source) throw collisionError(scope.service.name, schema, what, prev, source);
    space.set(name, source);
  };
  for (const t of scope.tables) {
    const source = `table ${tableKey(t)}`;
    claim(relations, `relation ${quoteIdent(t.name)}`, t.name, source);
    claim(types, `type ${quoteIdent(t.name)}`, t.name, source);
    for (const i of t.indexes) claim(relations, `relation ${quoteIdent(i.name)}`, i.name, `index ${t.schema}.${i.name}`);
  }
  for (const s of [...scope.sequences, ...scope.identitySequences.values()]) claim(relations, `relation ${quoteIdent(s.name)}`, s.name, `sequence ${tableKey(s)}`);
  for (const e of scope.enums) claim(types, `type ${quoteIdent(e.name)}`, e.name, `enum ${tableKey(e)}`);
  for (const d of scope.domains) claim(types, `type ${quoteIdent(d.name)}`, d.name, `domain ${tableKey(d)}`);
}
