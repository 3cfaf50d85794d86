import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Suggestion } from '../analyzers/suggest/suggest.js';
import type { Catalog } from '../model/catalog.js';
import { connect } from '../db/connect.js';
import { startEmbeddedPostgres, type EmbeddedServer } from '../db/embedded.js';
import { registerSecret } from '../redact.js';
import { DEMO_PASSWORD_VAR, DEMO_URL_VAR, demoPlanYaml } from './demo-plan.js';

/**
 * `dbsplit demo`: the whole story on the sample monolith, on an embedded PostgreSQL. Each step
 * is reported through `onStep` as it starts and ends; the function itself never prints.
 */
export interface DemoOptions {
  readonly scale: number;
  readonly outDir: string;
  readonly keep: boolean;
}

export type DemoStep = 'server' | 'schema' | 'seed' | 'workload' | 'suggest' | 'analyze' | 'generate' | 'provision' | 'reports';

export interface DemoEvents {
  stepStarted?(step: DemoStep, detail: string): void;
  stepFinished?(step: DemoStep, detail: string, ms: number): void;
}

export interface DemoResult {
  readonly outDir: string;
  readonly files: readonly string[];
  readonly catalog: Catalog;
  readonly suggestion: Suggestion;
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

    const files = await step('reports', `writing reports to ${outDir}`, async () => {
      const { renderCatalogJson } = await import('../report/catalog/json.js');
      const { renderCatalogMarkdown } = await import('../report/catalog/markdown.js');
      const { renderCatalogMermaid } = await import('../report/catalog/mermaid.js');
      const written = [planPath, join(generatedDir, 'plan.md')];
      for (const [name, text] of [
        ['catalog.json', renderCatalogJson(catalog)],
        ['catalog.md', renderCatalogMarkdown(catalog, 0)],
        ['catalog.mmd', renderCatalogMermaid(catalog)],
      ] as const) {
        const path = join(outDir, name);
        await writeFile(path, text);
        written.push(path);
      }
      return written;
    }, (f) => `${f.length} files`);

    return { outDir, files, catalog, suggestion, steps, ...(options.keep ? { monolithUrl, stop: () => srv.stop() } : {}) };
  } finally {
    if (server && !options.keep) await server.stop();
  }
}
