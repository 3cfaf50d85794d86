import type { Styles } from '../../commands/output.js';
import type { ProgressBoard } from '../../report/progress.js';
import { formatBytes, formatCount, renderTable } from '../../report/text-table.js';
import { JSON_FORMAT_VERSION, VERSION } from '../../version.js';
import type { BackfillEvent, BackfillListener, TableEstimate } from '../backfill/events.js';
import type { StartResult } from './start.js';
import type { CancelResult, StopResult } from './stop-cancel.js';

/** What `shadow start`, `stop` and `cancel` print, as text or JSON (version 1: add fields, never rename). */

export type LifecycleFormat = 'table' | 'json';

const json = (o: unknown) => JSON.stringify(o, null, 2) + '\n';
const ms = (n: number) => (n < 10_000 ? `${(n / 1000).toFixed(1)}s` : `${Math.round(n / 1000)}s`);

/** Feed backfill events to a progress board (a bar per table on a terminal, plain lines otherwise). */
export function backfillListener(board: ProgressBoard): BackfillListener {
  const estimates = new Map<string, TableEstimate>();
  const state = (table: string, rows: number, bytes: number | undefined, elapsedMs: number, status: 'running' | 'done' | 'failed', note?: string) => {
    const e = estimates.get(table);
    board.update(table, { label: table, done: rows, total: e?.rows, unit: 'rows', bytes, elapsedMs, status, note });
  };
  return (ev: BackfillEvent) => {
    switch (ev.kind) {
      case 'snapshot':
        for (const t of ev.tables) estimates.set(t.table, t);
        board.message(`copying ${ev.tables.length} table${ev.tables.length === 1 ? '' : 's'} (${ev.jobs} at a time) in the snapshot of ${ev.temporary ? 'temporary slot' : 'slot'} ${ev.slot}, consistent with LSN ${ev.lsn}`);
        break;
      case 'table-start':
        estimates.set(ev.table, ev.estimate);
        state(ev.table, 0, 0, 0, 'running');
        break;
      case 'table-progress':
        state(ev.table, ev.rows, ev.bytes, ev.elapsedMs, 'running');
        break;
      case 'table-done':
        state(ev.table, ev.rows, ev.bytes, ev.elapsedMs, 'done');
        break;
      case 'table-failed':
        state(ev.table, 0, undefined, 0, 'failed', ev.error);
        break;
    }
  };
}

export function startJson(r: StartResult): unknown {
  return {
    version: JSON_FORMAT_VERSION,
    dbsplit: VERSION,
    service: r.service,
    dryRun: r.dryRun,
    monolith: r.monolith,
    target: r.target,
    slot: r.slot,
    publication: r.publication,
    transport: r.transport,
    slotCreated: r.slotCreated,
    publicationAction: r.publicationAction,
    streamFrom: r.streamFrom,
    phaseBefore: r.phaseBefore,
    phase: r.phase,
    tables: r.tables,
    steps: r.steps.map((s) => ({ kind: s.kind, title: s.title, sql: [...s.sql] })),
    copied: r.copied.map((c) => ({ table: c.table, target: c.target, rows: c.rows, bytes: c.bytes, ms: Math.round(c.ms), snapshotLsn: c.snapshotLsn })),
    backfill: r.backfill,
    ms: r.ms,
  };
}

export function renderStart(r: StartResult, format: LifecycleFormat, style: Styles): string {
  if (format === 'json') return json(startJson(r));
  const lines: string[] = [];
  if (r.dryRun) {
    lines.push(`-- dbsplit shadow start ${r.service} --dry-run: nothing was changed. Would run on the monolith ${r.monolith}`, `-- and the target ${r.target}:`);
    r.steps.forEach((s, i) => {
      lines.push('', `-- ${i + 1}. ${s.title}`);
      for (const sql of s.sql) lines.push(sql.startsWith('--') || sql.endsWith('into:') ? sql : `${sql};`);
    });
    return lines.join('\n') + '\n';
  }
  const head = style.bold(`dbsplit shadow start ${r.service}`);
  if (r.slotCreated) lines.push(`${head}: created slot ${r.slot} and publication ${r.publication}; the stream starts at ${r.streamFrom}.`);
  else if (r.copied.length === 0) lines.push(`${head}: already started (slot ${r.slot}, stream resumes at ${r.streamFrom}); every table is copied. Nothing to do.`);
  else lines.push(`${head}: slot ${r.slot} exists (stream resumes at ${r.streamFrom}); copied the tables that were not done${r.publicationAction !== 'none' ? `; publication ${r.publicationAction === 'create' ? 'created' : 'updated'}` : ''}.`);
  if (r.copied.length > 0) {
    lines.push('');
    const rows = r.copied.map((c) => [c.table, c.target === c.table ? '' : c.target, formatCount(c.rows), formatBytes(c.bytes), ms(c.ms), formatCount(Math.round(c.rows / Math.max(c.ms / 1000, 0.001))), c.snapshotLsn]);
    lines.push(renderTable(['table', 'target', 'rows', 'bytes', 'time', 'rows/s', 'snapshot LSN'], rows, { right: [2, 3, 4, 5], headerStyle: style.dim }).trimEnd());
  }
  if (r.backfill) lines.push('', `backfill: ${r.backfill.tablesDone}/${r.backfill.tablesTotal} tables done, ${formatCount(r.backfill.rows)} rows; phase ${r.phase}.`);
  lines.push(`next: dbsplit shadow run ${r.service} streams the changes (dbsplit shadow status shows lag and the WAL the slot retains meanwhile).`);
  return lines.join('\n') + '\n';
}

