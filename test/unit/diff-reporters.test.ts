import { describe, expect, it } from 'vitest';
import { makeStyles } from '../../src/commands/output.js';
import { Chalk } from 'chalk';
import type { FixOutcome } from '../../src/diff/diff-service.js';
import type { DiffResult, TableDiff } from '../../src/diff/types.js';
import { diffExitCode, diffJson, renderDiff } from '../../src/report/diff/index.js';
import { xmlEscape } from '../../src/report/diff/junit.js';

/** The four formats of `dbsplit diff`, from one result. */

const style = makeStyles(new Chalk({ level: 0 }));

const stats = { segmentQueries: 3, mismatchedSegments: 1, rowsFetched: 40, depth: 2 };

function table(over: Partial<TableDiff>): TableDiff {
  return {
    table: 'public.orders',
    target: 'public.orders',
    key: ['id'],
    columns: ['id', 'note'],
    onlyInSource: [],
    onlyInTarget: [],
    sourceRows: 1000,
    targetRows: 1000,
    rowsCompared: 1000,
    missing: 0,
    extra: 0,
    changed: 0,
    settled: 0,
    unsettled: 0,
    differences: [],
    truncated: false,
    durationMs: 1234,
    stats,
    ...over,
  };
}

function result(tables: TableDiff[]): DiffResult {
  const sum = (k: 'missing' | 'extra' | 'changed' | 'settled' | 'unsettled' | 'rowsCompared') => tables.reduce((n, t) => n + t[k], 0);
  const totals = { missing: sum('missing'), extra: sum('extra'), changed: sum('changed'), settled: sum('settled'), unsettled: sum('unsettled'), rowsCompared: sum('rowsCompared'), errors: tables.filter((t) => t.error).length };
  return {
    service: 'orders',
    source: 'postgres://app:***@mono/shop',
    target: 'postgres://app:***@svc/orders',
    startedAt: '2025-01-01T00:00:00.000Z',
    finishedAt: '2025-01-01T00:00:02.000Z',
    durationMs: 2000,
    sourceLsn: '0/16B3748',
    clean: totals.missing + totals.extra + totals.changed + totals.errors === 0,
    tables,
    totals,
    settle: { attempted: true, waitedMs: 500 },
    runId: '7',
  };
}

const differing = table({
  missing: 1,
  changed: 1,
  settled: 2,
  differences: [
    { kind: 'missing', key: ['42'] },
    { kind: 'changed', key: ['7'], columns: [{ column: 'note', source: 'a <b> & "c"', target: null }] },
  ],
});
const keyless = table({ table: 'audit.events', target: 'audit.events', key: [], columns: ['at', 'msg'], extra: 2, rowsCompared: 502, differences: [{ kind: 'extra', key: ['2024-01-01', 'x'], copies: 2 }] });
const broken = table({ table: 'public.refunds', target: 'public.refunds', error: 'table public.refunds does not exist in the service\'s database' });

