import { withConnection } from '../db/connect.js';
import type { DiffServiceResult } from '../diff/index.js';
import { qualified, quoteIdent } from '../generate/ddl/names.js';

/**
 * The demo's `diff` and `fix` steps. The runners keep streaming throughout (the load has
 * stopped): that is how diff runs in CI against a service being shadowed, and its settle phase
 * re-checks any difference once sync has caught up, so only persistent ones are reported. Since
 * nothing writes the monolith any more, no change can race the corrupted row or its repair.
 */

/** Generous: with the runners caught up, settling takes well under a second. */
const SETTLE_TIMEOUT_MS = 30_000;

export interface ServiceDiff {
  readonly service: string;
  readonly report: DiffServiceResult;
}

export interface DiffAllResult {
  readonly services: readonly ServiceDiff[];
  readonly clean: boolean;
  readonly tables: number;
  readonly rowsCompared: number;
  readonly differences: number;
}

export async function diffAll(planPath: string, services: readonly string[]): Promise<DiffAllResult> {
  const { diffService } = await import('../diff/index.js');
  const out: ServiceDiff[] = [];
  for (const service of services) out.push({ service, report: await diffService({ planPath, service, settleTimeoutMs: SETTLE_TIMEOUT_MS }) });
  const totals = out.map((d) => d.report.result.totals);
  return {
    services: out,
    clean: out.every((d) => d.report.result.clean),
    tables: out.reduce((n, d) => n + d.report.result.tables.length, 0),
    rowsCompared: totals.reduce((n, t) => n + t.rowsCompared, 0),
    differences: totals.reduce((n, t) => n + t.missing + t.extra + t.changed + t.errors, 0),
  };
}

/** A row to corrupt: a table and a nullable text column no constraint looks at. */
const CANDIDATES: readonly { readonly table: string; readonly column: string }[] = [
  { table: 'public.orders', column: 'notes' },
  { table: 'public.payments', column: 'failure_reason' },
  { table: 'public.support_tickets', column: 'subject' },
  { table: 'public.products', column: 'description' },
  { table: 'public.users', column: 'last_name' },
];

export const CORRUPT_VALUE = 'corrupted on purpose by dbsplit demo';

export interface Corruption {
  readonly service: string;
  /** `schema.table` in the monolith. */
  readonly table: string;
  readonly column: string;
  readonly keyColumn: string;
  readonly key: string;
  readonly before: string | null;
}

export interface FixDemoResult {
  readonly corruption: Corruption;
  /** `dbsplit diff <service>`: finds the row. */
  readonly found: DiffServiceResult;
  /** `dbsplit diff <service> --fix`. */
  readonly fixed: DiffServiceResult;
  /** `dbsplit diff <service>` again: clean. */
  readonly after: DiffServiceResult;
}

/** Which service owns which candidate table, from the plan's own service list. */
export function pickCorruption(owned: ReadonlyMap<string, readonly string[]>): { service: string; table: string; column: string } {
  for (const c of CANDIDATES) {
    for (const [service, tables] of owned) if (tables.includes(c.table)) return { service, ...c };
  }
  throw new Error(`demo: no service of the suggested plan owns any of ${CANDIDATES.map((c) => c.table).join(', ')}`);
}

/** UPDATE one row of the service's copy of the table, directly in its database. */
export async function corruptRow(planPath: string, choice: { service: string; table: string; column: string }): Promise<Corruption> {
  const { loadSyncService, findSyncTable } = await import('../sync/source/service-tables.js');
  const svc = await loadSyncService({ planPath, service: choice.service });
  const t = findSyncTable(svc, choice.table);
  const keyColumn = t.primaryKey[0];
  if (t.primaryKey.length !== 1 || keyColumn === undefined) throw new Error(`demo: ${choice.table} has no single-column primary key`);
  const target = qualified(t.target.schema, t.target.name);
  const key = quoteIdent(keyColumn);
  const col = quoteIdent(choice.column);
  return withConnection(svc.target.url, async (c) => {
    const row = await c.query<{ k: string; v: string | null }>(`SELECT ${key}::text AS k, ${col}::text AS v FROM ${target} ORDER BY ${key} OFFSET (SELECT count(*) / 2 FROM ${target}) LIMIT 1`);
    const picked = row.rows[0];
    if (!picked) throw new Error(`demo: ${choice.service}'s copy of ${choice.table} is empty`);
    await c.query(`UPDATE ${target} SET ${col} = $1 WHERE ${key}::text = $2`, [CORRUPT_VALUE, picked.k]);
    return { service: choice.service, table: t.key, column: choice.column, keyColumn, key: picked.k, before: picked.v };
  });
}

export async function findAndFix(planPath: string, corruption: Corruption): Promise<FixDemoResult> {
  const { diffService } = await import('../diff/index.js');
  const run = (fix?: 'apply') => diffService({ planPath, service: corruption.service, settleTimeoutMs: SETTLE_TIMEOUT_MS, ...(fix ? { fix } : {}) });
  const found = await run();
  const fixed = await run('apply');
  const after = await run();
  return { corruption, found, fixed, after };
}
