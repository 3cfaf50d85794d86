import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseDdl } from '../../src/analyzers/ddl/parse-ddl.js';
import { stripPsqlMeta } from '../../src/analyzers/ddl/psql-meta.js';
import { quoteIdent } from '../../src/analyzers/pg-type-names.js';
import { ready } from '../../src/analyzers/sql-parser.js';
import type { SchemaModel } from '../../src/model/schema.js';
import { createTestDatabase, type TestDatabase } from '../helpers/pg.js';

/**
 * The DDL parser must name and type things exactly as PostgreSQL does, so that a schema read
 * from DDL and one introspected live agree. Each fixture is loaded into a fresh database and
 * the catalog is compared with the model. For the pg_dump fixture the expressions (defaults,
 * checks, index expressions and predicates) must match too, since pg_dump prints them as the
 * server does; hand-written DDL keeps its own spelling of expressions.
 */

const fixtures = {
  pgDump: fileURLToPath(new URL('../fixtures/ddl/pg-dump.sql', import.meta.url)),
  naming: fileURLToPath(new URL('../fixtures/ddl/naming.sql', import.meta.url)),
  monolith: fileURLToPath(new URL('../../fixtures/monolith-schema/schema.sql', import.meta.url)),
};

const USER_SCHEMAS = `n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')`;

const ACTIONS: Record<string, string> = { a: 'no action', r: 'restrict', c: 'cascade', n: 'set null', d: 'set default' };
const MATCH: Record<string, string> = { s: 'simple', f: 'full', p: 'partial' };

interface Facts {
  columns: string[];
  constraints: string[];
  foreignKeys: string[];
  indexes: string[];
  sequences: string[];
  types: string[];
  views: string[];
}

