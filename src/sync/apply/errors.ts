import { DbsplitError, isDbsplitError } from '../../errors.js';
import { redactSecrets } from '../../redact.js';

/**
 * Which failures of a sync process are worth retrying (the network, a server restarting, a slot
 * still held by a connection that is going away) and which need a person (a schema change, a
 * missing table or privilege, a row that does not fit).
 */

/** Which side of the sync a failure came from, for the message "target unreachable: ...". */
export type SyncSide = 'target' | 'monolith' | 'kafka';

const RETRYABLE_SQLSTATES = new Set([
  '57P01', // admin_shutdown: the server is stopping
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now: starting up or shutting down
  '53300', // too_many_connections
  '40001', // serialization_failure
  '40P01', // deadlock_detected
  '55006', // object_in_use: the slot is still held by a walsender that is going away
  '55P03', // lock_not_available
  '58030', // io_error
]);

const RETRYABLE_NODE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ENOTFOUND', 'ECONNABORTED']);

const RETRYABLE_MESSAGES = /Connection terminated|connection error|not queryable|timeout expired|socket hang up|server closed the connection|Client was closed|read ECONNRESET|the database system is (starting up|shutting down|in recovery mode)/i;

/** A failure while syncing that carries whether a retry can help and which side failed. */
export class SyncFailure extends DbsplitError {
  readonly retryable: boolean;
  readonly side: SyncSide | undefined;
  constructor(message: string, options: { retryable: boolean; side?: SyncSide; cause?: unknown; hint?: string; code?: 'E_SYNC' | 'E_CONNECTION' | 'E_PERMISSION' | 'E_SCHEMA_CHANGED' }) {
    super(options.code ?? (options.retryable ? 'E_CONNECTION' : 'E_SYNC'), message, {
      ...(options.hint === undefined ? {} : { hint: options.hint }),
      cause: options.cause,
    });
    this.name = 'SyncFailure';
    this.retryable = options.retryable;
    this.side = options.side;
  }
}

function walk(e: unknown): unknown[] {
  const out: unknown[] = [];
  let current: unknown = e;
  for (let i = 0; i < 5 && current !== undefined && current !== null; i++) {
    out.push(current);
    current = (current as { cause?: unknown }).cause;
  }
  return out;
}

/** True when retrying (after reconnecting) may succeed. */
export function isRetryable(e: unknown): boolean {
  if (e instanceof SyncFailure) return e.retryable;
  for (const x of walk(e)) {
    if (x instanceof SyncFailure) return x.retryable;
    if (isDbsplitError(x) && x.code !== 'E_CONNECTION') return false;
    const err = x as { code?: unknown; message?: unknown };
    if (typeof err.code === 'string') {
      if (RETRYABLE_SQLSTATES.has(err.code) || err.code.startsWith('08') || RETRYABLE_NODE_CODES.has(err.code)) return true;
    }
    if (typeof err.message === 'string' && RETRYABLE_MESSAGES.test(err.message)) return true;
    if (isDbsplitError(x) && x.code === 'E_CONNECTION') return true;
  }
  return false;
}

const CONNECTION_SQLSTATES = new Set(['57P01', '57P02', '57P03', '53300']);

/** True when the failure is a lost or refused connection (the server is down or restarting), rather than a busy resource. */
export function isConnectionLoss(e: unknown): boolean {
  for (const x of walk(e)) {
    const err = x as { code?: unknown; message?: unknown };
    if (typeof err.code === 'string' && (CONNECTION_SQLSTATES.has(err.code) || err.code.startsWith('08') || RETRYABLE_NODE_CODES.has(err.code))) return true;
    if (typeof err.message === 'string' && RETRYABLE_MESSAGES.test(err.message)) return true;
    if (isDbsplitError(x) && x.code === 'E_CONNECTION' && !(x instanceof SyncFailure)) return true;
  }
  return false;
}

/** A unique or exclusion constraint violation (SQLSTATE 23505, 23P01). */
export function isUniquenessViolation(e: unknown): boolean {
  return walk(e).some((x) => {
    const code = (x as { code?: unknown }).code;
    return code === '23505' || code === '23P01';
  });
}

export function messageOf(e: unknown): string {
  if (isDbsplitError(e)) return e.oneLine();
  const err = e as { message?: unknown; code?: unknown };
  const text = typeof err?.message === 'string' && err.message !== '' ? err.message : typeof err?.code === 'string' ? err.code : String(e);
  return redactSecrets(text);
}

/** Wrap any failure on `side` into a SyncFailure (kept as is when it already is a DbsplitError). */
export function asSyncFailure(e: unknown, side: SyncSide, context: string): DbsplitError {
  if (e instanceof SyncFailure) return e;
  if (isDbsplitError(e) && e.code !== 'E_CONNECTION') return e;
  const retryable = isRetryable(e);
  const sqlstate = (e as { code?: unknown }).code;
  const code = sqlstate === '42501' ? 'E_PERMISSION' : retryable ? 'E_CONNECTION' : 'E_SYNC';
  return new SyncFailure(`${context}: ${messageOf(e)}`, { retryable, side, cause: e, code });
}
