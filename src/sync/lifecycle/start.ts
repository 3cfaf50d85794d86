import { CONTROL_SCHEMA, ensureControlSchema } from '../../db/control-schema.js';
import { journaled } from '../../db/journal.js';
import { setPhase, type Phase } from '../../cutover/phases.js';
import { PreconditionError, UsageError } from '../../errors.js';
import { sqlLiteral } from '../../generate/ddl/names.js';
import { maskUrl } from '../../redact.js';
import { copyTables, DEFAULT_JOBS, temporarySlotName } from '../backfill/pending.js';
import { sourceCopySql, targetCopySql } from '../backfill/copy-table.js';
import type { BackfillListener, TableCopyResult } from '../backfill/events.js';
import { ensurePosition, readBackfillRows, resetTargetState, truncateAll, truncateAllSql, type BackfillStatus } from '../backfill/target-state.js';
import { TARGET_STATE_SCHEMA } from '../contract.js';
import { evaluatePreconditions, preconditionError, readSourceFacts, readTargetFacts } from '../preconditions.js';
import { ensurePublication, inspectPublication, publicationAction, publicationSql, type PublicationAction } from '../source/publication.js';
import { createExportedSlot, createSlotSql, inspectSlot, type ExportedSlot } from '../source/replication.js';
import { findSyncTable, loadSyncService, type SyncService, type SyncTable } from '../source/service-tables.js';
import { ensureTargetState } from '../target-tables.js';
import { asSyncError } from './errors.js';
import { releaseRunnerLock, runnerActiveError, tryRunnerLock } from './runner-lock.js';
import { openSyncSession, readPhase, type SyncSession } from './session.js';
import { readSyncStates, summarize, updateBackfillSummary, upsertSyncState, type BackfillSummary } from './sync-state.js';

/**
 * `dbsplit shadow start <service>`: check the preconditions, create the publication and the
 * slot, and backfill the target inside the slot's exported snapshot, so that the stream, which
 * starts at the slot's consistent point, continues exactly where the copy ends. Run again, it
 * resumes: tables not done (a crash mid-backfill) are copied inside the snapshot of a
 * temporary slot; `--table` re-copies one table the same way.
 */

export const ACTION = 'shadow-start';

export interface StartOptions {
  readonly planPath: string;
  readonly service: string;
  readonly url?: string | undefined;
  readonly jobs?: number | undefined;
  /** Re-copy this table (`schema.table` or a bare name), done or not. */
  readonly table?: string | undefined;
  readonly dryRun: boolean;
  readonly onEvent?: BackfillListener | undefined;
}

export type StartStepKind = 'publication' | 'slot' | 'target-state' | 'record-sync-state' | 'backfill';

export interface StartStep {
  readonly kind: StartStepKind;
  readonly title: string;
  readonly sql: readonly string[];
}

export interface StartTable {
  readonly table: string;
  readonly target: string;
  readonly shared: boolean;
  /** Backfill status before this run (none: never copied into this target). */
  readonly before: BackfillStatus | 'none';
  readonly copy: boolean;
  readonly rowEstimate: number | null;
  readonly sizeBytes: number;
}

export interface StartResult {
  readonly service: string;
  readonly dryRun: boolean;
  readonly monolith: string;
  readonly target: string;
  readonly slot: string;
  readonly publication: string;
  readonly transport: string;
  readonly slotCreated: boolean;
  readonly publicationAction: PublicationAction;
  /** The slot's consistent point (a new slot), or where its stream resumes. */
  readonly streamFrom: string | null;
  readonly phaseBefore: Phase;
  readonly phase: Phase;
  readonly tables: readonly StartTable[];
  readonly steps: readonly StartStep[];
  readonly copied: readonly TableCopyResult[];
  readonly backfill: BackfillSummary | null;
  readonly ms: number;
}

interface Prepared {
  readonly slotExists: boolean;
  readonly streamFrom: string | null;
  readonly pubAction: PublicationAction;
  readonly toCopy: readonly SyncTable[];
  readonly tables: readonly StartTable[];
  readonly steps: readonly StartStep[];
  readonly columns: ReadonlyMap<string, { columns: readonly string[] }>;
}

