import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { crossBoundary } from '../analyzers/cross-boundary.js';
import { aggregateJoins } from '../analyzers/catalog.js';
import { couplingOf, suggestBoundaries, suggestionToPlan } from '../analyzers/suggest/suggest.js';
import type { Output } from '../commands/output.js';
import { UsageError } from '../errors.js';
import type { SuggestionReport } from '../report/suggestion/model.js';
import { starterPlan } from './starter-plan.js';
import { writePlanFile } from './write-plan.js';
import { DEFAULT_PLAN_FILE, extremes, loadPlanningInputs, planUpdate, suggestFor, type PlanningInputs, type PlanningRequest } from './plan-inputs.js';
import { pinTables, renamedServices, stateFromPlan, stateFromSuggestion, toPlan, type PlannerState } from './interactive/planner-state.js';
import { runPlanner, type PlannerUiDeps } from './interactive/planner-ui.js';
import { renderCrossBoundaryDetails } from './interactive/planner-view.js';

/**
 * The two faces of `dbsplit plan`: `--auto` (suggest, optionally write) and the interactive
 * planner. The command file only parses flags and picks one.
 */
export interface PlanCommandRequest extends PlanningRequest {
  /** `--write` (true) or `--write FILE`. */
  readonly write?: string | boolean | undefined;
  readonly seed?: string | undefined;
}

export async function runAutoPlan(req: PlanCommandRequest): Promise<{ report: SuggestionReport; messages: string[] }> {
  const seed = parseSeed(req.seed);
  const inputs = await loadPlanningInputs({ ...req, discoverPlan: true });
  const suggestion = suggestFor(inputs, seed === undefined ? {} : { seed });
  const messages: string[] = [];
  let written: string | undefined;
  if (req.write !== undefined && req.write !== false) {
    const target = saveTarget(req, inputs);
    const plan = suggestionToPlan(suggestion);
    const owner = new Map(plan.services.flatMap((s) => s.tables.map((t) => [t, s.name] as const)));
    // Only pins the suggestion honoured are written, so the file always resolves.
    const pins = new Map([...inputs.allPins].filter(([t, s]) => owner.get(t) === s));
    const starter = starterFor(req, inputs);
    const { created } = await writePlanFile(resolve(inputs.cwd ?? process.cwd(), target), planUpdate(inputs, target, plan, pins), () => starter.text);
    if (created) for (const name of starter.env) messages.push(`the new plan refers to \${${name}}: export it before running dbsplit with this plan`);
    written = target;
  }
  const report: SuggestionReport = {
    suggestion,
    source: inputs.schema.source.description,
    tableCount: inputs.allTables.length,
    pins: inputs.allPins,
    ...(inputs.serviceCount !== undefined ? { requestedServices: inputs.serviceCount } : {}),
    ...(written !== undefined ? { written } : {}),
  };
  return { report, messages };
}

