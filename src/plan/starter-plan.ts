import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { stringify } from 'yaml';
import { FileError, isDbsplitError, UsageError } from '../errors.js';

/**
 * The commented starter `dbsplit.yaml` that `dbsplit init` writes (and `plan --auto --write`
 * starts from when there is no plan yet). It is valid as written, with `services: {}`; the
 * services are filled in afterwards through the yaml Document API (write-plan.ts), so the
 * comments stay. No password is ever written: a URL's password becomes ${MONOLITH_PASSWORD}.
 */
export interface StarterOptions {
  /** The monolith's URL as the user gave it (it may hold a password, which is not written). */
  readonly url?: string | undefined;
  readonly ddl?: readonly string[] | undefined;
  readonly workload?: readonly string[] | undefined;
  readonly searchPath?: readonly string[] | undefined;
  /** True when the services will be filled from a suggestion (changes the comment above them). */
  readonly suggested?: boolean;
}

export interface StarterPlan {
  readonly text: string;
  /** Environment variables the file refers to, which the user must export. */
  readonly env: readonly string[];
}

export const URL_VAR = 'MONOLITH_URL';
export const PASSWORD_VAR = 'MONOLITH_PASSWORD';

/**
 * The URL to write for the monolith: `${MONOLITH_URL}` when none was given, else the URL with
 * its password (in the user part or a `password=` parameter) replaced by `${MONOLITH_PASSWORD}`.
 */
export function urlForPlan(url: string | undefined): { url: string; env: string[] } {
  if (url === undefined || url === '') return { url: `\${${URL_VAR}}`, env: [URL_VAR] };
  if (url.includes('${')) return { url, env: [] };
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    // Not a URL we can take apart safely: refer to it through the environment instead.
    return { url: `\${${URL_VAR}}`, env: [URL_VAR] };
  }
  const placeholder = `\${${PASSWORD_VAR}}`;
  let hasPassword = u.password !== '';
  const params = [...u.searchParams.entries()].map(([k, v]) => {
    if (k.toLowerCase() !== 'password') return `${encodeURIComponent(k)}=${encodeURIComponent(v)}`;
    hasPassword = true;
    return `${encodeURIComponent(k)}=${placeholder}`;
  });
  if (!hasPassword) return { url, env: [] };
  const auth = u.username !== '' || u.password !== '' ? `${u.username}${u.password !== '' ? `:${placeholder}` : ''}@` : '';
  const query = params.length > 0 ? `?${params.join('&')}` : '';
  return { url: `${u.protocol}//${auth}${u.host}${u.pathname}${query}${u.hash}`, env: [PASSWORD_VAR] };
}

export function starterPlan(options: StarterOptions = {}): StarterPlan {
  const ddl = options.ddl ?? [];
  const hasUrl = options.url !== undefined && options.url !== '';
  const useUrl = hasUrl || ddl.length === 0;
  const monolithUrl = useUrl ? urlForPlan(options.url) : undefined;
  const workload = options.workload && options.workload.length > 0 ? [...options.workload] : useUrl ? ['pg_stat_statements'] : [];
  const searchPath = options.searchPath && options.searchPath.length > 0 ? [...options.searchPath] : ['public'];

  const lines: string[] = [];
  const add = (...l: string[]) => lines.push(...l);
  add(
    '# dbsplit plan: which service owns which table of the monolith, and how the tables move there.',
    '# Check it with `dbsplit analyze --plan dbsplit.yaml`; `dbsplit plan` edits the services',
    '# interactively, `dbsplit plan --auto --write` (re)suggests them.',
    '# ${NAME} is replaced by the environment variable NAME (${NAME:-fallback} gives a default),',
    '# so no password needs to be written in this file.',
    '',
    '# Format of this file; 1 is the only version.',
    'version: 1',
    '',
    '# The shared database being split: a connection URL (read live from pg_catalog) and/or DDL',
    '# files (pg_dump --schema-only output, migration scripts; globs work). DDL wins for the schema.',
    'monolith:',
  );
  if (monolithUrl) add(`  url: ${scalar(monolithUrl.url)}`);
  else add(`  # url: \${${URL_VAR}}`);
  if (ddl.length > 0) add(`  ddl: ${flow(ddl)}`);
  else add('  # ddl: [schema.sql]');
  add(
    '  # Schemas searched, in order, for table names written without a schema.',
    `  searchPath: ${flow(searchPath)}`,
    '',
    '# Where the workload comes from: pg_stat_statements (of the monolith URL), .sql files (a',
    '# `-- calls: N` comment before a statement says how often it runs), or server logs (.log, .csv;',
    '# with statement logging, these also show which tables one transaction writes).',
  );
  if (workload.length === 0) add('# For example: workload: [queries.sql, postgresql.csv]');
  add(
    `workload: ${flow(workload)}`,
    '',
    '# The services, each with the tables it owns: names (orders), schema-qualified names',
    '# (billing.invoices) or globs (order_*). A service name becomes a schema or database name:',
    '# lower-case letters, digits and _. For example:',
    '#',
    '#   orders:',
    '#     description: order taking and fulfilment',
    '#     tables: [orders, order_items, order_*]',
    '#     # Tables that `dbsplit plan --auto` must leave with this service.',
    '#     pin: [orders]',
    "#     # Where the tables move: isolation `database` (a database of the service's own) or",
    '#     # `schema` (a schema in a shared cluster, named after the service unless schema: is set).',
    '#     target:',
    '#       url: ${ORDERS_DATABASE_URL}',
    '#       isolation: database',
    '#',
    options.suggested
      ? '# The services below are a first draft suggested from the schema and workload.'
      : '# `dbsplit plan --auto --write` fills this in from the schema and workload.',
    'services: {}',
    '',
    '# Small reference tables (countries, currencies) that every service gets a copy of.',
    'shared: []',
    '',
    '# Tables deliberately left without an owner for now.',
    'unassigned: []',
    '',
    '# How changes reach the service databases while shadowing: `direct` (logical replication',
    '# applied straight to the target) or `kafka` (Debezium-style change events on topics that',
    '# other services can also build read models from).',
    'transport:',
    '  # For Kafka instead:',
    '  #   kind: kafka',
    '  #   brokers: [localhost:9092]',
    '  #   topicPrefix: dbsplit',
    '  kind: direct',
    '',
    '# Safety limits checked before every cutover phase.',
    'cutover:',
    '  # Largest replication lag (seconds, bytes) at which reads or writes may move.',
    '  maxLagSeconds: 5',
    '  maxLagBytes: 16777216',
    '  # Days the old monolith tables are kept after writes move, before `cutover complete` drops them.',
    '  bakeDays: 7',
    '  # A diff that found no difference must be at most this old.',
    '  requireCleanDiffWithinHours: 24',
  );
  return { text: lines.join('\n') + '\n', env: monolithUrl?.env ?? [] };
}