describe('diff reporters', () => {
  it('exit codes: 0 clean, 1 differences, 2 a table could not be compared', () => {
    expect(diffExitCode(result([table({})]))).toBe(0);
    expect(diffExitCode(result([table({}), differing]))).toBe(1);
    expect(diffExitCode(result([differing, broken]))).toBe(2);
  });

  it('JSON: versioned, keys as objects, a keyless row keyed by its columns', () => {
    const doc = diffJson({ result: result([differing, keyless]) }) as Record<string, unknown> & { tables: { differences: unknown[] }[] };
    expect(doc).toMatchObject({ version: 1, service: 'orders', clean: false, exitCode: 1, sourceLsn: '0/16B3748', runId: '7', totals: { missing: 1, extra: 2, changed: 1, settled: 2 } });
    expect(doc.tables[0]!.differences).toEqual([
      { kind: 'missing', key: { id: '42' } },
      { kind: 'changed', key: { id: '7' }, columns: [{ column: 'note', source: 'a <b> & "c"', target: null }] },
    ]);
    expect(doc.tables[1]!.differences).toEqual([{ kind: 'extra', key: { at: '2024-01-01', msg: 'x' }, copies: 2 }]);
    expect(doc).not.toHaveProperty('fix');
  });

  it('JUnit: one test case per table, failures and errors counted, text escaped', () => {
    const xml = renderDiff({ result: result([table({ table: 'public.ok', target: 'public.ok' }), differing, broken]) }, 'junit', style);
    expect(xml).toContain('<testsuite name="dbsplit diff orders" tests="3" failures="1" errors="1" skipped="0" time="2.000" timestamp="2025-01-01T00:00:00.000Z">');
    expect(xml.match(/<testcase /g)).toHaveLength(3);
    expect(xml).toContain('<testcase classname="dbsplit.diff.orders" name="public.ok" time="1.234">\n      <system-out>');
    expect(xml).toContain('<failure message="public.orders differs from public.orders: 1 missing, 1 changed" type="difference">missing id=42\nchanged id=7 — note: &quot;a &lt;b&gt; &amp; \\&quot;c\\&quot;&quot; → NULL</failure>');
    expect(xml).toContain('<error message="table public.refunds does not exist in the service&apos;s database" type="error"/>');
    expect(xmlEscape('a\u0000b\u0007c\td')).toBe('a\uFFFDb\uFFFDc\td');
  });

  it('table: one line per table, samples, the verdict', () => {
    const out = renderDiff({ result: result([table({ table: 'public.ok', target: 'public.ok' }), differing]) }, 'table', style);
    expect(out).toMatch(/public\.ok\s+1,000\s+0\s+0\s+0\s+0\s+1\.23s\s+equal/);
    expect(out).toContain('  missing  id=42\n');
    expect(out).toContain('  changed  id=7 — note: "a <b> & \\"c\\"" → NULL\n');
    expect(out).toContain('2 differences settled once sync had caught up (waited 0.50s)');
    expect(out).toContain('✗ 2 rows differ in 1 of 2 tables (1 missing, 1 changed), 2,000 rows compared in 2.00s');
    const clean = renderDiff({ result: result([table({})]) }, 'table', style);
    expect(clean).toContain('✓ clean: 1 table, 1,000 rows compared in 2.00s');
  });

  it('table: a truncated list says that it is a sample', () => {
    const big = table({ missing: 20_000, truncated: true, differences: Array.from({ length: 12 }, (_, i) => ({ kind: 'missing' as const, key: [String(i)] })) });
    const out = renderDiff({ result: result([big]) }, 'table', style);
    expect(out).toContain('… 2 more listed in --format json, and more beyond the detail limit (--max-differences)');
  });

  it('markdown: a summary table and the differences', () => {
    const md = renderDiff({ result: result([differing]) }, 'markdown', style);
    expect(md).toContain('## dbsplit diff `orders`');
    expect(md).toContain('❌ 2 row(s) differ (1 missing, 1 changed)');
    expect(md).toContain('| `public.orders` | 1,000 | 1 | 0 | 1 | 2 | 1.23s | differs |');
    expect(md).toContain('- **missing** `id=42`');
  });

  it('--fix --dry-run: the report as SQL comments, then the script', () => {
    const fix: FixOutcome = {
      mode: 'dry-run',
      applied: false,
      plan: {
        service: 'orders',
        target: 'postgres://app:***@svc/orders',
        statements: [{ table: 'public.orders', kind: 'delete', rows: 1, sql: "DELETE FROM public.orders WHERE id IN ('9'::bigint);" }],
        skipped: [{ table: 'public.big', reason: 'more differences than --max-differences' }],
        rows: { insert: 0, update: 0, delete: 1 },
      },
    };
    const out = renderDiff({ result: result([differing]), fix }, 'table', style);
    const code = out.split('\n').filter((l) => l !== '' && !l.startsWith('--'));
    expect(code[0]).toBe('BEGIN;');
    expect(code).toContain("DELETE FROM public.orders WHERE id IN ('9'::bigint);");
    expect(code[code.length - 1]).toBe('COMMIT;');
    expect(out).toContain('-- not fixed: public.big: more differences than --max-differences');
    const json = diffJson({ result: result([differing]), fix }) as { fix: { applied: boolean; sql: string } };
    expect(json.fix.applied).toBe(false);
    expect(json.fix.sql).toContain('DELETE FROM public.orders');
  });

  it('--fix that had nothing it could apply: the report and why, not a dry-run script', () => {
    const fix: FixOutcome = {
      mode: 'apply',
      applied: false,
      plan: {
        service: 'orders',
        target: 'postgres://app:***@svc/orders',
        statements: [],
        skipped: [{ table: 'public.orders', reason: '1 difference(s) still in flight left to sync' }],
        rows: { insert: 0, update: 0, delete: 0 },
      },
    };
    const out = renderDiff({ result: result([differing]), fix }, 'table', style);
    expect(out).not.toContain('--dry-run');
    expect(out).not.toMatch(/^-- /m);
    expect(out).toContain('not fixed: public.orders: 1 difference(s) still in flight left to sync');
    expect(out).toContain('nothing to fix');
    const md = renderDiff({ result: result([differing]), fix }, 'markdown', style);
    expect(md).toContain('### Fix (nothing applied)');
  });
});