function planSteps(svc: SyncService, session: SyncSession, p: Omit<Prepared, 'steps' | 'tables'>, phase: Phase): StartStep[] {
  const steps: StartStep[] = [];
  const sql = publicationSql(p.pubAction, svc.publication, svc.tables);
  if (sql !== undefined) steps.push({ kind: 'publication', title: `${p.pubAction} publication ${svc.publication} of ${svc.tables.length} tables`, sql: [sql] });
  if (!p.slotExists) {
    steps.push({
      kind: 'slot',
      title: `create logical replication slot ${svc.slot} (pgoutput), exporting its snapshot`,
      sql: ['-- on a replication connection to the monolith', createSlotSql(svc.slot, { temporary: false, serverVersionNum: session.serverVersionNum })],
    });
  }
  const svcLit = sqlLiteral(svc.service);
  steps.push({
    kind: 'target-state',
    title: p.slotExists ? `keep the target's position (the slot streams from ${p.streamFrom})` : `reset ${TARGET_STATE_SCHEMA} for ${svc.service} on the target (every table pending, position = the slot's consistent point) and empty its tables`,
    sql: p.slotExists
      ? [`INSERT INTO ${TARGET_STATE_SCHEMA}.position (service, lsn) VALUES (${svcLit}, '${p.streamFrom}') ON CONFLICT (service) DO NOTHING`]
      : [
          `DELETE FROM ${TARGET_STATE_SCHEMA}.backfill WHERE service = ${svcLit}`,
          `INSERT INTO ${TARGET_STATE_SCHEMA}.position (service, lsn) VALUES (${svcLit}, '<consistent point>') ON CONFLICT (service) DO UPDATE SET lsn = EXCLUDED.lsn`,
          truncateAllSql(svc.tables.map((t) => t.target)),
        ],
  });
  steps.push({
    kind: 'record-sync-state',
    title: `record the slot and publication in ${CONTROL_SCHEMA}.sync_state; phase shadowing (now ${phase})`,
    sql: [
      `INSERT INTO ${CONTROL_SCHEMA}.sync_state (service, slot_name, publication, transport) VALUES (${svcLit}, ${sqlLiteral(svc.slot)}, ${sqlLiteral(svc.publication)}, ${sqlLiteral(svc.transport)}) ON CONFLICT (service) DO UPDATE SET slot_name = EXCLUDED.slot_name, publication = EXCLUDED.publication, transport = EXCLUDED.transport`,
      `UPDATE ${CONTROL_SCHEMA}.services SET phase = 'shadowing' WHERE name = ${svcLit}`,
    ],
  });
  if (p.toCopy.length > 0) {
    const sql: string[] = [];
    if (p.slotExists) sql.push('-- inside the snapshot of a temporary slot, on a replication connection:', createSlotSql(temporarySlotName(svc.slot), { temporary: true, serverVersionNum: session.serverVersionNum }));
    for (const t of p.toCopy) {
      const task = { table: t, columns: p.columns.get(t.key)?.columns ?? [] };
      sql.push(`-- ${t.key}: one target transaction: empty ${t.target.schema}.${t.target.name}, copy, mark done`, `${sourceCopySql(task)}  -- piped into:`, targetCopySql(task));
    }
    steps.push({ kind: 'backfill', title: `copy ${p.toCopy.length} table${p.toCopy.length === 1 ? '' : 's'} in the ${p.slotExists ? 'temporary slot\'s' : 'slot\'s'} snapshot`, sql });
  }
  return steps;
}

async function prepare(svc: SyncService, session: SyncSession, options: StartOptions, phase: Phase): Promise<Prepared> {
  const { monolith, target } = session;
  const source = await readSourceFacts(monolith, svc);
  const slot = await inspectSlot(monolith, svc.slot);
  if (source.slotExists && !slot) {
    throw new PreconditionError(`a replication slot named ${svc.slot} exists on the monolith's server for another database`, `slot names are per server: drop it there (SELECT pg_drop_replication_slot('${svc.slot}')) or rename the service`);
  }
  const slotExists = slot !== undefined;
  const forced = options.table !== undefined ? findSyncTable(svc, options.table) : undefined;
  if (forced && !slotExists) throw new UsageError(`--table re-copies one table of a started shadow sync, and ${svc.service} has none yet`, `run dbsplit shadow start ${svc.service} without --table first`);
  const rows = target ? await readBackfillRows(target, svc.service) : new Map();
  const toCopy = !slotExists ? svc.tables : forced ? [forced] : svc.tables.filter((t) => rows.get(t.key)?.status !== 'done');
  const readiness = await readTargetFacts(monolith, target, svc.tables, phase);
  const slotsNeeded = slotExists ? (toCopy.length > 0 ? 1 : 0) : 1;
  const problems = evaluatePreconditions(svc.service, source, readiness.facts, { slotsNeeded });
  if (problems.length > 0) throw preconditionError(svc.service, problems);
  const pubAction = publicationAction(await inspectPublication(monolith, svc.publication), svc.tables);
  const copying = new Set(toCopy.map((t) => t.key));
  const tables: StartTable[] = svc.tables.map((t) => ({
    table: t.key,
    target: `${t.target.schema}.${t.target.name}`,
    shared: t.shared,
    before: slotExists ? ((rows.get(t.key)?.status as BackfillStatus | undefined) ?? 'none') : 'none',
    copy: copying.has(t.key),
    rowEstimate: t.rowEstimate !== undefined && t.rowEstimate >= 0 ? t.rowEstimate : null,
    sizeBytes: t.sizeBytes,
  }));
  const streamFrom = slot ? (slot.confirmedFlushLsn ?? slot.restartLsn) : null;
  const base = { slotExists, streamFrom, pubAction, toCopy, columns: readiness.columns };
  return { ...base, tables, steps: planSteps(svc, session, base, phase) };
}

