import { JSON_FORMAT_VERSION, VERSION } from '../../version.js';
import type { BackfillEvent } from '../backfill/events.js';
import type { RetryNotice, RunProgress, RunShadowResult } from './runner.js';

/** The lines `dbsplit shadow run` writes on stderr while it runs, and its final report. */

export function seconds(ms: number): string {
  const s = ms / 1000;
  return `${s < 10 ? s.toFixed(1).replace(/\.0$/, '') : Math.round(s)} s`;
}

export function progressLine(service: string, p: RunProgress): string {
  const lag = p.lagSeconds === null ? 'lag unknown' : p.caughtUp ? 'caught up' : `lag ${p.lagSeconds.toFixed(1)} s`;
  return `${service}: applied ${p.appliedChanges} changes, ${Math.round(p.rate)}/s, ${lag}, at ${p.appliedLsn}`;
}

export function retryLine(n: RetryNotice): string {
  return `${n.side}${n.unreachable ? ' unreachable' : ''}: ${n.message}; retrying in ${seconds(n.delayMs)}`;
}

export function startLine(info: { service: string; fromLsn: string; untilLsn: string | null; attempt: number }): string {
  const until = info.untilLsn ? ` until ${info.untilLsn}` : '';
  return `${info.service}: ${info.attempt > 0 ? 'resuming' : 'streaming'} from ${info.fromLsn}${until}`;
}

export function backfillLine(e: BackfillEvent): string | undefined {
  switch (e.kind) {
    case 'snapshot':
      return `finishing the backfill of ${e.tables.length} table(s) in the snapshot at ${e.lsn}`;
    case 'table-done':
      return `backfilled ${e.table}: ${e.rows} rows in ${seconds(e.elapsedMs)}`;
    case 'table-failed':
      return `backfill of ${e.table} failed: ${e.error}`;
    default:
      return undefined;
  }
}

export function resultText(r: RunShadowResult): string {
  const why = r.reason === 'caught-up' ? 'caught up' : r.reason === 'stopped' ? 'stopped (shadow stop)' : 'interrupted';
  const extra = [r.retries > 0 ? `${r.retries} retries` : '', r.missingRows > 0 ? `${r.missingRows} updates/deletes found no row` : ''].filter(Boolean).join(', ');
  const where = r.appliedLsn === null ? ' before streaming' : ` at ${r.appliedLsn}`;
  return `${r.service}: ${why}${where}; applied ${r.appliedChanges} changes in ${seconds(r.elapsedMs)}${extra ? ` (${extra})` : ''}\n`;
}

/** The JSON contract (version 1): add fields freely, never rename or remove them without bumping `version`. */
export function resultJson(r: RunShadowResult): unknown {
  return {
    version: JSON_FORMAT_VERSION,
    dbsplit: VERSION,
    service: r.service,
    reason: r.reason,
    appliedChanges: r.appliedChanges,
    appliedLsn: r.appliedLsn,
    retries: r.retries,
    skippedBySnapshot: r.skippedBySnapshot,
    alreadyApplied: r.alreadyApplied,
    missingRows: r.missingRows,
    elapsedMs: r.elapsedMs,
  };
}