export function stopJson(r: StopResult): unknown {
  return { version: JSON_FORMAT_VERSION, dbsplit: VERSION, ...r };
}

export function renderStop(r: StopResult, format: LifecycleFormat, style: Styles): string {
  if (format === 'json') return json(stopJson(r));
  const wal = r.retainedWalBytes === null ? '' : ` It retains ${formatBytes(r.retainedWalBytes)} of WAL now, and more as the monolith writes.`;
  const head = style.bold(`dbsplit shadow stop ${r.service}`);
  if (!r.slotExists) return `${head}: asked the runner to stop; slot ${r.slot} does not exist (dbsplit shadow status).\n`;
  if (!r.stopped) {
    return `${head}: asked the runner to stop, but slot ${r.slot} is still read by pid ${r.activePid} after ${ms(r.waitedMs)}. ${style.warn('It stops at its next poll; if it does not, end that process.')}${wal}\n`;
  }
  const who = r.wasActive ? `the runner released slot ${r.slot} after ${ms(r.waitedMs)}` : `no runner was attached to slot ${r.slot}`;
  return `${head}: stopped — ${who}. The slot is kept so nothing is lost: ${style.warn('the monolith keeps WAL for it while stopped')}.${wal}\nResume with dbsplit shadow run ${r.service}; drop everything with dbsplit shadow cancel ${r.service}.\n`;
}

export function cancelJson(r: CancelResult): unknown {
  return {
    version: JSON_FORMAT_VERSION,
    dbsplit: VERSION,
    service: r.service,
    dryRun: r.dryRun,
    monolith: r.monolith,
    phaseBefore: r.phaseBefore,
    phase: r.phase,
    nothingToDo: r.nothingToDo,
    steps: r.steps.map((s) => ({ kind: s.kind, title: s.title, sql: [...s.sql], done: r.done.includes(s.kind) })),
    terminatedPid: r.terminatedPid,
    targetDataKept: r.target,
  };
}

export function renderCancel(r: CancelResult, format: LifecycleFormat, style: Styles): string {
  if (format === 'json') return json(cancelJson(r));
  const kept = r.target ? `The target's data is left as it is (${r.target}).` : "The target's data is left as it is.";
  if (r.nothingToDo) return `${style.bold(`dbsplit shadow cancel ${r.service}`)}: nothing to cancel (no slot, publication nor sync state; phase ${r.phaseBefore}).\n`;
  const lines: string[] = [];
  if (r.dryRun) {
    lines.push(`-- dbsplit shadow cancel ${r.service} --dry-run: nothing was changed. Would run on the monolith ${r.monolith}:`);
    r.steps.forEach((s, i) => {
      lines.push('', `-- ${i + 1}. ${s.title}`);
      for (const sql of s.sql) lines.push(`${sql};`);
    });
    lines.push('', `-- ${kept}`);
    return lines.join('\n') + '\n';
  }
  lines.push(`${style.bold(`dbsplit shadow cancel ${r.service}`)}: done.`);
  for (const s of r.steps) if (r.done.includes(s.kind)) lines.push(`  ${style.ok('✓')} ${s.title}`);
  if (r.terminatedPid !== null) lines.push(`  (ended pid ${r.terminatedPid}, which was still reading the slot)`);
  lines.push(`Phase ${r.phase}. ${kept} dbsplit shadow start ${r.service} starts over (it copies every table again).`);
  return lines.join('\n') + '\n';
}
