import type { Styles } from '../commands/output.js';
import { formatCount, renderTable } from '../report/text-table.js';
import type { DemoResult, DemoShadow } from './run-demo.js';

/**
 * What `dbsplit demo` shows of its sync steps: the shadow status table on the terminal, and the
 * `demo` member of its JSON (version 1 contract of the catalog JSON it extends: fields are only
 * ever added).
 */

export function shadowStatusTable(shadow: DemoShadow, style: Styles): string {
  const rows = shadow.services.map((s) => [
    s.service,
    s.phase,
    s.lagSeconds === null ? 'unknown' : `${s.lagSeconds.toFixed(1)} s`,
    formatCount(s.appliedChanges),
    formatCount(s.backfilledRows),
    s.confirmedLsn ?? '-',
  ]);
  const warnings = shadow.services.flatMap((s) => s.warnings.map((w) => `    ${style.warn('!')} ${s.service}: ${w}\n`));
  const identity = shadow.replicaIdentityFull.length > 0 ? [style.dim(`    REPLICA IDENTITY FULL set on ${shadow.replicaIdentityFull.join(', ')} (no primary key), as shadow start's precondition check asks\n`)] : [];
  return renderTable(['service', 'phase', 'lag', 'applied changes', 'backfilled rows', 'confirmed LSN'], rows, { indent: 4, right: [2, 3, 4], headerStyle: style.dim }) + identity.join('') + warnings.join('');
}

export function demoJson(r: DemoResult): unknown {
  const c = r.fix.corruption;
  const diffJson = (d: typeof r.fix.found) => ({
    clean: d.result.clean,
    totals: d.result.totals,
    differences: d.result.tables.flatMap((t) => t.differences.map((x) => ({ table: t.table, kind: x.kind, key: Object.fromEntries(t.key.map((k, i) => [k, x.key[i] ?? null])), columns: x.columns ?? [] }))),
  });
  return {
    steps: r.steps.map((s) => ({ step: s.step, ms: Math.round(s.ms), detail: s.detail })),
    shadow: {
      replicaIdentityFull: r.shadow.replicaIdentityFull,
      load: { transactions: r.shadow.load.transactions, byOperation: r.shadow.load.byOperation, conflicts: r.shadow.load.conflicts, ms: Math.round(r.shadow.load.ms) },
      caughtUpTo: r.shadow.caughtUpTo,
      catchUpMs: Math.round(r.shadow.catchUpMs),
      services: r.shadow.services,
    },
    diff: {
      clean: r.diff.clean,
      tables: r.diff.tables,
      rowsCompared: r.diff.rowsCompared,
      differences: r.diff.differences,
      services: r.diff.services.map((d) => ({ service: d.service, clean: d.report.result.clean, tables: d.report.result.tables.length, rowsCompared: d.report.result.totals.rowsCompared, runId: d.report.result.runId ?? null })),
    },
    fix: {
      service: c.service,
      table: c.table,
      column: c.column,
      key: { [c.keyColumn]: c.key },
      found: diffJson(r.fix.found),
      fixed: { ...diffJson(r.fix.fixed), applied: r.fix.fixed.fix?.applied ?? false, rows: r.fix.fixed.fix?.plan.rows ?? null },
      after: diffJson(r.fix.after),
    },
    compare: { totals: r.compare.totals, durationMs: Math.round(r.compare.durationMs), checks: r.compare.checks.map((c) => ({ name: c.name, status: c.status })) },
    stopped: r.stopped,
    files: r.files,
  };
}
