import type pg from 'pg';
import { connect } from '../../db/connect.js';
import { CONTROL_SCHEMA, controlSchemaVersion } from '../../db/control-schema.js';
import { journaled } from '../../db/journal.js';
import { setPhase, type Phase } from '../../cutover/phases.js';
import { ConfigError, PreconditionError } from '../../errors.js';
import { sqlLiteral } from '../../generate/ddl/names.js';
import type { PlanFile } from '../../plan/plan-file.js';
import { maskUrl } from '../../redact.js';
import { formatBytes } from '../../report/text-table.js';
import { publicationName, slotName } from '../contract.js';
import { dropPublicationSql, inspectPublication } from '../source/publication.js';
import { dropSlot, dropSlotSql, inspectSlot, terminateSlotSql } from '../source/replication.js';
import { monolithUrlOf } from '../source/service-tables.js';
import { asSyncError } from './errors.js';
import { readPhase } from './session.js';
import { deleteSyncStateSql, readSyncStates, setDesiredSql, type SyncStateRow } from './sync-state.js';

/**
 * `shadow stop` asks the runner to exit (it polls `_dbsplit.sync_state.desired`) and waits
 * for the slot to be released; the slot stays, so `shadow run` resumes where it stopped.
 * `shadow cancel` undoes `shadow start` on the monolith: slot, publication, sync state, phase.
 * The target's data is never touched by either.
 */

interface MonolithContext {
  readonly planFile: PlanFile;
  readonly monolith: pg.Client;
  readonly monolithUrl: string;
  readonly state: SyncStateRow | undefined;
  readonly slot: string;
  readonly publication: string;
}

async function open(planPath: string, service: string, url: string | undefined, app: string): Promise<MonolithContext> {
  const { loadPlanFile } = await import('../../plan/load-plan.js');
  const planFile = await loadPlanFile(planPath);
  const monolithUrl = monolithUrlOf(planFile, url);
  const monolith = await connect(monolithUrl, { applicationName: app });
  try {
    const state = (await readSyncStates(monolith, service))[0];
    // A service removed from the plan can still be cancelled, as long as dbsplit started it.
    if (!planFile.services[service] && !state && !(await inspectSlot(monolith, slotName(service)))) {
      const names = Object.keys(planFile.services).sort();
      throw new ConfigError('E_UNKNOWN_SERVICE', `unknown service "${service}" in ${planPath}`, `services in the plan: ${names.join(', ') || '(none)'}`);
    }
    return { planFile, monolith, monolithUrl, state, slot: state?.slotName ?? slotName(service), publication: state?.publication ?? publicationName(service) };
  } catch (e) {
    await monolith.end().catch(() => undefined);
    throw asSyncError(e, app);
  }
}

export interface StopOptions {
  readonly planPath: string;
  readonly service: string;
  readonly url?: string | undefined;
  /** How long to wait for the runner to release the slot. */
  readonly timeoutMs: number;
  readonly pollMs?: number;
}

