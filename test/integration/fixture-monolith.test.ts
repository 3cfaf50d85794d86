import { readFile } from 'node:fs/promises';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseText, ready, splitStatements } from '../../src/analyzers/sql-parser.js';
import { readTransactions, readWorkload, runWorkload } from '../../fixtures/monolith-schema/run-workload.js';
import {
  DOMAINS_JSON, MONOLITH_TABLES, SCHEMA_SQL, loadMonolithSchema, seedMonolith, type SeedResult,
} from '../../fixtures/monolith-schema/seed.js';
import { createTestDatabase, type TestDatabase } from '../helpers/pg.js';

const SCALE = 0.05;
const SEED = 7;

interface DomainsFile {
  domains: Record<string, string[]>;
  reference: string[];
  undeclaredRelations: { from: string; to: string }[];
}

async function connect(db: TestDatabase): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  return client;
}

/** Every table as the catalog sees it, partitions folded into their parent. */
async function catalogTables(client: pg.Client): Promise<string[]> {
  const { rows } = await client.query<{ name: string }>(
    `SELECT n.nspname || '.' || c.relname AS name
     FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname IN ('public', 'audit') AND c.relkind IN ('r', 'p') AND NOT c.relispartition
     ORDER BY 1`,
  );
  return rows.map((r) => r.name);
}

/** Constraints, indexes and NOT NULLs: what the bulk load takes off and must put back. */
async function schemaSnapshot(client: pg.Client): Promise<string[]> {
  const { rows } = await client.query<{ item: string }>(
    `SELECT 'constraint ' || k.conrelid::regclass || ' ' || k.conname || ' ' || pg_get_constraintdef(k.oid) AS item
     FROM pg_constraint k JOIN pg_namespace n ON n.oid = k.connamespace WHERE n.nspname IN ('public', 'audit')
     UNION ALL
     SELECT 'index ' || indexrelid::regclass || ' ' || pg_get_indexdef(indexrelid)
     FROM pg_index x JOIN pg_class c ON c.oid = x.indrelid JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname IN ('public', 'audit')
     UNION ALL
     SELECT 'notnull ' || a.attrelid::regclass || '.' || a.attname
     FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname IN ('public', 'audit') AND c.relkind IN ('r', 'p') AND a.attnum > 0 AND a.attnotnull AND NOT a.attisdropped
     ORDER BY 1`,
  );
  return rows.map((r) => r.item);
}

async function checksums(client: pg.Client): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const table of MONOLITH_TABLES) {
    const { rows } = await client.query<{ sum: string }>(`SELECT md5(string_agg(t::text, E'\\n' ORDER BY t::text)) AS sum FROM ${table} t`);
    out[table] = rows[0]!.sum;
  }
  return out;
}