async function liveFacts(db: TestDatabase, withExpressions: boolean): Promise<Facts> {
  const columns = await db.query<{ line: string; def: string | null }>(`
    SELECT n.nspname || '.' || c.relname || '.' || a.attname || ' ' || format_type(a.atttypid, a.atttypmod)
             || CASE WHEN a.attnotnull THEN ' not null' ELSE ' null' END
             || CASE a.attidentity WHEN 'a' THEN ' identity always' WHEN 'd' THEN ' identity by default' ELSE '' END AS line,
           CASE WHEN a.attgenerated = 's' THEN 'generated ' ELSE 'default ' END || pg_get_expr(d.adbin, d.adrelid) AS def
      FROM pg_attribute a
      JOIN pg_class c ON c.oid = a.attrelid
      JOIN pg_namespace n ON n.oid = c.relnamespace
      LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
     WHERE ${USER_SCHEMAS} AND c.relkind IN ('r', 'p') AND NOT c.relispartition AND a.attnum > 0 AND NOT a.attisdropped`);
  const constraints = await db.query<{ line: string; def: string }>(`
    SELECT n.nspname || '.' || c.relname || ' ' || co.contype::text || ' ' || co.conname AS line, pg_get_constraintdef(co.oid) AS def
      FROM pg_constraint co
      JOIN pg_class c ON c.oid = co.conrelid
      JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE ${USER_SCHEMAS} AND NOT c.relispartition AND co.contype IN ('p', 'u', 'c') AND co.conparentid = 0`);
  const foreignKeys = await db.query<{ name: string; src: string; dst: string; cols: string; refcols: string; upd: string; del: string; mt: string; deferrable: boolean; deferred: boolean }>(`
    SELECT co.conname AS name, n.nspname || '.' || c.relname AS src, rn.nspname || '.' || r.relname AS dst,
           (SELECT string_agg(a.attname, ',' ORDER BY k.i) FROM unnest(co.conkey) WITH ORDINALITY k(num, i) JOIN pg_attribute a ON a.attrelid = co.conrelid AND a.attnum = k.num) AS cols,
           (SELECT string_agg(a.attname, ',' ORDER BY k.i) FROM unnest(co.confkey) WITH ORDINALITY k(num, i) JOIN pg_attribute a ON a.attrelid = co.confrelid AND a.attnum = k.num) AS refcols,
           co.confupdtype AS upd, co.confdeltype AS del, co.confmatchtype AS mt, co.condeferrable AS deferrable, co.condeferred AS deferred
      FROM pg_constraint co
      JOIN pg_class c ON c.oid = co.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      JOIN pg_class r ON r.oid = co.confrelid JOIN pg_namespace rn ON rn.oid = r.relnamespace
     WHERE co.contype = 'f' AND co.conparentid = 0 AND NOT c.relispartition`);
  const indexes = await db.query<{ line: string; cols: string; pred: string | null }>(`
    SELECT n.nspname || '.' || t.relname || ' ' || i.relname || CASE WHEN ix.indisunique THEN ' unique ' ELSE ' ' END || am.amname AS line,
           (SELECT string_agg(pg_get_indexdef(ix.indexrelid, k, false), ', ') FROM generate_series(1, ix.indnkeyatts) k) AS cols,
           pg_get_expr(ix.indpred, ix.indrelid) AS pred
      FROM pg_index ix
      JOIN pg_class i ON i.oid = ix.indexrelid
      JOIN pg_class t ON t.oid = ix.indrelid
      JOIN pg_am am ON am.oid = i.relam
      JOIN pg_namespace n ON n.oid = t.relnamespace
     WHERE ${USER_SCHEMAS} AND t.relkind IN ('r', 'p') AND NOT t.relispartition`);
  const sequences = await db.query<{ line: string }>(`
    SELECT n.nspname || '.' || c.relname || ' ' || format_type(s.seqtypid, NULL) || ' start ' || s.seqstart || ' by ' || s.seqincrement
             || coalesce(' owned by ' || (SELECT tn.nspname || '.' || t.relname || '.' || a.attname
                  FROM pg_depend d JOIN pg_class t ON t.oid = d.refobjid JOIN pg_namespace tn ON tn.oid = t.relnamespace
                  JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
                 WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')), '') AS line
      FROM pg_sequence s JOIN pg_class c ON c.oid = s.seqrelid JOIN pg_namespace n ON n.oid = c.relnamespace`);
  const types = await db.query<{ line: string }>(`
    SELECT 'enum ' || n.nspname || '.' || t.typname || ' ' || (SELECT string_agg(enumlabel, ',' ORDER BY enumsortorder) FROM pg_enum WHERE enumtypid = t.oid) AS line
      FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace WHERE t.typtype = 'e' AND ${USER_SCHEMAS}
    UNION ALL
    SELECT 'domain ' || n.nspname || '.' || t.typname || ' ' || format_type(t.typbasetype, t.typtypmod) || CASE WHEN t.typnotnull THEN ' not null' ELSE '' END
             || coalesce(' ' || (SELECT string_agg(conname, ',' ORDER BY conname) FROM pg_constraint WHERE contypid = t.oid AND contype = 'c'), '')
      FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace WHERE t.typtype = 'd' AND ${USER_SCHEMAS}`);
  const views = await db.query<{ line: string }>(`
    SELECT n.nspname || '.' || v.relname || CASE WHEN v.relkind = 'm' THEN ' materialized' ELSE '' END || ' reads '
             || coalesce((SELECT string_agg(DISTINCT rn.nspname || '.' || r.relname, ',')
                  FROM pg_rewrite rw JOIN pg_depend d ON d.classid = 'pg_rewrite'::regclass AND d.objid = rw.oid
                  JOIN pg_class r ON r.oid = d.refobjid JOIN pg_namespace rn ON rn.oid = r.relnamespace
                 WHERE rw.ev_class = v.oid AND d.refclassid = 'pg_class'::regclass AND d.refobjid <> v.oid), '') AS line
      FROM pg_class v JOIN pg_namespace n ON n.oid = v.relnamespace WHERE v.relkind IN ('v', 'm') AND ${USER_SCHEMAS}`);
  return {
    columns: columns.map((r) => r.line + (r.def === null || (!withExpressions && !r.def.includes('nextval(')) ? '' : ` ${r.def}`)).sort(),
    constraints: constraints.map((r) => r.line + (withExpressions && r.line.includes(' c ') ? ` ${r.def.replace(/^CHECK \((.*)\)$/s, '$1')}` : '')).sort(),
    foreignKeys: foreignKeys
      .map((f) => `${f.src} ${f.name} (${f.cols}) -> ${f.dst} (${f.refcols}) ${ACTIONS[f.upd]}/${ACTIONS[f.del]} ${MATCH[f.mt]}${f.deferrable ? ' deferrable' : ''}${f.deferred ? ' deferred' : ''}`)
      .sort(),
    indexes: indexes.map((r) => r.line + (withExpressions ? ` (${r.cols})${r.pred === null ? '' : ` WHERE ${r.pred}`}` : '')).sort(),
    sequences: sequences.map((r) => r.line).sort(),
    types: types.map((r) => r.line).sort(),
    views: views.map((r) => r.line).sort(),
  };
}

