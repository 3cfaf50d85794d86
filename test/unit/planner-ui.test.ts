import { PassThrough, Writable } from 'node:stream';
import { stripVTControlCharacters } from 'node:util';
import { Chalk } from 'chalk';
import { describe, expect, it } from 'vitest';
import { couplingOf, type Suggestion } from '../../src/analyzers/suggest/suggest.js';
import { makeStyles } from '../../src/commands/output.js';
import type { Plan } from '../../src/model/plan.js';
import { stateFromPlan, toPlan, type PlannerState } from '../../src/plan/interactive/planner-state.js';
import { runPlanner, type PlannerPrompts, type PlannerUiDeps } from '../../src/plan/interactive/planner-ui.js';
import { col, fk, join, query, schemaOf, table, workloadOf } from '../helpers/model.js';

/**
 * The planner driven through the real @inquirer/prompts: keystrokes go into a stream, the
 * rendered screen comes out of another, as in a terminal.
 */

const schema = schemaOf(
  [
    table('users', [col('id')]),
    table('sessions', [col('id'), col('user_id')]),
    table('orders', [col('id'), col('user_id')]),
    table('order_items', [col('id'), col('order_id'), col('product_id')]),
    table('payments', [col('id'), col('order_id')]),
    table('products', [col('id')]),
  ],
  [fk('sessions', 'user_id', 'users'), fk('orders', 'user_id', 'users'), fk('order_items', 'order_id', 'orders'), fk('order_items', 'product_id', 'products'), fk('payments', 'order_id', 'orders')],
);
const workload = workloadOf([
  query('q1', 500, { reads: ['orders', 'users'], joins: [join('orders.user_id', 'users.id')] }),
  query('q2', 40, { reads: ['order_items', 'products'], joins: [join('order_items.product_id', 'products.id')] }),
  query('q3', 10, { writes: ['orders', 'payments'] }),
]);
const T = (n: string) => `public.${n}`;

function initial(): PlannerState {
  return stateFromPlan(
    {
      version: 1,
      services: [
        { name: 'identity', tables: [T('users'), T('sessions')] },
        { name: 'ordering', tables: [T('orders'), T('order_items'), T('payments')] },
        { name: 'catalog', tables: [T('products')] },
      ],
      shared: [],
      unassigned: [],
    },
    new Map(),
    schema.tables.map((t) => `${t.schema}.${t.name}`),
  );
}

class Terminal {
  readonly input = new PassThrough();
  readonly output: Writable;
  private text = '';
  private seen = 0;

  constructor() {
    this.output = new Writable({
      write: (chunk: Buffer, _enc, done) => {
        this.text += stripVTControlCharacters(chunk.toString());
        done();
      },
    });
  }

  get screen(): string {
    return this.text;
  }

  /** Wait until `marker` is rendered after what was already read, then type `keys`. */
  async answer(marker: string, keys: string): Promise<void> {
    const deadline = Date.now() + 5000;
    for (;;) {
      const at = this.text.indexOf(marker, this.seen);
      if (at >= 0) {
        this.seen = at + marker.length;
        break;
      }
      if (Date.now() > deadline) throw new Error(`timed out waiting for "${marker}"; screen ends with:\n${this.text.slice(-1500)}`);
      await new Promise((r) => setTimeout(r, 5));
    }
    // Let the prompt attach its keypress listener before typing.
    await new Promise((r) => setTimeout(r, 10));
    this.input.write(keys);
  }
}

const ENTER = '\r';
const DOWN = '\u001b[B';
const BACKSPACE = '\u007f';

