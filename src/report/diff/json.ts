import { fixScript } from '../../diff/fix.js';
import { JSON_FORMAT_VERSION, VERSION } from '../../version.js';
import { diffExitCode, type DiffReport } from './model.js';

/**
 * The JSON contract of `dbsplit diff` (version 1): fields may be added; renaming or removing
 * one bumps `version`. Keys are objects (column → value text); values are cut at 100 characters.
 */
export function diffJson(report: DiffReport): unknown {
  const r = report.result;
  return {
    version: JSON_FORMAT_VERSION,
    dbsplit: VERSION,
    service: r.service,
    source: r.source,
    target: r.target,
    startedAt: r.startedAt,
    finishedAt: r.finishedAt,
    durationMs: r.durationMs,
    sourceLsn: r.sourceLsn,
    clean: r.clean,
    exitCode: diffExitCode(r),
    runId: r.runId ?? null,
    totals: r.totals,
    settle: r.settle,
    tables: r.tables.map((t) => {
      const names = t.key.length > 0 ? t.key : t.columns;
      return {
        table: t.table,
        target: t.target,
        key: t.key,
        sourceRows: t.sourceRows,
        targetRows: t.targetRows,
        rowsCompared: t.rowsCompared,
        missing: t.missing,
        extra: t.extra,
        changed: t.changed,
        settled: t.settled,
        unsettled: t.unsettled,
        truncated: t.truncated,
        durationMs: t.durationMs,
        onlyInSource: t.onlyInSource,
        onlyInTarget: t.onlyInTarget,
        error: t.error ?? null,
        stats: t.stats,
        differences: t.differences.map((d) => ({
          kind: d.kind,
          key: Object.fromEntries(d.key.map((v, i) => [names[i] ?? `#${i + 1}`, v])),
          ...(d.columns ? { columns: d.columns } : {}),
          ...(d.copies !== undefined ? { copies: d.copies } : {}),
          ...(d.unsettled ? { unsettled: true } : {}),
        })),
      };
    }),
    ...(report.fix
      ? {
          fix: {
            mode: report.fix.mode,
            applied: report.fix.applied,
            rows: report.fix.plan.rows,
            statements: report.fix.plan.statements.length,
            skipped: report.fix.plan.skipped,
            sql: fixScript(report.fix.plan),
          },
        }
      : {}),
  };
}

export function renderDiffJson(report: DiffReport): string {
  return JSON.stringify(diffJson(report), null, 2) + '\n';
}
