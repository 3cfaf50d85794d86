import { withConnection } from '../db/connect.js';
import { DbsplitError } from '../errors.js';
import { compareLsn } from '../sync/apply/lsn.js';
import type { ServiceStatus, StatusResult } from '../sync/status.js';
import { runLoad, type LoadOptions, type LoadResult } from './load-generator.js';
import { replicaIdentityFull } from './replica-identity.js';
import { DEMO_HEARTBEAT_MS, DemoRunners } from './runners.js';

/**
 * The demo's `shadow` step: `dbsplit shadow start` for every service (preconditions,
 * publication, slot, backfill in the slot's snapshot), one runner per service streaming, a load
 * on the monolith while they stream, then the load stops and the demo waits until every service
 * has applied everything the monolith committed, and reads `dbsplit shadow status`.
 */

const START_CONCURRENCY = 3;

export interface ShadowDemoOptions {
  readonly planPath: string;
  readonly monolithUrl: string;
  readonly services: readonly string[];
  /** Every table of the plan (services' and shared), for the replica identity fix. */
  readonly tables: readonly string[];
  readonly load?: Omit<LoadOptions, 'url' | 'signal'>;
  readonly catchUpTimeoutMs?: number;
}

export interface ShadowServiceRow {
  readonly service: string;
  readonly phase: string;
  readonly tables: number;
  readonly backfilledRows: number;
  /** Seconds, from `shadow status` (the runner's last heartbeat). */
  readonly lagSeconds: number | null;
  /** The slot's confirmed position: the target committed everything before it. */
  readonly confirmedLsn: string | null;
  /** Changes the service's runner applied while the load ran. */
  readonly appliedChanges: number;
  readonly warnings: readonly string[];
}

export interface ShadowDemoResult {
  readonly replicaIdentityFull: readonly string[];
  readonly load: LoadResult;
  /** The monolith's WAL position when the load had stopped: every service caught up to it. */
  readonly caughtUpTo: string;
  readonly catchUpMs: number;
  readonly services: readonly ShadowServiceRow[];
  readonly status: StatusResult;
  /** Still streaming: the diff runs while sync runs; stop them with `stopShadowDemo`. */
  readonly runners: DemoRunners;
}

function caughtUp(s: ServiceStatus, lsn: string): boolean {
  const confirmed = s.slot.confirmedFlushLsn;
  return s.runner?.alive === true && s.lag.seconds === 0 && confirmed !== null && compareLsn(confirmed, lsn) >= 0;
}

export async function runShadowDemo(options: ShadowDemoOptions): Promise<ShadowDemoResult> {
  const { startShadow } = await import('../sync/lifecycle.js');
  const { shadowStatus } = await import('../sync/status.js');
  const altered = await withConnection(options.monolithUrl, (c) => replicaIdentityFull(c, options.tables));
  const backfilled = new Map<string, { tables: number; rows: number }>();
  // A few at a time: each start is mostly waiting (slot creation, COPY into its target).
  const queue = [...options.services];
  const starter = async (): Promise<void> => {
    for (let service = queue.shift(); service !== undefined; service = queue.shift()) {
      const r = await startShadow({ planPath: options.planPath, service, dryRun: false });
      backfilled.set(service, { tables: r.tables.length, rows: r.copied.reduce((n, t) => n + t.rows, 0) });
    }
  };
  // Every start finishes (or fails) before the demo goes on or cleans up.
  const starts = await Promise.allSettled(Array.from({ length: START_CONCURRENCY }, starter));
  for (const r of starts) if (r.status === 'rejected') throw r.reason;
  const runners = await DemoRunners.start(options.planPath, options.services);
  try {
    await runners.until((s) => s.streaming, 30_000, 'streaming');
    const load = await runLoad({ url: options.monolithUrl, ...options.load });
    const stoppedAt = await withConnection(options.monolithUrl, async (c) => (await c.query<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn')).rows[0]!.lsn);
    const t0 = performance.now();
    const deadline = Date.now() + (options.catchUpTimeoutMs ?? 60_000);
    let status: StatusResult;
    for (;;) {
      const failure = runners.failure();
      if (failure !== undefined) throw failure;
      status = await shadowStatus({ planPath: options.planPath });
      const pending = status.services.filter((s) => options.services.includes(s.service) && !caughtUp(s, stoppedAt));
      if (pending.length === 0) break;
      if (Date.now() >= deadline) {
        throw new DbsplitError('E_SYNC', `${pending.map((s) => s.service).join(', ')} did not catch up with the monolith's position ${stoppedAt} within ${Math.round((options.catchUpTimeoutMs ?? 60_000) / 1000)} s after the demo's load stopped`, {
          hint: 'the machine may be too busy: run the demo again, or with a smaller --scale or --load-seconds',
        });
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    const catchUpMs = performance.now() - t0;
    // One more heartbeat from each runner, so the applied counts in the status are final.
    await runners.nextBeat(DEMO_HEARTBEAT_MS * 10);
    status = await shadowStatus({ planPath: options.planPath });
    const services = options.services.map((service): ShadowServiceRow => {
      const s = status.services.find((x) => x.service === service)!;
      const state = runners.states.get(service)!;
      return {
        service,
        phase: s.phase,
        tables: backfilled.get(service)?.tables ?? 0,
        backfilledRows: backfilled.get(service)?.rows ?? 0,
        lagSeconds: s.lag.seconds,
        confirmedLsn: s.slot.confirmedFlushLsn,
        appliedChanges: state.progress?.appliedChanges ?? 0,
        warnings: s.warnings,
      };
    });
    return { replicaIdentityFull: altered, load, caughtUpTo: stoppedAt, catchUpMs, services, status, runners };
  } catch (e) {
    await runners.abort();
    throw e;
  }
}

export interface StopDemoResult {
  readonly stopped: readonly string[];
  readonly appliedChanges: number;
}

/** `dbsplit shadow stop` for every service: the runners exit at their next heartbeat, the slots stay. */
export async function stopShadowDemo(planPath: string, runners: DemoRunners): Promise<StopDemoResult> {
  const { stopShadow } = await import('../sync/lifecycle.js');
  const services = [...runners.states.keys()];
  await Promise.all(services.map((service) => stopShadow({ planPath, service, timeoutMs: 15_000 })));
  const results = await runners.finished(15_000);
  return { stopped: results.filter((r) => r.reason === 'stopped').map((r) => r.service), appliedChanges: results.reduce((n, r) => n + r.appliedChanges, 0) };
}
