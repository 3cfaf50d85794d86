import { beforeAll, describe, expect, it } from 'vitest';
import { parseDdl } from '../../src/analyzers/ddl/parse-ddl.js';
import { ready } from '../../src/analyzers/sql-parser.js';
import type { SchemaModel, Table } from '../../src/model/schema.js';

beforeAll(async () => {
  await ready();
});

function parse(sql: string, searchPath?: string[]): SchemaModel {
  return parseDdl([{ path: 'test.sql', text: sql }], searchPath ? { searchPath } : {});
}

function table(model: SchemaModel, qualified: string): Table {
  const t = model.tables.find((x) => `${x.schema}.${x.name}` === qualified);
  if (!t) throw new Error(`no table ${qualified} in ${model.tables.map((x) => `${x.schema}.${x.name}`).join(', ')}`);
  return t;
}

function column(model: SchemaModel, qualified: string, name: string) {
  const c = table(model, qualified).columns.find((x) => x.name === name);
  if (!c) throw new Error(`no column ${name}`);
  return c;
}

describe('CREATE TABLE columns', () => {
  it('reads types, nullability, defaults, collation and generated columns in declaration order', () => {
    const m = parse(`
      CREATE TABLE items (
        id bigint NOT NULL,
        name varchar(80) COLLATE "C" NOT NULL DEFAULT 'unnamed' CHECK (name <> ''),
        price numeric(10, 2) DEFAULT (1 + 2) * 3 NULL,
        note text DEFAULT 'a, b) c' /* a comment */ ,
        created timestamptz DEFAULT now(),
        gross numeric GENERATED ALWAYS AS (price * 1.21) STORED,
        tags text[] DEFAULT '{}'
      );`);
    const t = table(m, 'public.items');
    expect(t.columns.map((c) => c.name)).toEqual(['id', 'name', 'price', 'note', 'created', 'gross', 'tags']);
    expect(column(m, 'public.items', 'id')).toEqual({ name: 'id', type: 'bigint', nullable: false });
    expect(column(m, 'public.items', 'name')).toEqual({
      name: 'name',
      type: 'character varying(80)',
      nullable: false,
      default: "'unnamed'",
      collation: 'C',
    });
    expect(column(m, 'public.items', 'price').default).toBe('(1 + 2) * 3');
    expect(column(m, 'public.items', 'price').nullable).toBe(true);
    expect(column(m, 'public.items', 'note').default).toBe("'a, b) c'");
    expect(column(m, 'public.items', 'created').default).toBe('now()');
    expect(column(m, 'public.items', 'gross').generated).toBe('price * 1.21');
    expect(column(m, 'public.items', 'tags')).toMatchObject({ type: 'text[]', default: "'{}'" });
  });

  it('cuts expressions at the right place in files with multi-byte characters', () => {
    const m = parse(`-- café ☕ 😀 — naïve\nCREATE TABLE "café" ("prix€" text DEFAULT 'naïve 😀', b int DEFAULT 1 CHECK (b > 0), c text DEFAULT 'ü');\nCREATE INDEX ON "café" (lower("prix€")) WHERE c <> '😀';`);
    const t = table(m, 'public.café');
    expect(t.columns.map((c) => [c.name, c.default])).toEqual([
      ['prix€', "'naïve 😀'"],
      ['b', '1'],
      ['c', "'ü'"],
    ]);
    expect(t.checks).toEqual([{ name: 'café_b_check', expression: 'b > 0' }]);
    expect(t.indexes).toEqual([{ name: 'café_lower_idx', columns: ['lower("prix€")'], unique: false, method: 'btree', predicate: "c <> '😀'" }]);
  });

  it('ends a default where a COLLATE clause written after it starts', () => {
    const m = parse(`CREATE TABLE t (a text DEFAULT 'x' COLLATE "C" NOT NULL, b text COLLATE "C" DEFAULT 'y');`);
    expect(table(m, 'public.t').columns).toEqual([
      { name: 'a', type: 'text', nullable: false, default: "'x'", collation: 'C' },
      { name: 'b', type: 'text', nullable: true, default: "'y'", collation: 'C' },
    ]);
  });

  it('gives serial columns an owned sequence and the nextval default PostgreSQL shows', () => {
    const m = parse(`
      CREATE SCHEMA audit;
      CREATE TABLE orders (id serial PRIMARY KEY, big bigserial, small smallserial);
      CREATE TABLE audit.events (id bigserial);`);
    expect(column(m, 'public.orders', 'id')).toEqual({
      name: 'id',
      type: 'integer',
      nullable: false,
      default: "nextval('orders_id_seq'::regclass)",
    });
    expect(column(m, 'public.orders', 'big').type).toBe('bigint');
    expect(column(m, 'public.orders', 'small').type).toBe('smallint');
    expect(column(m, 'audit.events', 'id').default).toBe("nextval('audit.events_id_seq'::regclass)");
    expect(m.sequences).toEqual([
      { schema: 'audit', name: 'events_id_seq', type: 'bigint', start: '1', increment: '1', ownedBy: { schema: 'audit', table: 'events', column: 'id' } },
      { schema: 'public', name: 'orders_big_seq', type: 'bigint', start: '1', increment: '1', ownedBy: { schema: 'public', table: 'orders', column: 'big' } },
      { schema: 'public', name: 'orders_id_seq', type: 'integer', start: '1', increment: '1', ownedBy: { schema: 'public', table: 'orders', column: 'id' } },
      { schema: 'public', name: 'orders_small_seq', type: 'smallint', start: '1', increment: '1', ownedBy: { schema: 'public', table: 'orders', column: 'small' } },
    ]);
  });

  it('records identity columns with their sequence and no default', () => {
    const m = parse(`
      CREATE TABLE a (id bigint GENERATED ALWAYS AS IDENTITY (START WITH 100 INCREMENT BY 5), b int GENERATED BY DEFAULT AS IDENTITY);`);
    expect(column(m, 'public.a', 'id')).toEqual({ name: 'id', type: 'bigint', nullable: false, identity: 'always' });
    expect(column(m, 'public.a', 'b')).toEqual({ name: 'b', type: 'integer', nullable: false, identity: 'by default' });
    expect(m.sequences.map((s) => [s.name, s.type, s.start, s.increment, s.ownedBy?.column])).toEqual([
      ['a_b_seq', 'integer', '1', '1', 'b'],
      ['a_id_seq', 'bigint', '100', '5', 'id'],
    ]);
  });

  it('keeps quoted identifiers as written and folds unquoted ones', () => {
    const m = parse(`CREATE TABLE "OrderLines" ("lineId" int PRIMARY KEY, Qty INT, "Note" TEXT);`);
    const t = table(m, 'public.OrderLines');
    expect(t.columns.map((c) => c.name)).toEqual(['lineId', 'qty', 'Note']);
    expect(t.primaryKeyName).toBe('OrderLines_pkey');
    expect(t.primaryKey).toEqual(['lineId']);
  });

  it('resolves user types on the search path and prints them as format_type() does', () => {
    const m = parse(`
      CREATE SCHEMA audit;
      CREATE TYPE mood AS ENUM ('ok');
      CREATE TYPE audit.kind AS ENUM ('x');
      CREATE DOMAIN audit.positive AS integer CHECK (VALUE > 0);
      CREATE TABLE t (a mood, b audit.kind[], c public.mood);
      SET search_path TO audit, public;
      CREATE TABLE u (a kind, b positive, c mood);`);
    expect(table(m, 'public.t').columns.map((c) => c.type)).toEqual(['mood', 'audit.kind[]', 'mood']);
    expect(table(m, 'audit.u').columns.map((c) => c.type)).toEqual(['audit.kind', 'audit.positive', 'mood']);
  });

  it('marks UNLOGGED tables and records comments', () => {
    const m = parse(`
      CREATE UNLOGGED TABLE cache (k text PRIMARY KEY, v text);
      COMMENT ON TABLE cache IS 'scratch space';
      COMMENT ON COLUMN cache.v IS 'the value';
      COMMENT ON COLUMN public.cache.k IS 'key';
      COMMENT ON COLUMN cache.k IS NULL;`);
    const t = table(m, 'public.cache');
    expect(t.unlogged).toBe(true);
    expect(t.comment).toBe('scratch space');
    expect(t.columns.find((c) => c.name === 'v')?.comment).toBe('the value');
    expect(t.columns.find((c) => c.name === 'k')?.comment).toBeUndefined();
  });

  it('copies columns, defaults, checks and indexes with LIKE ... INCLUDING ALL', () => {
    const m = parse(`
      CREATE TABLE src (id int PRIMARY KEY, email text NOT NULL UNIQUE DEFAULT 'x', n int CHECK (n > 0));
      CREATE INDEX ON src (lower(email));
      CREATE TABLE plain (LIKE src);
      CREATE TABLE full_copy (LIKE src INCLUDING ALL, extra int);`);
    const plain = table(m, 'public.plain');
    expect(plain.columns.map((c) => [c.name, c.type, c.nullable, c.default])).toEqual([
      ['id', 'integer', false, undefined],
      ['email', 'text', false, undefined],
      ['n', 'integer', true, undefined],
    ]);
    expect(plain.primaryKey).toEqual([]);
    const full = table(m, 'public.full_copy');
    expect(full.columns.map((c) => c.name)).toEqual(['id', 'email', 'n', 'extra']);
    expect(full.columns[1]!.default).toBe("'x'");
    expect(full.primaryKeyName).toBe('full_copy_pkey');
    expect(full.uniqueKeys).toEqual([{ name: 'full_copy_email_key', columns: ['email'] }]);
    expect(full.checks).toEqual([{ name: 'src_n_check', expression: 'n > 0' }]);
    expect(full.indexes.map((i) => i.name)).toEqual(['full_copy_email_key', 'full_copy_lower_idx', 'full_copy_pkey']);
  });

  it('creates tables from CREATE TABLE AS and SELECT INTO, with the types it can know', () => {
    const m = parse(`
      CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL);
      CREATE TABLE orders (id int PRIMARY KEY, user_id bigint, total numeric(10,2));
      CREATE TABLE order_copy AS SELECT o.*, u.email AS mail, 1::smallint AS one, count(*) FROM orders o JOIN users u ON u.id = o.user_id WITH NO DATA;
      CREATE TABLE renamed (a, b) AS SELECT id, email FROM users;
      SELECT * INTO users_backup FROM users;
      ALTER TABLE users_backup ADD PRIMARY KEY (id);`);
    expect(table(m, 'public.order_copy').columns.map((c) => [c.name, c.type, c.nullable])).toEqual([
      ['id', 'integer', true],
      ['user_id', 'bigint', true],
      ['total', 'numeric(10,2)', true],
      ['mail', 'text', true],
      ['one', 'smallint', true],
      ['count', 'unknown', true],
    ]);
    expect(table(m, 'public.renamed').columns.map((c) => [c.name, c.type])).toEqual([
      ['a', 'bigint'],
      ['b', 'text'],
    ]);
    expect(table(m, 'public.users_backup')).toMatchObject({ primaryKey: ['id'], primaryKeyName: 'users_backup_pkey' });
  });

  it('leaves temporary tables out, while statements on them still apply', () => {
    const m = parse(`
      CREATE TABLE keep (id int);
      CREATE TEMP TABLE scratch (id serial PRIMARY KEY, keep_id int);
      ALTER TABLE scratch ADD FOREIGN KEY (keep_id) REFERENCES keep (id);
      CREATE INDEX ON scratch (keep_id);
      CREATE TEMPORARY TABLE keep (x int);
      DROP TABLE scratch;`);
    expect(m.tables.map((t) => `${t.schema}.${t.name}`)).toEqual(['public.keep']);
    expect(m.sequences).toEqual([]);
    expect(m.foreignKeys).toEqual([]);
  });

  it('records INHERITS and copies the parent columns first', () => {
    const m = parse(`
      CREATE TABLE base (id int PRIMARY KEY, label text NOT NULL CHECK (label <> ''));
      CREATE TABLE child (extra int, label text) INHERITS (base);`);
    const child = table(m, 'public.child');
    expect(child.inherits).toEqual([{ schema: 'public', name: 'base' }]);
    expect(child.columns.map((c) => [c.name, c.nullable])).toEqual([
      ['id', false],
      ['label', false],
      ['extra', true],
    ]);
    expect(child.checks.map((c) => c.name)).toEqual(['base_label_check']);
    expect(child.primaryKey).toEqual([]);
  });
});

