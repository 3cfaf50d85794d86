import { redactSecrets } from './redact.js';

/**
 * Every failure dbsplit reports on purpose is a DbsplitError: a stable code that scripts can
 * match on, a one-line human message saying what is wrong and how to fix it, and an exit code.
 * The CLI maps these to exit codes in one place (src/cli.ts); anything else is a bug and is
 * reported as such.
 */
export type ErrorCode =
  | 'E_USAGE'
  | 'E_FILE_NOT_FOUND'
  | 'E_FILE_UNREADABLE'
  | 'E_DDL_SYNTAX'
  | 'E_CONFIG_INVALID'
  | 'E_PLAN_INVALID'
  | 'E_UNKNOWN_TABLE'
  | 'E_UNKNOWN_SERVICE'
  | 'E_CONNECTION'
  | 'E_PERMISSION'
  | 'E_PRECONDITION'
  | 'E_OUTPUT_DIR'
  | 'E_NO_TTY'
  | 'E_SYNC'
  | 'E_SCHEMA_CHANGED'
  | 'E_EMBEDDED_PG'
  | 'E_INTERNAL';

export class DbsplitError extends Error {
  readonly code: ErrorCode;
  readonly exitCode: number;
  readonly hint: string | undefined;

  constructor(code: ErrorCode, message: string, options: { hint?: string; cause?: unknown; exitCode?: number } = {}) {
    super(redactSecrets(message), options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'DbsplitError';
    this.code = code;
    this.hint = options.hint === undefined ? undefined : redactSecrets(options.hint);
    this.exitCode = options.exitCode ?? 2;
  }

  /** The single line shown to the user. */
  oneLine(): string {
    return this.hint ? `${this.message} (${this.hint})` : this.message;
  }
}

export class UsageError extends DbsplitError {
  constructor(message: string, hint?: string) {
    super('E_USAGE', message, hint === undefined ? {} : { hint });
    this.name = 'UsageError';
  }
}

export class FileError extends DbsplitError {
  readonly path: string;
  constructor(code: 'E_FILE_NOT_FOUND' | 'E_FILE_UNREADABLE' | 'E_OUTPUT_DIR', path: string, message: string, hint?: string) {
    super(code, message, hint === undefined ? {} : { hint });
    this.name = 'FileError';
    this.path = path;
  }
}

export class SqlSyntaxError extends DbsplitError {
  readonly file: string;
  readonly line: number;
  constructor(file: string, line: number, detail: string, statementStart: string) {
    super('E_DDL_SYNTAX', `${file}:${line}: ${detail} in statement starting "${statementStart}"`, {
      hint: 'fix the SQL at that line, or pass the file through pg_dump --schema-only',
    });
    this.name = 'SqlSyntaxError';
    this.file = file;
    this.line = line;
  }
}

export class ConfigError extends DbsplitError {
  constructor(code: 'E_CONFIG_INVALID' | 'E_PLAN_INVALID' | 'E_UNKNOWN_TABLE' | 'E_UNKNOWN_SERVICE', message: string, hint?: string) {
    super(code, message, hint === undefined ? {} : { hint });
    this.name = 'ConfigError';
  }
}

export class ConnectionError extends DbsplitError {
  constructor(message: string, hint?: string, cause?: unknown) {
    super('E_CONNECTION', message, { ...(hint === undefined ? {} : { hint }), cause });
    this.name = 'ConnectionError';
  }
}

export class PreconditionError extends DbsplitError {
  constructor(message: string, hint?: string) {
    super('E_PRECONDITION', message, hint === undefined ? {} : { hint });
    this.name = 'PreconditionError';
  }
}

/**
 * Also recognises a DbsplitError from a second copy of this module (a loader such as tsx can
 * load one file twice), where instanceof fails.
 */
export function isDbsplitError(e: unknown): e is DbsplitError {
  if (e instanceof DbsplitError) return true;
  if (typeof e !== 'object' || e === null) return false;
  const x = e as { code?: unknown; exitCode?: unknown; oneLine?: unknown };
  return typeof x.code === 'string' && x.code.startsWith('E_') && typeof x.exitCode === 'number' && typeof x.oneLine === 'function';
}
