import { Writable } from 'node:stream';
import * as inquirer from '@inquirer/prompts';
import type { CouplingSummary } from '../../analyzers/suggest/suggest.js';
import type { Styles } from '../../commands/output.js';
import { isDbsplitError, UsageError } from '../../errors.js';
import type { Plan } from '../../model/plan.js';
import { shortKey } from '../../report/catalog/labels.js';
import { couplingDelta } from '../../report/suggestion/coupling.js';
import {
  canUndo,
  changesSinceSave,
  findService,
  isDirty,
  markSaved,
  mergeServices,
  moveTables,
  ownerOf,
  renameService,
  resuggest,
  serviceNameProblem,
  setPins,
  splitService,
  toPlan,
  undo,
  unownedTables,
  type Change,
  type Destination,
  type PlannerState,
  type SuggestFn,
} from './planner-state.js';
import { renderOverview } from './planner-view.js';

/**
 * The interactive planner: menus over the pure planner state. Prompts and streams are
 * injected, so a test drives the real prompts through a stream, or replaces them.
 */

export interface Choice<V> {
  readonly value: V;
  readonly name: string;
  readonly description?: string;
  readonly disabled?: boolean | string;
}

export interface PromptContext {
  readonly input?: NodeJS.ReadableStream;
  readonly output?: NodeJS.WritableStream;
}

/** The subset of @inquirer/prompts the planner uses; the real module satisfies it. */
export interface PlannerPrompts {
  select<V>(config: { message: string; choices: readonly Choice<V>[]; pageSize?: number; default?: V }, context?: PromptContext): Promise<V>;
  checkbox<V>(
    config: { message: string; choices: readonly (Choice<V> & { checked?: boolean })[]; pageSize?: number; required?: boolean; validate?: (items: readonly { value: V }[]) => boolean | string },
    context?: PromptContext,
  ): Promise<V[]>;
  input(config: { message: string; default?: string; validate?: (value: string) => boolean | string }, context?: PromptContext): Promise<string>;
  confirm(config: { message: string; default?: boolean }, context?: PromptContext): Promise<boolean>;
  search<V>(config: { message: string; source: (term: string | undefined) => readonly Choice<V>[]; pageSize?: number }, context?: PromptContext): Promise<V>;
}

const realPrompts: PlannerPrompts = {
  select: inquirer.select,
  checkbox: inquirer.checkbox,
  input: inquirer.input,
  confirm: inquirer.confirm,
  search: inquirer.search,
};

export interface PlannerUiDeps {
  readonly prompts?: PlannerPrompts;
  readonly context?: PromptContext;
  /** Where overviews, deltas and messages go (the command's output). */
  readonly print: (text: string) => void;
  readonly style: Styles;
  readonly coupling: (plan: Plan) => CouplingSummary;
  readonly extremes: { readonly allInOne: CouplingSummary; readonly onePerTable: CouplingSummary };
  readonly suggest: SuggestFn;
  /** The rendered cross-boundary findings of a plan. */
  readonly details: (plan: Plan) => string;
  /** Write the plan file; returns what to tell the user. */
  readonly save: (state: PlannerState) => Promise<string>;
}

export interface PlannerOutcome {
  readonly state: PlannerState;
  /** True when the last state was saved. */
  readonly saved: boolean;
}

type Action = 'move' | 'rename' | 'merge' | 'split' | 'pin' | 'resuggest' | 'undo' | 'show' | 'details' | 'save' | 'quit';

const BACK = Symbol('back');
type Back = typeof BACK;
const NEW_SERVICE = '\u0000new';
const PAGE = 15;

