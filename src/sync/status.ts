import type pg from 'pg';
import { connect } from '../db/connect.js';
import { controlSchemaVersion } from '../db/control-schema.js';
import { allPhases, type Phase } from '../cutover/phases.js';
import { ConfigError } from '../errors.js';
import { formatBytes } from '../report/text-table.js';
import { maskUrl } from '../redact.js';
import { readBackfillRows, readPosition, type BackfillStatus } from './backfill/target-state.js';
import { publicationName, slotName } from './contract.js';
import { asSyncError } from './lifecycle/errors.js';
import { readSyncStates, type SyncStateRow } from './lifecycle/sync-state.js';
import { connectTargetDb } from './lifecycle/session.js';
import { inspectPublication } from './source/publication.js';
import { listDbsplitSlots, type SlotInfo } from './source/replication.js';
import { monolithUrlOf } from './source/service-tables.js';

/**
 * `dbsplit shadow status`: per service, where shadow sync stands — phase, backfill, the slot
 * and the WAL it holds back, lag, the runner's heartbeat and its last error — and warnings for
 * what needs a person: above all a slot nobody reads, which fills the monolith's disk.
 */

export const DEFAULT_MAX_RETAINED_WAL = 1024 ** 3;
/** A heartbeat older than this means the runner is gone (it beats every few seconds). */
export const HEARTBEAT_STALE_SECONDS = 60;

export interface StatusOptions {
  readonly planPath: string;
  readonly service?: string | undefined;
  readonly url?: string | undefined;
  readonly maxRetainedWalBytes?: number | undefined;
}

export interface TableBackfill {
  readonly table: string;
  readonly status: BackfillStatus;
  readonly rows: number;
  readonly bytes: number;
  readonly snapshotLsn: string | null;
  readonly updatedAt: string;
}

export interface ServiceStatus {
  readonly service: string;
  readonly inPlan: boolean;
  readonly phase: Phase;
  /** Whether shadow sync was started (a sync_state row or a slot exists). */
  readonly started: boolean;
  readonly transport: string | null;
  readonly slot: { readonly name: string; readonly exists: boolean; readonly active: boolean; readonly activePid: number | null; readonly retainedWalBytes: number | null; readonly walStatus: string | null; readonly confirmedFlushLsn: string | null };
  readonly publication: { readonly name: string; readonly exists: boolean; readonly tables: number };
  readonly target: { readonly url: string | null; readonly reachable: boolean | null; readonly error: string | null };
  readonly backfill: { readonly tablesTotal: number; readonly tablesDone: number; readonly tablesCopying: number; readonly rows: number; readonly bytes: number; readonly tables: readonly TableBackfill[] } | null;
  readonly position: { readonly lsn: string; readonly appliedAt: string; readonly sourceCommitTime: string | null } | null;
  readonly lag: { readonly bytes: number | null; readonly seconds: number | null };
  readonly runner: {
    readonly desired: 'running' | 'stopped';
    readonly pid: number | null;
    readonly host: string | null;
    readonly heartbeatAt: string | null;
    readonly heartbeatAgeSeconds: number | null;
    readonly alive: boolean;
    readonly appliedChanges: number;
    readonly appliedRate: number | null;
    readonly appliedLsn: string | null;
  } | null;
  readonly lastError: { readonly message: string; readonly at: string | null } | null;
  readonly warnings: readonly string[];
}

export interface StatusResult {
  readonly generatedAt: string;
  readonly monolith: string;
  readonly currentWalLsn: string;
  readonly maxRetainedWalBytes: number;
  readonly services: readonly ServiceStatus[];
  /** dbsplit slots of the monolith that belong to no service of the plan nor of sync_state. */
  readonly orphanSlots: readonly SlotInfo[];
  /** Every warning, prefixed with its service. */
  readonly warnings: readonly string[];
}

