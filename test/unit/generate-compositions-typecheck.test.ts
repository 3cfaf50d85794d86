import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import ts from 'typescript';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildCatalog } from '../../src/analyzers/catalog.js';
import { loadSchema } from '../../src/analyzers/inputs.js';
import { ready } from '../../src/analyzers/sql-parser.js';
import { loadWorkload } from '../../src/analyzers/workload/load-workload.js';
import { analyzeStatement, createResolver } from '../../src/analyzers/workload/query-shape.js';
import { generateCompositions } from '../../src/generate/compositions/index.js';
import type { GeneratedFile } from '../../src/generate/types.js';
import type { Plan } from '../../src/model/plan.js';
import { DOMAINS_JSON, SCHEMA_SQL, WORKLOAD_SQL } from '../../fixtures/monolith-schema/seed.js';

/**
 * Every composition generated for the sample monolith compiles under strict TypeScript (the
 * project's settings and then some: unused locals and parameters, exact optional properties,
 * no property access through index signatures), and a pg Client satisfies the generated
 * Queryable. The files are compiled in memory, under a directory of the repository that is
 * never written, so that `pg` resolves from the repository's node_modules.
 */

const ROOT = resolve(import.meta.dirname, '..', '..');
const VIRTUAL = join(ROOT, 'test', '.virtual-compositions');

const OPTIONS: ts.CompilerOptions = {
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  lib: ['lib.es2023.d.ts'],
  types: ['node'],
  strict: true,
  noUncheckedIndexedAccess: true,
  noImplicitOverride: true,
  noFallthroughCasesInSwitch: true,
  noUnusedLocals: true,
  noUnusedParameters: true,
  noPropertyAccessFromIndexSignature: true,
  exactOptionalPropertyTypes: true,
  esModuleInterop: true,
  skipLibCheck: true,
  noEmit: true,
};

function typeCheck(files: readonly GeneratedFile[]): string[] {
  const virtual = new Map(files.map((f) => [join(VIRTUAL, f.path), f.content]));
  const host = ts.createCompilerHost(OPTIONS);
  const fileExists = host.fileExists.bind(host);
  const readFile = host.readFile.bind(host);
  const getSourceFile = host.getSourceFile.bind(host);
  const directories = new Set([...virtual.keys()].flatMap((f) => f.slice(VIRTUAL.length).split('/').slice(0, -1).map((_, i, parts) => VIRTUAL + parts.slice(0, i + 1).join('/'))));
  const directoryExists = host.directoryExists?.bind(host);
  host.directoryExists = (name) => directories.has(name) || (directoryExists ? directoryExists(name) : true);
  host.fileExists = (name) => virtual.has(name) || fileExists(name);
  host.readFile = (name) => virtual.get(name) ?? readFile(name);
  host.getSourceFile = (name, version, onError, create) => {
    const text = virtual.get(name);
    return text !== undefined ? ts.createSourceFile(name, text, version, true) : getSourceFile(name, version, onError, create);
  };
  const program = ts.createProgram([...virtual.keys()], OPTIONS, host);
  return ts.getPreEmitDiagnostics(program).map((d) => {
    const where = d.file ? `${d.file.fileName.slice(VIRTUAL.length + 1)}:${d.file.getLineAndCharacterOfPosition(d.start ?? 0).line + 1}` : '';
    return `${where} ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
  });
}

describe('generated compositions type-check', () => {
  let files: GeneratedFile[];

  beforeAll(async () => {
    await ready();
    const domains = JSON.parse(await readFile(DOMAINS_JSON, 'utf8')) as { domains: Record<string, string[]>; reference: string[] };
    const schema = await loadSchema({ ddl: [SCHEMA_SQL], searchPath: ['public'], infer: true });
    const sample = await loadWorkload([WORKLOAD_SQL], { schema });
    // Paths the sample does not take: $n parameters (pg_stat_statements text), ordering by the
    // other service in memory with explicit NULLS, OFFSET, a computed output column.
    const resolver = createResolver(schema, ['public']);
    const extra = [
      `SELECT t.id, u.email, lower(t.subject) AS subject FROM support_tickets t JOIN users u ON u.id = t.user_id WHERE t.status = $1 ORDER BY u.email DESC NULLS LAST, t.id LIMIT $2 OFFSET 5`,
      `SELECT p.id, p.amount, o.order_number FROM payments p LEFT JOIN orders o ON o.id = p.order_id WHERE p.amount BETWEEN 10 AND 20.5 AND p.created_at > now() - interval '30 days' ORDER BY o.order_number NULLS FIRST OFFSET 2`,
    ].map((sql) => ({ ...analyzeStatement(sql, undefined, resolver), calls: 5, sources: ['test'] }));
    const workload = { ...sample, queries: [...sample.queries, ...extra] };
    const plan: Plan = { version: 1, services: Object.entries(domains.domains).map(([name, tables]) => ({ name, tables })), shared: domains.reference, unassigned: [] };
    files = generateCompositions({ schema, workload, plan, catalog: buildCatalog(schema, workload, plan), serviceSchemaName: (s) => `svc_${s}` });
  });

  it('every file of the sample compiles under strict settings, and a pg Client is a Queryable', () => {
    expect(files.filter((f) => f.path.endsWith('_runtime.ts')).length).toBeGreaterThanOrEqual(5);
    expect(files.filter((f) => f.content.includes('composed: true')).length).toBeGreaterThanOrEqual(15);
    expect(files.filter((f) => f.content.includes('composed: false')).length).toBeGreaterThanOrEqual(5);
    const withParams = files.find((f) => f.content.includes('readonly param1: unknown;'))!;
    expect(withParams.content).toContain('rows = sortRows(rows, [');
    expect(withParams.content).toContain('rows = rows.slice(p.offset, p.offset + p.param2);');
    expect(withParams.content).toMatch(/params: \w+Params\): Promise/);
    expect(files.some((f) => f.content.includes('{ field: "o_order_number", kind: "text", descending: false, nullsFirst: true }'))).toBe(true);
    const usage: GeneratedFile = {
      path: 'use-with-pg.ts',
      content: [
        "import pg from 'pg';",
        "import type { Queryable } from './orders/compositions/_runtime.js';",
        "import { ordersWithUsersAndAddresses } from './orders/compositions/orders-with-users-and-addresses.js';",
        'export async function run(client: pg.Client, pool: pg.Pool): Promise<string> {',
        '  const q: Queryable = client;',
        '  const rows = await ordersWithUsersAndAddresses({ orders: q, identity: pool }, { id: 7 });',
        '  return rows.map((r) => `${r.order_number} ${r.email} ${r.full_name ?? ""}`).join();',
        '}',
        '',
      ].join('\n'),
    };
    expect(typeCheck([...files, usage])).toEqual([]);
  });

  it('the check fails on a type error (it really compiles the files)', () => {
    const broken: GeneratedFile = { path: 'broken.ts', content: "import type { Queryable } from './orders/compositions/_runtime.js';\nexport const q: Queryable = { query: 3 };\n" };
    expect(typeCheck([...files.filter((f) => f.path === 'orders/compositions/_runtime.ts'), broken]).join('\n')).toMatch(/broken\.ts:2 .*not assignable/);
  });
});
