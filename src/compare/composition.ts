import { access } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';
import { UsageError } from '../errors.js';

/**
 * Loading a generated composition (a TypeScript file) at run time, through tsx's loader API,
 * so `dbsplit compare` can run compositions without a build step. The module is imported once
 * per run; its `_runtime.ts` comes along.
 */

export type CompositionFn = (db: Record<string, unknown>, params?: Record<string, unknown>) => Promise<Record<string, unknown>[]>;

export interface LoadedComposition {
  readonly fn: CompositionFn;
  /** The services it reads (its `query.services` export), when it says. */
  readonly services?: readonly string[] | undefined;
  /** The parameter names it takes (its `query.params` export), when it says. */
  readonly params?: readonly string[] | undefined;
}

const cache = new Map<string, Promise<Record<string, unknown>>>();

async function importModule(path: string): Promise<Record<string, unknown>> {
  // Plain import() handles .ts where a loader is already registered (vitest, tsx);
  // elsewhere tsImport registers one scoped to this import.
  const { tsImport } = await import('tsx/esm/api');
  return (await tsImport(pathToFileURL(path).href, import.meta.url)) as Record<string, unknown>;
}

export async function loadComposition(path: string, functionName: string): Promise<LoadedComposition> {
  try {
    await access(path);
  } catch {
    throw new UsageError(`composition file not found: ${path}`, 'run dbsplit generate again, or fix candidate.composition (it is relative to the check file)');
  }
  let pending = cache.get(path);
  if (!pending) {
    pending = importModule(path);
    cache.set(path, pending);
  }
  let mod: Record<string, unknown>;
  try {
    mod = await pending;
  } catch (e) {
    cache.delete(path);
    throw new UsageError(`cannot load composition ${path}: ${((e as Error).message ?? String(e)).split('\n')[0]}`, 'fix the TypeScript error in that file');
  }
  const fn = mod[functionName];
  if (typeof fn !== 'function') {
    const exported = Object.keys(mod).filter((k) => typeof mod[k] === 'function');
    throw new UsageError(`composition ${path} exports no function ${functionName}`, exported.length > 0 ? `it exports ${exported.join(', ')}` : 'fix candidate.function in the check');
  }
  const query = mod.query as { services?: unknown; params?: unknown } | undefined;
  const strings = (v: unknown): string[] | undefined => (Array.isArray(v) ? v.filter((s): s is string => typeof s === 'string') : undefined);
  return { fn: fn as CompositionFn, services: strings(query?.services), params: strings(query?.params) };
}