function deps(term: Terminal, saves: Plan[], extra: Partial<PlannerUiDeps> = {}): PlannerUiDeps {
  return {
    context: { input: term.input, output: term.output },
    print: (text) => void term.output.write(text),
    style: makeStyles(new Chalk({ level: 0 })),
    coupling: (plan) => couplingOf(schema, workload, plan),
    extremes: { allInOne: { foreignKeys: 0, joins: 0, joinCalls: 0, multiServiceWrites: 0, services: 1 }, onePerTable: { foreignKeys: 5, joins: 2, joinCalls: 540, multiServiceWrites: 1, services: 6 } },
    suggest: () => {
      throw new Error('not used');
    },
    details: () => 'DETAILS\n',
    save: async (state) => {
      saves.push(toPlan(state.current));
      return 'saved dbsplit.yaml';
    },
    ...extra,
  };
}

describe('interactive planner (keystrokes through a stream)', () => {
  it('renames, moves, undoes, saves and quits', async () => {
    const term = new Terminal();
    const saves: Plan[] = [];
    const done = runPlanner(initial(), deps(term, saves));

    await term.answer('What next?', 'Ren' + ENTER);
    await term.answer('Rename which service', 'cat' + ENTER);
    await term.answer('New name for catalog', 'Bad Name' + ENTER);
    await term.answer('not a valid service name', BACKSPACE.repeat(8) + 'products' + ENTER);
    await term.answer('✓ rename catalog to products', '');
    await term.answer('What next?', 'Mov' + ENTER);
    await term.answer('Move tables from', 'ord' + ENTER);
    await term.answer('Tables to move from ordering', DOWN + DOWN + ' ' + ENTER);
    await term.answer('Move payments to', 'a new' + ENTER);
    await term.answer('Name of the new service', 'billing' + ENTER);
    await term.answer('✓ move payments to new service billing', '');
    await term.answer('What next?', 'Undo' + ENTER);
    await term.answer('undid: move payments to new service billing', '');
    await term.answer('What next?', 'Sav' + ENTER);
    await term.answer('✓ saved dbsplit.yaml', '');
    await term.answer('What next?', 'Qui' + ENTER);
    const outcome = await done;

    expect(outcome.saved).toBe(true);
    expect(saves).toHaveLength(1);
    expect(saves[0]!.services.map((s) => [s.name, s.tables.length])).toEqual([
      ['identity', 2],
      ['ordering', 3],
      ['products', 1],
    ]);
    const screen = term.screen;
    expect(screen).toContain('"Bad Name" is not a valid service name');
    // The overview at the start: services and the coupling against the two extremes.
    expect(screen).toMatch(/ordering\s+3\s+order_items, orders, payments/);
    expect(screen).toMatch(/cross-boundary FKs\s+2\s+0\s+5/);
    // Moving payments out of ordering adds the payments→orders FK and the orders+payments write.
    expect(screen).toContain('cross-boundary FKs 2 → 3 (+1), joins 2 → 2, join calls 540 → 540, multi-service writes 0 → 1 (+1), services 3 → 4');
    expect(screen).toContain('✓ undid: move payments to new service billing\n  cross-boundary FKs 3 → 2 (−1), joins 2 → 2, join calls 540 → 540, multi-service writes 1 → 0 (−1), services 4 → 3');
    // A rename moves no boundary.
    expect(screen).toContain('✓ rename catalog to products\n  cross-boundary FKs 2 → 2, joins 2 → 2, join calls 540 → 540, multi-service writes 0 → 0');
  });

  it('asks before quitting with unsaved changes, and writes nothing when told to quit', async () => {
    const term = new Terminal();
    const saves: Plan[] = [];
    const done = runPlanner(initial(), deps(term, saves));
    await term.answer('What next?', 'Mer' + ENTER);
    await term.answer('Merge which service', 'cat' + ENTER);
    await term.answer('Merge catalog into', 'ord' + ENTER);
    await term.answer('Name of the merged service', ENTER);
    await term.answer('✓ merge ordering and catalog into ordering', '');
    await term.answer('What next?', 'Qui' + ENTER);
    await term.answer('Quit without saving? 1 change will be lost', 'n' + ENTER);
    await term.answer('What next?', 'Cro' + ENTER);
    await term.answer('DETAILS', '');
    await term.answer('What next?', 'Qui' + ENTER);
    await term.answer('Quit without saving?', 'y' + ENTER);
    const outcome = await done;
    expect(outcome.saved).toBe(false);
    expect(saves).toHaveLength(0);
    expect(outcome.state.current.services.map((s) => s.name)).toEqual(['identity', 'ordering']);
    expect(term.screen).toContain('Quit without saving; the plan file is unchanged.');
  });
});