interface ServiceInput {
  readonly service: string;
  readonly inPlan: boolean;
  readonly targetUrl: string | undefined;
  readonly phase: Phase;
  readonly state: SyncStateRow | undefined;
  readonly slot: SlotInfo | undefined;
}

const iso = (d: Date | null | undefined): string | null => (d ? d.toISOString() : null);

async function walDiff(monolith: pg.Client, lsn: string): Promise<number> {
  const res = await monolith.query<{ d: number }>('SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), $1::pg_lsn)::float8 AS d', [lsn]);
  return Number(res.rows[0]?.d ?? 0);
}

async function targetPart(input: ServiceInput, monolith: pg.Client): Promise<Pick<ServiceStatus, 'target' | 'backfill' | 'position'> & { lagBytes: number | null }> {
  const url = input.targetUrl;
  if (!url) return { target: { url: null, reachable: null, error: 'no target URL in the plan' }, backfill: null, position: null, lagBytes: null };
  let client: pg.Client | undefined;
  try {
    client = await connectTargetDb(url, 'dbsplit shadow status');
    if (!client) return { target: { url: maskUrl(url), reachable: false, error: 'the target database does not exist' }, backfill: null, position: null, lagBytes: null };
    const rows = [...(await readBackfillRows(client, input.service)).values()];
    const pos = await readPosition(client, input.service);
    const tables: TableBackfill[] = rows.map((r) => ({ table: r.table, status: r.status, rows: r.rows, bytes: r.bytes, snapshotLsn: r.snapshotLsn, updatedAt: r.updatedAt.toISOString() }));
    const done = rows.filter((r) => r.status === 'done');
    return {
      target: { url: maskUrl(url), reachable: true, error: null },
      backfill: {
        tablesTotal: rows.length,
        tablesDone: done.length,
        tablesCopying: rows.filter((r) => r.status === 'copying').length,
        rows: done.reduce((s, r) => s + r.rows, 0),
        bytes: done.reduce((s, r) => s + r.bytes, 0),
        tables,
      },
      position: pos ? { lsn: pos.lsn, appliedAt: pos.appliedAt.toISOString(), sourceCommitTime: iso(pos.sourceCommitTime) } : null,
      lagBytes: pos ? Math.max(0, await walDiff(monolith, pos.lsn)) : null,
    };
  } catch (e) {
    return { target: { url: maskUrl(url), reachable: false, error: e instanceof Error ? e.message : String(e) }, backfill: null, position: null, lagBytes: null };
  } finally {
    await client?.end().catch(() => undefined);
  }
}

function runnerPart(state: SyncStateRow | undefined, now: number): ServiceStatus['runner'] {
  if (!state) return null;
  const age = state.heartbeatAt ? Math.max(0, (now - state.heartbeatAt.getTime()) / 1000) : null;
  return {
    desired: state.desired,
    pid: state.runnerPid,
    host: state.runnerHost,
    heartbeatAt: iso(state.heartbeatAt),
    heartbeatAgeSeconds: age,
    alive: age !== null && age <= HEARTBEAT_STALE_SECONDS,
    appliedChanges: state.appliedChanges,
    appliedRate: state.appliedRate,
    appliedLsn: state.appliedLsn,
  };
}

function lagSeconds(runner: ServiceStatus['runner'], state: SyncStateRow | undefined, lagBytes: number | null, position: ServiceStatus['position'], now: number): number | null {
  if (runner?.alive && state?.lagSeconds != null) return state.lagSeconds;
  if (lagBytes === null) return null;
  if (lagBytes === 0) return 0;
  return position?.sourceCommitTime ? Math.max(0, (now - Date.parse(position.sourceCommitTime)) / 1000) : null;
}

