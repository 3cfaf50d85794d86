import type { Suggestion, SuggestOptions } from '../../analyzers/suggest/suggest.js';
import { UsageError } from '../../errors.js';
import type { Plan } from '../../model/plan.js';
import { shortKey } from '../../report/catalog/labels.js';

/**
 * The interactive planner's state: who owns which table, which tables are pinned, and the
 * history of changes. Immutable: every operation returns a new state (or throws a UsageError
 * the UI shows and re-asks), so undo is popping the history and the UI holds no logic.
 */

export interface PlannerService {
  readonly name: string;
  readonly tables: readonly string[];
  /** The service's name in the plan file it came from, so a renamed service keeps its target. */
  readonly origin?: string;
}

export interface PlannerSnapshot {
  readonly services: readonly PlannerService[];
  readonly shared: readonly string[];
  readonly unassigned: readonly string[];
  /** table key -> service: tables a re-run of the suggestion must leave where they are. */
  readonly pins: ReadonlyMap<string, string>;
}

export interface HistoryEntry {
  /** The snapshot before the change. */
  readonly snapshot: PlannerSnapshot;
  readonly label: string;
}

export interface PlannerState {
  /** Every table of the schema, so tables nobody lists still show up. */
  readonly allTables: readonly string[];
  readonly current: PlannerSnapshot;
  /** Oldest first; undo pops the last entry. */
  readonly history: readonly HistoryEntry[];
  /** What the plan file holds, or undefined when nothing was saved yet. */
  readonly saved: PlannerSnapshot | undefined;
}

export interface Change {
  readonly state: PlannerState;
  /** What happened besides the obvious, for the user (a removed empty service, a moved pin). */
  readonly messages: readonly string[];
}

export type Destination =
  | { readonly kind: 'service'; readonly name: string }
  | { readonly kind: 'new'; readonly name: string }
  | { readonly kind: 'shared' }
  | { readonly kind: 'unassigned' };

export type SuggestFn = (options: SuggestOptions) => Suggestion;

const NAME = /^[a-z][a-z0-9_]*$/;
const RESERVED = new Set(['shared', 'unassigned', 'unowned']);
/** PostgreSQL truncates identifiers beyond 63 bytes; a service name becomes a schema or database name. */
const MAX_NAME = 63;

export function createPlannerState(init: {
  allTables: readonly string[];
  services: readonly PlannerService[];
  shared?: readonly string[];
  unassigned?: readonly string[];
  pins?: ReadonlyMap<string, string>;
  /** True when the snapshot is what the plan file already holds. */
  saved?: boolean;
}): PlannerState {
  const current = normalize({
    services: init.services,
    shared: init.shared ?? [],
    unassigned: init.unassigned ?? [],
    pins: init.pins ?? new Map(),
  });
  return { allTables: [...init.allTables].sort(), current, history: [], saved: init.saved ? current : undefined };
}

/** Start from a resolved plan file: its services keep their names as origins. */
export function stateFromPlan(plan: Plan, pins: ReadonlyMap<string, string>, allTables: readonly string[], saved = true): PlannerState {
  return createPlannerState({
    allTables,
    services: plan.services.map((s) => ({ name: s.name, tables: s.tables, origin: s.name })),
    shared: plan.shared,
    unassigned: plan.unassigned,
    pins,
    saved,
  });
}

export function stateFromSuggestion(suggestion: Suggestion, pins: ReadonlyMap<string, string>, allTables: readonly string[]): PlannerState {
  return createPlannerState({
    allTables,
    services: suggestion.services.map((s) => ({ name: s.name, tables: s.tables })),
    shared: suggestion.shared.map((x) => x.table),
    unassigned: suggestion.unassigned.map((x) => x.table),
    pins,
  });
}

// ---------------------------------------------------------------------------------------------
// Queries

export function findService(snapshot: PlannerSnapshot, name: string): PlannerService | undefined {
  return snapshot.services.find((s) => s.name === name);
}

/** Where a table is: a service name, `shared`, `unassigned`, or `unowned`. */
export function ownerOf(state: PlannerState, table: string): string {
  const s = state.current.services.find((x) => x.tables.includes(table));
  if (s) return s.name;
  if (state.current.shared.includes(table)) return 'shared';
  if (state.current.unassigned.includes(table)) return 'unassigned';
  return 'unowned';
}

/** Tables no service owns and that are not listed as shared or unassigned. */
export function unownedTables(state: PlannerState): string[] {
  const listed = new Set([...state.current.services.flatMap((s) => s.tables), ...state.current.shared, ...state.current.unassigned]);
  return state.allTables.filter((t) => !listed.has(t));
}