function modelFacts(m: SchemaModel, withExpressions: boolean): Facts {
  const columns: string[] = [];
  const constraints: string[] = [];
  const indexes: string[] = [];
  for (const t of m.tables) {
    const q = `${t.schema}.${t.name}`;
    for (const c of t.columns) {
      const identity = c.identity ? ` identity ${c.identity}` : '';
      const def = c.generated !== undefined ? `generated ${c.generated}` : c.default !== undefined ? `default ${c.default}` : undefined;
      const shown = def === undefined || (!withExpressions && !def.includes('nextval(')) ? '' : ` ${def}`;
      columns.push(`${q}.${c.name} ${c.type} ${c.nullable ? 'null' : 'not null'}${identity}${shown}`);
    }
    if (t.primaryKeyName) constraints.push(`${q} p ${t.primaryKeyName}`);
    for (const u of t.uniqueKeys) constraints.push(`${q} u ${u.name}`);
    for (const c of t.checks) constraints.push(`${q} c ${c.name}${withExpressions ? ` ${c.expression}` : ''}`);
    for (const i of t.indexes) {
      const cols = i.columns.map((c) => (/^[^(]*$/.test(c) && !c.includes(' ') ? quoteIdent(c) : c)).join(', ');
      indexes.push(`${q} ${i.name}${i.unique ? ' unique ' : ' '}${i.method}${withExpressions ? ` (${cols})${i.predicate === undefined ? '' : ` WHERE ${i.predicate}`}` : ''}`);
    }
  }
  return {
    columns: columns.sort(),
    constraints: constraints.sort(),
    foreignKeys: m.foreignKeys
      .map(
        (f) =>
          `${f.from.schema}.${f.from.table} ${f.name} (${f.from.columns.join(',')}) -> ${f.to.schema}.${f.to.table} (${f.to.columns.join(',')}) ${f.onUpdate}/${f.onDelete} ${f.match ?? 'simple'}${f.deferrable ? ' deferrable' : ''}${f.initiallyDeferred ? ' deferred' : ''}`,
      )
      .sort(),
    indexes: indexes.sort(),
    sequences: m.sequences
      .map((s) => `${s.schema}.${s.name} ${s.type} start ${s.start} by ${s.increment}${s.ownedBy ? ` owned by ${s.ownedBy.schema}.${s.ownedBy.table}.${s.ownedBy.column}` : ''}`)
      .sort(),
    types: [
      ...m.enums.map((e) => `enum ${e.schema}.${e.name} ${e.values.join(',')}`),
      ...m.domains.map((d) => `domain ${d.schema}.${d.name} ${d.baseType}${d.notNull ? ' not null' : ''}${d.checks.length ? ' ' + d.checks.map((c) => c.name).join(',') : ''}`),
    ].sort(),
    views: m.views.map((v) => `${v.schema}.${v.name}${v.materialized ? ' materialized' : ''} reads ${v.reads.map((r) => `${r.schema}.${r.name}`).join(',')}`).sort(),
  };
}

async function compare(path: string, withExpressions: boolean): Promise<void> {
  const text = readFileSync(path, 'utf8');
  const db = await createTestDatabase('ddl');
  try {
    // What psql would send: no meta-commands; COPY data is not part of a schema.
    await db.exec(stripPsqlMeta(text).replace(/^COPY [^;]*FROM stdin;$/gm, ''));
    const live = await liveFacts(db, withExpressions);
    const model = modelFacts(parseDdl([{ path, text }], {}), withExpressions);
    for (const facts of [live.columns, live.constraints, live.foreignKeys, live.indexes, live.sequences, live.types]) expect(facts.length).toBeGreaterThan(0);
    expect(model.columns).toEqual(live.columns);
    expect(model.constraints).toEqual(live.constraints);
    expect(model.foreignKeys).toEqual(live.foreignKeys);
    expect(model.indexes).toEqual(live.indexes);
    expect(model.sequences).toEqual(live.sequences);
    expect(model.types).toEqual(live.types);
    expect(model.views).toEqual(live.views);
  } finally {
    await db.drop();
  }
}

describe('DDL model against PostgreSQL itself', () => {
  beforeAll(async () => {
    await ready();
  });
  it('a pg_dump file: names, types and expressions', async () => {
    await compare(fixtures.pgDump, true);
  });

  it('hand-written DDL leaving names to PostgreSQL: generated names and types', async () => {
    await compare(fixtures.naming, false);
  });

  it('the sample monolith: names and types', async () => {
    await compare(fixtures.monolith, false);
  });
});
