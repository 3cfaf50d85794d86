import { readFileSync } from 'node:fs';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDdl } from '../../src/analyzers/ddl/parse-ddl.js';
import { ready } from '../../src/analyzers/sql-parser.js';
import { introspect } from '../../src/db/introspect.js';
import type { SchemaModel } from '../../src/model/schema.js';
import { SAMPLE_MONOLITH_DIR } from '../../src/paths.js';
import { createTestDatabase, type TestDatabase } from '../helpers/pg.js';

/**
 * The two schema sources must agree: the sample monolith's DDL, parsed, gives the same model as
 * introspecting a database built from it. Expression text is compared only where both sources
 * spell it the same way (nextval defaults); hand-written DDL keeps its author's spelling.
 */
function projection(m: SchemaModel) {
  return {
    schemas: m.schemas.filter((s) => m.tables.some((t) => t.schema === s) || s !== 'public'),
    tables: m.tables.map((t) => ({
      table: `${t.schema}.${t.name}`,
      columns: t.columns.map((c) => ({
        name: c.name,
        type: c.type,
        nullable: c.nullable,
        identity: c.identity ?? null,
        generated: c.generated !== undefined,
        serial: c.default?.startsWith('nextval(') ? c.default : null,
        hasDefault: c.default !== undefined,
        comment: c.comment ?? null,
      })),
      primaryKey: t.primaryKey,
      primaryKeyName: t.primaryKeyName ?? null,
      uniqueKeys: t.uniqueKeys,
      checks: t.checks.map((c) => c.name),
      indexes: t.indexes.map((i) => ({ name: i.name, unique: i.unique, method: i.method, columns: i.columns.length, partial: i.predicate !== undefined })),
      partitioning: t.partitioning ?? null,
      partitions: t.partitions ?? [],
      comment: t.comment ?? null,
    })),
    foreignKeys: m.foreignKeys.map((f) => ({ ...f, match: f.match ?? 'simple' })),
    views: m.views.map((v) => ({ view: `${v.schema}.${v.name}`, materialized: v.materialized, reads: v.reads })),
    sequences: m.sequences.map((s) => ({ seq: `${s.schema}.${s.name}`, ownedBy: s.ownedBy ?? null })),
    enums: m.enums,
    domains: m.domains.map((d) => ({ domain: `${d.schema}.${d.name}`, baseType: d.baseType, notNull: d.notNull, checks: d.checks.map((c) => c.name) })),
  };
}

describe('DDL source and live introspection agree on the sample monolith', () => {
  let db: TestDatabase;
  let live: SchemaModel;
  let parsed: SchemaModel;
  beforeAll(async () => {
    const ddl = readFileSync(`${SAMPLE_MONOLITH_DIR}/schema.sql`, 'utf8');
    db = await createTestDatabase('ddlvslive');
    await db.exec(ddl);
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      live = await introspect(client);
    } finally {
      await client.end();
    }
    await ready();
    parsed = parseDdl([{ path: 'schema.sql', text: ddl }]);
  });
  afterAll(async () => db?.drop());

  it('has at least 35 tables', () => {
    expect(live.tables.length).toBeGreaterThanOrEqual(35);
  });

  it('gives the same tables, columns, keys and indexes', () => {
    expect(projection(parsed).tables).toEqual(projection(live).tables);
  });

  it('gives the same foreign keys, one per constraint', () => {
    expect(projection(parsed).foreignKeys).toEqual(projection(live).foreignKeys);
    const names = live.foreignKeys.map((f) => `${f.from.schema}.${f.from.table}.${f.name}`);
    expect(new Set(names).size).toBe(names.length);
  });

  it('gives the same views, sequences, enums and domains', () => {
    const p = projection(parsed);
    const l = projection(live);
    expect(p.views).toEqual(l.views);
    expect(p.sequences).toEqual(l.sequences);
    expect(p.enums).toEqual(l.enums);
    expect(p.domains).toEqual(l.domains);
  });
});
