import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { glob } from 'tinyglobby';
import { FileError } from '../../errors.js';

/** A workload file and the name it is reported under. */
export interface WorkloadFile {
  readonly path: string;
  readonly display: string;
}

export type WorkloadFormat = 'sql' | 'stderr' | 'csvlog';

const GLOB_CHARS = /[*?[\]{}]/;

/** A path or glob to the files it names, in a stable order. */
export async function expandWorkloadSpec(spec: string, cwd: string): Promise<WorkloadFile[]> {
  if (GLOB_CHARS.test(spec)) {
    const matches = await glob([spec], { cwd, onlyFiles: true, absolute: false, expandDirectories: false });
    if (matches.length === 0) throw new FileError('E_FILE_NOT_FOUND', spec, `no workload file matches "${spec}"`, 'check the pattern (quote it so the shell does not expand it)');
    return matches.sort().map((m) => ({ path: resolve(cwd, m), display: isAbsolute(spec) ? resolve(cwd, m) : m }));
  }
  const path = resolve(cwd, spec);
  try {
    const s = await stat(path);
    if (s.isDirectory()) {
      throw new FileError('E_FILE_UNREADABLE', spec, `workload source "${spec}" is a directory`, `pass the files, e.g. "${spec.replace(/\/$/, '')}/*.sql"`);
    }
  } catch (e) {
    if (e instanceof FileError) throw e;
    const code = (e as { code?: string }).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      throw new FileError('E_FILE_NOT_FOUND', spec, `workload file not found: ${spec}`, 'pass a .sql file, a server log (.log, .csv), or pg_stat_statements');
    }
    throw new FileError('E_FILE_UNREADABLE', spec, `cannot read workload file ${spec}: ${(e as Error).message}`);
  }
  return [{ path, display: spec }];
}

/** The file's text in chunks, gunzipped when it ends in .gz. */
export function openText(path: string): Readable {
  const raw = createReadStream(path);
  const stream: Readable = path.endsWith('.gz') ? raw.pipe(createGunzip()) : raw;
  if (stream !== raw) raw.on('error', (e) => stream.destroy(e));
  stream.setEncoding('utf8');
  return stream;
}

export async function readText(file: WorkloadFile): Promise<string> {
  let text = '';
  try {
    for await (const chunk of openText(file.path)) text += chunk as string;
  } catch (e) {
    throw unreadable(file, e);
  }
  return text;
}

export function unreadable(file: WorkloadFile, e: unknown): FileError {
  return new FileError('E_FILE_UNREADABLE', file.display, `cannot read workload file ${file.display}: ${e instanceof Error ? e.message : String(e)}`);
}

const CSV_LINE = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d+)?(?: [A-Za-z0-9+:\-]+)?,/;
const LOG_LINE = /\b(?:LOG|ERROR|WARNING|FATAL|STATEMENT|DETAIL):  /;

/**
 * .sql is SQL and .csv is csvlog; anything else (.log, .txt, rotated names) is decided by its
 * first lines: a csvlog record starts with a timestamp and a comma, a stderr line has
 * `SEVERITY:  ` after its prefix, and otherwise it is SQL.
 */
export function detectFormat(path: string, head: string): WorkloadFormat {
  const name = path.toLowerCase().replace(/\.gz$/, '');
  if (name.endsWith('.sql')) return 'sql';
  if (name.endsWith('.csv')) return 'csvlog';
  const lines = head.split('\n', 50).filter((l) => l.trim() !== '');
  if (lines.length > 0 && CSV_LINE.test(lines[0]!)) return 'csvlog';
  if (name.endsWith('.log') || lines.some((l) => LOG_LINE.test(l))) return 'stderr';
  return 'sql';
}

/** The first chunk of a file, enough to tell its format. */
export async function readHead(file: WorkloadFile): Promise<string> {
  const stream = openText(file.path);
  try {
    for await (const chunk of stream) return chunk as string;
    return '';
  } catch (e) {
    throw unreadable(file, e);
  } finally {
    stream.destroy();
  }
}