/** Why a name cannot be used for a service, or undefined when it can. `current` is the service being renamed. */
export function serviceNameProblem(snapshot: PlannerSnapshot, name: string, current?: string): string | undefined {
  if (name === '') return 'a service needs a name';
  if (!NAME.test(name)) return `"${name}" is not a valid service name: use lower-case letters, digits and _, starting with a letter (it becomes a schema or database name)`;
  if (name.length > MAX_NAME) return `"${name}" is longer than ${MAX_NAME} characters (PostgreSQL would cut it)`;
  if (RESERVED.has(name)) return `"${name}" is reserved (it names a section of the plan)`;
  if (name !== current && findService(snapshot, name)) return `there is already a service named ${name}`;
  return undefined;
}

export function canUndo(state: PlannerState): boolean {
  return state.history.length > 0;
}

export function isDirty(state: PlannerState): boolean {
  return state.saved === undefined || canonical(state.saved) !== canonical(state.current);
}

/** The number of changes since the last save (or since the start, when never saved). */
export function changesSinceSave(state: PlannerState): number {
  if (!isDirty(state)) return 0;
  if (state.saved === undefined) return state.history.length;
  const savedForm = canonical(state.saved);
  for (let i = state.history.length - 1; i >= 0; i--) {
    if (canonical(state.history[i]!.snapshot) === savedForm) return state.history.length - i;
  }
  return state.history.length;
}

export function toPlan(snapshot: PlannerSnapshot): Plan {
  return {
    version: 1,
    services: snapshot.services.map((s) => ({ name: s.name, tables: [...s.tables] })),
    shared: [...snapshot.shared],
    unassigned: [...snapshot.unassigned],
  };
}