export async function runPlanner(initial: PlannerState, deps: PlannerUiDeps): Promise<PlannerOutcome> {
  const p = bound(deps.prompts ?? realPrompts, deps.context ?? {});
  const style = deps.style;
  const cache = new Map<string, CouplingSummary>();
  const coupling = (state: PlannerState) => {
    const plan = toPlan(state.current);
    const key = JSON.stringify([plan.services, plan.shared, plan.unassigned]);
    let c = cache.get(key);
    if (!c) {
      c = deps.coupling(plan);
      cache.set(key, c);
    }
    return c;
  };
  const overview = (state: PlannerState) => renderOverview(state, { current: coupling(state), ...deps.extremes }, style);

  let state = initial;
  deps.print(overview(state));
  deps.print(style.dim('Every change can be undone; nothing is written until you save.\n'));

  for (;;) {
    const action = await p.select<Action>({ message: 'What next?', choices: menu(state), pageSize: 12 });
    try {
      let change: Change | Back;
      switch (action) {
        case 'show':
          deps.print(overview(state));
          continue;
        case 'details':
          deps.print(deps.details(toPlan(state.current)));
          continue;
        case 'save': {
          const message = await deps.save(state);
          state = markSaved(state);
          deps.print(`${style.ok('✓')} ${message}\n`);
          continue;
        }
        case 'quit': {
          if (isDirty(state)) {
            const n = changesSinceSave(state);
            const sure = await p.confirm({ message: `Quit without saving? ${n > 0 ? `${n} change${n === 1 ? '' : 's'} will be lost` : 'The plan was never saved'}`, default: false });
            if (!sure) continue;
            deps.print(style.dim('Quit without saving; the plan file is unchanged.\n'));
            return { state, saved: false };
          }
          return { state, saved: state.saved !== undefined };
        }
        case 'undo':
          change = undo(state);
          break;
        case 'move':
          change = await askMove(p, state);
          break;
        case 'rename':
          change = await askRename(p, state);
          break;
        case 'merge':
          change = await askMerge(p, state);
          break;
        case 'split':
          change = await askSplit(p, state);
          break;
        case 'pin':
          change = await askPins(p, state);
          break;
        case 'resuggest':
          change = await askResuggest(p, state, deps.suggest);
          break;
      }
      if (change === BACK) continue;
      const before = coupling(state);
      const after = coupling(change.state);
      const label = action === 'undo' ? undefined : change.state.history.at(-1)?.label;
      deps.print(`${style.ok('✓')} ${label ?? change.messages[0] ?? ''}\n`);
      for (const m of action === 'undo' ? change.messages.slice(1) : change.messages) deps.print(`  ${style.dim(m)}\n`);
      deps.print(`  ${couplingDelta(before, after)}\n`);
      state = change.state;
    } catch (e) {
      // A refused change (a taken name, an empty selection) is shown and the menu comes back.
      if (isDbsplitError(e) && e.code === 'E_USAGE') deps.print(`${style.warn('!')} ${e.oneLine()}\n`);
      else throw e;
    }
  }
}

/** The prompts with the context given to each call. */
function bound(p: PlannerPrompts, context: PromptContext): PlannerPrompts {
  const ctx = () => forPrompt(context);
  return {
    select: (c) => p.select(c, ctx()),
    checkbox: (c) => p.checkbox(c, ctx()),
    input: (c) => p.input(c, ctx()),
    confirm: (c) => p.confirm(c, ctx()),
    search: (c) => p.search(c, ctx()),
  };
}

/**
 * A prompt ends its output stream when it is done (harmless for stdout); a caller's own
 * stream is handed to each prompt through a fresh forwarder, so it outlives them all.
 */
function forPrompt(context: PromptContext): PromptContext {
  const target = context.output;
  if (!target) return context;
  const output = new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      target.write(chunk);
      done();
    },
  });
  return { ...context, output };
}

