import { DbsplitError, isDbsplitError } from '../../errors.js';

/**
 * A server's refusal met in the middle of a shadow command (a privilege missing, a statement
 * failing) becomes a DbsplitError naming what was being done, so the user sees one line and
 * exit code 2 rather than an internal error.
 */
export function asSyncError(e: unknown, doing: string): unknown {
  if (isDbsplitError(e)) return e;
  const err = e as { code?: unknown; message?: unknown };
  if (typeof err.code !== 'string' || !/^[0-9A-Z]{5}$/.test(err.code)) return e;
  const message = typeof err.message === 'string' ? err.message : String(e);
  if (err.code === '42501') return new DbsplitError('E_PERMISSION', `${doing}: ${message}`, { hint: 'grant the privilege named above to the user of that connection', cause: e });
  return new DbsplitError('E_SYNC', `${doing}: ${message}`, { cause: e });
}
