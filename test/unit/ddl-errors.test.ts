import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDdlSchema, naturalCompare } from '../../src/analyzers/ddl/load-ddl.js';
import { parseDdl } from '../../src/analyzers/ddl/parse-ddl.js';
import { ready } from '../../src/analyzers/sql-parser.js';
import { FileError, SqlSyntaxError } from '../../src/errors.js';

let dir: string;

beforeAll(async () => {
  await ready();
  dir = mkdtempSync(join(tmpdir(), 'dbsplit-ddl-'));
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

function syntaxError(files: { path: string; text: string }[]): SqlSyntaxError {
  try {
    parseDdl(files, {});
  } catch (e) {
    if (e instanceof SqlSyntaxError) return e;
    throw e;
  }
  throw new Error('no error raised');
}

describe('SQL that does not parse', () => {
  it('names the file, the line and the statement at fault', () => {
    const text = [
      '-- header',
      'CREATE TABLE a (id int);',
      '',
      'CREATE TABLE b (',
      '    id int,,',
      '    name text',
      ');',
      'CREATE TABLE c (id int);',
    ].join('\n');
    const err = syntaxError([{ path: 'schema/001.sql', text }]);
    expect(err.code).toBe('E_DDL_SYNTAX');
    expect(err.file).toBe('schema/001.sql');
    expect(err.line).toBe(5);
    expect(err.message).toBe('schema/001.sql:5: syntax error at or near "," in statement starting "CREATE TABLE b ( id int,,"');
    expect(err.hint).toMatch(/fix the SQL/);
  });

  it('counts lines of blanked meta-commands and COPY data', () => {
    const text = ['\\connect db', 'COPY a FROM stdin;', 'x', 'y', '\\.', 'CREATE TABLE oops (id int', ';'].join('\n');
    const err = syntaxError([{ path: 'dump.sql', text }]);
    expect(err.line).toBe(7);
    expect(err.message).toContain('in statement starting "CREATE TABLE oops (id int ;"');
  });

  it('counts lines right after multi-byte characters', () => {
    const err = syntaxError([{ path: 'u.sql', text: "-- ☕ déjà vu 😀\nCREATE TABLE a (t text DEFAULT 'é');\nCREATE TABLE b (x int\n  y int);" }]);
    expect(err.line).toBe(4);
    expect(err.message).toContain('syntax error at or near "y"');
  });

  it('reports the second file when it is the broken one', () => {
    const err = syntaxError([
      { path: 'one.sql', text: 'CREATE TABLE a (id int);' },
      { path: 'two.sql', text: 'CREATE TABLE b (id int);\nCREAT TABLE c (id int);' },
    ]);
    expect([err.file, err.line]).toEqual(['two.sql', 2]);
    expect(err.message).toContain('"CREAT TABLE c (id int)"');
  });

  it('reports statements on objects that do not exist at that point', () => {
    const alter = syntaxError([{ path: 'm.sql', text: 'CREATE TABLE a (id int);\n\nALTER TABLE b ADD COLUMN x int;' }]);
    expect(alter.line).toBe(3);
    expect(alter.message).toContain('table "b" does not exist');
    const index = syntaxError([{ path: 'm.sql', text: 'CREATE INDEX ON nowhere (id);' }]);
    expect(index.message).toContain('table "nowhere" does not exist');
    const column = syntaxError([{ path: 'm.sql', text: 'CREATE TABLE a (id int);\nALTER TABLE a ALTER COLUMN nope SET NOT NULL;' }]);
    expect([column.line, column.message]).toEqual([2, expect.stringContaining('column "nope" of relation "a" does not exist')]);
    const fk = syntaxError([{ path: 'm.sql', text: 'CREATE TABLE a (\n  id int,\n  b_id int REFERENCES b\n);' }]);
    expect([fk.line, fk.message]).toEqual([1, expect.stringContaining('referenced table "public.b" of foreign key "a_b_id_fkey" does not exist')]);
    const dup = syntaxError([{ path: 'm.sql', text: 'CREATE TABLE a (id int);\nCREATE TABLE a (id int);' }]);
    expect(dup.message).toContain('relation "public.a" already exists');
  });

  it('accepts what exists-guards make harmless', () => {
    const m = parseDdl(
      [{ path: 'm.sql', text: 'CREATE TABLE IF NOT EXISTS a (id int);\nCREATE TABLE IF NOT EXISTS a (other int);\nALTER TABLE IF EXISTS b ADD COLUMN x int;\nDROP TABLE IF EXISTS c;' }],
      {},
    );
    expect(m.tables.map((t) => t.columns.map((c) => c.name))).toEqual([['id']]);
  });
});

describe('loadDdlSchema', () => {
  it('reads files, globs (natural order) and directories, each file once', async () => {
    mkdirSync(join(dir, 'migrations'));
    writeFileSync(join(dir, 'migrations', 'V1__users.sql'), 'CREATE TABLE users (id int PRIMARY KEY);');
    writeFileSync(join(dir, 'migrations', 'V2__orders.sql'), 'CREATE TABLE orders (id int PRIMARY KEY, user_id int);');
    writeFileSync(join(dir, 'migrations', 'V10__fk.sql'), 'ALTER TABLE orders ADD FOREIGN KEY (user_id) REFERENCES users;');
    writeFileSync(join(dir, 'migrations', 'notes.txt'), 'not sql');
    const viaGlob = await loadDdlSchema(['migrations/*.sql'], { cwd: dir });
    expect(viaGlob.source.description).toBe('migrations/V1__users.sql, migrations/V2__orders.sql, migrations/V10__fk.sql');
    expect(viaGlob.foreignKeys.map((f) => f.name)).toEqual(['orders_user_id_fkey']);
    const viaDir = await loadDdlSchema(['migrations', 'migrations/V1__users.sql'], { cwd: dir });
    expect(viaDir.source.description).toBe('migrations/V1__users.sql, migrations/V2__orders.sql, migrations/V10__fk.sql');
    const plain = await loadDdlSchema([join(dir, 'migrations', 'V1__users.sql')], { cwd: '/', searchPath: ['app'] });
    expect(plain.tables.map((t) => `${t.schema}.${t.name}`)).toEqual(['app.users']);
  });

  it('says which path does not exist, or which glob matched nothing', async () => {
    await expect(loadDdlSchema(['missing.sql'], { cwd: dir })).rejects.toMatchObject({
      code: 'E_FILE_NOT_FOUND',
      path: 'missing.sql',
      message: 'no such file: missing.sql',
    });
    const err = await loadDdlSchema(['nothing/*.sql'], { cwd: dir }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FileError);
    expect((err as FileError).code).toBe('E_FILE_NOT_FOUND');
    expect((err as FileError).message).toBe('the pattern nothing/*.sql matched no file');
  });

  it('reports a file it cannot read', async () => {
    // A symlink loop cannot be read even by root, unlike a file without read permission.
    symlinkSync(join(dir, 'loop-b.sql'), join(dir, 'loop-a.sql'));
    symlinkSync(join(dir, 'loop-a.sql'), join(dir, 'loop-b.sql'));
    await expect(loadDdlSchema(['loop-a.sql'], { cwd: dir })).rejects.toMatchObject({ code: 'E_FILE_UNREADABLE', path: 'loop-a.sql' });
    const underFile = await loadDdlSchema([join(dir, 'migrations', 'V1__users.sql', 'x.sql')], { cwd: dir }).catch((e: unknown) => e);
    expect(underFile).toMatchObject({ code: 'E_FILE_NOT_FOUND' });
  });

  it('sorts digit runs by value', () => {
    expect(['V10__c.sql', 'V2__b.sql', 'V1__a.sql', '002_x.sql', '1_y.sql'].sort(naturalCompare)).toEqual(['1_y.sql', '002_x.sql', 'V1__a.sql', 'V2__b.sql', 'V10__c.sql']);
  });
});