function menu(state: PlannerState): Choice<Action>[] {
  const n = state.current.services.length;
  const last = state.history.at(-1)?.label;
  return [
    { value: 'move', name: 'Move tables', description: 'to another service, a new one, shared or unassigned' },
    { value: 'rename', name: 'Rename a service', disabled: n === 0 ? '(no services)' : false },
    { value: 'merge', name: 'Merge two services', disabled: n < 2 ? '(needs two services)' : false },
    { value: 'split', name: 'Split a service', disabled: state.current.services.some((s) => s.tables.length > 1) ? false : '(no service has two tables)' },
    { value: 'pin', name: 'Pin or unpin tables', description: 'pinned tables stay put when the suggestion is re-run', disabled: n === 0 ? '(no services)' : false },
    { value: 'resuggest', name: 'Re-run the suggestion for the unpinned tables' },
    { value: 'undo', name: last ? `Undo: ${last}` : 'Undo', disabled: canUndo(state) ? false : '(nothing to undo)' },
    { value: 'show', name: 'Show the plan and its coupling' },
    { value: 'details', name: 'Cross-boundary details', description: 'foreign keys, joins and writes that cross a boundary' },
    { value: 'save', name: isDirty(state) ? 'Save' : 'Save (no unsaved changes)' },
    { value: 'quit', name: 'Quit' },
  ];
}

function serviceChoices(state: PlannerState, filter: (name: string, tables: readonly string[]) => boolean = () => true): Choice<string | Back>[] {
  return [
    ...state.current.services.filter((s) => filter(s.name, s.tables)).map((s) => ({ value: s.name, name: `${s.name} (${s.tables.length} table${s.tables.length === 1 ? '' : 's'})` })),
    { value: BACK, name: '← back' },
  ];
}

function tableChoices(state: PlannerState, tables: readonly string[], checked: readonly string[] = []) {
  return tables.map((t) => ({ value: t, name: shortKey(t) + (state.current.pins.has(t) ? ' (pinned)' : ''), checked: checked.includes(t) }));
}

function tablesIn(state: PlannerState, section: string): readonly string[] {
  if (section === 'shared') return state.current.shared;
  if (section === 'unassigned') return state.current.unassigned;
  if (section === 'unowned') return unownedTables(state);
  return findService(state.current, section)?.tables ?? [];
}

const SEARCH = '\u0000search';

async function askMove(p: PlannerPrompts, state: PlannerState): Promise<Change | Back> {
  const sections: Choice<string | Back>[] = serviceChoices(state).filter((c) => c.value !== BACK);
  for (const name of ['shared', 'unassigned', 'unowned']) {
    const n = tablesIn(state, name).length;
    if (n > 0) sections.push({ value: name, name: `${name} (${n} table${n === 1 ? '' : 's'})` });
  }
  sections.push({ value: SEARCH, name: 'Search all tables by name…' }, { value: BACK, name: '← back' });
  let from = await p.select<string | Back>({ message: 'Move tables from', choices: sections, pageSize: PAGE });
  if (from === BACK) return BACK;
  let preselected: string[] = [];
  if (from === SEARCH) {
    const table = await p.search<string>(
      {
        message: 'Table (type part of its name)',
        pageSize: PAGE,
        source: (term) => {
          const q = (term ?? '').toLowerCase();
          return state.allTables.filter((t) => t.toLowerCase().includes(q)).map((t) => ({ value: t, name: `${shortKey(t)}  (${ownerOf(state, t)})` }));
        },
      },
    );
    from = ownerOf(state, table);
    preselected = [table];
  }
  const tables = await p.checkbox<string>(
    { message: `Tables to move from ${from} (space to select, enter when done; none to go back)`, choices: tableChoices(state, tablesIn(state, from), preselected), pageSize: PAGE, required: false }
  );
  if (tables.length === 0) return BACK;
  const destinations: Choice<string | Back>[] = [
    ...serviceChoices(state, (name) => name !== from).filter((c) => c.value !== BACK),
    { value: NEW_SERVICE, name: 'a new service…' },
    ...(['shared', 'unassigned'] as const).filter((x) => x !== from).map((x) => ({ value: x, name: x })),
    { value: BACK, name: '← back' },
  ];
  const to = await p.select<string | Back>({ message: `Move ${tables.length === 1 ? shortKey(tables[0]!) : `${tables.length} tables`} to`, choices: destinations, pageSize: PAGE });
  if (to === BACK) return BACK;
  let destination: Destination;
  if (to === NEW_SERVICE) {
    const name = await askName(p, 'Name of the new service', (v) => serviceNameProblem(state.current, v));
    if (name === BACK) return BACK;
    destination = { kind: 'new', name };
  } else if (to === 'shared' || to === 'unassigned') {
    destination = { kind: to };
  } else {
    destination = { kind: 'service', name: to };
  }
  return moveTables(state, tables, destination);
}

