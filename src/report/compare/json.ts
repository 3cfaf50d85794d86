import { compareExitCode } from '../../compare/run-compare.js';
import type { CompareResult } from '../../compare/types.js';
import { JSON_FORMAT_VERSION, VERSION } from '../../version.js';

/**
 * The JSON contract of `dbsplit compare` (version 1): fields may be added; renaming or removing
 * one bumps `version`. Sample values are text cut at 100 characters; timings in milliseconds.
 */
export function compareJson(r: CompareResult): unknown {
  return {
    version: JSON_FORMAT_VERSION,
    dbsplit: VERSION,
    monolith: r.monolith,
    checksDir: r.checksDir,
    startedAt: r.startedAt,
    finishedAt: r.finishedAt,
    durationMs: r.durationMs,
    exitCode: compareExitCode(r),
    totals: r.totals,
    checks: r.checks.map((c) => ({
      name: c.name,
      file: c.file,
      candidate: c.candidate,
      status: c.status,
      error: c.error ?? null,
      paramSets: c.paramSets,
      mismatchedSets: c.mismatchedSets,
      legacyRows: c.legacyRows,
      candidateRows: c.candidateRows,
      missing: c.missing,
      extra: c.extra,
      changed: c.changed,
      outOfOrder: c.outOfOrder,
      tiesAccepted: c.tiesAccepted,
      onlyInLegacy: c.onlyInLegacy,
      onlyInCandidate: c.onlyInCandidate,
      ordered: c.ordered,
      orderNote: c.orderNote ?? null,
      timings: { legacy: c.legacy, candidate: c.candidateTiming },
      durationMs: c.durationMs,
      samples: c.samples,
    })),
  };
}

export function renderCompareJson(r: CompareResult): string {
  return JSON.stringify(compareJson(r), null, 2) + '\n';
}
