import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../src/db/embedded.js';
import { runCli } from '../helpers/cli.js';
import { createTestDatabase, databaseUrl, type TestDatabase } from '../helpers/pg.js';

const dir = mkdtempSync(join(tmpdir(), 'dbsplit-cli-'));
const ddl = join(dir, 'schema.sql');
writeFileSync(
  ddl,
  `CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL UNIQUE);
CREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint NOT NULL REFERENCES users(id), total numeric(12,2));
CREATE TABLE order_items (id bigint PRIMARY KEY, order_id bigint NOT NULL REFERENCES orders(id) ON DELETE CASCADE, product_id bigint NOT NULL);
CREATE TABLE products (id bigint PRIMARY KEY, name text NOT NULL);
CREATE TABLE page_views (user_id bigint, url text);
`,
);
const workload = join(dir, 'workload.sql');
writeFileSync(
  workload,
  `-- calls: 500
SELECT o.id, u.email FROM orders o JOIN users u ON u.id = o.user_id WHERE o.id = 1;
-- calls: 20
SELECT p.name FROM order_items oi JOIN products p ON p.id = oi.product_id WHERE oi.order_id = 7;
SELECT FROM WHERE broken;
`,
);
const plan = join(dir, 'dbsplit.yaml');
writeFileSync(plan, `version: 1\nservices:\n  identity:\n    tables: [users, page_views]\n  ordering:\n    tables: [orders, order_items]\n  catalog:\n    tables: [products]\n`);

describe('dbsplit CLI', () => {
  it('prints help and exits 0', async () => {
    const r = await runCli(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('analyze');
    expect(r.stdout).toContain('demo');
  });

  it('rejects an unknown command with exit code 2', async () => {
    const r = await runCli(['analyse']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown command/);
  });

  it('analyzes DDL and a workload file as the JSON contract', async () => {
    const r = await runCli(['analyze', '--ddl', ddl, '--workload', workload, '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.version).toBe(1);
    expect(doc.tables.map((t: { name: string }) => t.name).sort()).toEqual(['order_items', 'orders', 'page_views', 'products', 'users']);
    const inferred = doc.foreignKeys.filter((f: { inferred: boolean }) => f.inferred).map((f: { from: { table: string } }) => f.from.table).sort();
    expect(inferred).toEqual(['order_items', 'page_views']);
    expect(doc.queries.filter((q: { parsed: boolean }) => !q.parsed)).toHaveLength(1);
    expect(doc.unparsed).toBe(1);
    const join1 = doc.joins.find((j: { left: { table: string } }) => j.left.table === 'orders');
    expect(join1).toMatchObject({ left: { schema: 'public', table: 'orders', column: 'user_id' }, right: { table: 'users', column: 'id' }, calls: 500 });
    expect(doc.tablesWithoutPrimaryKey).toEqual(['public.page_views']);
    expect(doc.crossBoundary).toBeNull();
  });

  it('prints the cross-boundary catalog with --plan, in every format', async () => {
    const table = await runCli(['analyze', '--ddl', ddl, '--workload', workload, '--plan', plan]);
    expect(table.code).toBe(0);
    expect(table.stdout).toContain('Cross-boundary foreign keys');
    expect(table.stdout).toMatch(/ordering\s+identity\s+orders\(user_id\) → users\(id\)/);
    expect(table.stdout).not.toMatch(/\u001b\[/);
    const json = JSON.parse((await runCli(['analyze', '--ddl', ddl, '--workload', workload, '--plan', plan, '--format', 'json'])).stdout);
    expect(json.crossBoundary.joins.map((j: { leftService: string; rightService: string }) => `${j.leftService}/${j.rightService}`).sort()).toEqual(['ordering/catalog', 'ordering/identity']);
    const md = await runCli(['analyze', '--ddl', ddl, '--plan', plan, '--format', 'markdown']);
    expect(md.stdout).toContain('## Cross-boundary foreign keys');
    const mermaid = await runCli(['analyze', '--ddl', ddl, '--plan', plan, '--format', 'mermaid']);
    expect(mermaid.stdout.startsWith('flowchart LR')).toBe(true);
    expect(mermaid.stdout).toContain('subgraph');
    const dot = await runCli(['analyze', '--ddl', ddl, '--plan', plan, '--format', 'dot']);
    expect(dot.stdout).toMatch(/^digraph dbsplit \{/);
    expect(dot.stdout).toContain('color=red');
  });

  it.each([
    [['analyze'], /no schema to analyze/],
    [['analyze', '--ddl', '/nonexistent/schema.sql'], /no such file.*\/nonexistent\/schema\.sql/],
    [['analyze', '--ddl', ddl, '--format', 'yaml'], /unknown format "yaml"/],
    [['analyze', '--ddl', ddl, '--plan', '/nonexistent/dbsplit.yaml'], /plan file not found/],
    [['analyze', '--url', 'mysql://x@y/z'], /scheme must be postgres/],
  ])('fails cleanly: %j', async (args, message) => {
    const r = await runCli(args);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('names the file and line of a DDL syntax error', async () => {
    const bad = join(dir, 'bad.sql');
    writeFileSync(bad, 'CREATE TABLE a (id int);\n\nCREATE TABLE b (id int,, x text);\n');
    const r = await runCli(['analyze', '--ddl', bad]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${bad}:3`);
    expect(r.stderr).toContain('CREATE TABLE b');
  });

  it('names an unknown table in the plan', async () => {
    const badPlan = join(dir, 'bad-plan.yaml');
    writeFileSync(badPlan, 'version: 1\nservices:\n  a:\n    tables: [userz]\n');
    const r = await runCli(['analyze', '--ddl', ddl, '--plan', badPlan]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/E_UNKNOWN_TABLE.*unknown table "userz".*did you mean public\.users/);
  });

  it('shows --debug stack traces only on request', async () => {
    const r = await runCli(['analyze', '--ddl', '/nonexistent.sql', '--debug']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/\n\s+at /);
  });
});

describe('dbsplit analyze --url', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase('cli');
    await db.exec(`CREATE TABLE users (id bigint PRIMARY KEY); CREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint REFERENCES users(id));
      INSERT INTO users SELECT g FROM generate_series(1, 1000) g; ANALYZE users;`);
  });
  afterAll(async () => db?.drop());

  it('introspects a live database with row estimates', async () => {
    const r = await runCli(['analyze', '--url', db.url, '--json']);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.tables.find((t: { name: string }) => t.name === 'users').rowEstimate).toBe(1000);
    expect(doc.foreignKeys).toHaveLength(1);
    expect(r.stdout).not.toContain(new URL(db.url).password);
  });

  it('masks the password when the connection is rejected', async () => {
    const u = new URL(databaseUrl(db.name));
    u.password = 'wrong-Secret-42';
    const r = await runCli(['analyze', '--url', u.toString()]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/could not connect to postgres:\/\/postgres:\*\*\*@.*password authentication failed/);
    expect(r.stderr).not.toContain('wrong-Secret-42');
  });

  it('says when the server refuses the connection', async () => {
    const port = await freePort();
    const r = await runCli(['analyze', '--url', `postgres://me:TopSecret99@127.0.0.1:${port}/x`]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/connection refused.*is PostgreSQL running/);
    expect(r.stderr).not.toContain('TopSecret99');
  });
});
