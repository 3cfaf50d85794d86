import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadWorkload } from '../../src/analyzers/workload/load-workload.js';
import { isDbsplitError } from '../../src/errors.js';
import type { QueryShape, Workload } from '../../src/model/workload.js';
import { shopModel } from '../fixtures/workload/model.js';

const fixtures = fileURLToPath(new URL('../fixtures/workload/', import.meta.url));
const context = { schema: shopModel, searchPath: ['public', 'billing'], cwd: fixtures };
let tmp: string;

beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'dbsplit-workload-'));
});

afterAll(() => {
  rmSync(tmp, { recursive: true, force: true });
});

function find(w: Workload, start: string): QueryShape {
  const q = w.queries.find((x) => x.sql.startsWith(start));
  if (!q) throw new Error(`no query starting "${start}" in ${w.queries.map((x) => x.sql).join(' | ')}`);
  return q;
}

async function failure(promise: Promise<unknown>): Promise<{ code: string; message: string; hint?: string }> {
  const e = await promise.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(isDbsplitError(e)).toBe(true);
  return e as { code: string; message: string; hint?: string };
}

describe('server log (stderr) workloads', () => {
  it('counts statements, attaches durations and groups transactions per session', async () => {
    const w = await loadWorkload(['postgresql-default.log'], context);
    expect(w.sources).toEqual(['postgresql-default.log']);
    expect(w.unparsed).toBe(0);

    const select = find(w, 'SELECT u.email, o.total');
    // The same statement with other constants and formatting is one query.
    expect(select.calls).toBe(2);
    expect(select.totalTimeMs).toBe(0.25);
    expect(select.meanTimeMs).toBe(0.25);
    expect(select.joins).toEqual([{ left: { schema: 'public', table: 'orders', column: 'user_id' }, right: { schema: 'public', table: 'users', column: 'id' }, operator: '=', via: 'on' }]);

    const insertOrder = find(w, 'INSERT INTO orders');
    expect(insertOrder.totalTimeMs).toBe(0.532); // from the `duration:` line that followed it
    const update = find(w, 'UPDATE orders SET status = $1');
    expect([update.calls, update.totalTimeMs]).toEqual([1, 1.2]);
    expect(find(w, 'SELECT * FROM orders WHERE user_id = $1').calls).toBe(1);
    // Rolled back, but it ran.
    expect(find(w, 'DELETE FROM orders').calls).toBe(1);
    // Failed statements, utility statements, parse/bind and portal fetches are not workload.
    expect(w.queries.map((q) => q.sql).filter((s) => /nope|BEGIN|COMMIT|ROLLBACK|SELECT 1|products/.test(s))).toEqual([]);
    expect(w.queries).toHaveLength(6);

    const insertInvoice = find(w, 'INSERT INTO billing.invoices');
    expect(w.transactions).toEqual([
      { sessionId: '4713', txId: '4713:1', queryIds: [update.id], source: 'postgresql-default.log' },
      { sessionId: '4711', txId: '4711:1', queryIds: [insertOrder.id, insertInvoice.id], source: 'postgresql-default.log' },
    ]);
  });

  it("reads pgBadger's prefix and START TRANSACTION ... END", async () => {
    const w = await loadWorkload(['postgresql-pgbadger.log'], context);
    const update = find(w, 'UPDATE users');
    const insert = find(w, 'INSERT INTO billing.payments');
    expect(insert.reads.map((t) => `${t.schema}.${t.name}`)).toEqual(['billing.invoices', 'public.orders']);
    expect(w.transactions).toEqual([{ sessionId: '5001', txId: '5001:1', queryIds: [update.id, insert.id], source: 'postgresql-pgbadger.log' }]);
  });

  it('uses the logged transaction id when the prefix has one', async () => {
    const w = await loadWorkload(['postgresql-xid.log'], context);
    expect(w.transactions.map((t) => [t.sessionId, t.txId, t.queryIds.length])).toEqual([['6001', '735', 2]]);
  });

  it('reads gzipped logs', async () => {
    const path = join(tmp, 'postgresql-default.log.gz');
    writeFileSync(path, gzipSync(readFileSync(join(fixtures, 'postgresql-default.log'))));
    const plain = await loadWorkload(['postgresql-default.log'], context);
    const gz = await loadWorkload([path], context);
    expect(gz.queries.map((q) => [q.id, q.calls])).toEqual(plain.queries.map((q) => [q.id, q.calls]));
    expect(gz.transactions).toHaveLength(2);
  });
});

