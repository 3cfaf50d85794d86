import { JSON_FORMAT_VERSION, VERSION } from '../../version.js';
import type { KafkaApplyResult, KafkaApplyRetry } from './apply-from-kafka.js';

/** The lines `dbsplit shadow apply` writes on stderr while it runs, and its final report. */

function seconds(ms: number): string {
  const s = ms / 1000;
  return `${s < 10 ? s.toFixed(1).replace(/\.0$/, '') : Math.round(s)} s`;
}

export function startLine(info: { service: string; groupId: string; topics: readonly string[]; attempt: number }): string {
  return `${info.service}: ${info.attempt > 0 ? 'resuming' : 'consuming'} ${info.topics.length} topic(s) as group ${info.groupId}, from the offsets stored in the target`;
}

export function progressLine(service: string, p: { applied: number; duplicates: number; rate: number }): string {
  return `${service}: applied ${p.applied} events, ${Math.round(p.rate)}/s${p.duplicates > 0 ? `, skipped ${p.duplicates} duplicates` : ''}`;
}

export function retryLine(n: KafkaApplyRetry): string {
  return `${n.message}; retrying in ${seconds(n.delayMs)}`;
}

export function resultText(r: KafkaApplyResult): string {
  const why = r.reason === 'caught-up' ? 'caught up' : 'interrupted';
  const extra = [
    r.duplicates > 0 ? `${r.duplicates} duplicates skipped` : '',
    r.skippedBySnapshot > 0 ? `${r.skippedBySnapshot} already in the backfill copy` : '',
    r.retries > 0 ? `${r.retries} retries` : '',
    r.missingRows > 0 ? `${r.missingRows} updates/deletes found no row` : '',
  ].filter(Boolean);
  const lines = [`${r.service}: ${why}; applied ${r.applied} events in ${r.batches} transactions in ${seconds(r.elapsedMs)}${extra.length > 0 ? ` (${extra.join(', ')})` : ''}`];
  for (const o of r.offsets) lines.push(`  ${o.topic} [${o.partition}] next offset ${o.nextOffset}`);
  return lines.join('\n') + '\n';
}

/** The JSON contract (version 1): add fields freely, never rename or remove them without bumping `version`. */
export function resultJson(r: KafkaApplyResult): unknown {
  return {
    version: JSON_FORMAT_VERSION,
    dbsplit: VERSION,
    service: r.service,
    groupId: r.groupId,
    reason: r.reason,
    applied: r.applied,
    duplicates: r.duplicates,
    transactions: r.batches,
    skippedBySnapshot: r.skippedBySnapshot,
    missingRows: r.missingRows,
    retries: r.retries,
    elapsedMs: r.elapsedMs,
    offsets: r.offsets,
  };
}
