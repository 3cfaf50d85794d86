import { beforeAll, describe, expect, it } from 'vitest';
import { parseText, ready, statementId, statementIdFromAst, textStatementId } from '../../src/analyzers/sql-parser.js';

beforeAll(async () => {
  await ready();
});

function idOf(sql: string): string {
  const outcome = parseText(sql);
  if (!outcome.ok) throw new Error(outcome.error.message);
  return statementIdFromAst(outcome.statements[0]!.stmt);
}

describe('statement ids from the parse tree', () => {
  it('are 16 hex digits and stable', () => {
    expect(idOf('SELECT * FROM users WHERE id = 1')).toMatch(/^[0-9a-f]{16}$/);
    expect(idOf('SELECT * FROM users WHERE id = 1')).toBe(idOf('SELECT * FROM users WHERE id = 1'));
  });

  it('ignore constants, parameters, formatting, comments and keyword case', () => {
    const base = idOf('SELECT * FROM users WHERE id = 1');
    expect(idOf("select *\n  from users  -- who\n where id = 42")).toBe(base);
    expect(idOf('SELECT * FROM users WHERE id = $1')).toBe(base);
    expect(idOf("SELECT * FROM users WHERE id = 'x'")).toBe(base);
    expect(idOf('INSERT INTO t (a, b) VALUES (1, $$x$$)')).toBe(idOf('INSERT INTO t (a, b) VALUES ($1, $2)'));
  });

  it('squash IN lists and arrays of constants, as pg_stat_statements does', () => {
    const base = idOf('SELECT * FROM users WHERE id IN (1, 2, 3)');
    expect(idOf('SELECT * FROM users WHERE id IN (7)')).toBe(base);
    expect(idOf('SELECT * FROM users WHERE id IN ($1 /*, ... */)')).toBe(base);
    expect(idOf('SELECT * FROM users WHERE id IN ($1::bigint, $2::bigint)')).toBe(idOf('SELECT * FROM users WHERE id IN (5::bigint)'));
    expect(idOf('SELECT ARRAY[1, 2, 3]')).toBe(idOf('SELECT ARRAY[4]'));
    // A list that mixes columns in is structure, not constants.
    expect(idOf('SELECT * FROM users WHERE id IN (1, org_id)')).not.toBe(base);
  });

  it('differ when the structure differs', () => {
    const ids = new Set(
      [
        'SELECT * FROM users WHERE id = 1',
        'SELECT * FROM users WHERE org_id = 1',
        'SELECT * FROM orders WHERE id = 1',
        'SELECT id FROM users WHERE id = 1',
        'SELECT * FROM users WHERE id > 1',
        'SELECT * FROM users WHERE id = 1 FOR UPDATE',
        'SELECT * FROM users HAVING id = 1',
        'SELECT * FROM "Users" WHERE id = 1',
        'DELETE FROM users WHERE id = 1',
      ].map(idOf),
    );
    expect(ids.size).toBe(9);
  });

  it('statementId parses text itself and falls back to a text hash', () => {
    expect(statementId('SELECT * FROM users WHERE id = 9')).toBe(idOf('SELECT * FROM users WHERE id = 1'));
    expect(statementId('SELEKT 1')).toBe(textStatementId('SELEKT   1'));
    expect(statementId('SELEKT 1')).toMatch(/^h[0-9a-f]{15}$/);
  });
});
