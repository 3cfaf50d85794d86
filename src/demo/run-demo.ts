import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Suggestion } from '../analyzers/suggest/suggest.js';
import type { Catalog } from '../model/catalog.js';
import { connect } from '../db/connect.js';
import { DbsplitError } from '../errors.js';
import { startEmbeddedPostgres, type EmbeddedServer } from '../db/embedded.js';
import { registerSecret } from '../redact.js';
import { DEMO_PASSWORD_VAR, DEMO_URL_VAR, demoPlanYaml } from './demo-plan.js';
import type { CompareResult } from '../compare/types.js';
import type { DiffAllResult, FixDemoResult } from './diff-demo.js';
import type { DemoRunners } from './runners.js';
import type { ShadowDemoResult, StopDemoResult } from './shadow-demo.js';

/**
 * `dbsplit demo`: the whole story on the sample monolith, on an embedded PostgreSQL. Each step
 * is reported through `onStep` as it starts and ends; the function itself never prints.
 */
export interface DemoOptions {
  readonly scale: number;
  readonly outDir: string;
  readonly keep: boolean;
  /** How long the load generator writes while the services are shadowed (default 5 s). */
  readonly loadMs?: number;
}

export type DemoStep = 'server' | 'schema' | 'seed' | 'workload' | 'suggest' | 'analyze' | 'generate' | 'provision' | 'shadow' | 'diff' | 'fix' | 'compare' | 'stop' | 'reports';

/** The shadow step's outcome, without the runners (stopped by the `stop` step). */
export type DemoShadow = Omit<ShadowDemoResult, 'runners'>;

export interface DemoEvents {
  stepStarted?(step: DemoStep, detail: string): void;
  stepFinished?(step: DemoStep, detail: string, ms: number): void;
  /** After the shadow step: every service caught up, its status as `dbsplit shadow status` read it. */
  shadowCaughtUp?(shadow: DemoShadow): void;
}

export interface DemoResult {
  readonly outDir: string;
  readonly files: readonly string[];
  readonly catalog: Catalog;
  readonly suggestion: Suggestion;
  readonly shadow: DemoShadow;
  readonly diff: DiffAllResult;
  readonly fix: FixDemoResult;
  readonly compare: CompareResult;
  readonly stopped: StopDemoResult;
  /** With `keep`: the still-running server's monolith URL, and how to stop it. */
  readonly monolithUrl?: string;
  readonly stop?: () => Promise<void>;
  readonly steps: readonly { step: DemoStep; ms: number; detail: string }[];
}