describe('the sample monolith fixture', () => {
  let first: TestDatabase;
  let second: TestDatabase;
  let a: pg.Client;
  let b: pg.Client;
  let seeded: SeedResult;
  let unseededSchema: string[];

  beforeAll(async () => {
    first = await createTestDatabase('fixture_a');
    second = await createTestDatabase('fixture_b');
    a = await connect(first);
    b = await connect(second);
    await loadMonolithSchema(a);
    await loadMonolithSchema(b);
    unseededSchema = await schemaSnapshot(b);
    seeded = await seedMonolith(a, { scale: SCALE, seed: SEED });
  });

  afterAll(async () => {
    await a?.end();
    await b?.end();
    await first?.drop();
    await second?.drop();
  });

  it('schema.sql is plain SQL (no psql meta-commands) defining at least 38 tables, all seeded', async () => {
    await ready();
    const sql = await readFile(SCHEMA_SQL, 'utf8');
    expect(sql).not.toMatch(/^\s*\\/m);
    expect(splitStatements(sql).length).toBeGreaterThan(100);
    const tables = await catalogTables(a);
    expect(tables.length).toBeGreaterThanOrEqual(38);
    expect([...MONOLITH_TABLES].sort()).toEqual(tables);
  });

  it('fills every table, and reports the row counts it loaded', async () => {
    for (const table of MONOLITH_TABLES) {
      const { rows } = await a.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`);
      expect(Number(rows[0]!.n), table).toBeGreaterThan(0);
      expect(seeded.tables[table], table).toBe(Number(rows[0]!.n));
    }
    // Partitions each got rows (the seed spans the default partition's ranges too).
    for (const partition of ['audit.events_2024', 'audit.events_2025', 'audit.events_default']) {
      const { rows } = await a.query<{ n: string }>(`SELECT count(*) AS n FROM ${partition}`);
      expect(Number(rows[0]!.n), partition).toBeGreaterThan(0);
    }
    expect(seeded.ms).toBeGreaterThan(0);
  });

  it('puts back every key, index and foreign key it took off for the bulk load', async () => {
    expect(await schemaSnapshot(a)).toEqual(unseededSchema);
    expect(unseededSchema.filter((s) => s.includes('FOREIGN KEY')).length).toBeGreaterThan(40);
  });

  it('is deterministic: the same scale and seed give identical tables (either load path), another seed does not', async () => {
    expect(seeded.parallel).toBe(true);
    const serial = await seedMonolith(b, { scale: SCALE, seed: SEED, parallel: false });
    expect(serial.parallel).toBe(false);
    const sumsA = await checksums(a);
    expect(await checksums(b)).toEqual(sumsA);
    expect(await schemaSnapshot(b)).toEqual(unseededSchema);
    await seedMonolith(b, { scale: SCALE, seed: SEED + 1, replace: true });
    const sumsB = await checksums(b);
    expect(sumsB['public.orders']).not.toBe(sumsA['public.orders']);
    expect(sumsB['public.currencies']).toBe(sumsA['public.currencies']);
  });

  it('leaves every sequence past the ids it wrote', async () => {
    const { rows } = await a.query<{ table: string; column: string; seq: string }>(
      `SELECT format('%I.%I', n.nspname, c.relname) AS table, a.attname AS column,
              pg_get_serial_sequence(format('%I.%I', n.nspname, c.relname), a.attname) AS seq
       FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname IN ('public', 'audit') AND c.relkind = 'r' AND a.attnum > 0
         AND pg_get_serial_sequence(format('%I.%I', n.nspname, c.relname), a.attname) IS NOT NULL`,
    );
    expect(rows.length).toBeGreaterThan(25);
    for (const r of rows) {
      const check = await a.query<{ ok: boolean }>(
        `SELECT (SELECT last_value FROM ${r.seq}) >= (SELECT max(${r.column}) FROM ${r.table}) AS ok`,
      );
      expect(check.rows[0]!.ok, `${r.table}.${r.column}`).toBe(true);
    }
  });

  it('keeps the undeclared relations consistent, and they really have no foreign key', async () => {
    const domains = JSON.parse(await readFile(DOMAINS_JSON, 'utf8')) as DomainsFile;
    expect(domains.undeclaredRelations.length).toBeGreaterThanOrEqual(3);
    for (const { from, to } of domains.undeclaredRelations) {
      const [fs, ft, fc] = from.split('.') as [string, string, string];
      const [ts, tt, tc] = to.split('.') as [string, string, string];
      const declared = await a.query(
        `SELECT 1 FROM pg_constraint k JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = ANY (k.conkey)
         WHERE k.contype = 'f' AND k.conrelid = $1::regclass AND a.attname = $2`,
        [`${fs}.${ft}`, fc],
      );
      expect(declared.rowCount, from).toBe(0);
      const orphans = await a.query<{ n: string; linked: string }>(
        `SELECT count(*) FILTER (WHERE t.${tc} IS NULL) AS n, count(*) AS linked
         FROM ${fs}.${ft} f LEFT JOIN ${ts}.${tt} t ON t.${tc} = f.${fc} WHERE f.${fc} IS NOT NULL`,
      );
      expect(Number(orphans.rows[0]!.n), from).toBe(0);
      expect(Number(orphans.rows[0]!.linked), from).toBeGreaterThan(0);
    }
  });

  it('domains.json puts every table in exactly one domain or in reference', async () => {
    const domains = JSON.parse(await readFile(DOMAINS_JSON, 'utf8')) as DomainsFile;
    const listed = [...Object.values(domains.domains).flat(), ...domains.reference];
    expect(new Set(listed).size).toBe(listed.length);
    expect([...listed].sort()).toEqual(await catalogTables(a));
    expect(Object.keys(domains.domains).length).toBeGreaterThanOrEqual(10);
  });

  it('runs every workload statement on the seeded data without changing it', async () => {
    await ready();
    const statements = await readWorkload();
    expect(statements.length).toBeGreaterThanOrEqual(65);
    for (const s of statements) expect(parseText(s.text).ok, s.name).toBe(true);
    expect(new Set(statements.map((s) => s.name)).size).toBe(statements.length);
    const calls = statements.map((s) => s.calls);
    expect(Math.max(...calls)).toBeGreaterThanOrEqual(100_000);
    expect(Math.min(...calls)).toBeLessThanOrEqual(100);
    const before = await a.query<{ n: string }>('SELECT count(*) AS n FROM orders');
    const result = await runWorkload(a, { iterations: () => 1 });
    expect(result).toEqual({ statements: statements.length, executions: statements.length });
    const after = await a.query<{ n: string }>('SELECT count(*) AS n FROM orders');
    expect(after.rows[0]!.n).toBe(before.rows[0]!.n);
  });

  it('runs every application transaction (rolled back, deferred checks forced)', async () => {
    await ready();
    const transactions = await readTransactions();
    expect(transactions.length).toBeGreaterThanOrEqual(4);
    expect(transactions.length).toBeLessThanOrEqual(6);
    for (const tx of transactions) {
      expect(tx.statements.length, tx.name).toBeGreaterThanOrEqual(3);
      for (const sql of tx.statements) expect(parseText(sql).ok, `${tx.name}: ${sql.slice(0, 40)}`).toBe(true);
      await a.query('BEGIN');
      try {
        for (const sql of tx.statements) await a.query(sql);
        await a.query('SET CONSTRAINTS ALL IMMEDIATE');
      } finally {
        await a.query('ROLLBACK');
      }
    }
  });

  it('refuses to seed over data, an unloaded schema, or a nonsense scale', async () => {
    await expect(seedMonolith(a, { scale: SCALE })).rejects.toMatchObject({ code: 'E_PRECONDITION' });
    await expect(seedMonolith(a, { scale: 0 })).rejects.toMatchObject({ code: 'E_USAGE' });
    const empty = await createTestDatabase('fixture_empty');
    const client = await connect(empty);
    try {
      await expect(seedMonolith(client, { scale: SCALE })).rejects.toMatchObject({ code: 'E_PRECONDITION' });
    } finally {
      await client.end();
      await empty.drop();
    }
  });
});