describe('interactive planner (scripted prompts)', () => {
  /** Answers each prompt from a queue keyed by its message, and fails on an unexpected one. */
  function scripted(answers: [RegExp, unknown][]): PlannerPrompts & { asked: string[] } {
    const asked: string[] = [];
    const next = (message: string): unknown => {
      asked.push(message);
      const [pattern, value] = answers.shift() ?? [/$^/, undefined];
      if (!pattern.test(message)) throw new Error(`unexpected prompt "${message}", expected ${pattern}`);
      return value;
    };
    return {
      asked,
      select: async (c) => next(c.message) as never,
      checkbox: async (c) => next(c.message) as never,
      input: async (c) => {
        const v = next(c.message) as string;
        const problem = c.validate?.(v);
        if (problem !== undefined && problem !== true) throw new Error(`validation refused "${v}": ${problem}`);
        return v;
      },
      confirm: async (c) => next(c.message) as boolean,
      search: async (c) => {
        const choices = c.source('pay');
        next(c.message);
        return choices[0]!.value;
      },
    };
  }

  it('splits, pins, re-runs the suggestion with the pins fixed, finds a table by search, and shows refusals', async () => {
    const term = new Terminal();
    let seenFixed: ReadonlyMap<string, string> | undefined;
    const suggest = (options: { fixed?: ReadonlyMap<string, string> }): Suggestion => {
      seenFixed = options.fixed;
      const zero = { foreignKeys: 0, joins: 0, joinCalls: 0, multiServiceWrites: 0, services: 0 };
      const svc = (name: string, tables: string[]) => ({ name, tables, placements: [] });
      return {
        services: [svc('ordering', [T('orders'), T('order_items'), T('products')]), svc('identity', [T('users'), T('sessions'), T('payments')])],
        shared: [],
        unassigned: [],
        coupling: { suggested: zero, allInOne: zero, onePerTable: zero },
      };
    };
    const prompts = scripted([
      [/What next/, 'split'],
      [/Split which service/, 'ordering'],
      [/Tables that leave ordering/, [T('payments')]],
      [/Name of the new service/, 'billing'],
      [/What next/, 'pin'],
      [/Pin tables of which service/, 'ordering'],
      [/Pinned tables of ordering/, [T('orders')]],
      [/What next/, 'pin'],
      [/Pin tables of which service/, 'ordering'],
      [/Pinned tables of ordering/, [T('orders')]],
      [/What next/, 'resuggest'],
      [/How many services/, '2'],
      [/What next/, 'move'],
      [/Move tables from/, '\u0000search'],
      [/Table \(type part of its name\)/, undefined],
      [/Tables to move from identity/, [T('payments')]],
      [/Move payments to/, 'unassigned'],
      [/What next/, 'quit'],
      [/Quit without saving/, true],
    ]);
    const outcome = await runPlanner(initial(), deps(term, [], { prompts, suggest }));
    expect(prompts.asked).toHaveLength(19);
    expect(seenFixed).toEqual(new Map([[T('orders'), 'ordering']]));
    expect(outcome.state.current.unassigned).toEqual([T('payments')]);
    expect(outcome.state.current.pins).toEqual(new Map([[T('orders'), 'ordering']]));
    expect(term.screen).toContain('✓ split payments out of ordering into billing');
    expect(term.screen).toContain('✓ pin orders in ordering');
    expect(term.screen).toContain('! the pins of ordering are unchanged');
    expect(term.screen).toContain('✓ re-run the suggestion for 2 services');
    expect(term.screen).toContain('services 4 → 2');
    expect(term.screen).toContain('✓ move payments to unassigned');
  });
});
