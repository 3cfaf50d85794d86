import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The small monolith and service database the compare tests share: the service database has
 * `orders` (an exact copy) and `orders_bad` (a copy with planted differences, one per row).
 */
export const MONOLITH_SQL = `
CREATE TABLE users (id int PRIMARY KEY, email text NOT NULL);
INSERT INTO users SELECT g, 'user' || g || '@example.com' FROM generate_series(1, 5) g;
CREATE TABLE orders (id int PRIMARY KEY, user_id int NOT NULL, total numeric(10,2) NOT NULL, grp int NOT NULL,
  created_at timestamptz NOT NULL, updated_at timestamptz NOT NULL);
INSERT INTO orders SELECT g, 1 + g % 5, g * 10, g / 4, '2025-03-01 10:00:00.123+00'::timestamptz + g * interval '1 hour', '2025-03-02 00:00:00+00' FROM generate_series(1, 20) g;
`;

export const SERVICE_SQL = `
CREATE TABLE orders (id int PRIMARY KEY, user_id int NOT NULL, total numeric(10,2) NOT NULL, grp int NOT NULL,
  created_at timestamptz NOT NULL, updated_at timestamptz NOT NULL);
INSERT INTO orders SELECT g, 1 + g % 5, g * 10, g / 4, '2025-03-01 10:00:00.123+00'::timestamptz + g * interval '1 hour', '2025-03-02 00:00:00+00' FROM generate_series(1, 20) g;
CREATE TABLE orders_bad (LIKE orders INCLUDING ALL);
ALTER TABLE orders_bad ALTER COLUMN total TYPE numeric;
INSERT INTO orders_bad SELECT * FROM orders;
DELETE FROM orders_bad WHERE id = 2;
UPDATE orders_bad SET total = 31 WHERE id = 3;
UPDATE orders_bad SET total = 40.004 WHERE id = 4;
UPDATE orders_bad SET created_at = created_at + interval '300 microseconds' WHERE id = 5;
UPDATE orders_bad SET updated_at = updated_at + interval '1 day';
`;

export function writePlan(dir: string, monolithUrl: string, services: Record<string, string>): string {
  const lines = ['version: 1', 'monolith:', `  url: "${monolithUrl}"`, 'services:'];
  for (const [name, url] of Object.entries(services)) lines.push(`  ${name}:`, '    tables: []', `    target: { url: "${url}", isolation: database }`);
  const path = join(dir, 'dbsplit.yaml');
  writeFileSync(path, lines.join('\n') + '\n');
  return path;
}

export interface CheckDef {
  readonly name: string;
  readonly legacy: string;
  readonly candidate: string;
  readonly service?: string;
  readonly extra?: string;
}

export function writeChecks(dir: string, file: string, checks: readonly CheckDef[]): void {
  mkdirSync(dir, { recursive: true });
  const lines = ['version: 1', 'checks:'];
  for (const c of checks) {
    lines.push(`  - name: ${c.name}`, `    legacy: { sql: ${JSON.stringify(c.legacy)} }`, `    candidate: { service: ${c.service ?? 'orders'}, sql: ${JSON.stringify(c.candidate)} }`);
    if (c.extra) lines.push(...c.extra.split('\n').map((l) => `    ${l}`));
  }
  writeFileSync(join(dir, file), lines.join('\n') + '\n');
}
