import { Chalk } from 'chalk';
import { describe, expect, it } from 'vitest';
import type { Suggestion } from '../../src/analyzers/suggest/suggest.js';
import { makeStyles } from '../../src/commands/output.js';
import { compactList } from '../../src/plan/interactive/planner-view.js';
import { couplingDelta } from '../../src/report/suggestion/coupling.js';
import { renderSuggestion } from '../../src/report/suggestion/index.js';

const style = makeStyles(new Chalk({ level: 0 }));
const c = (foreignKeys: number, joins: number, joinCalls: number, multiServiceWrites: number, services: number) => ({ foreignKeys, joins, joinCalls, multiServiceWrites, services });

describe('coupling delta', () => {
  it('says how each count moved, with signs only where it did', () => {
    expect(couplingDelta(c(14, 22, 12000, 3, 5), c(11, 19, 9500, 3, 5))).toBe('cross-boundary FKs 14 → 11 (−3), joins 22 → 19 (−3), join calls 12,000 → 9,500 (−2,500), multi-service writes 3 → 3');
    expect(couplingDelta(c(1, 0, 0, 0, 2), c(2, 1, 40, 1, 3))).toBe('cross-boundary FKs 1 → 2 (+1), joins 0 → 1 (+1), join calls 0 → 40 (+40), multi-service writes 0 → 1 (+1), services 2 → 3');
  });
});

describe('compact table lists', () => {
  it('cuts a long list to one line and says how many are left out', () => {
    const items = Array.from({ length: 30 }, (_, i) => `table_${i}`);
    const line = compactList(items, 60);
    expect(line.length).toBeLessThanOrEqual(60);
    expect(line).toMatch(/^table_0, table_1, .*, … \+\d+ more$/);
    const shown = line.split(', ').length - 1;
    expect(line).toContain(`+${30 - shown} more`);
    expect(compactList(['a', 'b'])).toBe('a, b');
  });
});

describe('suggestion report', () => {
  const suggestion: Suggestion = {
    services: [{ name: 'ordering', tables: ['public.orders', 'public.order_items'], placements: [{ table: 'public.orders', service: 'ordering', reason: 'pinned' }, { table: 'public.order_items', service: 'ordering', reason: 'FK order_items.order_id → orders.id' }] }],
    shared: [{ table: 'public.countries', reason: 'reference table used by 3 services' }],
    unassigned: [{ table: 'audit.log', reason: 'no links' }],
    coupling: { suggested: c(1, 2, 300, 0, 1), allInOne: c(0, 0, 0, 0, 1), onePerTable: c(5, 4, 900, 2, 4) },
    notes: ['could not reach 3 services'],
  };
  const report = { suggestion, source: 'schema.sql', tableCount: 4, pins: new Map([['public.orders', 'ordering']]) };

  it('renders the terminal table with pins, reasons, notes and the three coupling columns', () => {
    const out = renderSuggestion(report, 'table', { style });
    expect(out).toContain('1 service for 4 tables, 1 pinned; 1 shared, 1 unassigned');
    expect(out).toContain('note: could not reach 3 services');
    expect(out).toMatch(/orders \*\s+pinned/);
    expect(out).toMatch(/order_items\s+FK order_items\.order_id → orders\.id/);
    expect(out).toMatch(/audit\.log\s+no links/);
    expect(out).toMatch(/cross-boundary FKs\s+1\s+0\s+5/);
    expect(out).toMatch(/join calls\s+300\s+0\s+900/);
  });

  it('renders JSON with the format version and markdown with a section per service', () => {
    const doc = JSON.parse(renderSuggestion({ ...report, written: 'dbsplit.yaml' }, 'json', { style }));
    expect(doc.version).toBe(1);
    expect(doc.services[0].pinned).toEqual(['public.orders']);
    expect(doc.written).toBe('dbsplit.yaml');
    expect(doc.notes).toEqual(['could not reach 3 services']);
    const md = renderSuggestion(report, 'markdown', { style });
    expect(md).toContain('## ordering\n\n| table | why here | pinned |');
    expect(md).toContain('| `orders` | pinned | yes |');
  });
});
