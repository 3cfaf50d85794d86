import { describe, expect, it } from 'vitest';
import type { Suggestion, SuggestOptions } from '../../src/analyzers/suggest/suggest.js';
import {
  canUndo,
  changesSinceSave,
  createPlannerState,
  isDirty,
  markSaved,
  mergeServices,
  moveTables,
  ownerOf,
  pinTables,
  renamedServices,
  renameService,
  resuggest,
  serviceNameProblem,
  setPins,
  splitService,
  stateFromPlan,
  toPlan,
  undo,
  unownedTables,
  unpinTables,
  type PlannerState,
} from '../../src/plan/interactive/planner-state.js';

const T = (n: string) => `public.${n}`;
const ALL = ['users', 'sessions', 'orders', 'order_items', 'payments', 'products', 'countries', 'audit_log'].map(T);

function start(): PlannerState {
  return stateFromPlan(
    {
      version: 1,
      services: [
        { name: 'identity', tables: [T('users'), T('sessions')] },
        { name: 'ordering', tables: [T('orders'), T('order_items'), T('payments')] },
        { name: 'catalog', tables: [T('products')] },
      ],
      shared: [T('countries')],
      unassigned: [],
    },
    new Map([[T('orders'), 'ordering']]),
    ALL,
  );
}

const tablesOf = (s: PlannerState, name: string) => s.current.services.find((x) => x.name === name)?.tables;