describe('views, types, sequences', () => {
  it('records the tables a view reads, without CTE names, resolved on the search path', () => {
    const m = parse(`
      CREATE SCHEMA s;
      CREATE TABLE s.a (id int);
      CREATE TABLE b (id int);
      CREATE TABLE c (id int);
      SET search_path = s, public;
      CREATE VIEW v AS
        WITH recent AS (SELECT * FROM a WHERE id > 1)
        SELECT * FROM recent JOIN b USING (id)
        WHERE EXISTS (SELECT 1 FROM public.c WHERE c.id = b.id)
        UNION SELECT id FROM ONLY a;
      CREATE MATERIALIZED VIEW public.m AS SELECT count(*) FROM v, pg_class WITH NO DATA;`);
    expect(m.views).toEqual([
      {
        schema: 'public',
        name: 'm',
        materialized: true,
        reads: [
          { schema: 'pg_catalog', name: 'pg_class' },
          { schema: 's', name: 'v' },
        ],
        definition: 'SELECT count(*) FROM v, pg_class',
      },
      expect.objectContaining({
        schema: 's',
        name: 'v',
        materialized: false,
        reads: [
          { schema: 'public', name: 'b' },
          { schema: 'public', name: 'c' },
          { schema: 's', name: 'a' },
        ],
      }),
    ]);
  });

  it('reads enums with ADD VALUE BEFORE/AFTER and RENAME VALUE', () => {
    const m = parse(`
      CREATE TYPE status AS ENUM ('new', 'done');
      ALTER TYPE status ADD VALUE 'doing' BEFORE 'done';
      ALTER TYPE status ADD VALUE 'archived' AFTER 'done';
      ALTER TYPE status ADD VALUE 'first' BEFORE 'new';
      ALTER TYPE status ADD VALUE IF NOT EXISTS 'done';
      ALTER TYPE status ADD VALUE 'last';
      ALTER TYPE status RENAME VALUE 'new' TO 'created';`);
    expect(m.enums).toEqual([{ schema: 'public', name: 'status', values: ['first', 'created', 'doing', 'done', 'archived', 'last'] }]);
  });

  it('reads domains with their base type, NOT NULL, default and named checks', () => {
    const m = parse(`
      CREATE DOMAIN email AS varchar(255) NOT NULL DEFAULT 'nobody@example.com'
        CONSTRAINT email_has_at CHECK (VALUE LIKE '%@%') CHECK (length(VALUE) > 3);`);
    expect(m.domains).toEqual([
      {
        schema: 'public',
        name: 'email',
        baseType: 'character varying(255)',
        notNull: true,
        default: "'nobody@example.com'",
        checks: [
          { name: 'email_check', expression: 'length(VALUE) > 3' },
          { name: 'email_has_at', expression: "VALUE LIKE '%@%'" },
        ],
      },
    ]);
  });

  it('reads sequences with type, start, increment and OWNED BY', () => {
    const m = parse(`
      CREATE TABLE t (id int);
      CREATE SEQUENCE s1;
      CREATE SEQUENCE s2 AS integer START WITH 10 INCREMENT BY 5;
      CREATE SEQUENCE s3 INCREMENT BY -1;
      CREATE SEQUENCE s4 INCREMENT -2 MAXVALUE 100;
      CREATE SEQUENCE IF NOT EXISTS s1;
      ALTER SEQUENCE s1 OWNED BY t.id;
      ALTER SEQUENCE s2 OWNED BY public.t.id;
      ALTER SEQUENCE s2 OWNED BY NONE;
      ALTER SEQUENCE IF EXISTS nope OWNED BY NONE;`);
    expect(m.sequences).toEqual([
      { schema: 'public', name: 's1', type: 'bigint', start: '1', increment: '1', ownedBy: { schema: 'public', table: 't', column: 'id' } },
      { schema: 'public', name: 's2', type: 'integer', start: '10', increment: '5' },
      { schema: 'public', name: 's3', type: 'bigint', start: '-1', increment: '-1' },
      { schema: 'public', name: 's4', type: 'bigint', start: '100', increment: '-2' },
    ]);
  });

  it('removes dropped objects and ignores what it does not model', () => {
    const m = parse(`
      CREATE EXTENSION IF NOT EXISTS pgcrypto;
      CREATE TABLE a (id int PRIMARY KEY);
      CREATE TABLE b (id int PRIMARY KEY, a_id int REFERENCES a);
      CREATE VIEW v AS SELECT * FROM a;
      CREATE TYPE e AS ENUM ('x');
      CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $$ SELECT 1; $$;
      CREATE TRIGGER tr BEFORE INSERT ON a FOR EACH ROW EXECUTE FUNCTION f();
      GRANT SELECT ON a TO PUBLIC;
      CREATE POLICY p ON a USING (true);
      DROP VIEW v;
      DROP TYPE e;
      DROP TABLE a CASCADE;
      DROP TABLE IF EXISTS never_existed;
      CREATE TABLE a (id bigint);`);
    expect(m.tables.map((t) => t.name)).toEqual(['a', 'b']);
    expect(m.foreignKeys).toEqual([]);
    expect(m.views).toEqual([]);
    expect(m.enums).toEqual([]);
    expect(table(m, 'public.a').columns[0]!.type).toBe('bigint');
  });

  it('follows renames of tables, columns and constraints', () => {
    const m = parse(`
      CREATE TABLE users (id int PRIMARY KEY, mail text UNIQUE);
      CREATE TABLE orders (id int PRIMARY KEY, uid int REFERENCES users (id));
      ALTER TABLE users RENAME TO customers;
      ALTER TABLE customers RENAME COLUMN id TO customer_id;
      ALTER TABLE orders RENAME COLUMN uid TO customer_id;
      ALTER TABLE customers RENAME CONSTRAINT users_mail_key TO customers_mail_key;
      ALTER INDEX users_pkey RENAME TO customers_pkey;`);
    const customers = table(m, 'public.customers');
    expect(customers.primaryKey).toEqual(['customer_id']);
    expect(customers.primaryKeyName).toBe('customers_pkey');
    expect(customers.uniqueKeys).toEqual([{ name: 'customers_mail_key', columns: ['mail'] }]);
    expect(m.foreignKeys).toEqual([
      expect.objectContaining({
        name: 'orders_uid_fkey',
        from: { schema: 'public', table: 'orders', columns: ['customer_id'] },
        to: { schema: 'public', table: 'customers', columns: ['customer_id'] },
      }),
    ]);
  });

  it('moves tables and types with SET SCHEMA', () => {
    const m = parse(`
      CREATE SCHEMA archive;
      CREATE TYPE state AS ENUM ('a');
      CREATE TABLE old_orders (id serial PRIMARY KEY, s state);
      ALTER TABLE old_orders SET SCHEMA archive;
      ALTER TYPE state SET SCHEMA archive;`);
    expect(m.tables.map((t) => `${t.schema}.${t.name}`)).toEqual(['archive.old_orders']);
    expect(m.sequences.map((s) => `${s.schema}.${s.name}`)).toEqual(['archive.old_orders_id_seq']);
    expect(m.enums.map((e) => `${e.schema}.${e.name}`)).toEqual(['archive.state']);
    expect(column(m, 'archive.old_orders', 's').type).toBe('archive.state');
    expect(column(m, 'archive.old_orders', 'id').default).toBe("nextval('archive.old_orders_id_seq'::regclass)");
  });

  it('shows a renamed sequence in the defaults that use it', () => {
    const m = parse(`
      CREATE TABLE t (id serial, other int DEFAULT nextval('t_id_seq'));
      ALTER SEQUENCE t_id_seq RENAME TO "T_ids";`);
    expect(table(m, 'public.t').columns.map((c) => c.default)).toEqual([`nextval('"T_ids"'::regclass)`, `nextval('"T_ids"'::regclass)`]);
  });
});

