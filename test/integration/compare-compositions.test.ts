import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { parse, stringify } from 'yaml';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCatalog } from '../../src/analyzers/catalog.js';
import { loadSchema } from '../../src/analyzers/inputs.js';
import { ready } from '../../src/analyzers/sql-parser.js';
import { loadWorkload } from '../../src/analyzers/workload/load-workload.js';
import { runCompare } from '../../src/compare/index.js';
import { generateAll } from '../../src/generate/generate.js';
import type { Plan } from '../../src/model/plan.js';
import { DOMAINS_JSON, SCHEMA_SQL, WORKLOAD_SQL, seedMonolith } from '../../fixtures/monolith-schema/seed.js';
import { createTestDatabase, databaseUrl, serverUrl, type TestDatabase } from '../helpers/pg.js';

/**
 * End to end: dbsplit generate's checks for the sample monolith's compositions, run by
 * dbsplit compare against a monolith and one database per service (each holding only its own
 * and the shared tables), pass; corrupting one row in a service database makes its check fail.
 */

async function admin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: serverUrl() });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

describe('generated checks on the sample monolith', () => {
  let template: TestDatabase | undefined;
  const clones: string[] = [];
  const urls = new Map<string, string>();
  let outDir: string;
  let planPath: string;
  let checkNames: string[];

  beforeAll(async () => {
    await ready();
    const domains = JSON.parse(await readFile(DOMAINS_JSON, 'utf8')) as { domains: Record<string, string[]>; reference: string[] };
    const schema = await loadSchema({ ddl: [SCHEMA_SQL], searchPath: ['public'], infer: true });
    const workload = await loadWorkload([WORKLOAD_SQL], { schema });
    const plan: Plan = { version: 1, services: Object.entries(domains.domains).map(([name, tables]) => ({ name, tables, target: { isolation: 'database' } })), shared: domains.reference, unassigned: [] };
    const generated = await generateAll({ schema, workload, plan, catalog: buildCatalog(schema, workload, plan), serviceSchemaName: () => undefined });

    template = await createTestDatabase('cmpc_tpl');
    await template.exec(await readFile(SCHEMA_SQL, 'utf8'));
    const clone = async (name: string): Promise<string> => {
      const db = `${template!.name}_${name}`;
      await admin((c) => c.query(`CREATE DATABASE "${db}" TEMPLATE "${template!.name}"`));
      clones.push(db);
      return databaseUrl(db);
    };
    const monolithUrl = await clone('monolith');
    const monolith = new pg.Client({ connectionString: monolithUrl });
    await monolith.connect();
    try {
      await seedMonolith(monolith, { scale: 0.05, seed: 5 });
      for (const service of plan.services) {
        const url = await clone(service.name);
        urls.set(service.name, url);
        const client = new pg.Client({ connectionString: url });
        await client.connect();
        await client.query(`SET session_replication_role = replica`);
        for (const table of [...service.tables, ...plan.shared]) {
          await pipeline(monolith.query(copyTo(`COPY (SELECT * FROM ${table}) TO STDOUT`)), client.query(copyFrom(`COPY ${table} FROM STDIN`)));
        }
        await client.end();
      }
    } finally {
      await monolith.end();
    }

    outDir = await mkdtemp(join(tmpdir(), 'dbsplit-compare-gen-'));
    for (const f of generated.files) {
      const file = join(outDir, f.path);
      await mkdir(dirname(file), { recursive: true });
      await writeFile(file, f.content);
    }
    checkNames = generated.files.filter((f) => f.path.startsWith('checks/')).map((f) => f.path.slice('checks/'.length, -'.yaml'.length));
    const lines = ['version: 1', 'monolith:', `  url: "${monolithUrl}"`, 'services:'];
    for (const s of plan.services) lines.push(`  ${s.name}:`, `    tables: []`, `    target: { url: "${urls.get(s.name)}", isolation: database }`);
    planPath = join(outDir, 'dbsplit.yaml');
    await writeFile(planPath, lines.join('\n') + '\n');
  });

  afterAll(async () => {
    for (const db of clones) await admin((c) => c.query(`DROP DATABASE IF EXISTS "${db}" WITH (FORCE)`));
    await template?.drop();
    if (outDir) await rm(outDir, { recursive: true, force: true });
  });

  it('generate writes a check per composed composition, and every one passes', async () => {
    expect(checkNames.length).toBeGreaterThanOrEqual(15);
    const text = await readFile(join(outDir, 'checks', `${checkNames[0]}.yaml`), 'utf8');
    expect(text).toMatch(/candidate:\n\s+composition: \.\.\/\.\.\/[a-z_]+\/compositions\/[a-z0-9-]+\.ts\n\s+function: \w+/);
    expect(text).toContain('params: { from: "select');
    const r = await runCompare({ planPath, checksDir: join(outDir, 'checks') });
    const notPassing = r.checks.filter((c) => c.status !== 'pass').map((c) => `${c.name}: ${c.status} ${c.error ?? JSON.stringify(c.samples.slice(0, 2))}`);
    expect(notPassing).toEqual([]);
    expect(r.checks.length).toBe(checkNames.length);
    expect(r.checks.filter((c) => c.legacyRows > 0).length).toBeGreaterThan(checkNames.length / 2);
    expect(r.checks.every((c) => c.candidateTiming.totalMs > 0)).toBe(true);
  });

  it('a parameter name the composition does not take is an error, not a silent empty result', async () => {
    const [service, stem] = checkNames[0]!.split('/') as [string, string];
    const doc = parse(await readFile(join(outDir, 'checks', service, `${stem}.yaml`), 'utf8')) as { checks: Array<Record<string, unknown>> };
    doc.checks[0]!.name = 'renamed-param';
    doc.checks[0]!.params = [{ order_id: 1 }];
    // Same depth as the generated checks, so the composition path stays valid.
    const dir = join(outDir, 'checks-renamed');
    await mkdir(join(dir, service), { recursive: true });
    await writeFile(join(dir, service, 'renamed.yaml'), stringify(doc));
    const r = await runCompare({ planPath, checksDir: dir });
    expect(r.checks[0]!.status).toBe('error');
    expect(r.checks[0]!.error).toMatch(/^parameter order_id is not a parameter of \w+\(\) \(it takes \w+(, \w+)*\): rename it in params$/);
  });

  it('the same check fails after the service database loses rows', async () => {
    const r0 = await runCompare({ planPath, checksDir: join(outDir, 'checks') });
    const name = r0.checks.find((c) => c.legacyRows > 0)!.name;
    // The owner's tables drive the composition: emptying them in its database loses the rows.
    const owner = name.split('/')[0]!;
    const ownerTables = (JSON.parse(await readFile(DOMAINS_JSON, 'utf8')) as { domains: Record<string, string[]> }).domains[owner]!;
    const c = new pg.Client({ connectionString: urls.get(owner)! });
    await c.connect();
    try {
      await c.query(`SET session_replication_role = replica`);
      for (const t of ownerTables) await c.query(`DELETE FROM ${t}`);
    } finally {
      await c.end();
    }
    const r = await runCompare({ planPath, checksDir: join(outDir, 'checks'), only: [name] });
    expect(r.checks[0]!.status).toBe('mismatch');
    expect(r.checks[0]!.missing).toBe(r0.checks.find((x) => x.name === name)!.legacyRows);
    expect(r.checks[0]!.samples[0]!.kind).toBe('missing');
  });
});