describe('planner state', () => {
  it('starts clean from a plan file and knows the unowned tables', () => {
    const s = start();
    expect(isDirty(s)).toBe(false);
    expect(canUndo(s)).toBe(false);
    expect(unownedTables(s)).toEqual([T('audit_log')]);
    expect(ownerOf(s, T('countries'))).toBe('shared');
    expect(ownerOf(s, T('audit_log'))).toBe('unowned');
  });

  it('renames a service and carries its pins and its origin', () => {
    const { state } = renameService(start(), 'ordering', 'orders_svc');
    expect(tablesOf(state, 'orders_svc')).toEqual([T('order_items'), T('orders'), T('payments')]);
    expect(tablesOf(state, 'ordering')).toBeUndefined();
    expect(state.current.pins.get(T('orders'))).toBe('orders_svc');
    expect(renamedServices(state.current)).toEqual(new Map([['orders_svc', 'ordering']]));
    expect(isDirty(state)).toBe(true);
  });

  it.each([
    ['Orders', /not a valid service name/],
    ['9lives', /not a valid service name/],
    ['identity', /already a service named identity/],
    ['shared', /reserved/],
    ['x'.repeat(64), /longer than 63/],
  ])('refuses the service name %s', (name, message) => {
    expect(() => renameService(start(), 'ordering', name)).toThrow(message);
    expect(serviceNameProblem(start().current, name)).toMatch(message);
  });

  it('refuses a rename to the same name and a rename of an unknown service', () => {
    expect(() => renameService(start(), 'ordering', 'ordering')).toThrow(/already has that name/);
    expect(() => renameService(start(), 'billing', 'x')).toThrow(/no service named billing/);
  });

  it('moves tables between services, and the pin follows a moved pinned table', () => {
    const { state, messages } = moveTables(start(), [T('payments'), T('orders')], { kind: 'service', name: 'identity' });
    expect(tablesOf(state, 'identity')).toEqual([T('orders'), T('payments'), T('sessions'), T('users')]);
    expect(tablesOf(state, 'ordering')).toEqual([T('order_items')]);
    expect(state.current.pins.get(T('orders'))).toBe('identity');
    expect(messages.join('\n')).toMatch(/orders stays pinned, now to identity/);
  });

  it('removes a service that a move empties, and says so', () => {
    const { state, messages } = moveTables(start(), [T('products')], { kind: 'service', name: 'ordering' });
    expect(state.current.services.map((s) => s.name)).toEqual(['identity', 'ordering']);
    expect(messages).toContain('service catalog has no tables left and was removed');
  });

  it('moves to a new service, to shared and to unassigned, and from unowned', () => {
    let s = moveTables(start(), [T('payments')], { kind: 'new', name: 'billing' }).state;
    expect(tablesOf(s, 'billing')).toEqual([T('payments')]);
    s = moveTables(s, [T('audit_log')], { kind: 'unassigned' }).state;
    expect(s.current.unassigned).toEqual([T('audit_log')]);
    expect(unownedTables(s)).toEqual([]);
    const toShared = moveTables(s, [T('orders')], { kind: 'shared' });
    expect(toShared.state.current.shared).toEqual([T('countries'), T('orders')]);
    expect(toShared.state.current.pins.has(T('orders'))).toBe(false);
    expect(toShared.messages.join()).toMatch(/no longer pinned/);
  });

  it('validates moves', () => {
    expect(() => moveTables(start(), [], { kind: 'shared' })).toThrow(/at least one table/);
    expect(() => moveTables(start(), [T('nope')], { kind: 'shared' })).toThrow(/no table nope/);
    expect(() => moveTables(start(), [T('users')], { kind: 'service', name: 'identity' })).toThrow(/already in identity/);
    expect(() => moveTables(start(), [T('users')], { kind: 'service', name: 'billing' })).toThrow(/no service named billing/);
    expect(() => moveTables(start(), [T('users')], { kind: 'new', name: 'catalog' })).toThrow(/already a service named catalog/);
  });

  it('merges two services under either name or a new one', () => {
    const a = mergeServices(start(), 'ordering', 'catalog').state;
    expect(a.current.services.map((s) => s.name)).toEqual(['identity', 'ordering']);
    expect(tablesOf(a, 'ordering')).toContain(T('products'));
    const b = mergeServices(start(), 'ordering', 'catalog', 'commerce').state;
    expect(tablesOf(b, 'commerce')).toHaveLength(4);
    expect(b.current.pins.get(T('orders'))).toBe('commerce');
    expect(() => mergeServices(start(), 'ordering', 'ordering')).toThrow(/two different services/);
    expect(() => mergeServices(start(), 'ordering', 'catalog', 'identity')).toThrow(/already a service named identity/);
  });

  it('splits a service, keeping the new one beside it', () => {
    const { state } = splitService(start(), 'ordering', [T('payments')], 'billing');
    expect(state.current.services.map((s) => s.name)).toEqual(['identity', 'ordering', 'billing', 'catalog']);
    expect(tablesOf(state, 'billing')).toEqual([T('payments')]);
    expect(state.history).toHaveLength(1);
    expect(() => splitService(start(), 'ordering', [T('orders'), T('order_items'), T('payments')], 'x')).toThrow(/leave at least one table/);
    expect(() => splitService(start(), 'ordering', [T('users')], 'x')).toThrow(/not in ordering/);
    expect(() => splitService(start(), 'ordering', [], 'x')).toThrow(/choose the tables/);
  });

  it('pins and unpins', () => {
    let s = pinTables(start(), [T('users')]).state;
    expect(s.current.pins.get(T('users'))).toBe('identity');
    s = unpinTables(s, [T('orders')]).state;
    expect([...s.current.pins.keys()]).toEqual([T('users')]);
    s = setPins(s, 'ordering', [T('payments'), T('order_items')]).state;
    expect(s.current.pins).toEqual(new Map([[T('order_items'), 'ordering'], [T('payments'), 'ordering'], [T('users'), 'identity']]));
    expect(() => pinTables(start(), [T('countries')])).toThrow(/shared; only a table a service owns can be pinned/);
    expect(() => setPins(start(), 'identity', [T('orders')])).toThrow(/not in identity/);
    expect(() => setPins(start(), 'ordering', [T('orders')])).toThrow(/unchanged/);
    expect(() => unpinTables(start(), [T('users')])).toThrow(/none of those tables is pinned/);
  });

  it('undoes a chain of changes one by one, back to the saved state', () => {
    let s = start();
    s = renameService(s, 'catalog', 'products').state;
    s = moveTables(s, [T('payments')], { kind: 'new', name: 'billing' }).state;
    s = mergeServices(s, 'billing', 'products').state;
    expect(changesSinceSave(s)).toBe(3);
    const u1 = undo(s);
    expect(u1.messages).toEqual(['undid: merge billing and products into billing']);
    expect(u1.state.current.services.map((x) => x.name)).toEqual(['identity', 'ordering', 'products', 'billing']);
    const u2 = undo(u1.state);
    expect(u2.state.current.services.map((x) => x.name)).toEqual(['identity', 'ordering', 'products']);
    const u3 = undo(u2.state);
    expect(toPlan(u3.state.current)).toEqual(toPlan(start().current));
    expect(isDirty(u3.state)).toBe(false);
    expect(() => undo(u3.state)).toThrow(/nothing to undo/);
  });

  it('tracks saves: dirty after a change, clean after markSaved, dirty again after undoing past it', () => {
    let s = renameService(start(), 'catalog', 'products').state;
    s = markSaved(s);
    expect(isDirty(s)).toBe(false);
    expect(renamedServices(s.current).size).toBe(0);
    const back = undo(s).state;
    expect(isDirty(back)).toBe(true);
    // The file now has `products`: the undone `catalog` comes from that entry.
    expect(renamedServices(back.current)).toEqual(new Map([['catalog', 'products']]));
  });

  it('re-runs the suggestion with the pins as fixed assignments and keeps them', () => {
    let seen: SuggestOptions | undefined;
    const fake = (options: SuggestOptions): Suggestion => {
      seen = options;
      const zero = { foreignKeys: 0, joins: 0, joinCalls: 0, multiServiceWrites: 0, services: 0 };
      const svc = (name: string, tables: string[]) => ({ name, tables, placements: tables.map((table) => ({ table, service: name, reason: 'test' })) });
      return {
        services: [svc('ordering', [T('orders'), T('payments')]), svc('people', [T('users'), T('sessions')]), svc('stock', [T('products'), T('order_items')])],
        shared: [{ table: T('countries'), reason: 'reference' }],
        unassigned: [{ table: T('audit_log'), reason: 'no links' }],
        coupling: { suggested: zero, allInOne: zero, onePerTable: zero },
      };
    };
    let s = pinTables(start(), [T('payments')]).state;
    s = resuggest(s, fake, { services: 3 }).state;
    expect(seen?.services).toBe(3);
    expect(seen?.fixed).toEqual(new Map([[T('orders'), 'ordering'], [T('payments'), 'ordering']]));
    expect(seen?.pins).toEqual(seen?.fixed);
    expect(s.current.services.map((x) => x.name)).toEqual(['ordering', 'people', 'stock']);
    expect(s.current.pins).toEqual(new Map([[T('orders'), 'ordering'], [T('payments'), 'ordering']]));
    expect(s.current.unassigned).toEqual([T('audit_log')]);
    // ordering came from the file, so it keeps its origin (and target) through the re-run.
    expect(s.current.services.find((x) => x.name === 'ordering')?.origin).toBe('ordering');
    expect(undo(s).state.current.services.map((x) => x.name)).toEqual(['identity', 'ordering', 'catalog']);
  });

  it('drops a pin the suggestion did not honour, and says so', () => {
    const fake = (): Suggestion => {
      const zero = { foreignKeys: 0, joins: 0, joinCalls: 0, multiServiceWrites: 0, services: 0 };
      return { services: [{ name: 'all', tables: ALL, placements: [] }], shared: [], unassigned: [], coupling: { suggested: zero, allInOne: zero, onePerTable: zero } };
    };
    const change = resuggest(start(), fake);
    expect(change.state.current.pins.size).toBe(0);
    expect(change.messages.join()).toMatch(/pinned table orders in all; its pin was dropped/);
  });

  it('creates a never-saved state from scratch', () => {
    const s = createPlannerState({ allTables: ALL, services: [{ name: 'a', tables: ALL }] });
    expect(isDirty(s)).toBe(true);
    expect(changesSinceSave(s)).toBe(0);
  });
});
