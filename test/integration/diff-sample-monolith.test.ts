import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DOMAINS_JSON, loadMonolithSchema, seedMonolith } from '../../fixtures/monolith-schema/seed.js';
import { diffService } from '../../src/diff/index.js';
import { provisionService } from '../../src/provision/index.js';
import { loadSyncService } from '../../src/sync/source/service-tables.js';
import { createTestDatabase, type TestDatabase } from '../helpers/pg.js';
import { copyTable, withClient, writeDiffPlan } from './diff-fixture.js';

/**
 * No false differences: the seeded sample monolith (every type it uses: bigint, serial,
 * smallint, numeric, text, varchar, char, boolean, date, timestamptz, jsonb, text[], bytea,
 * inet, uuid, enums, the email domain; composite keys; tables without primary key, one of them
 * partitioned) copied into provisioned service databases, then diffed — with the two databases
 * set to different TimeZone, DateStyle, IntervalStyle, extra_float_digits and bytea_output, so
 * that only the diff's own session settings make their text agree.
 */

describe('dbsplit diff: equal data of every type of the sample monolith', () => {
  let monolith: TestDatabase;
  let target: TestDatabase;
  let dir: string;
  let planPath: string;
  const domains = JSON.parse(readFileSync(DOMAINS_JSON, 'utf8')) as { domains: Record<string, string[]>; reference: string[] };
  const services = Object.keys(domains.domains);

  beforeAll(async () => {
    monolith = await createTestDatabase('diffs_mono');
    target = await createTestDatabase('diffs_tgt');
    await withClient(monolith.url, async (c) => {
      await loadMonolithSchema(c);
      await seedMonolith(c, { scale: 0.5 });
    });
    dir = mkdtempSync(join(tmpdir(), 'dbsplit-diff-sample-'));
    planPath = writeDiffPlan(
      dir,
      monolith.url,
      Object.fromEntries(Object.entries(domains.domains).map(([name, tables]) => [name, { tables, target: { url: target.url, isolation: 'schema' as const } }])),
      domains.reference,
    );
    for (const service of services) {
      await provisionService({ service, planFile: planPath, outDir: join(dir, 'none'), dryRun: false });
      const svc = await loadSyncService({ planPath, service });
      for (const t of svc.tables) await copyTable(monolith.url, target.url, t, t.target);
    }
    await monolith.exec(`ALTER DATABASE ${monolith.name} SET TimeZone = 'America/St_Johns'; ALTER DATABASE ${monolith.name} SET IntervalStyle = 'sql_standard'`);
    await target.exec(
      `ALTER DATABASE ${target.name} SET TimeZone = 'Pacific/Chatham'; ALTER DATABASE ${target.name} SET DateStyle = 'SQL, DMY'; ` +
        `ALTER DATABASE ${target.name} SET IntervalStyle = 'iso_8601'; ALTER DATABASE ${target.name} SET extra_float_digits = 0; ALTER DATABASE ${target.name} SET bytea_output = 'escape'`,
    );
  });

  afterAll(async () => {
    await target?.drop();
    await monolith?.drop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('the two databases print values differently (what the diff must see through)', async () => {
    const mono = await monolith.query<{ t: string }>(`SELECT now()::timestamptz(0)::text AS t`);
    const tgt = await target.query<{ t: string }>(`SELECT now()::timestamptz(0)::text AS t`);
    expect(mono[0]!.t.slice(-3)).not.toBe(tgt[0]!.t.slice(-3));
  });

  it.each(services)('%s: clean, every row compared', async (service) => {
    const { result } = await diffService({ planPath, service, record: false });
    const errors = result.tables.filter((t) => t.error !== undefined).map((t) => `${t.table}: ${t.error}`);
    expect(errors).toEqual([]);
    const differing = result.tables.filter((t) => t.missing + t.extra + t.changed > 0).map((t) => `${t.table}: ${JSON.stringify(t.differences.slice(0, 3))}`);
    expect(differing).toEqual([]);
    expect(result.clean).toBe(true);
    for (const t of result.tables) {
      const [schema, name] = t.table.split('.');
      const rows = await monolith.query<{ n: number }>(`SELECT count(*)::int AS n FROM "${schema}"."${name}"`);
      expect(t.sourceRows, t.table).toBe(rows[0]!.n);
      expect(t.targetRows, t.table).toBe(rows[0]!.n);
    }
  });

  it('a table with rows and no primary key (stock_movements) and the partitioned audit.events are compared as multisets', async () => {
    const inv = (await diffService({ planPath, service: 'inventory', table: 'stock_movements', record: false })).result.tables[0]!;
    expect(inv.key).toEqual([]);
    expect(inv.sourceRows).toBeGreaterThan(0);
    const audit = (await diffService({ planPath, service: 'audit', table: 'audit.events', record: false })).result.tables[0]!;
    expect(audit.key).toEqual([]);
    expect(audit.sourceRows).toBeGreaterThan(0);
    expect(audit.missing + audit.extra).toBe(0);
  });
});
