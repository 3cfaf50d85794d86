import { readFile, realpath, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { isMap, isScalar, parseDocument, Scalar, YAMLMap, type Document, type Pair } from 'yaml';
import { ConfigError, DbsplitError, FileError } from '../errors.js';
import { ownership, type Plan } from '../model/plan.js';
import { tableKey, type SchemaModel } from '../model/schema.js';
import { planFileSchema } from './plan-file.js';
import { resolvePlan } from './resolve-plan.js';

/**
 * Write a plan's services into a plan file, changing only what the plan decides: each
 * service's `tables` and `pin`, `shared` and `unassigned`. Everything else the user wrote
 * (monolith, workload, transport, cutover, targets, descriptions, comments, key order) is
 * edited in place through the yaml Document API, never re-serialized from data.
 */
export interface PlanUpdate {
  readonly plan: Plan;
  /** table key -> service. */
  readonly pins: ReadonlyMap<string, string>;
  /** new service name -> its name in the file, so a renamed service keeps its target and comments. */
  readonly renamed?: ReadonlyMap<string, string>;
  /** What the file resolved to before, so lists that did not change keep their globs. */
  readonly previous?: { readonly plan: Plan; readonly pins: ReadonlyMap<string, string> };
  /** To write `orders` rather than `public.orders` (by the file's own search path), and to check the result resolves as intended. */
  readonly schema: SchemaModel;
}

/** Longest list written inline (`tables: [a, b]`); longer ones are block lists, one table a line. */
const FLOW_LIST_MAX_CHARS = 72;

export function applyPlanToText(text: string, update: PlanUpdate, fileName = 'dbsplit.yaml'): string {
  const first = render(text, update, fileName, true);
  if (resolvesAsIntended(first, update)) return first;
  // A kept glob now catches a table that moved: write every list explicitly instead.
  const explicit = render(text, update, fileName, false);
  if (!resolvesAsIntended(explicit, update)) {
    throw new DbsplitError('E_INTERNAL', `${fileName}: the updated plan does not resolve to the services it was written from`);
  }
  return explicit;
}

/**
 * Update (or create, from `starterText()`) the plan file at `path`. The new text is written to
 * a temporary file and renamed over the old one, so an interrupted write leaves the old plan.
 */
export async function writePlanFile(path: string, update: PlanUpdate, starterText: () => string): Promise<{ created: boolean }> {
  let existing: string | undefined;
  let mode: number | undefined;
  try {
    existing = await readFile(path, 'utf8');
    mode = (await stat(path)).mode & 0o777;
  } catch (e) {
    if ((e as { code?: string }).code !== 'ENOENT') throw new FileError('E_FILE_UNREADABLE', path, `cannot read plan file ${path}: ${(e as Error).message}`);
  }
  const text = applyPlanToText(existing ?? starterText(), update, path);
  // Through a symlink, the file it points to is replaced, not the link.
  const real = existing === undefined ? path : await realpath(path);
  const tmp = join(dirname(real), `.${basename(real)}.${process.pid}.tmp`);
  try {
    // The replacement keeps the old file's permissions (a plan may be private to its owner).
    await writeFile(tmp, text, { encoding: 'utf8', ...(mode !== undefined ? { mode } : {}) });
    await rename(tmp, real);
  } catch (e) {
    await rm(tmp, { force: true });
    throw new FileError('E_OUTPUT_DIR', path, `cannot write plan file ${path}: ${(e as Error).message}`, 'check that the directory exists and is writable');
  }
  return { created: existing === undefined };
}

// ---------------------------------------------------------------------------------------------

function render(text: string, update: PlanUpdate, fileName: string, keepUnchanged: boolean): string {
  const doc = parseDocument(text);
  if (doc.errors.length > 0) {
    throw new ConfigError('E_CONFIG_INVALID', `${fileName}: invalid YAML: ${doc.errors[0]!.message.split('\n')[0]}`, 'fix the YAML syntax first; the plan was not written');
  }
  if (!isMap(doc.contents)) throw new ConfigError('E_CONFIG_INVALID', `${fileName}: expected a mapping with version and services`, 'run dbsplit init for a commented example');
  const short = shortNamer(update.schema, fileSearchPath(doc));
  const list = (tables: readonly string[]) => listNode(doc, tables.map(short));
  const previous = update.previous;
  const renamed = update.renamed ?? new Map<string, string>();

  let services = doc.get('services', true);
  if (!isMap(services)) {
    services = new YAMLMap();
    doc.set('services', services);
  }
  const map = services as YAMLMap;
  map.flow = false;
  const newNames = new Set(update.plan.services.map((s) => s.name));
  const pairOf = (name: string) => map.items.find((p) => keyOf(p) === name);
  const kept = new Set<Pair>();

  for (const service of update.plan.services) {
    let pair = pairOf(service.name);
    let fileKey = service.name;
    const origin = renamed.get(service.name);
    if (!pair && origin !== undefined && !newNames.has(origin)) {
      const old = pairOf(origin);
      if (old && !kept.has(old)) {
        // Rename the key in place: the entry's target, description and comments stay.
        if (isScalar(old.key)) old.key.value = service.name;
        else old.key = new Scalar(service.name);
        pair = old;
        fileKey = origin;
      }
    }
    if (!pair) {
      map.set(service.name, new YAMLMap());
      pair = pairOf(service.name)!;
      fileKey = '';
    }
    kept.add(pair);
    if (!isMap(pair.value)) pair.value = new YAMLMap();
    const entry = pair.value as YAMLMap;

    const before = previous?.plan.services.find((s) => s.name === fileKey);
    if (!(keepUnchanged && before && sameSet(before.tables, service.tables) && entry.has('tables'))) entry.set('tables', list(service.tables));

    const pins = pinsOf(update.pins, service.name);
    const pinsBefore = previous && before ? pinsOf(previous.pins, fileKey) : undefined;
    if (pins.length === 0) entry.delete('pin');
    else if (!(keepUnchanged && pinsBefore && sameSet(pinsBefore, pins) && entry.has('pin'))) entry.set('pin', list(pins));
  }
  map.items = map.items.filter((p) => kept.has(p));

  for (const key of ['shared', 'unassigned'] as const) {
    const tables = update.plan[key];
    const before = previous?.plan[key];
    if (keepUnchanged && before && sameSet(before, tables) && doc.has(key)) continue;
    if (tables.length === 0 && !doc.has(key)) continue;
    doc.set(key, list(tables));
  }
  return doc.toString({ flowCollectionPadding: false });
}

/** Table names in the file are resolved through its own search path, whatever flags this run had. */
function fileSearchPath(doc: Document): string[] {
  const js = doc.toJS() as { monolith?: { searchPath?: unknown } } | null;
  const sp = js?.monolith?.searchPath;
  return Array.isArray(sp) && sp.length > 0 ? sp.map(String) : ['public'];
}

function listNode(doc: Document, items: readonly string[]) {
  const inline = items.join(', ').length <= FLOW_LIST_MAX_CHARS;
  return doc.createNode([...items], { flow: inline });
}

function keyOf(pair: Pair): unknown {
  return isScalar(pair.key) ? pair.key.value : pair.key;
}

function pinsOf(pins: ReadonlyMap<string, string>, service: string): string[] {
  return [...pins].filter(([, s]) => s === service).map(([t]) => t).sort();
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  const set = new Set(a);
  return b.every((x) => set.has(x));
}

/**
 * `public.orders` is written `orders` when the search path finds that very table for the bare
 * name; otherwise the qualified name is kept.
 */
export function shortNamer(schema: SchemaModel, searchPath: readonly string[]): (key: string) => string {
  const keys = new Set(schema.tables.map((t) => tableKey(t)));
  return (key) => {
    const dot = key.indexOf('.');
    if (dot < 0) return key;
    const [s, name] = [key.slice(0, dot), key.slice(dot + 1)];
    for (const candidate of searchPath) {
      if (keys.has(`${candidate}.${name}`)) return candidate === s ? name : key;
    }
    return key;
  };
}

function resolvesAsIntended(text: string, update: PlanUpdate): boolean {
  const parsed = planFileSchema.safeParse(parseDocument(text).toJS());
  if (!parsed.success) return false;
  try {
    const { plan, pins } = resolvePlan(parsed.data, update.schema);
    const want = ownership(update.plan);
    const got = ownership(plan);
    if (want.size !== got.size || [...want].some(([t, s]) => got.get(t) !== s)) return false;
    if (!sameSet(plan.shared, update.plan.shared) || !sameSet(plan.unassigned, update.plan.unassigned)) return false;
    return pins.size === update.pins.size && [...update.pins].every(([t, s]) => pins.get(t) === s);
  } catch {
    return false;
  }
}
