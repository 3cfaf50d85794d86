import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { loadInputs, type InputRequest, type Inputs } from '../analyzers/inputs.js';
import { couplingOf, suggestBoundaries, type CouplingSummary, type Suggestion } from '../analyzers/suggest/suggest.js';
import { ConfigError, UsageError } from '../errors.js';
import type { Plan } from '../model/plan.js';
import { tableKey, type SchemaModel } from '../model/schema.js';
import type { Workload } from '../model/workload.js';
import { closestTable, matchTables } from './table-patterns.js';
import type { PlanUpdate } from './write-plan.js';

/**
 * What `dbsplit init`, `dbsplit plan --auto` and the interactive planner start from: the
 * inputs, the plan file (found as ./dbsplit.yaml when not named), and the pins of the file
 * merged with `--pin table=service` flags (a flag wins).
 */
export const DEFAULT_PLAN_FILE = 'dbsplit.yaml';

export interface PlanningRequest extends InputRequest {
  /** `--pin table=service` values, as typed. */
  readonly pinFlags?: readonly string[] | undefined;
  /** `--services N`, as typed. */
  readonly services?: string | undefined;
  /** Look for ./dbsplit.yaml when no plan file is named (init does not: it writes one). */
  readonly discoverPlan?: boolean | undefined;
}

export interface PlanningInputs extends Inputs {
  /** The plan file read, when there was one. */
  readonly planPath?: string;
  /** File pins with flag pins over them. */
  readonly allPins: ReadonlyMap<string, string>;
  /** Pins given as flags only. */
  readonly flagPins: ReadonlyMap<string, string>;
  readonly serviceCount?: number;
  readonly allTables: readonly string[];
  readonly cwd?: string;
}

export async function loadPlanningInputs(req: PlanningRequest): Promise<PlanningInputs> {
  // Cheap checks before anything is loaded, so a typo fails fast.
  const wanted = parseServiceCount(req.services);
  for (const flag of req.pinFlags ?? []) splitPin(flag);

  const cwd = req.cwd ?? process.cwd();
  let planFile = req.planFile;
  if (planFile === undefined && req.discoverPlan && existsSync(resolve(cwd, DEFAULT_PLAN_FILE))) planFile = DEFAULT_PLAN_FILE;
  const inputs = await loadInputs({ ...req, planFile: planFile === undefined || req.cwd === undefined ? planFile : resolve(req.cwd, planFile) });

  const allTables = inputs.schema.tables.map((t) => tableKey(t)).sort();
  if (wanted !== undefined && wanted > allTables.length) {
    throw new UsageError(`--services ${wanted} is more than the ${allTables.length} tables of the schema`, `choose a number from 1 to ${allTables.length}`);
  }
  const flagPins = parsePinFlags(req.pinFlags ?? [], inputs.schema, inputs.searchPath);
  const allPins = new Map([...(inputs.pins ?? []), ...flagPins]);
  const pinnedServices = new Set(allPins.values());
  if (wanted !== undefined && pinnedServices.size > wanted) {
    throw new UsageError(`--services ${wanted} is fewer than the ${pinnedServices.size} services tables are pinned to (${[...pinnedServices].sort().join(', ')})`, 'ask for more services, or unpin');
  }
  return {
    ...inputs,
    ...(planFile !== undefined ? { planPath: planFile } : {}),
    allPins,
    flagPins,
    ...(wanted !== undefined ? { serviceCount: wanted } : {}),
    allTables,
    ...(req.cwd !== undefined ? { cwd: req.cwd } : {}),
  };
}

export function parseServiceCount(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`--services must be a whole number of at least 1, got "${raw}"`);
  return n;
}

function splitPin(flag: string): { table: string; service: string } {
  const eq = flag.indexOf('=');
  const table = eq < 0 ? '' : flag.slice(0, eq).trim();
  const service = eq < 0 ? '' : flag.slice(eq + 1).trim();
  if (table === '' || service === '') throw new UsageError(`--pin "${flag}" is not table=service`, 'e.g. --pin orders=ordering');
  if (!/^[a-z][a-z0-9_]*$/.test(service)) {
    throw new UsageError(`--pin "${flag}": "${service}" is not a valid service name`, 'use lower-case letters, digits and _, starting with a letter');
  }
  return { table, service };
}

/** `--pin orders=ordering`, `--pin 'audit.*=audit'`: table names and globs resolve as in the plan file. */
export function parsePinFlags(flags: readonly string[], schema: SchemaModel, searchPath: readonly string[]): Map<string, string> {
  const pins = new Map<string, string>();
  for (const flag of flags) {
    const { table, service } = splitPin(flag);
    const keys = matchTables(table, schema, searchPath);
    if (keys.length === 0) {
      const near = closestTable(table, schema);
      throw new ConfigError('E_UNKNOWN_TABLE', `--pin "${flag}": no table ${table}`, near ? `did you mean ${near}?` : 'dbsplit analyze lists the tables');
    }
    for (const key of keys) pins.set(key, service);
  }
  return pins;
}

export function suggestFor(inputs: PlanningInputs, options: { pins?: ReadonlyMap<string, string>; seed?: number } = {}): Suggestion {
  return suggestBoundaries(inputs.schema, inputs.workload, {
    pins: options.pins ?? inputs.allPins,
    ...(inputs.serviceCount !== undefined ? { services: inputs.serviceCount } : {}),
    ...(options.seed !== undefined ? { seed: options.seed } : {}),
  });
}

/** The coupling of the two anchors a plan is judged between: everything in one service, one service per table. */
export function extremes(schema: SchemaModel, workload: Workload): { allInOne: CouplingSummary; onePerTable: CouplingSummary } {
  const tables = schema.tables.map((t) => tableKey(t)).sort();
  const one: Plan = { version: 1, services: tables.length > 0 ? [{ name: 'monolith', tables }] : [], shared: [], unassigned: [] };
  const each: Plan = { version: 1, services: tables.map((t, i) => ({ name: `t${i + 1}`, tables: [t] })), shared: [], unassigned: [] };
  return { allInOne: couplingOf(schema, workload, one), onePerTable: couplingOf(schema, workload, each) };
}

/**
 * How to write `plan` into `target`. When that is the file the inputs came from, its lists
 * that did not change are kept as written (globs and all).
 */
export function planUpdate(inputs: PlanningInputs, target: string, plan: Plan, pins: ReadonlyMap<string, string>, renamed?: ReadonlyMap<string, string>): PlanUpdate {
  const cwd = inputs.cwd ?? process.cwd();
  const sameFile = inputs.planPath !== undefined && resolve(cwd, inputs.planPath) === resolve(cwd, target);
  return {
    plan,
    pins,
    schema: inputs.schema,
    ...(renamed ? { renamed } : {}),
    ...(sameFile && inputs.plan ? { previous: { plan: inputs.plan, pins: inputs.pins ?? new Map() } } : {}),
  };
}
