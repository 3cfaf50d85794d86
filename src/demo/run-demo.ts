import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Catalog } from '../model/catalog.js';
import { connect } from '../db/connect.js';
import { startEmbeddedPostgres, type EmbeddedServer } from '../db/embedded.js';
import { demoPlanYaml, type Domains } from './demo-plan.js';

/**
 * `dbsplit demo`: the whole story on the sample monolith, on an embedded PostgreSQL. Each step
 * is reported through `onStep` as it starts and ends; the function itself never prints.
 */
export interface DemoOptions {
  readonly scale: number;
  readonly outDir: string;
  readonly keep: boolean;
}

export type DemoStep = 'server' | 'schema' | 'seed' | 'workload' | 'analyze' | 'reports';

export interface DemoEvents {
  stepStarted?(step: DemoStep, detail: string): void;
  stepFinished?(step: DemoStep, detail: string, ms: number): void;
}

export interface DemoResult {
  readonly outDir: string;
  readonly files: readonly string[];
  readonly catalog: Catalog;
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
    const admin = await connect(srv.url('postgres'));
    await admin.query('CREATE DATABASE monolith');
    await admin.end();
    const monolithUrl = srv.url('monolith');
    const client = await connect(monolithUrl);
    try {
      await step('schema', 'loading the sample monolith schema', () => fixtures.loadMonolithSchema(client), () => 'schema loaded');
      const seeded = await step('seed', `seeding data at scale ${options.scale}`, () => fixtures.seedMonolith(client, { scale: options.scale }), (r) => `${Object.values(r.tables).reduce((a, b) => a + b, 0).toLocaleString('en-US')} rows in ${Object.keys(r.tables).length} tables`);
      void seeded;
      await client.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
      await client.query('SELECT pg_stat_statements_reset()');
      await step('workload', 'running the sample workload', () => runWorkload(client, {}), (r) => `${r.statements} statements, ${r.executions.toLocaleString('en-US')} executions`);
    } finally {
      await client.end();
    }

    const domains = JSON.parse(await readFile(fixtures.DOMAINS_JSON, 'utf8')) as Domains;
    const planPath = join(outDir, 'dbsplit.yaml');
    await writeFile(planPath, demoPlanYaml(domains));
    process.env.DBSPLIT_DEMO_URL = monolithUrl;

    const { runAnalyze } = await import('../analyzers/analyze.js');
    const catalog = await step('analyze', 'analyzing the live monolith and its pg_stat_statements', () => runAnalyze({ planFile: planPath }), (c) => `${c.tables.length} tables, ${c.queries.length} statements, ${c.crossBoundary?.foreignKeys.length ?? 0} cross-boundary foreign keys`);

    const files = await step('reports', `writing reports to ${outDir}`, async () => {
      const { renderCatalogJson } = await import('../report/catalog/json.js');
      const { renderCatalogMarkdown } = await import('../report/catalog/markdown.js');
      const { renderCatalogMermaid } = await import('../report/catalog/mermaid.js');
      const written = [planPath];
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

    return { outDir, files, catalog, steps, ...(options.keep ? { monolithUrl, stop: () => srv.stop() } : {}) };
  } finally {
    if (server && !options.keep) await server.stop();
  }
}
