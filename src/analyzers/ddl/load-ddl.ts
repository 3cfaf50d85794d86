import { readFile, stat } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { glob, isDynamicPattern } from 'tinyglobby';
import { FileError } from '../../errors.js';
import type { SchemaModel } from '../../model/schema.js';
import { ready } from '../sql-parser.js';
import { parseDdl, type DdlFile } from './parse-ddl.js';

export interface LoadDdlOptions {
  readonly searchPath?: readonly string[];
  /** Directory relative patterns and paths are taken from (default: the process's). */
  readonly cwd?: string;
}

/**
 * Reads DDL files named by paths, globs or directories (a directory means every `.sql` file
 * under it) and parses them as one script, in the order given; the files a glob or directory
 * matches are taken in natural order (`V2__` before `V10__`), as migration tools run them.
 */
export async function loadDdlSchema(patterns: readonly string[], options: LoadDdlOptions = {}): Promise<SchemaModel> {
  const cwd = options.cwd ?? process.cwd();
  const paths: string[] = [];
  const seen = new Set<string>();
  for (const pattern of patterns) {
    for (const path of await expand(pattern, cwd)) {
      const key = resolve(cwd, path);
      if (seen.has(key)) continue;
      seen.add(key);
      paths.push(path);
    }
  }
  const files: DdlFile[] = [];
  for (const path of paths) files.push({ path, text: await readText(path, cwd) });
  await ready();
  return parseDdl(files, options.searchPath === undefined ? {} : { searchPath: options.searchPath });
}

async function expand(pattern: string, cwd: string): Promise<string[]> {
  if (isDynamicPattern(pattern)) {
    const matches = await glob(pattern, { cwd, onlyFiles: true, expandDirectories: false });
    if (matches.length === 0) {
      throw new FileError('E_FILE_NOT_FOUND', pattern, `the pattern ${pattern} matched no file`, 'check the pattern and the directory it is relative to');
    }
    return matches.map((m) => (isAbsolute(pattern) ? resolve(cwd, m) : m)).sort(naturalCompare);
  }
  const full = resolve(cwd, pattern);
  const info = await stat(full).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT' || e.code === 'ENOTDIR') {
      throw new FileError('E_FILE_NOT_FOUND', pattern, `no such file: ${pattern}`, 'pass an existing DDL file, a directory of .sql files, or a glob');
    }
    throw new FileError('E_FILE_UNREADABLE', pattern, `cannot read ${pattern}: ${e.message}`, 'check the file permissions');
  });
  if (!info.isDirectory()) return [pattern];
  const matches = await glob('**/*.sql', { cwd: full, onlyFiles: true });
  if (matches.length === 0) {
    throw new FileError('E_FILE_NOT_FOUND', pattern, `the directory ${pattern} holds no .sql file`, 'pass the DDL files themselves, or a glob');
  }
  const base = isAbsolute(pattern) ? full : relative(cwd, full) || '.';
  return matches.sort(naturalCompare).map((m) => join(base, m));
}

async function readText(path: string, cwd: string): Promise<string> {
  try {
    return await readFile(resolve(cwd, path), 'utf8');
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'ENOENT') throw new FileError('E_FILE_NOT_FOUND', path, `no such file: ${path}`, 'pass an existing DDL file, a directory of .sql files, or a glob');
    throw new FileError('E_FILE_UNREADABLE', path, `cannot read ${path}: ${err.code ?? err.message}`, 'check the file permissions');
  }
}

/** Compares digit runs by value, so that `V2__x.sql` sorts before `V10__y.sql`. */
export function naturalCompare(a: string, b: string): number {
  const re = /(\d+)|(\D+)/g;
  const pa = a.match(re) ?? [];
  const pb = b.match(re) ?? [];
  for (let i = 0; i < Math.min(pa.length, pb.length); i++) {
    const x = pa[i]!;
    const y = pb[i]!;
    if (x === y) continue;
    const nx = /^\d/.test(x) && /^\d/.test(y);
    if (nx) {
      const d = BigInt(x) - BigInt(y);
      if (d !== 0n) return d < 0n ? -1 : 1;
    }
    return x < y ? -1 : 1;
  }
  return pa.length - pb.length || (a < b ? -1 : a > b ? 1 : 0);
}