describe('csvlog workloads', () => {
  it('parses csvlog records, with multi-line and quoted statements, and transactions with their xid', async () => {
    const w = await loadWorkload(['postgresql.csv'], context);
    const update = find(w, 'UPDATE orders\nSET status');
    expect([update.calls, update.totalTimeMs]).toEqual([1, 0.8]);
    const audit = find(w, 'SELECT * FROM "Audit Log"');
    expect(audit.sql).toContain(`'say "hi", then go'`);
    expect(audit.joins.map((j) => `${j.left.table}.${j.left.column}=${j.right.table}.${j.right.column}`)).toEqual(['Audit Log.userId=users.id']);
    expect(w.queries.some((q) => q.sql.includes('nope'))).toBe(false);
    const invoice = find(w, 'INSERT INTO billing.invoices');
    expect(w.transactions).toEqual([{ sessionId: '6541f0a2.1b59', txId: '812', queryIds: [update.id, invoice.id], source: 'postgresql.csv' }]);
  });

  it('detects a csvlog by its content whatever its name', async () => {
    const path = join(tmp, 'postgresql-Mon.log');
    copyFileSync(join(fixtures, 'postgresql.csv'), path);
    const w = await loadWorkload([path], context);
    expect(w.queries).toHaveLength(3);
    expect(w.transactions[0]?.txId).toBe('812');
  });
});

describe('loading several sources', () => {
  it('merges the same statement across sources, sums calls and time, and sorts by calls', async () => {
    const w = await loadWorkload(['queries.sql', 'postgresql-default.log'], context);
    expect(w.sources).toEqual(['queries.sql', 'postgresql-default.log']);
    // UPDATE orders SET status = 'paid' (x300 in the file) is UPDATE ... = $1 of the log.
    const update = w.queries.find((q) => q.sql.startsWith('UPDATE orders SET status'))!;
    expect(update.calls).toBe(301);
    expect(update.totalTimeMs).toBe(1.2);
    expect(update.meanTimeMs).toBe(1.2); // over the calls whose time is known
    expect(update.sources).toEqual(['queries.sql', 'postgresql-default.log']);
    // SELECT ... users u JOIN orders o (file) is not SELECT u.email ... (log): two queries.
    expect(w.queries[0]!.calls).toBe(1205);
    expect(w.unparsed).toBe(1);
    expect(w.queries.find((q) => !q.parsed)?.error).toMatch(/syntax error/);
    for (let i = 1; i < w.queries.length; i++) {
      const [a, b] = [w.queries[i - 1]!, w.queries[i]!];
      expect(a.calls > b.calls || (a.calls === b.calls && a.id < b.id)).toBe(true);
    }
  });

  it('expands globs and counts a file named twice once', async () => {
    const w = await loadWorkload(['postgresql-*.log', 'postgresql-xid.log'], context);
    expect(w.sources).toEqual(['postgresql-default.log', 'postgresql-pgbadger.log', 'postgresql-xid.log']);
    expect(w.transactions).toHaveLength(4);
    expect(find(w, 'UPDATE orders SET total').calls).toBe(1);
  });

  it('returns an empty workload for no sources', async () => {
    expect(await loadWorkload([], context)).toEqual({ queries: [], transactions: [], unparsed: 0, sources: [] });
  });
});

describe('workload source errors', () => {
  it('reports a missing file, an empty glob and a directory', async () => {
    expect((await failure(loadWorkload(['missing.sql'], context))).code).toBe('E_FILE_NOT_FOUND');
    expect((await failure(loadWorkload(['nothing-*.sql'], context))).code).toBe('E_FILE_NOT_FOUND');
    const dir = await failure(loadWorkload([tmp], context));
    expect(dir.code).toBe('E_FILE_UNREADABLE');
    expect(dir.message).toMatch(/is a directory/);
  });

  it('asks for --url when pg_stat_statements has no database', async () => {
    for (const spec of ['pg_stat_statements', 'pgss']) {
      const e = await failure(loadWorkload([spec], context));
      expect(e.code).toBe('E_USAGE');
      expect(e.hint).toMatch(/--url/);
    }
  });
});