function scalar(value: string): string {
  return stringify(value).trimEnd();
}

function flow(items: readonly string[]): string {
  return `[${items.map(scalar).join(', ')}]`;
}

export interface InitRequest {
  readonly out: string;
  readonly force?: boolean;
  readonly url?: string | undefined;
  readonly ddl?: readonly string[] | undefined;
  readonly workload?: readonly string[] | undefined;
  readonly searchPath?: readonly string[] | undefined;
  readonly infer?: boolean | undefined;
  readonly services?: string | undefined;
}

export interface InitResult {
  readonly path: string;
  /** Services suggested into the starter (0 when it was written with `services: {}`). */
  readonly services: number;
  readonly tables: number;
  readonly env: readonly string[];
  /** What the suggestion could not do as asked. */
  readonly notes: readonly string[];
}

/**
 * `dbsplit init`: write the starter plan. With a schema source (--url or --ddl) the services are
 * a suggested first draft; the file is refused when it exists, unless `force`.
 */
export async function initPlanFile(req: InitRequest): Promise<InitResult> {
  if (!req.force && existsSync(req.out)) {
    throw new UsageError(`${req.out} already exists; init does not overwrite it`, 'pass --force to replace it, --out to write elsewhere, or dbsplit plan --auto --write to update its services');
  }
  const starter = starterPlan({ url: req.url, ddl: req.ddl, workload: req.workload, searchPath: req.searchPath, suggested: Boolean(req.url || (req.ddl && req.ddl.length > 0)) });
  let text = starter.text;
  let services = 0;
  let tables = 0;
  let notes: readonly string[] = [];
  if (req.url || (req.ddl && req.ddl.length > 0)) {
    // The loaders and the clustering are heavy; a plain `init` does not need them.
    const { loadPlanningInputs, suggestFor, planUpdate } = await import('./plan-inputs.js');
    const { suggestionToPlan } = await import('../analyzers/suggest/suggest.js');
    const { applyPlanToText } = await import('./write-plan.js');
    const base = { url: req.url, ddl: req.ddl, searchPath: req.searchPath, infer: req.infer, services: req.services };
    const wantsPgss = req.url && !(req.workload && req.workload.length > 0);
    const found: string[] = [];
    let inputs;
    try {
      inputs = await loadPlanningInputs({ ...base, workload: wantsPgss ? ['pg_stat_statements'] : (req.workload ?? []) });
    } catch (e) {
      // A server without pg_stat_statements still gets a first draft, from its schema alone.
      if (!wantsPgss || !isDbsplitError(e) || (e.code !== 'E_PRECONDITION' && e.code !== 'E_PERMISSION')) throw e;
      found.push(`the first draft uses the schema only: ${e.oneLine()}`);
      inputs = await loadPlanningInputs({ ...base, workload: [] });
    }
    const suggestion = suggestFor(inputs);
    text = applyPlanToText(text, planUpdate(inputs, req.out, suggestionToPlan(suggestion), inputs.allPins), req.out);
    services = suggestion.services.length;
    tables = inputs.allTables.length;
    notes = [...found, ...(suggestion.notes ?? [])];
  }
  try {
    await writeFile(req.out, text, { encoding: 'utf8', flag: req.force ? 'w' : 'wx' });
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === 'EEXIST') throw new UsageError(`${req.out} already exists; init does not overwrite it`, 'pass --force to replace it');
    throw new FileError('E_OUTPUT_DIR', req.out, `cannot write ${req.out}: ${(e as Error).message}`, 'check that the directory exists and is writable');
  }
  return { path: req.out, services, tables, env: starter.env, notes };
}
