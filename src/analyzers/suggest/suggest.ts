import { ConfigError, UsageError } from '../../errors.js';
import type { Plan } from '../../model/plan.js';
import { tableKey, type SchemaModel } from '../../model/schema.js';
import type { Workload } from '../../model/workload.js';
import { couplingOf, extremePlans } from './coupling.js';
import { collectEvidence, type Evidence } from './evidence.js';
import type { Grouping } from './grouping.js';
import { hubDampedWeights, louvainGrouping } from './louvain-partition.js';
import { mergeToCount } from './merge-groups.js';
import { placementReason } from './reasons.js';
import { refine, spreadHubs } from './refine.js';
import { DEFAULT_SEED } from './rng.js';
import { namesFor, uniqueName } from './service-names.js';

export { couplingOf } from './coupling.js';

/**
 * `dbsplit plan --auto`: suggest service boundaries by clustering the tables on the evidence
 * that they belong together (foreign keys, joins, co-written tables, shared names), with
 * hub, lookup and reference tables handled on purpose. Pure and reproducible for a seed.
 */

export interface SuggestOptions {
  /** Wanted service count (--services N). */
  readonly services?: number;
  /** table key -> service name, must be respected. */
  readonly pins?: ReadonlyMap<string, string>;
  /** Like pins (used by "re-run suggestion for the unpinned rest"); a pin wins over a fixed entry for the same table. */
  readonly fixed?: ReadonlyMap<string, string>;
  /** Seed of the clustering's random walk; the default is fixed, so results are reproducible. */
  readonly seed?: number;
}

/** `reason`: one line, the strongest evidence. */
export interface Placement {
  readonly table: string;
  readonly service: string;
  readonly reason: string;
}

export interface SuggestedService {
  readonly name: string;
  readonly tables: readonly string[];
  readonly placements: readonly Placement[];
}

export interface CouplingSummary {
  readonly foreignKeys: number;
  readonly joins: number;
  readonly joinCalls: number;
  readonly multiServiceWrites: number;
  readonly services: number;
}

export interface Suggestion {
  readonly services: readonly SuggestedService[];
  readonly unassigned: readonly { readonly table: string; readonly reason: string }[];
  /** Small reference tables used by many services (countries, currencies). */
  readonly shared: readonly { readonly table: string; readonly reason: string }[];
  readonly coupling: { readonly suggested: CouplingSummary; readonly allInOne: CouplingSummary; readonly onePerTable: CouplingSummary };
  /** What the suggestion could not do as asked, e.g. reach exactly --services N. Absent when nothing. */
  readonly notes?: readonly string[];
}

/**
 * Above Louvain's 1: at 1, two domains of a large schema joined by a handful of stray links
 * merge (modularity's resolution limit). On bench/plan's planted domains agreement is flat
 * from 1.25 to 3 and best on average at 2, the middle of that plateau (geometrically).
 */
const DEFAULT_RESOLUTION = 2;
/** Resolution search for --services N: how far, and how many bisection steps. */
const RESOLUTION_LIMIT = 256;
const BISECTION_STEPS = 8;

export function suggestBoundaries(schema: SchemaModel, workload: Workload, options: SuggestOptions = {}): Suggestion {
  const pins = resolvePins(schema, options);
  if (options.services !== undefined && (!Number.isInteger(options.services) || options.services < 1)) {
    throw new UsageError(`--services must be a whole number of at least 1, not ${options.services}`);
  }
  const seed = options.seed ?? DEFAULT_SEED;
  const ev = collectEvidence(schema, workload);
  const run = (resolution: number) => {
    // Hubs are known only once there are clusters to be spread over: cluster, find them, cluster again.
    const first = louvainGrouping(ev, pins, resolution, seed);
    const hubs = spreadHubs(first, ev, pins);
    const g = hubs.size === 0 ? first : louvainGrouping(ev, pins, resolution, seed, hubDampedWeights(ev, hubs));
    refine(g, ev, pins);
    return g;
  };
  const notes: string[] = [];
  const grouping = options.services === undefined ? run(DEFAULT_RESOLUTION) : fitCount(run, ev, options.services, notes);
  return finish(schema, workload, ev, grouping, pins, notes);
}

export function suggestionToPlan(s: Pick<Suggestion, 'services' | 'shared' | 'unassigned'>): Plan {
  return {
    version: 1,
    services: s.services.map((x) => ({ name: x.name, tables: [...x.tables] })),
    shared: s.shared.map((x) => x.table),
    unassigned: s.unassigned.map((x) => x.table),
  };
}