/** new name -> name in the plan file, for every service that was renamed since it was loaded. */
export function renamedServices(snapshot: PlannerSnapshot): Map<string, string> {
  const out = new Map<string, string>();
  for (const s of snapshot.services) if (s.origin !== undefined && s.origin !== s.name) out.set(s.name, s.origin);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Operations

export function renameService(state: PlannerState, from: string, to: string): Change {
  const service = requireService(state.current, from);
  if (to === from) throw new UsageError(`${from} already has that name`);
  const problem = serviceNameProblem(state.current, to, from);
  if (problem) throw new UsageError(problem);
  const pins = new Map([...state.current.pins].map(([t, s]) => [t, s === from ? to : s] as const));
  const services = state.current.services.map((s) => (s === service ? { ...s, name: to } : s));
  return commit(state, { ...state.current, services, pins }, `rename ${from} to ${to}`, []);
}

export function moveTables(state: PlannerState, tables: readonly string[], to: Destination): Change {
  if (tables.length === 0) throw new UsageError('choose at least one table to move');
  for (const t of tables) requireTable(state, t);
  const snapshot = state.current;
  const messages: string[] = [];
  let services = [...snapshot.services];
  let target: string;
  if (to.kind === 'new') {
    const problem = serviceNameProblem(snapshot, to.name);
    if (problem) throw new UsageError(problem);
    target = to.name;
  } else if (to.kind === 'service') {
    requireService(snapshot, to.name);
    target = to.name;
  } else {
    target = to.kind;
  }
  const moving = tables.filter((t) => ownerOf(state, t) !== target);
  if (moving.length === 0) throw new UsageError(`${plural(tables.length, 'that table is', 'those tables are')} already in ${target}`);
  const set = new Set(moving);

  services = services.map((s) => ({ ...s, tables: s.tables.filter((t) => !set.has(t)) }));
  let shared = snapshot.shared.filter((t) => !set.has(t));
  let unassigned = snapshot.unassigned.filter((t) => !set.has(t));
  if (to.kind === 'new') services.push({ name: to.name, tables: [...moving] });
  else if (to.kind === 'service') services = services.map((s) => (s.name === to.name ? { ...s, tables: [...s.tables, ...moving] } : s));
  else if (to.kind === 'shared') shared = [...shared, ...moving];
  else unassigned = [...unassigned, ...moving];

  const pins = new Map(snapshot.pins);
  for (const t of moving) {
    const pinnedTo = pins.get(t);
    if (pinnedTo === undefined) continue;
    if (to.kind === 'service' || to.kind === 'new') {
      pins.set(t, target);
      messages.push(`${shortKey(t)} stays pinned, now to ${target}`);
    } else {
      pins.delete(t);
      messages.push(`${shortKey(t)} is no longer pinned (it is ${target} now)`);
    }
  }
  const emptied = services.filter((s) => s.tables.length === 0).map((s) => s.name);
  for (const name of emptied) messages.push(`service ${name} has no tables left and was removed`);
  services = services.filter((s) => s.tables.length > 0);

  const label = `move ${plural(moving.length, shortKey(moving[0]!), `${moving.length} tables`)} to ${to.kind === 'new' ? `new service ${target}` : target}`;
  return commit(state, { services, shared, unassigned, pins }, label, messages);
}

/** Merge `b` into `a`; the result is named `into` (default: `a`). */
export function mergeServices(state: PlannerState, a: string, b: string, into: string = a): Change {
  if (a === b) throw new UsageError('choose two different services to merge');
  const sa = requireService(state.current, a);
  const sb = requireService(state.current, b);
  if (into !== a && into !== b) {
    const problem = serviceNameProblem(state.current, into);
    if (problem) throw new UsageError(problem);
  }
  const keep = into === b ? sb : sa;
  const merged: PlannerService = { ...keep, name: into, tables: [...sa.tables, ...sb.tables] };
  const services: PlannerService[] = [];
  for (const s of state.current.services) {
    if (s === sa) services.push(merged);
    else if (s !== sb) services.push(s);
  }
  const pins = new Map([...state.current.pins].map(([t, s]) => [t, s === a || s === b ? into : s] as const));
  return commit(state, { ...state.current, services, pins }, `merge ${a} and ${b} into ${into}`, []);
}

/** Move some of a service's tables out into a new service. */
export function splitService(state: PlannerState, service: string, tables: readonly string[], newName: string): Change {
  const s = requireService(state.current, service);
  if (tables.length === 0) throw new UsageError(`choose the tables of ${service} that go to the new service`);
  const foreign = tables.filter((t) => !s.tables.includes(t));
  if (foreign.length > 0) throw new UsageError(`${names(foreign)} ${foreign.length === 1 ? 'is' : 'are'} not in ${service}`);
  if (tables.length === s.tables.length) throw new UsageError(`leave at least one table in ${service} (to move all of them, rename it)`);
  const problem = serviceNameProblem(state.current, newName);
  if (problem) throw new UsageError(problem);
  const change = moveTables(state, tables, { kind: 'new', name: newName });
  const services = change.state.current.services;
  // Keep the new service beside the one it was split from.
  const at = services.findIndex((x) => x.name === service);
  const fresh = services.find((x) => x.name === newName)!;
  const ordered = services.filter((x) => x.name !== newName);
  ordered.splice(at + 1, 0, fresh);
  return commit(state, { ...change.state.current, services: ordered }, `split ${tables.length === 1 ? shortKey(tables[0]!) : `${tables.length} tables`} out of ${service} into ${newName}`, change.messages);
}

/** Make `tables` exactly the pinned tables of `service`. */
export function setPins(state: PlannerState, service: string, tables: readonly string[]): Change {
  const s = requireService(state.current, service);
  const foreign = tables.filter((t) => !s.tables.includes(t));
  if (foreign.length > 0) throw new UsageError(`${names(foreign)} ${foreign.length === 1 ? 'is' : 'are'} not in ${service}; move ${foreign.length === 1 ? 'it' : 'them'} there first`);
  const pins = new Map([...state.current.pins].filter(([, owner]) => owner !== service));
  for (const t of tables) pins.set(t, service);
  const before = new Set([...state.current.pins].filter(([, o]) => o === service).map(([t]) => t));
  const added = tables.filter((t) => !before.has(t));
  const removed = [...before].filter((t) => !tables.includes(t));
  if (added.length === 0 && removed.length === 0) throw new UsageError(`the pins of ${service} are unchanged`);
  const parts = [added.length > 0 ? `pin ${names(added)}` : '', removed.length > 0 ? `unpin ${names(removed)}` : ''].filter(Boolean);
  return commit(state, { ...state.current, pins }, `${parts.join(', ')} in ${service}`, []);
}

/** Pin each table to the service that owns it now. */
export function pinTables(state: PlannerState, tables: readonly string[]): Change {
  if (tables.length === 0) throw new UsageError('choose at least one table to pin');
  const pins = new Map(state.current.pins);
  for (const t of tables) {
    requireTable(state, t);
    const owner = state.current.services.find((s) => s.tables.includes(t));
    if (!owner) throw new UsageError(`${shortKey(t)} is ${ownerOf(state, t)}; only a table a service owns can be pinned`);
    pins.set(t, owner.name);
  }
  return commit(state, { ...state.current, pins }, `pin ${names(tables)}`, []);
}

export function unpinTables(state: PlannerState, tables: readonly string[]): Change {
  const notPinned = tables.filter((t) => !state.current.pins.has(t));
  if (tables.length === 0 || notPinned.length === tables.length) throw new UsageError('none of those tables is pinned');
  const pins = new Map(state.current.pins);
  for (const t of tables) pins.delete(t);
  return commit(state, { ...state.current, pins }, `unpin ${names(tables)}`, []);
}

/**
 * Run the suggestion again for everything not pinned. Pinned tables are passed as fixed
 * assignments, so they stay with their services under the same names.
 */
export function resuggest(state: PlannerState, suggest: SuggestFn, options: { services?: number; seed?: number } = {}): Change {
  const pins = state.current.pins;
  const suggestion = suggest({
    pins,
    fixed: pins,
    ...(options.services !== undefined ? { services: options.services } : {}),
    ...(options.seed !== undefined ? { seed: options.seed } : {}),
  });
  const originOf = new Map(state.current.services.map((s) => [s.name, s.origin] as const));
  const services: PlannerService[] = suggestion.services.map((s) => {
    const origin = originOf.get(s.name);
    return origin !== undefined ? { name: s.name, tables: s.tables, origin } : { name: s.name, tables: s.tables };
  });
  const messages: string[] = [];
  const owner = new Map(services.flatMap((s) => s.tables.map((t) => [t, s.name] as const)));
  const keptPins = new Map(pins);
  for (const [t, s] of pins) {
    if (owner.get(t) !== s) {
      // The engine is asked to keep pins; should it not, the plan stays honest rather than silently wrong.
      keptPins.delete(t);
      messages.push(`the suggestion put pinned table ${shortKey(t)} ${owner.has(t) ? `in ${owner.get(t)}` : 'outside every service'}; its pin was dropped`);
    }
  }
  const label = `re-run the suggestion${options.services !== undefined ? ` for ${options.services} services` : ''}`;
  return commit(
    state,
    { services, shared: suggestion.shared.map((x) => x.table), unassigned: suggestion.unassigned.map((x) => x.table), pins: keptPins },
    label,
    messages,
  );
}

export function undo(state: PlannerState): Change {
  const last = state.history.at(-1);
  if (!last) throw new UsageError('nothing to undo');
  return { state: { ...state, current: last.snapshot, history: state.history.slice(0, -1) }, messages: [`undid: ${last.label}`] };
}

export function markSaved(state: PlannerState): PlannerState {
  // After a save the file holds the current names: each entry a service came from now goes by
  // that service's name, in the current snapshot and in the history an undo may return to.
  const renamed = new Map<string, string>();
  for (const s of state.current.services) if (s.origin !== undefined) renamed.set(s.origin, s.name);
  const remap = (snapshot: PlannerSnapshot): PlannerSnapshot => ({
    ...snapshot,
    services: snapshot.services.map((s) => {
      const { origin, ...rest } = s;
      const now = origin === undefined ? undefined : renamed.get(origin);
      return now === undefined ? rest : { ...rest, origin: now };
    }),
  });
  const current = { ...state.current, services: state.current.services.map((s) => ({ ...s, origin: s.name })) };
  return { ...state, current, history: state.history.map((h) => ({ ...h, snapshot: remap(h.snapshot) })), saved: current };
}

// ---------------------------------------------------------------------------------------------

function commit(state: PlannerState, next: PlannerSnapshot, label: string, messages: readonly string[]): Change {
  const normalized = normalize(next);
  if (canonical(normalized) === canonical(state.current)) throw new UsageError('that changes nothing');
  return { state: { ...state, current: normalized, history: [...state.history, { snapshot: state.current, label }] }, messages };
}

function normalize(s: PlannerSnapshot): PlannerSnapshot {
  return {
    services: s.services.map((x) => ({ ...x, tables: [...new Set(x.tables)].sort() })),
    shared: [...new Set(s.shared)].sort(),
    unassigned: [...new Set(s.unassigned)].sort(),
    pins: new Map([...s.pins].sort(([a], [b]) => a.localeCompare(b))),
  };
}

/** A comparable form of a snapshot; origins are bookkeeping, not content. */
function canonical(s: PlannerSnapshot): string {
  return JSON.stringify({
    services: s.services.map((x) => [x.name, x.tables]),
    shared: s.shared,
    unassigned: s.unassigned,
    pins: [...s.pins].sort(([a], [b]) => a.localeCompare(b)),
  });
}

function requireService(snapshot: PlannerSnapshot, name: string): PlannerService {
  const s = findService(snapshot, name);
  if (!s) throw new UsageError(`there is no service named ${name}`);
  return s;
}

function requireTable(state: PlannerState, table: string): void {
  if (!state.allTables.includes(table)) throw new UsageError(`there is no table ${shortKey(table)}`);
}

function names(tables: readonly string[]): string {
  return tables.map(shortKey).join(', ');
}

function plural(n: number, one: string, many: string): string {
  return n === 1 ? one : many;
}
