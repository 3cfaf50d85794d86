import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { createTestDatabase, type TestDatabase } from '../helpers/pg.js';

const SCHEMA = `CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL UNIQUE);
CREATE TABLE sessions (id bigint PRIMARY KEY, user_id bigint NOT NULL REFERENCES users(id));
CREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint NOT NULL REFERENCES users(id), total numeric(12,2));
CREATE TABLE order_items (id bigint PRIMARY KEY, order_id bigint NOT NULL REFERENCES orders(id) ON DELETE CASCADE, product_id bigint NOT NULL);
CREATE TABLE payments (id bigint PRIMARY KEY, order_id bigint NOT NULL REFERENCES orders(id), amount numeric);
CREATE TABLE products (id bigint PRIMARY KEY, name text NOT NULL);
CREATE TABLE product_prices (id bigint PRIMARY KEY, product_id bigint NOT NULL REFERENCES products(id), price numeric);
CREATE TABLE countries (code text PRIMARY KEY, name text);
`;
const WORKLOAD = `-- calls: 500
SELECT o.id, u.email FROM orders o JOIN users u ON u.id = o.user_id WHERE o.id = 1;
-- calls: 20
SELECT p.name FROM order_items oi JOIN products p ON p.id = oi.product_id WHERE oi.order_id = 7;
-- calls: 300
SELECT p.name, pp.price FROM products p JOIN product_prices pp ON pp.product_id = p.id;
-- calls: 100
SELECT * FROM sessions s JOIN users u ON u.id = s.user_id;
`;

/** A fresh directory with schema.sql and workload.sql, so plan-file discovery sees nothing else. */
function workdir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'dbsplit-plan-cli-'));
  writeFileSync(join(dir, 'schema.sql'), SCHEMA);
  writeFileSync(join(dir, 'workload.sql'), WORKLOAD);
  return dir;
}

type JsonService = { name: string; tables: string[]; pinned: string[]; placements: { table: string; reason: string }[] };
const owner = (doc: { services: JsonService[] }, table: string) => doc.services.find((s) => s.tables.includes(table))?.name;

