import { beforeAll, describe, expect, it } from 'vitest';
import { parseDdl } from '../../src/analyzers/ddl/parse-ddl.js';
import { inferRelations } from '../../src/analyzers/infer-relations.js';
import { ready } from '../../src/analyzers/sql-parser.js';
import { buildGenerateContext } from '../../src/generate/context.js';
import { buildServiceDdl, renderSchemaSql, type ServiceDdl } from '../../src/generate/ddl/index.js';
import { requalify, type NameResolver } from '../../src/generate/ddl/requalify.js';
import { renderKnexfile, renderKnexMigration } from '../../src/generate/migrations/index.js';
import type { Plan, ServicePlan } from '../../src/model/plan.js';
import type { SchemaModel } from '../../src/model/schema.js';

beforeAll(async () => {
  await ready();
});

function parse(sql: string): SchemaModel {
  return inferRelations(parseDdl([{ path: 'test.sql', text: sql }]));
}

function planOf(services: Record<string, { tables: string[]; schema?: string }>, shared: string[] = []): Plan {
  return {
    version: 1,
    services: Object.entries(services).map(([name, s]): ServicePlan => ({
      name,
      tables: s.tables,
      target: s.schema !== undefined ? { isolation: 'schema', schema: s.schema } : { isolation: 'database' },
    })),
    shared,
    unassigned: [],
  };
}

function ddlOf(schema: SchemaModel, plan: Plan, service: string): ServiceDdl {
  return buildServiceDdl(buildGenerateContext({ schema, plan }), service);
}

const sqlOf = (schema: SchemaModel, plan: Plan, service: string) => renderSchemaSql(ddlOf(schema, plan, service));

describe('re-qualifying expression text', () => {
  const resolver: NameResolver = {
    type: (schema, name) => ((schema ?? 'public') === 'public' && name === 'order_status') || (schema === 'audit' && name === 'kind') ? `svc.${name}` : undefined,
    relation: (schema, name) => ((schema ?? 'public') === 'public' && name === 'orders_id_seq') || (schema === 'audit' && name === 'log_id_seq') ? `svc.${name}` : undefined,
  };

  it('qualifies cast types and regclass literals, and leaves everything else alone', () => {
    expect(requalify(`'pending'::order_status`, resolver)).toBe(`'pending'::svc.order_status`);
    expect(requalify(`status = ANY (ARRAY['a'::order_status, 'b'::order_status])`, resolver)).toBe(`status = ANY (ARRAY['a'::svc.order_status, 'b'::svc.order_status])`);
    expect(requalify(`nextval('orders_id_seq'::regclass)`, resolver)).toBe(`nextval('svc.orders_id_seq'::regclass)`);
    expect(requalify(`nextval('audit.log_id_seq'::regclass)`, resolver)).toBe(`nextval('svc.log_id_seq'::regclass)`);
    expect(requalify(`nextval('orders_id_seq')`, resolver)).toBe(`nextval('svc.orders_id_seq')`);
    expect(requalify(`CAST(x AS audit.kind)`, resolver)).toBe(`CAST(x AS svc.kind)`);
    expect(requalify(`'x'::"audit".kind`, resolver)).toBe(`'x'::svc.kind`);
    // Inside a string, in a column name, or another type: untouched.
    expect(requalify(`note = 'cast to ::order_status'`, resolver)).toBe(`note = 'cast to ::order_status'`);
    expect(requalify(`order_status IS NOT NULL AND (kind)::text <> ''`, resolver)).toBe(`order_status IS NOT NULL AND (kind)::text <> ''`);
    expect(requalify(`'other_seq'::regclass`, resolver)).toBe(`'other_seq'::regclass`);
  });
});

