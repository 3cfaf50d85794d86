import type pg from 'pg';
import { connect } from '../db/connect.js';
import { ConfigError, UsageError } from '../errors.js';
import { maskUrl } from '../redact.js';
import { loadChecks } from './check-file.js';
import { runCheck, type CheckConnections } from './run-check.js';
import type { CheckResult, CompareEventSink, CompareResult } from './types.js';

/**
 * `dbsplit compare`: every check of a directory, run one after the other (so timings are not
 * skewed by each other), against the monolith and the services' databases of the plan.
 */

export interface RunCompareOptions {
  readonly planPath: string;
  readonly checksDir: string;
  /** The monolith (overrides the plan's monolith.url). */
  readonly url?: string | undefined;
  /** Only the checks of these names. */
  readonly only?: readonly string[] | undefined;
  readonly onProgress?: CompareEventSink | undefined;
}

/**
 * Session settings on every connection, so both sides print values alike (the databases may
 * have different defaults set with ALTER DATABASE ... SET).
 */
const SESSION_SQL = `SET TimeZone = 'UTC'; SET DateStyle = 'ISO, YMD'; SET IntervalStyle = 'postgres'; SET extra_float_digits = 3; SET bytea_output = 'hex'`;

const quoteIdent = (s: string) => `"${s.replace(/"/g, '""')}"`;

interface ServiceTargetInfo {
  readonly url?: string | undefined;
  readonly isolation: 'schema' | 'database';
  readonly schema?: string | undefined;
}

export async function runCompare(options: RunCompareOptions): Promise<CompareResult> {
  const { loadPlanFile } = await import('../plan/load-plan.js');
  const planFile = await loadPlanFile(options.planPath);
  const monolithUrl = options.url ?? planFile.monolith?.url;
  if (!monolithUrl) throw new UsageError('dbsplit compare runs the legacy queries on the monolith, and no monolith URL is known', 'add monolith.url to the plan, or pass --url postgres://... of the monolith');
  let checks = await loadChecks(options.checksDir);
  if (options.only && options.only.length > 0) {
    const names = new Set(checks.map((c) => c.name));
    const unknown = options.only.filter((n) => !names.has(n));
    if (unknown.length > 0) throw new UsageError(`unknown check ${unknown.map((n) => `"${n}"`).join(', ')}`, `checks in ${options.checksDir}: ${[...names].slice(0, 10).join(', ')}${names.size > 10 ? ', ...' : ''}`);
    checks = checks.filter((c) => options.only!.includes(c.name));
  }
  const { ready } = await import('../analyzers/sql-parser.js');
  await ready();

  const services = new Map<string, ServiceTargetInfo | undefined>(Object.entries(planFile.services).map(([name, s]) => [name, s.target]));
  const startedAt = new Date();
  const monolith = await connect(monolithUrl, { applicationName: 'dbsplit compare' });
  const opened = new Map<string, Promise<pg.Client>>();
  const openService = async (name: string): Promise<pg.Client> => {
    if (!services.has(name)) throw new ConfigError('E_UNKNOWN_SERVICE', `unknown service "${name}"`, `the plan has: ${[...services.keys()].join(', ')}`);
    const target = services.get(name);
    if (!target?.url) throw new ConfigError('E_PLAN_INVALID', `service ${name} has no target database URL`, `add services.${name}.target.url to the plan`);
    const client = await connect(target.url, { applicationName: 'dbsplit compare' });
    await client.query(SESSION_SQL);
    // A SQL candidate of a schema-isolated service finds the service's tables unqualified.
    if (target.isolation === 'schema') await client.query(`SET search_path = ${quoteIdent(target.schema ?? name)}, public`);
    return client;
  };
  const conn: CheckConnections = {
    monolith,
    services: [...services.keys()],
    service: (name) => {
      let p = opened.get(name);
      if (!p) {
        p = openService(name);
        opened.set(name, p);
        // A failed open is reported by the check that needed it, and by each later one.
        p.catch(() => undefined);
      }
      return p;
    },
  };
  const results: CheckResult[] = [];
  try {
    await monolith.query(SESSION_SQL);
    for (let i = 0; i < checks.length; i++) {
      const check = checks[i]!;
      options.onProgress?.({ kind: 'check-start', name: check.name, index: i, total: checks.length });
      const r = await runCheck(check, conn);
      results.push(r);
      options.onProgress?.({ kind: 'check-done', name: r.name, status: r.status, durationMs: r.durationMs, ...(r.error !== undefined ? { error: r.error } : {}) });
    }
  } finally {
    await monolith.end().catch(() => undefined);
    for (const p of opened.values()) {
      const c = await p.catch(() => undefined);
      await c?.end().catch(() => undefined);
    }
  }
  const finishedAt = new Date();
  return {
    monolith: maskUrl(monolithUrl),
    checksDir: options.checksDir,
    startedAt: startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    durationMs: finishedAt.getTime() - startedAt.getTime(),
    checks: results,
    totals: {
      checks: results.length,
      passed: results.filter((r) => r.status === 'pass').length,
      mismatched: results.filter((r) => r.status === 'mismatch').length,
      errors: results.filter((r) => r.status === 'error').length,
    },
  };
}

/** Exit code of a compare run: 0 every check passed, 1 a mismatch, 2 a check could not run. */
export function compareExitCode(r: CompareResult): number {
  if (r.totals.errors > 0) return 2;
  return r.totals.mismatched > 0 ? 1 : 0;
}