/** Returns the exit code: 0 when the planner ended normally, 130 when interrupted (Ctrl-C). */
export async function runInteractivePlan(req: PlanCommandRequest, output: Output, overrides: Partial<PlannerUiDeps> = {}): Promise<number> {
  const seed = parseSeed(req.seed);
  const inputs = await loadPlanningInputs({ ...req, discoverPlan: true });
  const target = saveTarget(req, inputs);
  const initial = initialState(inputs, seed);
  const style = output.style;
  if (inputs.planPath) output.out(style.dim(`Starting from ${inputs.planPath}; saving writes ${target}.\n`));
  else output.out(style.dim(`No plan file yet: starting from a suggestion; saving writes ${target}.\n`));

  // What the target file resolves to, so unchanged lists keep their globs; it is what was saved last.
  let previous = planUpdate(inputs, target, toPlan(initial.current), initial.current.pins).previous;
  const starter = starterFor(req, inputs);
  const deps: PlannerUiDeps = {
    print: (text) => output.out(text),
    style,
    coupling: (plan) => couplingOf(inputs.schema, inputs.workload, plan),
    extremes: extremes(inputs.schema, inputs.workload),
    suggest: (options) => suggestBoundaries(inputs.schema, inputs.workload, { ...options, ...(seed !== undefined ? { seed } : {}) }),
    details: (plan) => renderCrossBoundaryDetails(crossBoundary(inputs.schema, inputs.workload, aggregateJoins(inputs.workload), plan), style),
    save: async (state: PlannerState) => {
      const plan = toPlan(state.current);
      const update = { ...planUpdate(inputs, target, plan, state.current.pins, renamedServices(state.current)), previous };
      const { created } = await writePlanFile(resolve(inputs.cwd ?? process.cwd(), target), update, () => starter.text);
      previous = { plan, pins: state.current.pins };
      const env = created && starter.env.length > 0 ? ` (it refers to ${starter.env.map((n) => `\${${n}}`).join(', ')}: export before using it)` : '';
      return `${created ? 'wrote' : 'saved'} ${target}: ${plan.services.length} services${env}`;
    },
    ...overrides,
  };
  try {
    await runPlanner(initial, deps);
    return 0;
  } catch (e) {
    // Ctrl-C inside a prompt: leave quietly, nothing more is written.
    if (e instanceof Error && e.name === 'ExitPromptError') {
      output.out(style.dim('\nInterrupted; nothing was written since the last save.\n'));
      return 130;
    }
    throw e;
  }
}

function initialState(inputs: PlanningInputs, seed: number | undefined): PlannerState {
  if (inputs.plan) {
    let state = stateFromPlan(inputs.plan, inputs.pins ?? new Map(), inputs.allTables);
    const owner = new Map(inputs.plan.services.flatMap((s) => s.tables.map((t) => [t, s.name] as const)));
    const conflicting = [...inputs.flagPins].filter(([t, s]) => owner.get(t) !== s);
    if (conflicting.length > 0) {
      const [t, s] = conflicting[0]!;
      throw new UsageError(`--pin ${t}=${s}: the plan file puts ${t} ${owner.has(t) ? `in ${owner.get(t)}` : 'in no service'}`, 'move it in the planner, then pin it there');
    }
    const fresh = [...inputs.flagPins.keys()].filter((t) => !state.current.pins.has(t));
    // Flag pins become an undoable first change, and make the plan unsaved.
    if (fresh.length > 0) state = pinTables(state, fresh).state;
    return state;
  }
  const suggestion = suggestFor(inputs, seed === undefined ? {} : { seed });
  const owner = new Map(suggestion.services.flatMap((s) => s.tables.map((t) => [t, s.name] as const)));
  return stateFromSuggestion(suggestion, new Map([...inputs.allPins].filter(([t, s]) => owner.get(t) === s)), inputs.allTables);
}

function saveTarget(req: PlanCommandRequest, inputs: PlanningInputs): string {
  if (typeof req.write === 'string' && req.write !== '') return req.write;
  return req.planFile ?? inputs.planPath ?? DEFAULT_PLAN_FILE;
}

/**
 * The text a new plan file starts from: a copy of the plan file this run read (so writing
 * elsewhere is "save as", settings and all), else a starter that records where this run's
 * schema and workload came from.
 */
function starterFor(req: PlanCommandRequest, inputs: PlanningInputs): { readonly text: string; readonly env: readonly string[] } {
  if (inputs.planPath !== undefined) {
    const path = resolve(inputs.cwd ?? process.cwd(), inputs.planPath);
    return { text: readFileSync(path, 'utf8'), env: [] };
  }
  return starterPlan({ url: req.url, ddl: req.ddl, workload: req.workload, searchPath: req.searchPath, suggested: true });
}

function parseSeed(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n)) throw new UsageError(`--seed must be a whole number, got "${raw}"`);
  return n;
}
