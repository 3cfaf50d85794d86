import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SAMPLE_MONOLITH_DIR } from '../../src/paths.js';
import { runCli } from '../helpers/cli.js';

/** `dbsplit generate` as a user runs it: the sample monolith's DDL and a plan from its domains. */

const dirs: string[] = [];

function workdir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'dbsplit-generate-cli-'));
  dirs.push(dir);
  const domains = JSON.parse(readFileSync(join(SAMPLE_MONOLITH_DIR, 'domains.json'), 'utf8')) as { domains: Record<string, string[]>; reference: string[] };
  const lines = ['version: 1', 'monolith:', `  ddl: ["${join(SAMPLE_MONOLITH_DIR, 'schema.sql')}"]`, 'services:'];
  for (const [name, tables] of Object.entries(domains.domains)) {
    lines.push(`  ${name}:`, `    tables: [${tables.join(', ')}]`);
    if (name === 'orders') lines.push('    target: { isolation: schema }');
  }
  lines.push(`shared: [${domains.reference.join(', ')}]`);
  writeFileSync(join(dir, 'dbsplit.yaml'), lines.join('\n') + '\n');
  return dir;
}

function tree(dir: string, prefix = ''): string[] {
  return readdirSync(join(dir, prefix), { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? tree(dir, join(prefix, e.name)) : [join(prefix, e.name)])).sort();
}

afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('dbsplit generate', () => {
  it('writes every service\'s schema.sql, migration and knexfile, and prints a summary', async () => {
    const dir = workdir();
    const r = await runCli(['generate'], { cwd: dir });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/dbsplit generate: 11 services, \d+ files in dbsplit-generated\//);
    expect(r.stdout).toMatch(/\n\s+orders\s+schema orders\s+3\s+public\.currencies\s+6\s+\d+\n/);
    expect(r.stdout).toMatch(/\n\s+identity\s+database\s+8\s+public\.countries, public\.currencies\s+0\s+\d+\n/);
    const files = tree(join(dir, 'dbsplit-generated'));
    for (const f of ['orders/schema.sql', 'orders/knexfile.cjs', 'orders/migrations/0001_initial_schema.cjs', 'audit/schema.sql', '.dbsplit-generated.json']) expect(files).toContain(f);
    expect(readFileSync(join(dir, 'dbsplit-generated', 'orders', 'schema.sql'), 'utf8')).toContain('CREATE TABLE orders.orders (');
    // Nothing left beside the output.
    expect(readdirSync(dir).sort()).toEqual(['dbsplit-generated', 'dbsplit.yaml']);
  });

  it('gives a versioned JSON summary, and the same bytes on every run', async () => {
    const dir = workdir();
    const first = await runCli(['generate', '--json', '--out', 'out'], { cwd: dir });
    expect(first.code).toBe(0);
    const doc = JSON.parse(first.stdout);
    expect(doc.version).toBe(1);
    expect(doc.services).toHaveLength(11);
    const orders = doc.services.find((s: { name: string }) => s.name === 'orders');
    expect(orders).toMatchObject({ isolation: 'schema', schema: 'orders', tables: ['public.order_items', 'public.order_status_history', 'public.orders'], sharedCopies: ['public.currencies'] });
    expect(orders.removedForeignKeys).toContain('public.orders.user_id -> public.users');
    const before = Object.fromEntries(tree(join(dir, 'out')).map((f) => [f, readFileSync(join(dir, 'out', f), 'utf8')]));
    const second = await runCli(['generate', '--json', '--out', 'out'], { cwd: dir });
    expect(second.code).toBe(0);
    expect(JSON.parse(second.stdout).replaced).toBe(true);
    const after = Object.fromEntries(tree(join(dir, 'out')).map((f) => [f, readFileSync(join(dir, 'out', f), 'utf8')]));
    expect(after).toEqual(before);
  });

  it('refuses an output directory holding files it did not write, writes nothing, and replaces it with --force', async () => {
    const dir = workdir();
    mkdirSync(join(dir, 'dbsplit-generated'));
    writeFileSync(join(dir, 'dbsplit-generated', 'notes.txt'), 'mine\n');
    const refused = await runCli(['generate'], { cwd: dir });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('[E_OUTPUT_DIR]');
    expect(refused.stderr).toContain('notes.txt');
    expect(refused.stderr).toContain('--force');
    expect(tree(join(dir, 'dbsplit-generated'))).toEqual(['notes.txt']);
    expect(readdirSync(dir).sort()).toEqual(['dbsplit-generated', 'dbsplit.yaml']);

    const forced = await runCli(['generate', '--force'], { cwd: dir });
    expect(forced.code).toBe(0);
    expect(forced.stdout).toContain('--force removed 1 file(s) dbsplit had not written: notes.txt');
    expect(existsSync(join(dir, 'dbsplit-generated', 'notes.txt'))).toBe(false);
    expect(existsSync(join(dir, 'dbsplit-generated', 'orders', 'schema.sql'))).toBe(true);
  });

  it('treats a generated file edited since as not its own', async () => {
    const dir = workdir();
    expect((await runCli(['generate'], { cwd: dir })).code).toBe(0);
    const schema = join(dir, 'dbsplit-generated', 'cart', 'schema.sql');
    writeFileSync(schema, readFileSync(schema, 'utf8') + '-- my change\n');
    const r = await runCli(['generate'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('cart/schema.sql');
    expect(readFileSync(schema, 'utf8')).toContain('-- my change');
  });

  it('needs a plan, and says how to get one', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dbsplit-generate-cli-'));
    dirs.push(dir);
    const r = await runCli(['generate', '--ddl', join(SAMPLE_MONOLITH_DIR, 'schema.sql')], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('[E_USAGE] dbsplit generate needs a plan');
    expect(r.stderr).toContain('dbsplit plan --auto --write');
    expect(readdirSync(dir)).toEqual([]);
  });
});