describe('dbsplit plan --auto', () => {
  it('prints each service with a reason per table and the coupling beside the extremes', async () => {
    const dir = workdir();
    const r = await runCli(['plan', '--auto', '--ddl', 'schema.sql', '--workload', 'workload.sql'], { cwd: dir });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('dbsplit plan --auto');
    // Which services the clustering finds is the engine's business; the report shows each table with a reason.
    for (const t of ['users', 'sessions', 'orders', 'order_items', 'payments', 'products', 'product_prices']) expect(r.stdout).toMatch(new RegExp(`\\n  ${t}(?: \\*)?\\s{2,}\\S`));
    expect(r.stdout).toMatch(/Unassigned \(1\)\n.*\n\s+countries\s+\S/);
    expect(r.stdout).toMatch(/suggested\s+all in one\s+one per table/);
    expect(r.stdout).toMatch(/cross-boundary FKs\s+\d+\s+0\s+6/);
    expect(r.stdout).toContain('--write');
    expect(existsSync(join(dir, 'dbsplit.yaml'))).toBe(false);
  });

  it('gives the versioned JSON contract, and markdown', async () => {
    const dir = workdir();
    const r = await runCli(['plan', '--auto', '--ddl', 'schema.sql', '--workload', 'workload.sql', '--json'], { cwd: dir });
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.version).toBe(1);
    expect(doc.dbsplit).toMatch(/^\d+\.\d+\.\d+/);
    expect(doc.tables).toBe(8);
    const placed = [...doc.services.flatMap((s: JsonService) => s.tables), ...doc.shared.map((x: { table: string }) => x.table), ...doc.unassigned.map((x: { table: string }) => x.table)];
    expect(placed.sort()).toHaveLength(8);
    for (const s of doc.services as JsonService[]) for (const p of s.placements) expect(p.reason).not.toBe('');
    for (const s of doc.services as JsonService[]) expect(s.placements.map((p) => p.table)).toEqual(s.tables);
    expect(doc.coupling.allInOne.foreignKeys).toBe(0);
    expect(doc.coupling.onePerTable.foreignKeys).toBe(6);
    expect(doc.coupling.suggested.foreignKeys).toBeLessThan(6);
    expect(doc.written).toBeNull();
    const md = await runCli(['plan', '--auto', '--ddl', 'schema.sql', '--format', 'markdown'], { cwd: dir });
    expect(md.code).toBe(0);
    expect(md.stdout).toContain('# Suggested service boundaries');
    expect(md.stdout).toContain('## Coupling left across service boundaries');
  });

  it('respects pins from the plan file, and --pin wins over them', async () => {
    const dir = workdir();
    writeFileSync(join(dir, 'dbsplit.yaml'), 'version: 1\nmonolith:\n  ddl: [schema.sql]\nworkload: [workload.sql]\nservices:\n  billing:\n    tables: [payments, countries]\n    pin: [payments, countries]\n');
    const fromFile = JSON.parse((await runCli(['plan', '--auto', '--json'], { cwd: dir })).stdout);
    expect(owner(fromFile, 'public.payments')).toBe('billing');
    expect(owner(fromFile, 'public.countries')).toBe('billing');
    expect(fromFile.services.find((s: JsonService) => s.name === 'billing').pinned).toEqual(['public.countries', 'public.payments']);
    const flagged = JSON.parse((await runCli(['plan', '--auto', '--json', '--pin', 'payments=money', '--pin', 'users=identity'], { cwd: dir })).stdout);
    expect(owner(flagged, 'public.payments')).toBe('money');
    expect(owner(flagged, 'public.users')).toBe('identity');
    expect(owner(flagged, 'public.countries')).toBe('billing');
  });

  it('writes the suggestion as a plan that analyze accepts', async () => {
    const dir = workdir();
    const r = await runCli(['plan', '--auto', '--ddl', 'schema.sql', '--workload', 'workload.sql', '--pin', 'orders=ordering', '--write'], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('wrote dbsplit.yaml');
    const text = readFileSync(join(dir, 'dbsplit.yaml'), 'utf8');
    expect(text).toContain('ddl: [schema.sql]');
    expect(text).toContain('workload: [workload.sql]');
    expect(text).toMatch(/ordering:\n    tables: \[[^\]]*orders[^\]]*\]\n    pin: \[orders\]/);
    const a = await runCli(['analyze', '--plan', 'dbsplit.yaml', '--json'], { cwd: dir });
    expect(a.stderr).toBe('');
    expect(a.code).toBe(0);
    const catalog = JSON.parse(a.stdout);
    expect(catalog.crossBoundary.services.map((s: { name: string }) => s.name)).toContain('ordering');
    expect(catalog.crossBoundary.unowned).toEqual([]);
  });

  it('--write keeps the settings, comments and targets already in the plan file', async () => {
    const dir = workdir();
    writeFileSync(
      join(dir, 'plan.yaml'),
      `# team plan, do not reformat
version: 1
monolith:
  ddl: [schema.sql]
workload: [workload.sql]
services:
  ordering:
    tables: [orders]
    pin: [orders]
    target:
      isolation: schema # one cluster for now
  legacy:
    tables: [users]
transport:
  kind: kafka
  brokers: [kafka:9092]
cutover:
  bakeDays: 30
`,
    );
    const r = await runCli(['plan', '--auto', '--plan', 'plan.yaml', '--write', '--json'], { cwd: dir });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).written).toBe('plan.yaml');
    const text = readFileSync(join(dir, 'plan.yaml'), 'utf8');
    for (const kept of ['# team plan, do not reformat', 'isolation: schema # one cluster for now', 'kind: kafka', 'brokers: [kafka:9092]', 'bakeDays: 30']) expect(text).toContain(kept);
    expect(text).not.toMatch(/^ {2}legacy:/m);
    const a = await runCli(['analyze', '--plan', 'plan.yaml', '--json'], { cwd: dir });
    expect(a.code).toBe(0);
  });

  it.each([
    [['--services', '9'], /--services 9 is more than the 8 tables/],
    [['--services', '0'], /--services must be a whole number of at least 1/],
    [['--pin', 'userz=identity'], /E_UNKNOWN_TABLE.*no table userz.*did you mean public\.users/],
    [['--pin', 'users'], /--pin "users" is not table=service/],
    [['--format', 'dot'], /unknown format "dot"/],
  ])('fails cleanly: %j', async (args, message) => {
    const r = await runCli(['plan', '--auto', '--ddl', 'schema.sql', ...args], { cwd: workdir() });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });
});

