import { isAbsolute, relative } from 'node:path';
import type { Styles } from '../commands/output.js';
import { JSON_FORMAT_VERSION, VERSION } from '../version.js';
import type { ProvisionResult } from './provision.js';

/** What `dbsplit provision` prints: the SQL it would run (--dry-run), or what it did. */

export type ProvisionFormat = 'table' | 'json';

/** The JSON contract (version 1): add fields freely, never rename or remove them without bumping `version`. */
export function provisionJson(r: ProvisionResult): unknown {
  const p = r.plan;
  return {
    version: JSON_FORMAT_VERSION,
    dbsplit: VERSION,
    service: p.service,
    dryRun: r.dryRun,
    target: { url: p.target.masked, database: p.target.database, isolation: p.target.isolation, schema: p.target.schema ?? null },
    migrationsFrom: p.migrationsFrom,
    directory: p.directory ?? null,
    completedBefore: [...p.state.completed],
    pending: [...p.pending],
    phaseBefore: p.phase,
    alreadyProvisioned: p.alreadyProvisioned,
    steps: p.steps.map((s) => ({ kind: s.kind, title: s.title, sql: [...s.sql], done: r.done.includes(s.kind) })),
    migrated: [...r.migrated],
  };
}

/** Relative to the working directory when under it: what the user typed, not /home/... */
function shortPath(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel === '' || rel.startsWith('..') || isAbsolute(rel) ? path : rel;
}

function where(r: ProvisionResult): string {
  const t = r.plan.target;
  return t.isolation === 'schema' ? `schema ${t.schema} of ${t.masked}` : t.masked;
}

export function renderProvision(r: ProvisionResult, format: ProvisionFormat, style: Styles): string {
  if (format === 'json') return JSON.stringify(provisionJson(r), null, 2) + '\n';
  const p = r.plan;
  const lines: string[] = [];
  const source = p.migrationsFrom === 'files' ? `migrations from ${shortPath(p.directory ?? '')}` : 'no migration files: the initial migration generated in memory from the current schema (dbsplit generate writes it)';
  if (p.alreadyProvisioned) {
    lines.push(`${style.bold(`dbsplit provision ${p.service}`)}: already provisioned — ${where(r)} exists, every migration has run (${p.state.completed.join(', ') || 'none'}), phase ${p.phase}. Nothing to do.`);
    return lines.join('\n') + '\n';
  }
  if (r.dryRun) {
    lines.push(`-- dbsplit provision ${p.service} --dry-run: nothing was changed. Would run on ${where(r)}`, `-- (${source}):`);
    p.steps.forEach((s, i) => {
      lines.push('', `-- ${i + 1}. ${s.title}`);
      for (const sql of s.sql) lines.push(sql.startsWith('--') ? sql : `${sql};`);
    });
    return lines.join('\n') + '\n';
  }
  lines.push(`${style.bold(`dbsplit provision ${p.service}`)}: provisioned ${where(r)}`, style.dim(`  (${source})`));
  for (const s of p.steps) lines.push(`  ${r.done.includes(s.kind) ? style.ok('✓') : style.warn('·')} ${s.title}`);
  lines.push('', `From now on the service's schema changes are knex migrations: see the knexfile.cjs beside them.`);
  return lines.join('\n') + '\n';
}
