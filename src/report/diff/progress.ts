import type { DiffEvent } from '../../diff/types.js';
import { ProgressBoard } from '../progress.js';
import { formatCount } from '../text-table.js';

/**
 * Progress of a diff on stderr: a bar per table on a terminal (rows checksummed in the first
 * pass against the planner's estimate), plain lines elsewhere; then the settling wait.
 */
export function diffProgress(write: (text: string) => void, options: { tty: boolean; columns?: number | undefined }): { onEvent: (e: DiffEvent) => void; finish: () => void } {
  const board = new ProgressBoard(write, { tty: options.tty, columns: options.columns });
  const started = new Map<string, number>();
  const elapsed = (table: string) => Date.now() - (started.get(table) ?? Date.now());
  const onEvent = (e: DiffEvent): void => {
    switch (e.kind) {
      case 'table-start':
        started.set(e.table, Date.now());
        board.update(e.table, { label: e.table, done: 0, total: e.estimatedRows, unit: 'rows', elapsedMs: 0, status: 'running' });
        break;
      case 'table-progress':
        board.update(e.table, { label: e.table, done: e.rowsChecked, total: Math.max(e.estimatedRows, e.rowsChecked), unit: 'rows', elapsedMs: elapsed(e.table), status: 'running' });
        break;
      case 'table-done':
        board.update(e.table, {
          label: e.table,
          done: e.rowsChecked,
          unit: 'rows',
          elapsedMs: elapsed(e.table),
          status: e.error !== undefined ? 'failed' : 'done',
          note: e.error ?? (e.differences > 0 ? `${formatCount(e.differences)} differ` : 'equal'),
        });
        break;
      case 'settle-start':
        board.message(`waiting for sync to apply the monolith's changes up to ${e.waitForLsn}, then re-checking ${formatCount(e.pending)} difference(s)`);
        break;
      case 'settle-progress':
        if (e.pending > 0) board.message(`re-check ${e.round}: ${formatCount(e.pending)} row(s) still changing on the monolith (sync applied ${e.appliedLsn ?? 'nothing'})`);
        break;
      case 'settle-done':
        board.message(`${formatCount(e.settled)} difference(s) settled${e.remaining > 0 ? `, ${formatCount(e.remaining)} not confirmed` : ''}`);
        break;
    }
  };
  return { onEvent, finish: () => board.finish() };
}
