import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import copyStreams from 'pg-copy-streams';
import { serverUrl, uniqueSuffix, withClient } from '../helpers/pg.js';

export { uniqueSuffix, withClient };

/** Helpers of the diff integration tests: plans, table copies, clients. */



export async function dropDatabases(names: readonly string[]): Promise<void> {
  await withClient(serverUrl(), async (c) => {
    for (const n of names) await c.query(`DROP DATABASE IF EXISTS "${n}" WITH (FORCE)`);
  });
}

export interface PlanService {
  readonly tables: readonly string[];
  readonly target?: { readonly url: string; readonly isolation: 'database' | 'schema'; readonly schema?: string };
}

export function writeDiffPlan(dir: string, monolithUrl: string, services: Record<string, PlanService>, shared: readonly string[] = []): string {
  const lines = ['version: 1', 'monolith:', `  url: "${monolithUrl}"`, 'services:'];
  for (const [name, s] of Object.entries(services)) {
    lines.push(`  ${name}:`, `    tables: [${s.tables.join(', ')}]`);
    if (s.target) lines.push(`    target: { url: "${s.target.url}", isolation: ${s.target.isolation}${s.target.schema ? `, schema: ${s.target.schema}` : ''} }`);
  }
  if (shared.length > 0) lines.push(`shared: [${shared.join(', ')}]`);
  const path = join(dir, 'dbsplit.yaml');
  writeFileSync(path, lines.join('\n') + '\n');
  return path;
}

const q = (s: string) => '"' + s.replace(/"/g, '""') + '"';

/**
 * Copy a table's rows with COPY (text format: every value exactly as PostgreSQL prints it),
 * columns by name, leaving out those the target generates.
 */
export async function copyTable(fromUrl: string, toUrl: string, from: { schema: string; name: string }, to: { schema: string; name: string }): Promise<void> {
  await withClient(toUrl, async (target) => {
    const generated = new Set(
      (await target.query<{ name: string }>(`SELECT a.attname AS name FROM pg_attribute a WHERE a.attrelid = $1::regclass AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated <> ''`, [`${q(to.schema)}.${q(to.name)}`])).rows.map((r) => r.name),
    );
    await withClient(fromUrl, async (source) => {
      const cols = (await source.query<{ name: string; generated: boolean }>(`SELECT a.attname AS name, a.attgenerated <> '' AS generated FROM pg_attribute a WHERE a.attrelid = $1::regclass AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum`, [`${q(from.schema)}.${q(from.name)}`])).rows
        .filter((c) => !c.generated && !generated.has(c.name))
        .map((c) => q(c.name))
        .join(', ');
      // The service database's foreign keys would need parents first: this is a test copy.
      await target.query(`SET session_replication_role = replica`);
      const out = source.query(copyStreams.to(`COPY (SELECT ${cols} FROM ${q(from.schema)}.${q(from.name)}) TO STDOUT`));
      const into = target.query(copyStreams.from(`COPY ${q(to.schema)}.${q(to.name)} (${cols}) FROM STDIN`));
      await pipeline(out, into);
    });
  });
}