describe('dbsplit plan (interactive)', () => {
  it.each([[{}], [{ CI: 'true' }]])('refuses without a terminal (env %j) and points to --auto', async (env) => {
    const dir = workdir();
    const r = await runCli(['plan', '--ddl', 'schema.sql'], { cwd: dir, env });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/E_NO_TTY.*needs a terminal.*dbsplit plan --auto/);
    expect(existsSync(join(dir, 'dbsplit.yaml'))).toBe(false);
  });
});

describe('dbsplit init', () => {
  it('writes a commented starter and refuses to overwrite it without --force', async () => {
    const dir = workdir();
    const r = await runCli(['init'], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('wrote dbsplit.yaml');
    expect(r.stdout).toContain('export MONOLITH_URL=');
    const text = readFileSync(join(dir, 'dbsplit.yaml'), 'utf8');
    expect(text).toContain('services: {}');
    expect(text).toContain('url: ${MONOLITH_URL}');
    writeFileSync(join(dir, 'dbsplit.yaml'), text + '# mine\n');
    const again = await runCli(['init'], { cwd: dir });
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/dbsplit\.yaml already exists.*--force/);
    expect(readFileSync(join(dir, 'dbsplit.yaml'), 'utf8')).toContain('# mine');
    const forced = await runCli(['init', '--force', '--ddl', 'schema.sql'], { cwd: dir });
    expect(forced.code).toBe(0);
    expect(readFileSync(join(dir, 'dbsplit.yaml'), 'utf8')).not.toContain('# mine');
  });

  it('fills the services from a suggestion when given a schema, ready for analyze', async () => {
    const dir = workdir();
    const r = await runCli(['init', '--ddl', 'schema.sql', '--workload', 'workload.sql', '--out', 'first.yaml'], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/wrote first\.yaml with a first draft of \d+ services for 8 tables/);
    const a = await runCli(['analyze', '--plan', 'first.yaml', '--json'], { cwd: dir });
    expect(a.stderr).toBe('');
    expect(a.code).toBe(0);
    expect(JSON.parse(a.stdout).crossBoundary.services.length).toBeGreaterThan(1);
  });

  describe('with --url', () => {
    let db: TestDatabase;
    beforeAll(async () => {
      db = await createTestDatabase('plancli');
      await db.exec(SCHEMA);
    });
    afterAll(async () => db?.drop());

    it('never writes or prints the password', async () => {
      const dir = workdir();
      const password = decodeURIComponent(new URL(db.url).password);
      expect(password.length).toBeGreaterThan(0);
      const r = await runCli(['init', '--url', db.url], { cwd: dir });
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(r.stdout).toContain('export MONOLITH_PASSWORD=');
      expect(r.stdout).toMatch(/with a first draft of \d+ services for 8 tables/);
      const text = readFileSync(join(dir, 'dbsplit.yaml'), 'utf8');
      expect(text).toContain(':${MONOLITH_PASSWORD}@');
      expect(text).not.toContain(password);
      expect(r.stdout).not.toContain(password);
      // The file's monolith URL works once the password is exported (the test database has no pg_stat_statements).
      const a = await runCli(['analyze', '--plan', 'dbsplit.yaml', '--workload', 'workload.sql', '--json'], { cwd: dir, env: { MONOLITH_PASSWORD: encodeURIComponent(password) } });
      expect(a.code).toBe(0);
      expect(JSON.parse(a.stdout).tables).toHaveLength(8);
    });
  });
});
