import { beforeAll, describe, expect, it } from 'vitest';
import { parseDdl } from '../../src/analyzers/ddl/parse-ddl.js';
import { makeObjectName } from '../../src/analyzers/ddl/pg-names.js';
import { ready } from '../../src/analyzers/sql-parser.js';
import type { SchemaModel, Table } from '../../src/model/schema.js';

beforeAll(async () => {
  await ready();
});

function parse(sql: string): SchemaModel {
  return parseDdl([{ path: 'test.sql', text: sql }], {});
}

function table(model: SchemaModel, name: string, schema = 'public'): Table {
  const t = model.tables.find((x) => x.schema === schema && x.name === name);
  if (!t) throw new Error(`no table ${schema}.${name}`);
  return t;
}

describe('constraint and index names PostgreSQL would choose', () => {
  it('names unnamed keys, checks and foreign keys', () => {
    const m = parse(`
      CREATE TABLE users (id int PRIMARY KEY, email text UNIQUE, a int, b int, UNIQUE (a, b));
      CREATE TABLE t2 (
        a int CHECK (a > 0),
        b int,
        c int,
        CHECK (b > c),
        CHECK (true),
        CHECK (a > 1),
        FOREIGN KEY (a) REFERENCES users,
        FOREIGN KEY (a) REFERENCES users (id),
        FOREIGN KEY (b, c) REFERENCES users (a, b)
      );`);
    const users = table(m, 'users');
    expect(users.primaryKeyName).toBe('users_pkey');
    expect(users.uniqueKeys).toEqual([
      { name: 'users_a_b_key', columns: ['a', 'b'] },
      { name: 'users_email_key', columns: ['email'] },
    ]);
    expect(table(m, 't2').checks.map((c) => [c.name, c.expression])).toEqual([
      ['t2_a_check', 'a > 0'],
      ['t2_a_check1', 'a > 1'],
      ['t2_check', 'b > c'],
      ['t2_check1', 'true'],
    ]);
    expect(m.foreignKeys.map((f) => [f.name, f.to.columns])).toEqual([
      ['t2_a_fkey', ['id']],
      ['t2_a_fkey1', ['id']],
      ['t2_b_c_fkey', ['a', 'b']],
    ]);
  });

  it('names unnamed indexes after their columns, expressions and INCLUDE columns', () => {
    const m = parse(`
      CREATE TABLE users (id int PRIMARY KEY, email text, nick text, age int);
      CREATE INDEX ON users (lower(email));
      CREATE INDEX ON users (lower(email));
      CREATE INDEX ON users ((nick || email));
      CREATE INDEX ON users ((email::varchar));
      CREATE INDEX ON users (coalesce(nick, email));
      CREATE INDEX ON users (nick) INCLUDE (age);
      CREATE UNIQUE INDEX ON users (email, nick);
      CREATE INDEX ON users (nick, nick);
      CREATE INDEX named ON users USING hash (email);`);
    expect(table(m, 'users').indexes.map((i) => [i.name, i.columns.join(' | '), i.unique, i.method])).toEqual([
      ['named', 'email', false, 'hash'],
      ['users_coalesce_idx', 'coalesce(nick, email)', false, 'btree'],
      ['users_email_idx', '(email::varchar)', false, 'btree'],
      ['users_email_nick_idx', 'email | nick', true, 'btree'],
      ['users_expr_idx', '(nick || email)', false, 'btree'],
      ['users_lower_idx', 'lower(email)', false, 'btree'],
      ['users_lower_idx1', 'lower(email)', false, 'btree'],
      ['users_nick_age_idx', 'nick', false, 'btree'],
      ['users_nick_nick1_idx', 'nick | nick', false, 'btree'],
      ['users_pkey', 'id', true, 'btree'],
    ]);
  });

  // Expected names were read from PostgreSQL 18 after running the same DDL.
  it('truncates generated names to 63 bytes the way makeObjectName() does', () => {
    const longTable = 'a_table_name_that_is_quite_long_to_force_truncation_of_names';
    const colA = 'a_column_name_that_is_also_rather_long_for_naming_purposes';
    const colB = 'another_long_column_name_here_to_fill_the_identifier_budget';
    const m = parse(`
      CREATE TABLE ${longTable} (
        id bigserial PRIMARY KEY,
        ${colA} integer,
        ${colB} integer,
        UNIQUE (${colA}, ${colB}),
        CHECK (${colA} > 0)
      );`);
    const t = table(m, longTable);
    expect(t.primaryKeyName).toBe('a_table_name_that_is_quite_long_to_force_truncation_of_nam_pkey');
    expect(t.uniqueKeys[0]!.name).toBe('a_table_name_that_is_quite_lo_a_column_name_that_is_also_ra_key');
    expect(t.checks[0]!.name).toBe('a_table_name_that_is_quite_l_a_column_name_that_is_also_r_check');
    expect(m.sequences[0]!.name).toBe('a_table_name_that_is_quite_long_to_force_truncation_of_n_id_seq');
    for (const name of [t.primaryKeyName!, t.uniqueKeys[0]!.name, t.checks[0]!.name]) expect(Buffer.byteLength(name)).toBeLessThanOrEqual(63);
  });

  it('truncates multi-byte names without splitting a character', () => {
    const name = makeObjectName('café_commandes', 'référence_très_longue_avec_des_accents_pour_tronquer_le_nom', 'key');
    expect(name).toBe('café_commandes_référence_très_longue_avec_des_accents_p_key');
    expect(Buffer.byteLength(name)).toBeLessThanOrEqual(63);
  });

  it('avoids clashes with relations and constraints in the same schema', () => {
    const m = parse(`
      CREATE TABLE t (a int, b int);
      CREATE TABLE t_a_idx (x int);
      CREATE INDEX ON t (a);
      CREATE TABLE u (a int, CONSTRAINT t_b_key CHECK (a > 0));
      ALTER TABLE t ADD UNIQUE (b);`);
    expect(table(m, 't').indexes.map((i) => i.name)).toEqual(['t_a_idx1', 't_b_key1']);
    expect(table(m, 't').uniqueKeys.map((k) => k.name)).toEqual(['t_b_key1']);
  });

  it('reads foreign key options: actions, MATCH FULL, DEFERRABLE, INITIALLY DEFERRED', () => {
    const m = parse(`
      CREATE TABLE p (id int PRIMARY KEY, code text UNIQUE);
      CREATE TABLE c (
        p1 int REFERENCES p ON DELETE CASCADE ON UPDATE SET NULL DEFERRABLE INITIALLY DEFERRED,
        p2 int CONSTRAINT c_p2 REFERENCES p (id) MATCH FULL ON DELETE SET DEFAULT DEFERRABLE,
        code text,
        CONSTRAINT c_code FOREIGN KEY (code) REFERENCES p (code) ON DELETE RESTRICT NOT DEFERRABLE
      );`);
    const byName = Object.fromEntries(m.foreignKeys.map((f) => [f.name, f]));
    expect(byName.c_p1_fkey).toMatchObject({
      onDelete: 'cascade',
      onUpdate: 'set null',
      deferrable: true,
      initiallyDeferred: true,
      match: 'simple',
      inferred: false,
    });
    expect(byName.c_p2).toMatchObject({ onDelete: 'set default', onUpdate: 'no action', deferrable: true, initiallyDeferred: false, match: 'full' });
    expect(byName.c_code).toMatchObject({ onDelete: 'restrict', deferrable: false, to: { schema: 'public', table: 'p', columns: ['code'] } });
  });

  it('resolves references declared before the referenced table exists', () => {
    const m = parse(`
      CREATE TABLE orders (id int PRIMARY KEY, customer_id int REFERENCES customers);
      CREATE TABLE customers (id bigint PRIMARY KEY);`);
    expect(m.foreignKeys[0]).toMatchObject({ to: { schema: 'public', table: 'customers', columns: ['id'] } });
  });

  it('drops a unique constraint that repeats the primary key', () => {
    const m = parse(`CREATE TABLE t (id int PRIMARY KEY UNIQUE, a int UNIQUE UNIQUE);`);
    expect(table(m, 't').uniqueKeys.map((u) => u.name)).toEqual(['t_a_key']);
    expect(table(m, 't').indexes.map((i) => i.name)).toEqual(['t_a_key', 't_pkey']);
  });
});