function warningsOf(s: Omit<ServiceStatus, 'warnings'>, maxRetained: number): string[] {
  const w: string[] = [];
  const svc = s.service;
  const retained = s.slot.retainedWalBytes ?? 0;
  const holds = `retaining ${formatBytes(retained)} of WAL`;
  if (s.slot.exists && s.phase !== 'shadowing') {
    w.push(`replication slot ${s.slot.name} exists but ${svc} is in phase ${s.phase} (${holds}): dbsplit shadow cancel ${svc} drops it, dbsplit shadow start ${svc} resumes`);
  } else if (s.slot.exists && !s.slot.active) {
    if (s.runner?.desired === 'stopped') w.push(`stopped (dbsplit shadow stop): slot ${s.slot.name} is inactive, ${holds}; dbsplit shadow run ${svc} resumes, dbsplit shadow cancel ${svc} drops it`);
    else w.push(`slot ${s.slot.name} is inactive: no runner reads it (${holds}); start one: dbsplit shadow run ${svc}`);
  }
  if (s.phase === 'shadowing' && !s.slot.exists) w.push(`${svc} is shadowing but its slot ${s.slot.name} is gone: the stream cannot resume; dbsplit shadow cancel ${svc}, then dbsplit shadow start ${svc}`);
  if (s.slot.exists && retained > maxRetained) w.push(`slot ${s.slot.name} retains ${formatBytes(retained)} of WAL, more than ${formatBytes(maxRetained)}: the monolith's disk fills until a runner catches up or the slot is dropped`);
  if (s.slot.walStatus === 'lost') w.push(`slot ${s.slot.name} lost WAL it needed (max_slot_wal_keep_size): dbsplit shadow cancel ${svc}, then dbsplit shadow start ${svc}`);
  if (s.started && s.target.reachable === false) w.push(`target unreachable: ${s.target.error ?? 'unknown error'}`);
  if (s.backfill && s.backfill.tablesDone < s.backfill.tablesTotal) w.push(`backfill incomplete: ${s.backfill.tablesDone} of ${s.backfill.tablesTotal} tables done; dbsplit shadow start ${svc} (or shadow run) copies the rest`);
  if (s.lastError) {
    const recovered = s.runner?.alive && s.runner.heartbeatAt !== null && s.lastError.at !== null && Date.parse(s.runner.heartbeatAt) > Date.parse(s.lastError.at);
    if (!recovered) w.push(`last error${s.lastError.at ? ` (${s.lastError.at})` : ''}: ${s.lastError.message}`);
  }
  return w;
}

async function serviceStatus(input: ServiceInput, monolith: pg.Client, maxRetained: number, now: number): Promise<ServiceStatus> {
  const { service, state, slot } = input;
  const slotN = state?.slotName ?? slotName(service);
  const pubN = state?.publication ?? publicationName(service);
  const started = state !== undefined || slot !== undefined;
  const pub = started ? await inspectPublication(monolith, pubN) : undefined;
  const tgt = started ? await targetPart(input, monolith) : { target: { url: input.targetUrl ? maskUrl(input.targetUrl) : null, reachable: null, error: null }, backfill: null, position: null, lagBytes: null };
  const runner = runnerPart(state, now);
  // With the direct transport the slot is acknowledged only for what the target committed, and
  // past the target's last commit when the stream has nothing for the service (idle keepalives):
  // the further of the two is how far the target is known to be. Through Kafka, an acknowledged
  // slot only means the brokers have it.
  let lagBytes = tgt.lagBytes;
  if (lagBytes !== null && state?.transport !== 'kafka' && slot?.confirmedFlushLsn) lagBytes = Math.min(lagBytes, Math.max(0, await walDiff(monolith, slot.confirmedFlushLsn)));
  const base: Omit<ServiceStatus, 'warnings'> = {
    service,
    inPlan: input.inPlan,
    phase: input.phase,
    started,
    transport: state?.transport ?? null,
    slot: {
      name: slotN,
      exists: slot !== undefined,
      active: slot?.active ?? false,
      activePid: slot?.activePid ?? null,
      retainedWalBytes: slot?.retainedBytes ?? null,
      walStatus: slot?.walStatus ?? null,
      confirmedFlushLsn: slot?.confirmedFlushLsn ?? null,
    },
    publication: { name: pubN, exists: pub !== undefined, tables: pub?.tables.length ?? 0 },
    target: tgt.target,
    backfill: tgt.backfill,
    position: tgt.position,
    lag: { bytes: lagBytes, seconds: lagSeconds(runner, state, lagBytes, tgt.position, now) },
    runner,
    lastError: state?.lastError ? { message: state.lastError, at: iso(state.lastErrorAt) } : null,
  };
  return { ...base, warnings: warningsOf(base, maxRetained) };
}