function resolvePins(schema: SchemaModel, options: SuggestOptions): Map<string, string> {
  const pins = new Map<string, string>([...(options.fixed ?? []), ...(options.pins ?? [])]);
  const known = new Set(schema.tables.map((t) => tableKey(t)));
  for (const [table, service] of pins) {
    if (!known.has(table)) throw new ConfigError('E_UNKNOWN_TABLE', `pinned table "${table}" is not in the schema`, 'pin tables by their schema-qualified name, as dbsplit analyze lists them');
    if (!/^[a-z][a-z0-9_]*$/.test(service)) throw new ConfigError('E_PLAN_INVALID', `service name "${service}" (pinned ${table}) is not lower-case letters, digits and _`, 'rename the service');
  }
  return pins;
}

/**
 * Search the resolution for exactly `wanted` services: grow or shrink it by doubling until
 * the count is bracketed, then bisect. When no resolution gives the count, take the closest
 * partition with more services and merge the best-tied pairs down to it.
 */
function fitCount(run: (resolution: number) => Grouping, ev: Evidence, wanted: number, notes: string[]): Grouping {
  const count = (g: Grouping) => g.serviceGroups().length;
  let above: { g: Grouping; n: number } | undefined;
  let below: { g: Grouping; n: number } | undefined;
  const attempt = (r: number): Grouping | undefined => {
    const g = run(r);
    const n = count(g);
    if (n === wanted) return g;
    if (n > wanted && (!above || n < above.n)) above = { g, n };
    if (n < wanted && (!below || n > below.n)) below = { g, n };
    return undefined;
  };

  let r = DEFAULT_RESOLUTION;
  let hit = attempt(r);
  if (hit) return hit;
  let lo = r;
  let hi = r;
  if (below) {
    while (hi < RESOLUTION_LIMIT && !above) {
      hi *= 2;
      if ((hit = attempt(hi))) return hit;
    }
    lo = hi / 2;
  } else {
    while (lo > 1 / RESOLUTION_LIMIT && !below) {
      lo /= 2;
      if ((hit = attempt(lo))) return hit;
    }
    hi = lo * 2;
  }
  if (above && below) {
    for (let i = 0; i < BISECTION_STEPS; i++) {
      r = Math.sqrt(lo * hi);
      const g = run(r);
      const n = count(g);
      if (n === wanted) return g;
      if (n > wanted) {
        hi = r;
        if (!above || n < above.n) above = { g, n };
      } else {
        lo = r;
        if (!below || n > below.n) below = { g, n };
      }
    }
  }
  if (above) {
    if (!mergeToCount(above.g, ev, wanted)) {
      notes.push(`could not reach ${wanted} services: ${above.g.pinned.size} pinned services cannot be merged, so ${count(above.g)} remain`);
    }
    return above.g;
  }
  const best = below!;
  notes.push(`could not reach ${wanted} services: the evidence supports at most ${best.n} (tables without any link are left unassigned, not made services)`);
  return best.g;
}

function finish(schema: SchemaModel, workload: Workload, ev: Evidence, grouping: Grouping, pins: ReadonlyMap<string, string>, notes: readonly string[]): Suggestion {
  const groups = grouping.serviceGroups();
  const taken = new Set(groups.map((g) => grouping.pinned.get(g)).filter((s): s is string => s !== undefined));
  const tablesOf = (g: number) => [...grouping.groups.get(g)!].sort();
  const nameOf = new Map<number, string>();
  for (const g of groups) if (grouping.pinned.has(g)) nameOf.set(g, grouping.pinned.get(g)!);
  // Bigger services choose their name first, so the clean name goes to the main cluster of a word.
  const unpinned = groups.filter((g) => !grouping.pinned.has(g)).sort((x, y) => grouping.groups.get(y)!.size - grouping.groups.get(x)!.size || tablesOf(x)[0]!.localeCompare(tablesOf(y)[0]!));
  for (const g of unpinned) nameOf.set(g, uniqueName(namesFor(ev, tablesOf(g)), taken));

  const services: SuggestedService[] = groups
    .map((g) => {
      const name = nameOf.get(g)!;
      const tables = tablesOf(g);
      const members = grouping.groups.get(g)!;
      const placements = tables.map((table) => ({
        table,
        service: name,
        reason: pins.has(table) ? 'pinned' : (grouping.why.get(table) ?? placementReason(ev, table, members)),
      }));
      return { name, tables, placements };
    })
    .sort((a, b) => a.name.localeCompare(b.name));
  const listOf = (m: ReadonlyMap<string, string>) => [...m].sort((a, b) => a[0].localeCompare(b[0])).map(([table, reason]) => ({ table, reason }));
  const base = {
    services,
    unassigned: listOf(grouping.unassigned),
    shared: listOf(grouping.shared),
  };
  const { allInOne, onePerTable } = extremePlans(schema);
  const coupling = {
    suggested: couplingOf(schema, workload, suggestionToPlan(base)),
    allInOne: couplingOf(schema, workload, allInOne),
    onePerTable: couplingOf(schema, workload, onePerTable),
  };
  return notes.length > 0 ? { ...base, coupling, notes: [...notes] } : { ...base, coupling };
}
