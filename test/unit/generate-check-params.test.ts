import { beforeAll, describe, expect, it } from 'vitest';
import { ready } from '../../src/analyzers/sql-parser.js';
import { namedSql } from '../../src/generate/checks/index.js';
import { sampleParamsQuery } from '../../src/generate/checks/sample-params.js';

/** Parameter sets sampled from the monolith for the checks of queries with `$n` placeholders. */

describe('sampleParamsQuery', () => {
  beforeAll(async () => {
    await ready();
  });

  it('takes the parameters of one table from the same sampled row', () => {
    expect(sampleParamsQuery(`SELECT a.created_at FROM audit.audit_log a LEFT JOIN users u ON u.id = a.user_id WHERE a.table_name = $1 AND $2 = a.record_id ORDER BY a.created_at`)).toBe(
      'SELECT a.table_name AS param1, a.record_id AS param2 FROM (SELECT * FROM audit.audit_log WHERE table_name IS NOT NULL AND record_id IS NOT NULL ORDER BY random() LIMIT 20) AS a',
    );
  });

  it('gives LIMIT, OFFSET and intervals fixed values, and reads IN lists, comma joins and casts', () => {
    expect(sampleParamsQuery(`SELECT s.id FROM shipments s, orders o WHERE o.id = s.order_id AND s.status IN ($1 /*, ... */) AND s.shipped_at < now() - interval $2 AND o.total > $3::numeric ORDER BY s.shipped_at LIMIT $4 OFFSET $5`)).toBe(
      "SELECT s.status AS param1, '1 day' AS param2, o.total AS param3, 20 AS param4, 0 AS param5 FROM (SELECT * FROM shipments WHERE status IS NOT NULL ORDER BY random() LIMIT 20) AS s CROSS JOIN (SELECT * FROM orders WHERE total IS NOT NULL ORDER BY random() LIMIT 1) AS o",
    );
    expect(sampleParamsQuery(`SELECT w.code FROM inventory_levels il JOIN warehouses w ON w.id = il.warehouse_id ORDER BY il.on_hand LIMIT $1`)).toBe('SELECT 20 AS param1');
  });

  it('gives up when a parameter is not compared with a plain column, and has nothing to do without parameters', () => {
    expect(sampleParamsQuery(`SELECT u.id FROM users u JOIN orders o ON o.user_id = u.id WHERE lower(u.email) = $1`)).toBeUndefined();
    expect(sampleParamsQuery(`SELECT u.id FROM users u JOIN orders o ON o.user_id = u.id WHERE u.id = $1 AND $2 = ANY (o.tags)`)).toBeUndefined();
    expect(sampleParamsQuery(`SELECT u.id FROM users u JOIN orders o ON o.user_id = u.id WHERE u.id = 42`)).toBeUndefined();
  });

  it('names $n placeholders as the composition does, and writes typed literals PostgreSQL refuses with a parameter as casts', () => {
    expect(namedSql(`SELECT s.id FROM shipments s WHERE s.status = $1 AND s.shipped_at < now() - interval $2 AND s.id::text <> $3 -- $9 in a comment\nLIMIT $1`)).toEqual({
      sql: `SELECT s.id FROM shipments s WHERE s.status = :param1 AND s.shipped_at < now() - CAST(:param2 AS interval) AND s.id::text <> :param3 -- $9 in a comment\nLIMIT :param1`,
      params: ['param1', 'param2', 'param3'],
    });
  });
});