export async function startShadow(options: StartOptions): Promise<StartResult> {
  const started = Date.now();
  const svc = await loadSyncService({ planPath: options.planPath, service: options.service, url: options.url });
  const session = await openSyncSession(svc, 'dbsplit shadow start');
  const { monolith, target } = session;
  let locked = false;
  let exported: ExportedSlot | undefined;
  try {
    const phaseBefore = await readPhase(monolith, svc.service);
    const p = await prepare(svc, session, options, phaseBefore);
    // Work on the target excludes a runner (it holds this lock while it streams); with nothing
    // to do, start only reports, whoever runs.
    const work = !p.slotExists || p.toCopy.length > 0 || p.pubAction !== 'none';
    if (target && work) {
      locked = await tryRunnerLock(target, svc.service);
      if (!locked) throw runnerActiveError(svc.service, (await readSyncStates(monolith, svc.service))[0]);
    }
    const result = (over: Partial<StartResult>): StartResult => ({
      service: svc.service,
      dryRun: options.dryRun,
      monolith: maskUrl(svc.monolithUrl),
      target: svc.target.masked,
      slot: svc.slot,
      publication: svc.publication,
      transport: svc.transport,
      slotCreated: false,
      publicationAction: p.pubAction,
      streamFrom: p.streamFrom,
      phaseBefore,
      phase: phaseBefore,
      tables: p.tables,
      steps: p.steps,
      copied: [],
      backfill: null,
      ms: Date.now() - started,
      ...over,
    });
    if (options.dryRun) return result({});

    const tgt = target!;
    await ensureControlSchema(monolith);
    await ensureTargetState(tgt);
    const step = <T>(name: string, fn: () => Promise<T>, detail: Record<string, unknown> = {}) => journaled(monolith, svc.service, ACTION, name, fn, detail);
    await step('publication', () => ensurePublication(monolith, svc.publication, svc.tables), { publication: svc.publication, tables: svc.tables.map((t) => t.key) });
    let streamFrom = p.streamFrom;
    if (!p.slotExists) {
      exported = await step('create-slot', () => createExportedSlot(svc.monolithUrl, svc.slot, { temporary: false, serverVersionNum: session.serverVersionNum }), { slot: svc.slot });
      streamFrom = exported.consistentPoint;
      const lsn = exported.consistentPoint;
      await step('reset-target-state', async () => {
        await resetTargetState(tgt, svc.service, lsn, svc.tables.map((t) => t.key));
        await truncateAll(tgt, svc.tables.map((t) => t.target));
      }, { lsn });
    } else {
      await ensurePosition(tgt, svc.service, p.streamFrom!);
    }
    await step('record-sync-state', async () => {
      await upsertSyncState(monolith, { service: svc.service, slot: svc.slot, publication: svc.publication, transport: svc.transport });
      await setPhase(monolith, svc.service, 'shadowing', ['provisioned', 'shadowing'], { slot: svc.slot });
    });
    let copied: readonly TableCopyResult[] = [];
    if (p.toCopy.length > 0) {
      const snapshot = exported;
      exported = undefined;
      const r = await step(
        'backfill',
        () => copyTables({ session, tables: p.toCopy, phase: 'shadowing', jobs: options.jobs ?? DEFAULT_JOBS, snapshot, onEvent: options.onEvent }),
        { tables: p.toCopy.map((t) => t.key), snapshot: snapshot ? 'slot' : 'temporary slot' },
      );
      copied = r.tables;
    }
    const summary = summarize(await readBackfillRows(tgt, svc.service), svc.tables.map((t) => t.key));
    await updateBackfillSummary(monolith, svc.service, summary);
    return result({ slotCreated: !p.slotExists, streamFrom, phase: 'shadowing', copied, backfill: summary, ms: Date.now() - started });
  } catch (e) {
    throw asSyncError(e, `dbsplit shadow start ${svc.service}`);
  } finally {
    await exported?.close();
    if (locked && target) await releaseRunnerLock(target, svc.service);
    await session.close();
  }
}
