import type { Styles } from '../../commands/output.js';
import { formatDuration } from '../../report/progress.js';
import { formatBytes, formatCount } from '../../report/text-table.js';
import { JSON_FORMAT_VERSION, VERSION } from '../../version.js';
import type { ServiceStatus, StatusResult } from '../status.js';

/** What `dbsplit shadow status` prints (JSON version 1: add fields, never rename or remove). */

export function statusJson(r: StatusResult): unknown {
  return {
    version: JSON_FORMAT_VERSION,
    dbsplit: VERSION,
    generatedAt: r.generatedAt,
    monolith: r.monolith,
    currentWalLsn: r.currentWalLsn,
    maxRetainedWalBytes: r.maxRetainedWalBytes,
    services: r.services,
    orphanSlots: r.orphanSlots,
    warnings: r.warnings,
  };
}

function serviceLines(s: ServiceStatus, style: Styles): string[] {
  const head = `${style.bold(s.service)}  ${s.phase}${s.transport ? `  ${s.transport}` : ''}${s.inPlan ? '' : style.warn('  (not in the plan)')}`;
  if (!s.started) return [`${head}  ${style.dim('not shadowing')}`];
  const out = [head];
  const row = (k: string, v: string) => out.push(`  ${k.padEnd(10)} ${v}`);
  if (s.backfill) {
    const copying = s.backfill.tablesCopying > 0 ? `, ${s.backfill.tablesCopying} copying` : '';
    row('backfill', `${s.backfill.tablesDone}/${s.backfill.tablesTotal} tables done${copying}, ${formatCount(s.backfill.rows)} rows (${formatBytes(s.backfill.bytes)})`);
  } else {
    row('backfill', style.dim(s.target.error ?? 'unknown'));
  }
  if (s.slot.exists) {
    const active = s.slot.active ? style.ok(`active (pid ${s.slot.activePid})`) : style.warn('inactive');
    row('slot', `${s.slot.name}  ${active}  retains ${formatBytes(s.slot.retainedWalBytes ?? 0)} of WAL${s.slot.walStatus && s.slot.walStatus !== 'reserved' ? ` (${s.slot.walStatus})` : ''}`);
  } else {
    row('slot', style.warn(`${s.slot.name} missing`));
  }
  const lagB = s.lag.bytes === null ? 'unknown' : formatBytes(s.lag.bytes);
  const lagS = s.lag.seconds === null ? 'seconds unknown until a change is applied' : `${s.lag.seconds.toFixed(1)} s`;
  row('lag', `${lagB}, ${lagS}${s.position ? `  (target at ${s.position.lsn})` : ''}`);
  if (s.runner) {
    const r = s.runner;
    const beat = r.heartbeatAgeSeconds === null ? 'no heartbeat yet' : `heartbeat ${formatDuration(r.heartbeatAgeSeconds * 1000)} ago${r.alive ? '' : style.warn(' (stale)')}`;
    const who = r.pid !== null ? `pid ${r.pid}${r.host ? ` on ${r.host}` : ''}, ` : '';
    const rate = r.appliedRate !== null ? `, ${formatCount(Math.round(r.appliedRate))}/s` : '';
    row('runner', `${r.desired === 'stopped' ? style.warn('stopped') + ', ' : ''}${who}${beat}; ${formatCount(r.appliedChanges)} changes applied${rate}`);
  }
  row('last error', s.lastError ? style.error(`${s.lastError.message}${s.lastError.at ? ` (${s.lastError.at})` : ''}`) : style.dim('none'));
  for (const w of s.warnings) out.push(`  ${style.warn('!')} ${w}`);
  return out;
}

export function renderStatus(r: StatusResult, format: 'table' | 'json', style: Styles): string {
  if (format === 'json') return JSON.stringify(statusJson(r), null, 2) + '\n';
  const lines = [`${style.bold('dbsplit shadow status')} — monolith ${r.monolith}, WAL at ${r.currentWalLsn}`, ''];
  for (const s of r.services.filter((x) => x.started)) lines.push(...serviceLines(s, style), '');
  const idle = r.services.filter((x) => !x.started);
  if (idle.length > 0) lines.push(style.dim(`not shadowing: ${idle.map((x) => `${x.service} (${x.phase})`).join(', ')}`), '');
  if (r.orphanSlots.length > 0) {
    lines.push(style.warn('replication slots of no service:'));
    for (const s of r.orphanSlots) lines.push(`  ${s.name}  ${s.active ? 'active' : 'inactive'}  retains ${formatBytes(s.retainedBytes)} of WAL`);
    lines.push('');
  }
  lines.push(r.warnings.length === 0 ? style.ok('no warnings') : style.warn(`${r.warnings.length} warning${r.warnings.length === 1 ? '' : 's'}`));
  return lines.join('\n') + '\n';
}
