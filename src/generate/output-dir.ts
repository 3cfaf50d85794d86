import { createHash, randomBytes } from 'node:crypto';
import { lstat, mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { DbsplitError, FileError } from '../errors.js';
import type { GeneratedFile } from './types.js';

/**
 * The output directory of `dbsplit generate`. dbsplit replaces only what it wrote itself: a
 * manifest lists every generated file with its sha256, and a directory holding anything else
 * (a file not listed, or one edited since) is refused unless --force. Files are written to a
 * temporary directory beside the target (same filesystem) and renamed into place, so a failure
 * halfway leaves the previous output untouched.
 */

export const MANIFEST_FILE = '.dbsplit-generated.json';

interface Manifest {
  readonly generator: 'dbsplit';
  readonly version: 1;
  /** path (forward slashes) -> sha256 hex of the content. */
  readonly files: Readonly<Record<string, string>>;
}

export interface OutputDirState {
  readonly exists: boolean;
  /** Files dbsplit did not write, or that changed since (relative, forward slashes, sorted). */
  readonly foreign: readonly string[];
}

export interface WriteResult {
  readonly dir: string;
  /** True when a previous output was replaced. */
  readonly replaced: boolean;
  /** Foreign files removed because of --force. */
  readonly removedForeign: readonly string[];
}

const sha256 = (text: string | Buffer): string => createHash('sha256').update(text).digest('hex');

export function renderManifest(files: readonly GeneratedFile[]): string {
  const entries = [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)).map((f) => [f.path, sha256(f.content)] as const);
  const manifest: Manifest = { generator: 'dbsplit', version: 1, files: Object.fromEntries(entries) };
  return JSON.stringify(manifest, null, 2) + '\n';
}

function checkPaths(files: readonly GeneratedFile[]): void {
  const seen = new Set<string>();
  for (const f of files) {
    const parts = f.path.split('/');
    if (f.path === '' || f.path.startsWith('/') || f.path.includes('\\') || parts.some((p) => p === '' || p === '.' || p === '..') || f.path === MANIFEST_FILE) {
      throw new DbsplitError('E_INTERNAL', `a generator produced an invalid file path "${f.path}"`);
    }
    if (seen.has(f.path)) throw new DbsplitError('E_INTERNAL', `two generators produced the same file "${f.path}"`);
    seen.add(f.path);
  }
}

/** Every file under `dir` (relative, forward slashes); symbolic links count as files. */
async function listFiles(dir: string, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(join(dir, prefix), { withFileTypes: true })) {
    const rel = prefix === '' ? entry.name : `${prefix}/${entry.name}`;
    if (entry.isDirectory()) out.push(...(await listFiles(dir, rel)));
    else out.push(rel);
  }
  return out;
}

async function readManifest(dir: string): Promise<Manifest | undefined> {
  try {
    const parsed = JSON.parse(await readFile(join(dir, MANIFEST_FILE), 'utf8')) as Partial<Manifest>;
    if (parsed.generator !== 'dbsplit' || parsed.version !== 1 || typeof parsed.files !== 'object' || parsed.files === null) return undefined;
    return parsed as Manifest;
  } catch {
    return undefined;
  }
}

export async function inspectOutputDir(dir: string): Promise<OutputDirState> {
  let stat;
  try {
    stat = await lstat(dir);
  } catch (e) {
    if ((e as { code?: string }).code === 'ENOENT') return { exists: false, foreign: [] };
    throw new FileError('E_OUTPUT_DIR', dir, `cannot read output directory ${dir}: ${(e as Error).message}`);
  }
  if (!stat.isDirectory()) throw new FileError('E_OUTPUT_DIR', dir, `output path ${dir} exists and is not a directory`, 'choose another --out');
  const manifest = await readManifest(dir);
  const foreign: string[] = [];
  for (const rel of await listFiles(dir)) {
    if (rel === MANIFEST_FILE && manifest) continue;
    const expected = manifest?.files[rel];
    if (expected === undefined) {
      foreign.push(rel);
      continue;
    }
    const info = await lstat(join(dir, ...rel.split('/')));
    if (!info.isFile() || sha256(await readFile(join(dir, ...rel.split('/')))) !== expected) foreign.push(rel);
  }
  return { exists: true, foreign: foreign.sort() };
}

function foreignError(dir: string, foreign: readonly string[]): FileError {
  const shown = foreign.slice(0, 5).join(', ') + (foreign.length > 5 ? ` (and ${foreign.length - 5} more)` : '');
  return new FileError(
    'E_OUTPUT_DIR',
    dir,
    `${dir} holds files dbsplit did not write or that were changed since it did: ${shown}; nothing was written`,
    'move them out, choose another --out, or pass --force to replace the directory and everything in it',
  );
}

/** Write `files` as the whole content of `dir` (plus the manifest), replacing a previous output. */
export async function writeOutputDir(dir: string, files: readonly GeneratedFile[], options: { force?: boolean } = {}): Promise<WriteResult> {
  checkPaths(files);
  const target = resolve(dir);
  const state = await inspectOutputDir(target);
  if (state.foreign.length > 0 && !options.force) throw foreignError(dir, state.foreign);

  const parent = dirname(target);
  await mkdir(parent, { recursive: true });
  // mkdir, not mkdtemp: the directory becomes the output, so it gets the usual (umask) mode, not 0700.
  const temp = join(parent, `.${basename(target)}.tmp-${randomBytes(6).toString('hex')}`);
  await mkdir(temp);
  try {
    for (const f of files) {
      const path = join(temp, ...f.path.split('/'));
      await mkdir(dirname(path), { recursive: true });
      await writeFile(path, f.content);
    }
    await writeFile(join(temp, MANIFEST_FILE), renderManifest(files));
    if (!state.exists) {
      await rename(temp, target);
    } else {
      // Two renames: POSIX has no portable way to swap two directories in one step.
      const old = join(parent, `.${basename(target)}.old-${randomBytes(4).toString('hex')}`);
      await rename(target, old);
      try {
        await rename(temp, target);
      } catch (e) {
        await rename(old, target);
        throw e;
      }
      await rm(old, { recursive: true, force: true });
    }
  } catch (e) {
    await rm(temp, { recursive: true, force: true }).catch(() => undefined);
    if (e instanceof DbsplitError) throw e;
    throw new FileError('E_OUTPUT_DIR', dir, `cannot write ${dir}: ${(e as Error).message}`, 'check that the directory and its parent are writable');
  }
  return { dir: target, replaced: state.exists, removedForeign: state.foreign };
}