describe('search path and schemas', () => {
  it('creates unqualified objects in the first schema of the search path', () => {
    const m = parse(`
      CREATE SCHEMA app;
      SET search_path = app, public;
      CREATE TABLE a (id int);
      SET search_path TO DEFAULT;
      CREATE TABLE b (id int);
      SELECT pg_catalog.set_config('search_path', 'app', false);
      CREATE TABLE c (id int);
      RESET search_path;
      CREATE TABLE d (id int);`);
    expect(m.tables.map((t) => `${t.schema}.${t.name}`)).toEqual(['app.a', 'app.c', 'public.b', 'public.d']);
    expect(m.schemas).toEqual(['app', 'public']);
  });

  it('starts from options.searchPath and again at each file', () => {
    const m = parseDdl(
      [
        { path: 'one.sql', text: 'CREATE SCHEMA other; CREATE TABLE a (id int); SET search_path = other;' },
        { path: 'two.sql', text: 'CREATE TABLE b (id int);' },
      ],
      { searchPath: ['app'] },
    );
    expect(m.tables.map((t) => `${t.schema}.${t.name}`)).toEqual(['app.a', 'app.b']);
    expect(m.source).toEqual({ kind: 'ddl', description: 'one.sql, two.sql' });
  });

  it('puts CREATE SCHEMA elements in the new schema', () => {
    const m = parse(`
      CREATE SCHEMA shop
        CREATE TABLE items (id serial PRIMARY KEY, price int CHECK (price > 0))
        CREATE VIEW cheap AS SELECT * FROM items WHERE price < 10
        CREATE INDEX ON items (price);
      CREATE TABLE items (id int);`);
    expect(m.tables.map((t) => `${t.schema}.${t.name}`)).toEqual(['public.items', 'shop.items']);
    expect(table(m, 'shop.items').indexes.map((i) => i.name)).toEqual(['items_pkey', 'items_price_idx']);
    expect(column(m, 'shop.items', 'id').default).toBe("nextval('shop.items_id_seq'::regclass)");
    expect(m.views[0]).toMatchObject({ schema: 'shop', name: 'cheap', reads: [{ schema: 'shop', name: 'items' }] });
  });

  it('applies later files to objects of earlier ones', () => {
    const m = parseDdl(
      [
        { path: '001.sql', text: 'CREATE TABLE users (id int PRIMARY KEY); CREATE TABLE orders (id int, user_id int);' },
        { path: '002.sql', text: 'ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users;\nALTER TABLE orders ADD PRIMARY KEY (id);' },
      ],
      {},
    );
    expect(m.foreignKeys.map((f) => f.name)).toEqual(['orders_user_fk']);
    expect(table(m, 'public.orders').primaryKey).toEqual(['id']);
  });
});