async function askRename(p: PlannerPrompts, state: PlannerState): Promise<Change | Back> {
  const service = await p.select<string | Back>({ message: 'Rename which service', choices: serviceChoices(state), pageSize: PAGE });
  if (service === BACK) return BACK;
  const name = await askName(p, `New name for ${service}`, (v) => (v === service ? `${service} already has that name` : serviceNameProblem(state.current, v, service)));
  if (name === BACK) return BACK;
  return renameService(state, service, name);
}

async function askMerge(p: PlannerPrompts, state: PlannerState): Promise<Change | Back> {
  const from = await p.select<string | Back>({ message: 'Merge which service', choices: serviceChoices(state), pageSize: PAGE });
  if (from === BACK) return BACK;
  const into = await p.select<string | Back>({ message: `Merge ${from} into`, choices: serviceChoices(state, (n) => n !== from), pageSize: PAGE });
  if (into === BACK) return BACK;
  const name = await p.input(
    { message: 'Name of the merged service', default: into, validate: (v) => (v === into || v === from ? true : (serviceNameProblem(state.current, v) ?? true)) }
  );
  return mergeServices(state, into, from, name.trim() || into);
}

async function askSplit(p: PlannerPrompts, state: PlannerState): Promise<Change | Back> {
  const service = await p.select<string | Back>({ message: 'Split which service', choices: serviceChoices(state, (_n, t) => t.length > 1), pageSize: PAGE });
  if (service === BACK) return BACK;
  const all = tablesIn(state, service);
  const tables = await p.checkbox<string>(
    {
      message: `Tables that leave ${service} for a new service (none to go back)`,
      choices: tableChoices(state, all),
      pageSize: PAGE,
      required: false,
      validate: (items) => (items.length === all.length ? `leave at least one table in ${service}` : true),
    }
  );
  if (tables.length === 0) return BACK;
  const name = await askName(p, 'Name of the new service', (v) => serviceNameProblem(state.current, v));
  if (name === BACK) return BACK;
  return splitService(state, service, tables, name);
}

async function askPins(p: PlannerPrompts, state: PlannerState): Promise<Change | Back> {
  const service = await p.select<string | Back>({ message: 'Pin tables of which service', choices: serviceChoices(state), pageSize: PAGE });
  if (service === BACK) return BACK;
  const tables = tablesIn(state, service);
  const pinned = tables.filter((t) => state.current.pins.get(t) === service);
  const chosen = await p.checkbox<string>(
    { message: `Pinned tables of ${service} (space toggles)`, choices: tables.map((t) => ({ value: t, name: shortKey(t), checked: pinned.includes(t) })), pageSize: PAGE, required: false }
  );
  return setPins(state, service, chosen);
}

async function askResuggest(p: PlannerPrompts, state: PlannerState, suggest: SuggestFn): Promise<Change | Back> {
  const max = state.allTables.length;
  const answer = await p.input(
    {
      message: `How many services? (empty: let the clustering decide; ${state.current.pins.size} pinned table${state.current.pins.size === 1 ? '' : 's'} stay)`,
      validate: (v) => {
        if (v.trim() === '') return true;
        const n = Number(v);
        return Number.isInteger(n) && n >= 1 && n <= max ? true : `a whole number from 1 to ${max}`;
      },
    }
  );
  const services = answer.trim() === '' ? undefined : Number(answer);
  return resuggest(state, suggest, services === undefined ? {} : { services });
}

/** An empty answer goes back; anything else must pass `problem`. */
async function askName(p: PlannerPrompts, message: string, problem: (v: string) => string | undefined): Promise<string | Back> {
  const name = (await p.input({ message: `${message} (empty to go back)`, validate: (v) => (v.trim() === '' ? true : (problem(v.trim()) ?? true)) })).trim();
  if (name === '') return BACK;
  if (problem(name)) throw new UsageError(problem(name)!);
  return name;
}