export async function runDemo(options: DemoOptions, events: DemoEvents = {}): Promise<DemoResult> {
  const steps: { step: DemoStep; ms: number; detail: string }[] = [];
  const step = async <T>(name: DemoStep, detail: string, fn: () => Promise<T>, done: (v: T) => string): Promise<T> => {
    events.stepStarted?.(name, detail);
    const t0 = performance.now();
    const value = await fn();
    const ms = performance.now() - t0;
    const doneDetail = done(value);
    steps.push({ step: name, ms, detail: doneDetail });
    events.stepFinished?.(name, doneDetail, ms);
    return value;
  };

  const fixtures = await import('../../fixtures/monolith-schema/seed.js');
  const { runWorkload } = await import('../../fixtures/monolith-schema/run-workload.js');
  const outDir = resolve(options.outDir);
  await mkdir(outDir, { recursive: true });

  let server: EmbeddedServer | undefined;
  let runners: DemoRunners | undefined;
  try {
    server = await step('server', 'starting an embedded PostgreSQL', () => startEmbeddedPostgres(), (s) => `PostgreSQL on port ${s.port}, data in ${s.dir}`);
    const srv = server;
    registerSecret(srv.password);
    const admin = await connect(srv.url('postgres'));
    await admin.query('CREATE DATABASE monolith');
    await admin.end();
    const monolithUrl = srv.url('monolith');
    const client = await connect(monolithUrl);
    try {
      await step('schema', 'loading the sample monolith schema', () => fixtures.loadMonolithSchema(client), () => 'schema loaded');
      await step('seed', `seeding data at scale ${options.scale}`, () => fixtures.seedMonolith(client, { scale: options.scale }), (r) => `${Object.values(r.tables).reduce((a, b) => a + b, 0).toLocaleString('en-US')} rows in ${Object.keys(r.tables).length} tables`);
      await client.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
      await client.query('SELECT pg_stat_statements_reset()');
      await step('workload', 'running the sample workload', () => runWorkload(client, {}), (r) => `${r.statements} statements, ${r.executions.toLocaleString('en-US')} executions`);
    } finally {
      await client.end();
    }
    process.env[DEMO_URL_VAR] = monolithUrl;
    process.env[DEMO_PASSWORD_VAR] = srv.password;

    const { loadInputs } = await import('../analyzers/inputs.js');
    const { suggestBoundaries } = await import('../analyzers/suggest/suggest.js');
    const planPath = join(outDir, 'dbsplit.yaml');
    const suggestion = await step(
      'suggest',
      'suggesting service boundaries from foreign keys, joins, writes and names (dbsplit plan --auto)',
      async () => {
        const inputs = await loadInputs({ url: monolithUrl, workload: ['pg_stat_statements'] });
        const s = suggestBoundaries(inputs.schema, inputs.workload);
        await writeFile(planPath, demoPlanYaml(s, srv));
        return s;
      },
      (s) => `${s.services.length} services (${s.services.map((x) => x.name).join(', ')}), ${s.shared.length} shared tables; plan written to ${planPath}`,
    );

    const { runAnalyze } = await import('../analyzers/analyze.js');
    const catalog = await step('analyze', 'analyzing what crosses the suggested boundaries (dbsplit analyze --plan)', () => runAnalyze({ planFile: planPath }), (c) => `${c.crossBoundary?.foreignKeys.length ?? 0} cross-boundary foreign keys, ${c.crossBoundary?.joins.length ?? 0} joins, ${c.crossBoundary?.multiServiceWrites.length ?? 0} multi-service writes`);

    const generatedDir = join(outDir, 'generated');
    const { runGenerate } = await import('../generate/generate.js');
    await step('generate', 'generating per-service schemas, migrations, references and compositions (dbsplit generate)', () => runGenerate({ planFile: planPath, outDir: generatedDir, force: true }), (g) => `${g.files.length} files in ${g.outDir}`);

    const { provisionService } = await import('../provision/index.js');
    await step(
      'provision',
      'provisioning a database per service (dbsplit provision)',
      async () => {
        for (const s of suggestion.services) await provisionService({ service: s.name, planFile: planPath, outDir: generatedDir, dryRun: false });
        return suggestion.services.length;
      },
      (n) => `${n} service databases created and migrated; phases recorded in _dbsplit`,
    );

    const { runShadowDemo, stopShadowDemo } = await import('./shadow-demo.js');
    const services = suggestion.services.map((s) => s.name);
    const { runners: started, ...shadow } = await step(
      'shadow',
      'shadowing every service (dbsplit shadow start, then a runner each: dbsplit shadow run) while a load writes to the monolith',
      () =>
        runShadowDemo({
          planPath,
          monolithUrl,
          services,
          tables: [...suggestion.services.flatMap((s) => s.tables), ...suggestion.shared.map((t) => t.table)],
          load: { durationMs: options.loadMs ?? 5000 },
        }),
      (r) => {
        const applied = r.services.reduce((n, s) => n + s.appliedChanges, 0);
        const lag = Math.max(...r.services.map((s) => s.lagSeconds ?? Number.NaN));
        return `${r.services.length} services shadowed; load: ${r.load.transactions.toLocaleString('en-US')} transactions in ${(r.load.ms / 1000).toFixed(1)} s; ${applied.toLocaleString('en-US')} changes applied; caught up ${(r.catchUpMs / 1000).toFixed(1)} s after the load stopped, lag ${Number.isNaN(lag) ? 'unknown' : `${lag.toFixed(1)} s`}`;
      },
    );
    runners = started;
    events.shadowCaughtUp?.(shadow);

    const { corruptRow, diffAll, findAndFix, pickCorruption } = await import('./diff-demo.js');
    const diff = await step(
      'diff',
      'diffing every service against the monolith while sync runs (dbsplit diff)',
      () => diffAll(planPath, services),
      (d) => `${d.services.length} services, ${d.tables} tables, ${d.rowsCompared.toLocaleString('en-US')} rows compared: ${d.clean ? 'clean, 0 differences' : `${d.differences} difference(s)`}`,
    );
    if (!diff.clean) throw new DbsplitError('E_SYNC', `the demo's diff after shadow sync found ${diff.differences} difference(s) (a bug: please report it)`, { hint: `run dbsplit demo --keep, then dbsplit diff <service> --plan ${planPath} shows them` });

    const choice = pickCorruption(new Map(suggestion.services.map((s) => [s.name, s.tables])));
    const fix = await step(
      'fix',
      `corrupting one row of ${choice.table} in the ${choice.service} service's database, then dbsplit diff ${choice.service}, --fix, and diff again`,
      async () => findAndFix(planPath, await corruptRow(planPath, choice)),
      (f) => {
        const found = f.found.result.totals;
        const c = f.corruption;
        return `found ${found.changed} changed row (${c.table} ${c.keyColumn}=${c.key}, ${c.column}); fixed (${f.fixed.fix?.plan.rows.update ?? 0} row updated); diff again: ${f.after.result.clean ? 'clean' : 'still different'}`;
      },
    );
    if (!fix.after.result.clean) throw new DbsplitError('E_SYNC', `the demo's diff after --fix still finds differences in ${fix.corruption.service} (a bug: please report it)`, { hint: `run dbsplit demo --keep, then dbsplit diff ${fix.corruption.service} --plan ${planPath} shows them` });

    const { runCompare } = await import('../compare/index.js');
    const checksDir = join(generatedDir, 'checks');
    const compare = await step(
      'compare',
      'shadow reads: each generated composition, on the service databases, against its original query on the monolith (dbsplit compare)',
      () => runCompare({ planPath, checksDir }),
      (r) => `${r.totals.passed} of ${r.totals.checks} checks passed${r.totals.mismatched + r.totals.errors > 0 ? `, ${r.totals.mismatched} mismatched, ${r.totals.errors} errors` : ''}; checks in ${checksDir}`,
    );
    if (compare.totals.passed !== compare.totals.checks) {
      const bad = compare.checks.filter((c) => c.status !== 'pass');
      const first = bad[0]!;
      const why = first.error ?? `${first.missing} missing, ${first.extra} extra, ${first.changed} changed, ${first.outOfOrder} out of order rows${first.orderNote ? ` (${first.orderNote})` : ''}`;
      throw new DbsplitError('E_SYNC', `${bad.length} of the demo's shadow read checks did not pass, e.g. ${first.name}: ${why} (a bug: please report it)`, { hint: `run dbsplit demo --keep, then dbsplit compare --checks ${checksDir} --plan ${planPath}` });
    }

    const stopped = await step(
      'stop',
      'stopping the runners (dbsplit shadow stop: the slots stay, dbsplit shadow run resumes)',
      () => stopShadowDemo(planPath, started),
      (r) => `${r.stopped.length} runners stopped, ${r.appliedChanges.toLocaleString('en-US')} changes applied in all`,
    );
    runners = undefined;

    const files = await step('reports', `writing reports to ${outDir}`, async () => {
      const { renderCatalogJson } = await import('../report/catalog/json.js');
      const { renderCatalogMarkdown } = await import('../report/catalog/markdown.js');
      const { renderCatalogMermaid } = await import('../report/catalog/mermaid.js');
      const { demoDiffJunit, demoDiffMarkdown } = await import('./diff-reports.js');
      const { renderCompareJunit } = await import('../report/compare/junit.js');
      const { renderCompareMarkdown } = await import('../report/compare/markdown.js');
      const written = [planPath, join(generatedDir, 'plan.md')];
      for (const [name, text] of [
        ['catalog.json', renderCatalogJson(catalog)],
        ['catalog.md', renderCatalogMarkdown(catalog, 0)],
        ['catalog.mmd', renderCatalogMermaid(catalog)],
        ['diff.md', demoDiffMarkdown(diff, fix)],
        ['diff.junit.xml', demoDiffJunit(diff)],
        ['compare.md', renderCompareMarkdown(compare)],
        ['compare.junit.xml', renderCompareJunit(compare)],
      ] as const) {
        const path = join(outDir, name);
        await writeFile(path, text);
        written.push(path);
      }
      return written;
    }, (f) => `${f.length} files`);

    return { outDir, files, catalog, suggestion, shadow, diff, fix, compare, stopped, steps, ...(options.keep ? { monolithUrl, stop: () => srv.stop() } : {}) };
  } finally {
    // Whatever failed, no runner keeps streaming (nor holds the server up).
    await runners?.abort();
    if (server && !options.keep) await server.stop();
  }
}