describe('per-service schema.sql', () => {
  const SQL = `
    CREATE SCHEMA audit;
    CREATE TYPE order_status AS ENUM ('pending', 'paid');
    CREATE TYPE audit.kind AS ENUM ('a', 'b');
    CREATE DOMAIN email AS text CHECK (VALUE LIKE '%@%');
    CREATE DOMAIN unused_domain AS integer;
    CREATE TABLE currencies (code char(3) PRIMARY KEY);
    CREATE TABLE countries (code char(2) PRIMARY KEY, currency_code char(3) NOT NULL REFERENCES currencies (code));
    CREATE TABLE users (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, email email NOT NULL, country_code char(2) REFERENCES countries (code));
    CREATE TABLE orders (
      id bigserial PRIMARY KEY,
      user_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
      buyer_id bigint REFERENCES users (id),
      status order_status NOT NULL DEFAULT 'pending'::order_status,
      "Note Text" text COLLATE "C",
      payload jsonb,
      CONSTRAINT "Orders_Check" CHECK (payload IS NULL OR payload ? 'v')
    );
    CREATE INDEX orders_buyer_recent ON orders (buyer_id, id);
    CREATE TABLE order_lines (order_id bigint NOT NULL REFERENCES orders (id), line int NOT NULL, PRIMARY KEY (order_id, line));
    CREATE TABLE audit.log (id serial PRIMARY KEY, kind audit.kind NOT NULL, at timestamptz NOT NULL) ;
    CREATE TABLE audit.events (at timestamptz NOT NULL, user_id bigint) PARTITION BY RANGE (at);
    CREATE TABLE audit.events_2024 PARTITION OF audit.events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
    CREATE TABLE audit.buckets (k int NOT NULL) PARTITION BY HASH (k);
    COMMENT ON COLUMN orders.buyer_id IS 'who paid';
  `;
  const plan = planOf(
    {
      identity: { tables: ['public.users'] },
      orders: { tables: ['public.orders', 'public.order_lines'], schema: 'sales' },
      audit: { tables: ['audit.log', 'audit.events', 'audit.buckets'], schema: 'auditing' },
    },
    ['public.currencies', 'public.countries'],
  );

  it('keeps foreign keys inside the service and turns cross-boundary ones into indexed, commented references', () => {
    const schema = parse(SQL);
    const ddl = ddlOf(schema, plan, 'orders');
    const sql = renderSchemaSql(ddl);
    expect(sql).toContain('ALTER TABLE sales.order_lines\n    ADD CONSTRAINT order_lines_order_id_fkey FOREIGN KEY (order_id)\n    REFERENCES sales.orders (id)');
    expect(sql).not.toMatch(/REFERENCES \S*users/);
    expect(ddl.removedForeignKeys.map((r) => r.foreignKey.from.columns.join())).toEqual(['buyer_id', 'user_id']);
    // buyer_id already leads an index; user_id gets one.
    expect(ddl.referenceIndexes.map((i) => `${i.name}(${i.columns.join()})`)).toEqual(['orders_user_id_idx(user_id)']);
    expect(sql).toContain('CREATE INDEX orders_user_id_idx ON sales.orders (user_id);');
    expect(sql).toContain(`COMMENT ON COLUMN sales.orders.user_id IS 'references identity: public.users(id) — loose foreign key, see references.md';`);
    expect(sql).toContain(`COMMENT ON COLUMN sales.orders.buyer_id IS 'who paid\nreferences identity: public.users(id) — plain reference, see references.md';`);
  });

  it('creates everything in the service schema with isolation schema, re-qualifying types, sequences and defaults', () => {
    const sql = sqlOf(parse(SQL), plan, 'orders');
    expect(sql).toContain('CREATE SCHEMA IF NOT EXISTS sales;');
    expect(sql).toContain(`CREATE TYPE sales.order_status AS ENUM ('pending', 'paid');`);
    expect(sql).toContain('CREATE SEQUENCE sales.orders_id_seq START WITH 1;');
    expect(sql).toContain(`id bigint DEFAULT nextval('sales.orders_id_seq'::regclass) NOT NULL`);
    expect(sql).toContain(`status sales.order_status DEFAULT 'pending'::sales.order_status NOT NULL`);
    expect(sql).toContain(`"Note Text" text COLLATE "C"`);
    expect(sql).toContain(`CONSTRAINT "Orders_Check" CHECK (payload IS NULL OR payload ? 'v')`);
    expect(sql).toContain('ALTER SEQUENCE sales.orders_id_seq OWNED BY sales.orders.id;');
    // Types the service does not use are not created.
    expect(sql).not.toContain('email');
    expect(sql).not.toContain('kind');
    expect(sql).toContain('not read live (schema from DDL)');
    expect(sql).toContain('sync every sequence and');
  });

  it('moves objects of another monolith schema into the service schema', () => {
    const sql = sqlOf(parse(SQL), plan, 'audit');
    expect(sql).toContain(`CREATE TYPE auditing.kind AS ENUM ('a', 'b');`);
    expect(sql).toContain('CREATE SEQUENCE auditing.log_id_seq AS integer START WITH 1;');
    expect(sql).toContain(`id integer DEFAULT nextval('auditing.log_id_seq'::regclass) NOT NULL`);
    expect(sql).toContain('kind auditing.kind NOT NULL');
    const statements = sql.split('\n').filter((l) => !l.startsWith('--')).join('\n');
    expect(statements).not.toMatch(/\baudit\./);
  });

  it('creates a partitioned table with one catch-all partition and says why', () => {
    const sql = sqlOf(parse(SQL), plan, 'audit');
    expect(sql).toContain(') PARTITION BY RANGE (at);');
    expect(sql).toContain('CREATE TABLE auditing.events_default PARTITION OF auditing.events DEFAULT;');
    expect(sql).toContain('(audit.events_2024) are not recreated');
    expect(sql).toContain('CREATE TABLE auditing.buckets_p0 PARTITION OF auditing.buckets FOR VALUES WITH (MODULUS 1, REMAINDER 0);');
  });

  it('keeps original schema names with isolation database, and copies the shared tables a service references, transitively', () => {
    const ddl = ddlOf(parse(SQL), plan, 'identity');
    const sql = renderSchemaSql(ddl);
    expect(ddl.sharedCopies).toEqual(['public.countries', 'public.currencies']);
    expect(sql).toContain('CREATE TABLE public.currencies (');
    expect(sql).toContain('REFERENCES public.countries (code)');
    expect(sql).toContain('REFERENCES public.currencies (code)');
    expect(sql).toContain('CREATE DOMAIN public.email AS text');
    expect(sql).toContain('GENERATED ALWAYS AS IDENTITY (SEQUENCE NAME public.users_id_seq START WITH 1)');
    expect(sql).not.toContain('CREATE SCHEMA');
    expect(ddlOf(parse(SQL), plan, 'orders').sharedCopies).toEqual([]);
  });

  it('starts sequences and identities above the monolith value of a live model', () => {
    const schema = parse(SQL);
    const live: SchemaModel = {
      ...schema,
      source: { kind: 'live', description: 'test' },
      sequences: schema.sequences.map((s) => (s.name === 'orders_id_seq' ? { ...s, lastValue: '41' } : s.name === 'users_id_seq' ? { ...s, lastValue: '9000000000' } : s)),
    };
    expect(sqlOf(live, plan, 'orders')).toContain('CREATE SEQUENCE sales.orders_id_seq START WITH 42;');
    expect(sqlOf(live, plan, 'orders')).toContain('public.orders_id_seq: monolith at 41 when generated');
    expect(sqlOf(live, plan, 'identity')).toContain('START WITH 9000000001');
  });

  it('orders tables so that referenced ones come first, and is deterministic', () => {
    const schema = parse(SQL);
    const ddl = ddlOf(schema, plan, 'identity');
    const creates = ddl.statements.filter((s) => s.section === 'tables' && s.sql.startsWith('CREATE TABLE')).map((s) => s.sql.split(' ')[2]);
    expect(creates).toEqual(['public.currencies', 'public.countries', 'public.users']);
    expect(sqlOf(parse(SQL), plan, 'identity')).toBe(sqlOf(schema, plan, 'identity'));
  });

  it('refuses names that would clash in one service schema', () => {
    const schema = parse('CREATE SCHEMA a; CREATE TABLE a.t (id int); CREATE TABLE t (id int);');
    expect(() => ddlOf(schema, planOf({ s: { tables: ['a.t', 'public.t'], schema: 's' } }), 's')).toThrow(/public\.t.*would both be relation t in schema s|a\.t.*would both be/);
  });

  it('quotes identifiers only where needed', () => {
    const schema = parse(`CREATE TABLE "Order Lines" ("Qty" int NOT NULL, "select" text, plain text);`);
    const sql = sqlOf(schema, planOf({ s: { tables: ['public.Order Lines'] } }), 's');
    expect(sql).toContain('CREATE TABLE public."Order Lines" (\n    "Qty" integer NOT NULL,\n    "select" text,\n    plain text\n);');
  });
});