export async function shadowStatus(options: StatusOptions): Promise<StatusResult> {
  const { loadPlanFile } = await import('../plan/load-plan.js');
  const planFile = await loadPlanFile(options.planPath);
  const monolithUrl = monolithUrlOf(planFile, options.url);
  const maxRetained = options.maxRetainedWalBytes ?? DEFAULT_MAX_RETAINED_WAL;
  const monolith = await connect(monolithUrl, { applicationName: 'dbsplit shadow status' });
  try {
    const now = Date.now();
    const hasControl = (await controlSchemaVersion(monolith)) > 0;
    const phases = hasControl ? await allPhases(monolith) : new Map<string, { phase: Phase }>();
    const states = new Map((await readSyncStates(monolith)).map((s) => [s.service, s]));
    const slots = await listDbsplitSlots(monolith);
    const slotByName = new Map(slots.map((s) => [s.name, s]));
    const planNames = Object.keys(planFile.services).sort();
    const names = [...new Set([...planNames, ...states.keys()])].sort();
    if (options.service !== undefined && !names.includes(options.service)) {
      throw new ConfigError('E_UNKNOWN_SERVICE', `unknown service "${options.service}" in ${options.planPath}`, `services in the plan: ${planNames.join(', ') || '(none)'}`);
    }
    const wanted = options.service !== undefined ? [options.service] : names;
    const services: ServiceStatus[] = [];
    for (const service of wanted) {
      const state = states.get(service);
      services.push(
        await serviceStatus(
          {
            service,
            inPlan: planFile.services[service] !== undefined,
            targetUrl: planFile.services[service]?.target?.url,
            phase: phases.get(service)?.phase ?? 'planned',
            state,
            slot: slotByName.get(state?.slotName ?? slotName(service)),
          },
          monolith,
          maxRetained,
          now,
        ),
      );
    }
    const known = new Set(names.map((n) => states.get(n)?.slotName ?? slotName(n)));
    const orphanSlots = options.service === undefined ? slots.filter((s) => !known.has(s.name)) : [];
    const warnings = [
      ...services.flatMap((s) => s.warnings.map((w) => `${s.service}: ${w}`)),
      ...orphanSlots.map((s) => `replication slot ${s.name} belongs to no service of the plan (${s.active ? 'active' : 'inactive'}, retaining ${formatBytes(s.retainedBytes)} of WAL): drop it if nobody needs it: SELECT pg_drop_replication_slot('${s.name}')`),
    ];
    const wal = await monolith.query<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn');
    return { generatedAt: new Date(now).toISOString(), monolith: maskUrl(monolithUrl), currentWalLsn: wal.rows[0]!.lsn, maxRetainedWalBytes: maxRetained, services, orphanSlots, warnings };
  } catch (e) {
    throw asSyncError(e, 'dbsplit shadow status');
  } finally {
    await monolith.end().catch(() => undefined);
  }
}

/** `1GB`, `512MB`, `64kB`, `1073741824`: bytes (units of 1024, as PostgreSQL counts them). */
export function parseByteSize(text: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmgt]?i?b?)?\s*$/i.exec(text);
  if (!m) return undefined;
  const unit = (m[2] ?? '').toLowerCase().replace(/i?b$/, '');
  const power = { '': 0, k: 1, m: 2, g: 3, t: 4 }[unit];
  if (power === undefined) return undefined;
  return Math.round(Number(m[1]) * 1024 ** power);
}