export interface StopResult {
  readonly service: string;
  readonly slot: string;
  readonly slotExists: boolean;
  /** A runner was attached to the slot when stop was asked. */
  readonly wasActive: boolean;
  /** The slot is inactive now (the runner exited, or there was none). */
  readonly stopped: boolean;
  readonly waitedMs: number;
  readonly retainedWalBytes: number | null;
  readonly activePid: number | null;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function stopShadow(options: StopOptions): Promise<StopResult> {
  const ctx = await open(options.planPath, options.service, options.url, 'dbsplit shadow stop');
  const { monolith } = ctx;
  try {
    if (!ctx.state) throw new PreconditionError(`shadow sync of ${options.service} is not started: nothing to stop`, `dbsplit shadow status shows what runs`);
    await journaled(monolith, options.service, 'shadow-stop', 'set-desired', () => monolith.query(setDesiredSql(options.service, 'stopped')));
    const started = Date.now();
    let slot = await inspectSlot(monolith, ctx.slot);
    const wasActive = slot?.active ?? false;
    while (slot?.active && Date.now() - started < options.timeoutMs) {
      await sleep(options.pollMs ?? 250);
      slot = await inspectSlot(monolith, ctx.slot);
    }
    return {
      service: options.service,
      slot: ctx.slot,
      slotExists: slot !== undefined,
      wasActive,
      stopped: !slot?.active,
      waitedMs: Date.now() - started,
      retainedWalBytes: slot?.retainedBytes ?? null,
      activePid: slot?.activePid ?? null,
    };
  } catch (e) {
    throw asSyncError(e, `dbsplit shadow stop ${options.service}`);
  } finally {
    await monolith.end().catch(() => undefined);
  }
}

export interface CancelOptions {
  readonly planPath: string;
  readonly service: string;
  readonly url?: string | undefined;
  readonly dryRun: boolean;
}

export type CancelStepKind = 'set-desired' | 'terminate-runner' | 'drop-slot' | 'drop-publication' | 'delete-sync-state' | 'record-phase';

export interface CancelStep {
  readonly kind: CancelStepKind;
  readonly title: string;
  readonly sql: readonly string[];
}

export interface CancelResult {
  readonly service: string;
  readonly dryRun: boolean;
  readonly monolith: string;
  readonly phaseBefore: Phase;
  readonly phase: Phase;
  readonly steps: readonly CancelStep[];
  readonly done: readonly CancelStepKind[];
  /** Pid of a walsender ended because a runner was still attached. */
  readonly terminatedPid: number | null;
  /** The target whose data was left in place (masked). */
  readonly target: string | null;
  readonly nothingToDo: boolean;
}

/** Cancel is for a sync that has not moved reads: from then on the service is the source. */
const CANCELLABLE: readonly Phase[] = ['planned', 'provisioned', 'shadowing'];

export async function cancelShadow(options: CancelOptions): Promise<CancelResult> {
  const ctx = await open(options.planPath, options.service, options.url, 'dbsplit shadow cancel');
  const { monolith, service } = { ...ctx, service: options.service };
  try {
    const phaseBefore = await readPhase(monolith, service);
    if (!CANCELLABLE.includes(phaseBefore)) {
      throw new PreconditionError(`service ${service} is in phase ${phaseBefore}: its reads already moved to the service, so its shadow sync cannot be cancelled`, 'roll the cutover back to shadowing first (dbsplit status shows the phase)');
    }
    const slot = await inspectSlot(monolith, ctx.slot);
    const pub = await inspectPublication(monolith, ctx.publication);
    const svcLit = sqlLiteral(service);
    const steps: CancelStep[] = [];
    if (ctx.state) steps.push({ kind: 'set-desired', title: 'ask the runner to stop', sql: [setDesiredSql(service, 'stopped')] });
    if (slot?.active) steps.push({ kind: 'terminate-runner', title: `end the process still reading the slot (pid ${slot.activePid})`, sql: [terminateSlotSql(ctx.slot)] });
    if (slot) steps.push({ kind: 'drop-slot', title: `drop replication slot ${ctx.slot} (it retains ${formatBytes(slot.retainedBytes)} of WAL)`, sql: [dropSlotSql(ctx.slot)] });
    if (pub) steps.push({ kind: 'drop-publication', title: `drop publication ${ctx.publication} (${pub.tables.length} tables)`, sql: [dropPublicationSql(ctx.publication)] });
    if (ctx.state) steps.push({ kind: 'delete-sync-state', title: `forget the sync state of ${service}`, sql: [deleteSyncStateSql(service)] });
    if (phaseBefore === 'shadowing') steps.push({ kind: 'record-phase', title: 'phase back to provisioned', sql: [`UPDATE ${CONTROL_SCHEMA}.services SET phase = 'provisioned' WHERE name = ${svcLit}`] });
    const targetUrl = ctx.planFile.services[service]?.target?.url;
    const base = { service, dryRun: options.dryRun, monolith: maskUrl(ctx.monolithUrl), phaseBefore, steps, target: targetUrl ? maskUrl(targetUrl) : null, nothingToDo: steps.length === 0 };
    if (options.dryRun || steps.length === 0) return { ...base, phase: phaseBefore, done: [], terminatedPid: null };

    const done: CancelStepKind[] = [];
    let terminatedPid: number | null = null;
    const journal = (await controlSchemaVersion(monolith)) > 0;
    const step = async (kind: CancelStepKind, fn: () => Promise<unknown>) => {
      if (journal) await journaled(monolith, service, 'shadow-cancel', kind, fn);
      else await fn();
      done.push(kind);
    };
    for (const s of steps) {
      switch (s.kind) {
        case 'set-desired':
          await step('set-desired', () => monolith.query(setDesiredSql(service, 'stopped')));
          break;
        case 'terminate-runner':
          // Done by dropSlot, which also catches a runner reconnecting meanwhile.
          break;
        case 'drop-slot':
          await step('drop-slot', async () => {
            terminatedPid = (await dropSlot(monolith, ctx.slot)).terminated;
            if (terminatedPid !== null) done.push('terminate-runner');
          });
          break;
        case 'drop-publication':
          await step('drop-publication', () => monolith.query(dropPublicationSql(ctx.publication)));
          break;
        case 'delete-sync-state':
          await step('delete-sync-state', () => monolith.query(deleteSyncStateSql(service)));
          break;
        case 'record-phase':
          await step('record-phase', () => setPhase(monolith, service, 'provisioned', ['shadowing'], { cancelled: true }));
          break;
      }
    }
    return { ...base, phase: await readPhase(monolith, service), done, terminatedPid };
  } catch (e) {
    throw asSyncError(e, `dbsplit shadow cancel ${service}`);
  } finally {
    await monolith.end().catch(() => undefined);
  }
}
