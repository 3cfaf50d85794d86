import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import knexFactory from 'knex';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDdl } from '../../src/analyzers/ddl/parse-ddl.js';
import { ready } from '../../src/analyzers/sql-parser.js';
import { buildGenerateContext } from '../../src/generate/context.js';
import { buildServiceDdl, renderSchemaSql } from '../../src/generate/ddl/index.js';
import { generateMigrationFiles, MIGRATION_FILE, migrationStatements } from '../../src/generate/migrations/index.js';
import { writeOutputDir } from '../../src/generate/output-dir.js';
import type { Plan } from '../../src/model/plan.js';
import { knexMigrateConfig, migrationsInMemory, migrationsOnDisk, migrationSql } from '../../src/provision/migration-set.js';
import { createTestDatabase, type TestDatabase } from '../helpers/pg.js';

/**
 * knex.raw rewrites `?` (a query parameter to knex) and drops a backslash before one: the
 * generated migrations must still run exactly the SQL of schema.sql.
 */

const DDL = String.raw`
  CREATE TABLE docs (
    id serial PRIMARY KEY,
    body jsonb CHECK (body ? 'title' AND NOT body ?| ARRAY['x', 'y']),
    note text DEFAULT '${'`'}${'${'}x}'
  );
  CREATE TABLE codes (code text CHECK (code ~ '^a\?b$'));
`;

describe('generated knex migrations with ? and backslashes', () => {
  const dbs: TestDatabase[] = [];
  let dir: string;
  let ddl: ReturnType<typeof buildServiceDdl>;

  beforeAll(async () => {
    await ready();
    const schema = parseDdl([{ path: 'docs.sql', text: DDL }]);
    const plan: Plan = { version: 1, services: [{ name: 'docs', tables: ['public.codes', 'public.docs'], target: { isolation: 'database' } }], shared: [], unassigned: [] };
    ddl = buildServiceDdl(buildGenerateContext({ schema, plan }), 'docs');
    dir = mkdtempSync(join(tmpdir(), 'dbsplit-knex-'));
    await writeOutputDir(join(dir, 'out'), generateMigrationFiles([ddl]));
  });

  afterAll(async () => {
    for (const db of dbs) await db.drop().catch(() => undefined);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function checksAfter(set: Parameters<typeof knexMigrateConfig>[0]): Promise<string[]> {
    const db = await createTestDatabase('genknex');
    dbs.push(db);
    const knex = knexFactory({ client: 'pg', connection: db.url, pool: { min: 0, max: 1 } });
    try {
      await knex.migrate.latest(knexMigrateConfig(set, undefined));
      const rows = await db.query<{ def: string }>(`SELECT pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE contype = 'c' ORDER BY conname`);
      const note = await db.query<{ d: string }>(`SELECT pg_get_expr(adbin, adrelid) AS d FROM pg_attrdef d JOIN pg_attribute a ON a.attrelid = d.adrelid AND a.attnum = d.adnum WHERE a.attname = 'note'`);
      await knex.migrate.rollback(knexMigrateConfig(set, undefined));
      expect(await db.query(`SELECT relname FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relname NOT LIKE 'knex%'`)).toEqual([]);
      return [...rows.map((r) => r.def), ...note.map((r) => r.d)];
    } finally {
      await knex.destroy();
    }
  }

  it('runs the same SQL as schema.sql, from the files and from memory', async () => {
    const reference = await createTestDatabase('genknex_ref');
    dbs.push(reference);
    await reference.exec(renderSchemaSql(ddl));
    const expected = [
      ...(await reference.query<{ def: string }>(`SELECT pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE contype = 'c' ORDER BY conname`)).map((r) => r.def),
      ...(await reference.query<{ d: string }>(`SELECT pg_get_expr(adbin, adrelid) AS d FROM pg_attrdef d JOIN pg_attribute a ON a.attrelid = d.adrelid AND a.attnum = d.adnum WHERE a.attname = 'note'`)).map((r) => r.d),
    ];
    expect(expected.join('\n')).toContain('?|');
    expect(expected.join('\n')).toContain(String.raw`^a\?b$`);
    expect(expected.join('\n')).toContain('`${x}');

    const files = await migrationsOnDisk(join(dir, 'out'), 'docs');
    expect(files?.names).toEqual([MIGRATION_FILE]);
    expect(await checksAfter(files!)).toEqual(expected);
    expect(await checksAfter(migrationsInMemory(MIGRATION_FILE, migrationStatements(ddl)))).toEqual(expected);
  });

  it('shows the real SQL of a migration file for --dry-run', async () => {
    const files = (await migrationsOnDisk(join(dir, 'out'), 'docs'))!;
    const sql = (await migrationSql(files, MIGRATION_FILE)).join('\n');
    expect(sql).toContain(`CHECK (body ? 'title' AND NOT body ?| ARRAY['x', 'y'])`);
    expect(sql).toContain(String.raw`CHECK (code ~ '^a\?b$')`);
    expect(sql).not.toContain('dbsplit.statement');
    expect(sql).toContain('CREATE SEQUENCE public.docs_id_seq AS integer START WITH 1');
  });
});
