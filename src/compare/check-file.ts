import { readdir, readFile, stat } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { isNode, LineCounter, parseDocument, type Document } from 'yaml';
import { z } from 'zod';
import { ConfigError, FileError, UsageError } from '../errors.js';
import type { LoadedCheck, ParamsSpec } from './types.js';

/**
 * Check files: YAML, `version: 1`, one or many checks each. Unknown keys are errors, so a typo
 * (`ignroe:`) is caught instead of silently comparing more than meant. Every problem names the
 * file, the line and the key.
 */

const scalar = z.union([z.string(), z.number(), z.boolean(), z.null()]);
const paramValue = z.union([scalar, z.array(scalar)]);
const columnList = z.array(z.string().min(1, 'a column name cannot be empty')).min(1, 'list at least one column');

const candidateSchema = z
  .object({
    service: z.string().min(1).optional(),
    sql: z.string().min(1).optional(),
    composition: z.string().min(1).optional(),
    function: z.string().regex(/^[A-Za-z_$][A-Za-z0-9_$]*$/, 'function must be a TypeScript identifier').optional(),
  })
  .strict()
  .superRefine((c, ctx) => {
    if ((c.sql === undefined) === (c.composition === undefined)) ctx.addIssue({ code: 'custom', message: 'give exactly one of sql or composition' });
    if (c.sql !== undefined && c.service === undefined) ctx.addIssue({ code: 'custom', path: ['service'], message: 'a sql candidate needs the service whose database runs it' });
    if (c.composition !== undefined && c.function === undefined) ctx.addIssue({ code: 'custom', path: ['function'], message: 'a composition candidate needs the exported function to call' });
  });

const checkSchema = z
  .object({
    name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.:/-]*$/, 'names are letters, digits and - _ . : /'),
    legacy: z.object({ sql: z.string().min(1) }).strict(),
    candidate: candidateSchema,
    params: z.union([z.array(z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'parameter names are SQL identifiers'), paramValue)).min(1), z.object({ from: z.string().min(1) }).strict()]).optional(),
    key: columnList.optional(),
    ignore: columnList.optional(),
    tolerance: z
      .object({
        numeric: z.number().nonnegative().optional(),
        timestamp: z.enum(['us', 'ms', 's', 'min']).optional(),
      })
      .strict()
      .optional(),
    ordered: z.union([z.literal('auto'), z.boolean()]).default('auto'),
  })
  .strict();

const fileSchema = z
  .object({
    version: z.literal(1, { message: 'version must be 1 (the only check format this dbsplit reads)' }),
    checks: z.array(checkSchema).min(1, 'list at least one check'),
  })
  .strict();

function lineOfPath(doc: Document, counter: LineCounter, path: readonly PropertyKey[]): number | undefined {
  // The deepest node that exists along the path: a missing key is reported at its parent.
  for (let n = path.length; n >= 0; n--) {
    const node: unknown = doc.getIn(path.slice(0, n) as (string | number)[], true);
    if (isNode(node) && node.range) return counter.linePos(node.range[0]).line;
  }
  return undefined;
}

/**
 * Parse one check file's text. `path` is where it is (compositions resolve against it); `file`
 * is how messages name it (default: the path).
 */
export function parseCheckText(text: string, path: string, file = path): LoadedCheck[] {
  const counter = new LineCounter();
  const doc = parseDocument(text, { prettyErrors: true, lineCounter: counter });
  if (doc.errors.length > 0) {
    const err = doc.errors[0]!;
    const line = err.linePos?.[0]?.line;
    throw new ConfigError('E_CONFIG_INVALID', `${file}${line ? `:${line}` : ''}: invalid YAML: ${err.message.split('\n')[0]}`, 'fix the YAML syntax at that line');
  }
  const raw: unknown = doc.toJS();
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new ConfigError('E_CONFIG_INVALID', `${file}: expected a mapping with version: 1 and checks`, 'see dbsplit compare --help for the check file format');
  }
  const parsed = fileSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const line = lineOfPath(doc, counter, issue.path);
    const key = issue.path.map(String).join('.') || '(top level)';
    const more = parsed.error.issues.length > 1 ? ` (and ${parsed.error.issues.length - 1} more)` : '';
    throw new ConfigError('E_CONFIG_INVALID', `${file}${line ? `:${line}` : ''}: ${key}: ${issue.message}${more}`, 'see dbsplit compare --help for the check file format');
  }
  return parsed.data.checks.map((c, i): LoadedCheck => {
    const params: ParamsSpec = c.params === undefined ? { kind: 'none' } : Array.isArray(c.params) ? { kind: 'fixed', sets: c.params } : { kind: 'sampled', sql: c.params.from };
    const candidate =
      c.candidate.sql !== undefined
        ? { kind: 'sql' as const, service: c.candidate.service!, sql: c.candidate.sql }
        : { kind: 'composition' as const, path: resolve(dirname(path), c.candidate.composition!), functionName: c.candidate.function! };
    if (c.key && c.ignore) {
      const both = c.key.filter((k) => c.ignore!.includes(k));
      if (both.length > 0) throw new ConfigError('E_CONFIG_INVALID', `${file}:${lineOfPath(doc, counter, ['checks', i, 'ignore']) ?? 1}: checks.${i}.ignore: ${both.join(', ')} is also in key`, 'a key column cannot be ignored');
    }
    return {
      name: c.name,
      file,
      line: lineOfPath(doc, counter, ['checks', i]) ?? 1,
      legacySql: c.legacy.sql,
      candidate,
      params,
      key: c.key,
      ignore: c.ignore,
      tolerance: c.tolerance,
      ordered: c.ordered,
    };
  });
}

async function yamlFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  const entries = await readdir(dir, { withFileTypes: true });
  for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const path = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await yamlFiles(path)));
    else if (e.isFile() && /\.ya?ml$/i.test(e.name)) out.push(path);
  }
  return out;
}

/** Every check under `dir` (recursively, `*.yaml` and `*.yml`), validated; names unique across the directory. */
export async function loadChecks(dir: string): Promise<LoadedCheck[]> {
  let isDir = false;
  try {
    isDir = (await stat(dir)).isDirectory();
  } catch {
    throw new FileError('E_FILE_NOT_FOUND', dir, `checks directory not found: ${dir}`, 'run dbsplit generate (it writes dbsplit-generated/checks), or pass --checks DIR');
  }
  if (!isDir) throw new UsageError(`--checks must be a directory: ${dir}`, 'pass the directory that holds the check files');
  const files = await yamlFiles(dir);
  if (files.length === 0) throw new UsageError(`no check files (*.yaml) in ${dir}`, 'run dbsplit generate, or write a check file (see dbsplit compare --help)');
  const checks: LoadedCheck[] = [];
  const seen = new Map<string, LoadedCheck>();
  for (const path of files) {
    const shown = relative(process.cwd(), path) || path;
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (e) {
      throw new FileError('E_FILE_UNREADABLE', path, `cannot read check file ${shown}: ${(e as Error).message}`);
    }
    for (const c of parseCheckText(text, path, shown)) {
      const prev = seen.get(c.name);
      if (prev) throw new ConfigError('E_CONFIG_INVALID', `${c.file}:${c.line}: check name "${c.name}" is already used at ${prev.file}:${prev.line}`, 'check names must be unique across the directory');
      seen.set(c.name, c);
      checks.push(c);
    }
  }
  return checks;
}