describe('knex migration and knexfile', () => {
  const schema = () =>
    parse(
      `CREATE TABLE docs (id serial PRIMARY KEY, body jsonb CHECK (body ? 'title'), note text DEFAULT 'tick');
       CREATE TABLE codes (code text CHECK (code ~ '^a\\?$'));`.replace(`'tick'`, `'\`\${x}'`),
    );

  it('writes one knex.raw per statement with ? escaped, and a backslash before ? through EXECUTE', () => {
    const ddl = ddlOf(schema(), planOf({ s: { tables: ['public.docs', 'public.codes'] } }), 's');
    const js = renderKnexMigration(ddl);
    expect(js).toContain('exports.up = async function up(knex) {');
    expect(js).toContain('exports.down = async function down(knex) {');
    expect(js.match(/await knex\.raw\(/g)?.length).toBeGreaterThanOrEqual(ddl.statements.length + ddl.drops.length);
    expect(js).toContain(`CHECK (body \\\\? 'title')`);
    expect(js).toContain(`set_config('dbsplit.statement', ?, false)`);
    expect(js).toContain("DEFAULT '\\`\\${x}'");
    expect(js).toContain('await knex.raw(`DROP TABLE public.docs`);');
    // The file is valid JavaScript.
    expect(() => new Function('exports', js)).not.toThrow();
  });

  it('reads the URL from an environment variable, never a literal', () => {
    const plan = planOf({ s: { tables: ['public.docs'], schema: 'svc' } });
    const withUrl: Plan = { ...plan, services: plan.services.map((s) => ({ ...s, target: { ...s.target!, url: 'postgres://app:s3cret@db.internal/shop' } })) };
    const ddl = ddlOf(schema(), withUrl, 's');
    const js = renderKnexfile(ddl);
    expect(js).toContain('process.env[URL_VARIABLE]');
    expect(js).toContain('const URL_VARIABLE = "S_DATABASE_URL";');
    expect(js).toContain('schemaName: "svc"');
    expect(js).not.toContain('s3cret');
    expect(js).not.toContain('db.internal');
  });
});