describe('ALTER TABLE', () => {
  it('adds and drops constraints and columns', () => {
    const m = parse(`
      CREATE TABLE users (id int, email text, legacy int);
      CREATE TABLE orders (id int, user_id int, note text);
      ALTER TABLE ONLY users ADD CONSTRAINT users_pk PRIMARY KEY (id);
      ALTER TABLE IF EXISTS users ADD UNIQUE (email), ADD CHECK (email <> '');
      ALTER TABLE orders ADD COLUMN total numeric(10,2) NOT NULL DEFAULT 0,
        ADD COLUMN IF NOT EXISTS note text,
        ADD COLUMN buyer_id int REFERENCES users ON DELETE SET NULL,
        ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id);
      ALTER TABLE users DROP COLUMN legacy;
      ALTER TABLE orders DROP COLUMN IF EXISTS nothing_here;
      ALTER TABLE IF EXISTS missing ADD COLUMN x int;
      ALTER TABLE orders DROP CONSTRAINT IF EXISTS no_such_constraint;`);
    const users = table(m, 'users');
    expect(users.primaryKeyName).toBe('users_pk');
    expect(users.columns.map((c) => [c.name, c.nullable])).toEqual([
      ['id', false],
      ['email', true],
    ]);
    expect(users.uniqueKeys).toEqual([{ name: 'users_email_key', columns: ['email'] }]);
    expect(users.checks).toEqual([{ name: 'users_email_check', expression: "email <> ''" }]);
    const orders = table(m, 'orders');
    expect(orders.columns.map((c) => c.name)).toEqual(['id', 'user_id', 'note', 'total', 'buyer_id']);
    expect(orders.columns[3]).toEqual({ name: 'total', type: 'numeric(10,2)', nullable: false, default: '0' });
    expect(m.foreignKeys.map((f) => [f.name, f.from.columns[0], f.onDelete])).toEqual([
      ['orders_buyer_id_fkey', 'buyer_id', 'set null'],
      ['orders_user_fk', 'user_id', 'no action'],
    ]);
  });

  it('changes column defaults, nullability and types', () => {
    const m = parse(`
      CREATE TABLE t (a int, b text DEFAULT 'x', c int NOT NULL, d varchar(10));
      ALTER TABLE t ALTER COLUMN a SET DEFAULT (42),
        ALTER b DROP DEFAULT,
        ALTER COLUMN c DROP NOT NULL,
        ALTER COLUMN a SET NOT NULL,
        ALTER COLUMN d TYPE text COLLATE "C" USING d::text,
        ALTER COLUMN d SET DEFAULT lower('A, B');`);
    expect(table(m, 't').columns).toEqual([
      { name: 'a', type: 'integer', nullable: false, default: '(42)' },
      { name: 'b', type: 'text', nullable: true },
      { name: 'c', type: 'integer', nullable: true },
      { name: 'd', type: 'text', nullable: true, collation: 'C', default: "lower('A, B')" },
    ]);
  });

  it('adds identity to an existing column, and drops it', () => {
    const m = parse(`
      CREATE TABLE t (id bigint NOT NULL, other int NOT NULL);
      ALTER TABLE t ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (SEQUENCE NAME t_seq_custom START WITH 7);
      ALTER TABLE t ALTER COLUMN other ADD GENERATED BY DEFAULT AS IDENTITY;
      ALTER TABLE t ALTER COLUMN other DROP IDENTITY;`);
    expect(table(m, 't').columns.map((c) => c.identity)).toEqual(['always', undefined]);
    expect(m.sequences.map((s) => [s.name, s.start, s.ownedBy?.column])).toEqual([['t_seq_custom', '7', 'id']]);
  });

  it('turns a unique index into a constraint with ADD CONSTRAINT ... USING INDEX', () => {
    const m = parse(`
      CREATE TABLE t (id int NOT NULL, code text);
      CREATE UNIQUE INDEX t_code_uidx ON t (code);
      CREATE UNIQUE INDEX t_id_uidx ON t (id);
      ALTER TABLE t ADD CONSTRAINT t_code_key UNIQUE USING INDEX t_code_uidx;
      ALTER TABLE t ADD PRIMARY KEY USING INDEX t_id_uidx;`);
    const t = table(m, 't');
    expect(t.uniqueKeys).toEqual([{ name: 't_code_key', columns: ['code'] }]);
    expect(t.primaryKey).toEqual(['id']);
    expect(t.primaryKeyName).toBe('t_id_uidx');
    expect(t.indexes).toEqual([
      { name: 't_code_key', columns: ['code'], unique: true, method: 'btree', constraintBacked: true },
      { name: 't_id_uidx', columns: ['id'], unique: true, method: 'btree', constraintBacked: true },
    ]);
  });

  it('reads table-level NOT NULL constraints (PostgreSQL 18)', () => {
    const m = parse(`
      CREATE TABLE t (a int, b int, c int, CONSTRAINT a_nn NOT NULL a);
      ALTER TABLE t ADD CONSTRAINT b_nn NOT NULL b;`);
    expect(table(m, 't').columns.map((c) => c.nullable)).toEqual([false, false, true]);
  });

  it('records replica identity and ignores owner and row-level security changes', () => {
    const m = parse(`
      CREATE TABLE t (id int);
      ALTER TABLE t OWNER TO app;
      ALTER TABLE t ENABLE ROW LEVEL SECURITY;
      ALTER TABLE ONLY t REPLICA IDENTITY FULL;
      ALTER TABLE t SET UNLOGGED;`);
    expect(table(m, 't')).toMatchObject({ replicaIdentity: 'full', unlogged: true });
  });

  it('reads partial and expression indexes with their predicate', () => {
    const m = parse(`
      CREATE TABLE t (id int, email text, deleted_at timestamptz);
      CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS t_email_live ON ONLY t USING btree (lower(email) text_pattern_ops DESC NULLS LAST, id)
        INCLUDE (deleted_at) WITH (fillfactor = 90) WHERE deleted_at IS NULL AND email <> ';';
      CREATE INDEX IF NOT EXISTS t_email_live ON t (id);`);
    expect(table(m, 't').indexes).toEqual([
      { name: 't_email_live', columns: ['lower(email)', 'id'], unique: true, method: 'btree', predicate: "deleted_at IS NULL AND email <> ';'" },
    ]);
  });
});
